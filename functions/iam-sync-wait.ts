/**
 * Deployed as `iam-sync-wait` (handler `index.handler`): waits until a cluster's IAM sync has
 * ended, or until it must stop. Read-only: the read functions' agency. Give it a platform
 * timeout above the longest wait it is asked for.
 */
import { functionParts } from '../lib/composition/parts';
import { loadConfig } from '../lib/config';
import { createWaitHandler } from '../lib/wait/handler';

export const handler = createWaitHandler(() => functionParts(loadConfig()));
