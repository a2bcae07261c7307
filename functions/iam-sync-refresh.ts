/** Deployed as `iam-sync-refresh`, run by a timer (FunctionGraph TIMER trigger or AWS EventBridge schedule). */
import { loadConfig } from '../lib/config';
import { createRefreshHandler } from '../lib/refresh/handler';
import { functionParts } from '../lib/composition/parts';

export const handler = createRefreshHandler(() => functionParts(loadConfig()));
