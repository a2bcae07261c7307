/** The IAM-sync read function: one cluster's status, completion or synced names, for every kind of caller. */
import { checkAccess } from '../access/policy';
import { createFunctionHandler } from '../composition/function-handler';
import type { FunctionParts } from '../composition/parts';
import { statusRoute } from './route';

export function createStatusHandler(setUp: () => FunctionParts) {
  return createFunctionHandler(setUp, statusRoute, async ({ read, ...query }, { config, service, defaultProjectId }, call) => {
    await checkAccess(query, config.access, () => defaultProjectId(call));
    return service.read(read, query, call);
  });
}
