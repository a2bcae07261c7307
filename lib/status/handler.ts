/** The IAM-sync status function: one cluster's status, for every kind of caller. */
import { checkAccess } from '../access/policy';
import { createFunctionHandler } from '../composition/function-handler';
import type { FunctionParts } from '../composition/parts';
import { statusRoute } from './route';

export function createStatusHandler(setUp: () => FunctionParts) {
  return createFunctionHandler(setUp, statusRoute, async (query, { config, service, defaultProjectId }, call) => {
    await checkAccess(query, config.access, () => defaultProjectId(call));
    return service.getStatus(query, call);
  });
}
