/** Deployed as `iam-sync-status` (FunctionGraph handler `index.handler`; the same bundle runs on Lambda). */
import { loadConfig } from '../lib/config';
import { createStatusHandler, statusFunctionParts } from '../lib/status/handler';

export const handler = createStatusHandler(() => statusFunctionParts(loadConfig()));
