/** Deployed as `iam-sync-status` (FunctionGraph handler `index.handler`; the same bundle runs on Lambda). */
import { loadConfig } from '../lib/config';
import { createStatusHandler } from '../lib/status/handler';
import { functionParts } from '../lib/composition/parts';

export const handler = createStatusHandler(() => functionParts(loadConfig()));
