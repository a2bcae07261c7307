/**
 * Deployed as `iam-sync-start` (handler `index.handler`): starts an IAM sync. It writes, so
 * it runs under its own agency with `mrs:cluster:syncUser`, and is off unless
 * IAM_SYNC_START_ENABLED=true.
 */
import { functionParts } from '../lib/composition/parts';
import { loadConfig } from '../lib/config';
import { createStartHandler } from '../lib/start/handler';

export const handler = createStartHandler(() => functionParts(loadConfig()));
