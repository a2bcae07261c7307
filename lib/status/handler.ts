/** The IAM-sync status function: one cluster's status, for every kind of caller. */
import { checkAccess } from '../access/policy';
import { createFunctionHandler } from '../function-handler';
import type { Route } from '../middleware/trigger-adapter';
import { STATUS_METHODS, STATUS_SHAPES, statusQueryFromDirect, statusQueryFromHttp } from '../triggers/status-route';
import type { FunctionParts } from './parts';
import type { StatusAnswer, StatusQuery } from './service';

export interface StatusBody {
  readonly cluster_id: string;
  readonly is_synchronizing: boolean;
  /** When MRS was asked; older than the response when the answer came from the cache. */
  readonly checked_at: string;
  readonly cache: { readonly status: 'hit' | 'miss' | 'stale'; readonly age_seconds: number };
}

export const statusRoute: Route<StatusQuery, StatusAnswer> = {
  acceptedShapes: STATUS_SHAPES,
  fromHttp: statusQueryFromHttp,
  httpMethods: STATUS_METHODS,
  fromDirect: statusQueryFromDirect,
  toBody: (answer): StatusBody => ({
    cluster_id: answer.clusterId,
    is_synchronizing: answer.isSynchronizing,
    checked_at: answer.checkedAt,
    cache: { status: answer.cache.status, age_seconds: answer.cache.ageSeconds },
  }),
  httpHeaders: ({ cache }) => ({
    'Cache-Control': `max-age=${cache.maxAgeSeconds}`,
    Age: String(cache.ageSeconds),
    'X-Cache': cache.status.toUpperCase(),
  }),
};

export function createStatusHandler(setUp: () => FunctionParts) {
  return createFunctionHandler(setUp, statusRoute, async (query, { config, service }, call) => {
    checkAccess(query, config.access, config.projectId);
    return service.getStatus(query, call);
  });
}
