/**
 * The cache warmer: on a timer, asks MRS for the status of each listed cluster (a few at a
 * time) and writes the answers into the cache, so that API callers get hits. With Redis
 * configured, every instance of the status function shares what it wrote. One cluster's
 * failure is reported beside the others' answers and stops nothing.
 */
import { checkAccess } from '../access/policy';
import type { Config } from '../config';
import { ConfigurationError, toAdapterError } from '../errors';
import { createFunctionHandler } from '../function-handler';
import { scrubSecrets } from '../log';
import type { Route } from '../middleware/trigger-adapter';
import type { CallOptions } from '../mrs/client';
import type { FunctionParts } from '../status/parts';
import type { StatusService } from '../status/service';
import { mapWithConcurrency } from './pool';
import { REFRESH_SHAPES, refreshQueryFromDirect, refreshQueryFromTimer, type RefreshQuery } from './route';

export type RefreshResult =
  | { readonly cluster_id: string; readonly outcome: 'refreshed'; readonly is_synchronizing: boolean; readonly checked_at: string }
  | { readonly cluster_id: string; readonly outcome: 'failed'; readonly error: { readonly code: string; readonly message: string } };

export interface RefreshReport {
  readonly refreshed: number;
  readonly failed: number;
  readonly results: readonly RefreshResult[];
}

export const refreshRoute: Route<RefreshQuery, RefreshReport> = {
  acceptedShapes: REFRESH_SHAPES,
  fromTimer: refreshQueryFromTimer,
  fromDirect: refreshQueryFromDirect,
  toBody: (report) => report,
};

export function createRefreshHandler(setUp: () => FunctionParts) {
  return createFunctionHandler(setUp, refreshRoute, async (query, { config, service }, call, invocation) => {
    const clusterIds = query.clusterIds ?? config.refresh.clusterIds;
    if (clusterIds.length === 0) {
      throw new ConfigurationError("No clusters to refresh: set REFRESH_CLUSTER_IDS, or list them in the timer's user event.");
    }
    const results = await mapWithConcurrency(clusterIds, config.refresh.concurrency, (clusterId) => refreshOne(config, service, clusterId, call));
    const failed = results.filter((result) => result.outcome === 'failed');
    if (failed.length > 0) invocation.log.warn('clusters not refreshed', { clusters: failed });
    return { refreshed: results.length - failed.length, failed: failed.length, results };
  });
}

async function refreshOne(config: Config, service: StatusService, clusterId: string, call: CallOptions): Promise<RefreshResult> {
  try {
    checkAccess({ clusterId }, config.access, config.projectId);
    // Fresh, and never covered by a stale answer: a failure here must be reported as one.
    const answer = await service.getStatus({ clusterId, fresh: true, allowStale: false }, call);
    return { cluster_id: clusterId, outcome: 'refreshed', is_synchronizing: answer.isSynchronizing, checked_at: answer.checkedAt };
  } catch (error) {
    const failure = toAdapterError(error);
    return { cluster_id: clusterId, outcome: 'failed', error: { code: failure.name, message: scrubSecrets(failure.message) } };
  }
}
