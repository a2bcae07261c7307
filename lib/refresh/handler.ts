/**
 * The cache warmer: on a timer, asks MRS for the status of each listed cluster (a few at a
 * time) and writes the answers into the cache, so that API callers get hits. With Redis
 * configured, every instance of the status function shares what it wrote. One cluster's
 * failure is reported beside the others' answers and stops nothing.
 */
import { checkAccess } from '../access/policy';
import { createFunctionHandler } from '../composition/function-handler';
import type { FunctionParts } from '../composition/parts';
import { toAdapterError } from '../errors';
import type { CallOptions } from '../huawei/signed-request';
import { scrubSecrets } from '../log';
import { mapWithConcurrency } from './pool';
import { type RefreshReport, type RefreshResult, refreshRoute } from './route';

/** One run makes at most this many MRS calls, whichever list it was given (after duplicates are dropped). */
export const MAX_REFRESH_CLUSTERS = 100;

export function createRefreshHandler(setUp: () => FunctionParts) {
  return createFunctionHandler(setUp, refreshRoute, async (query, parts, call, invocation): Promise<RefreshReport> => {
    const named = [...new Set(query.clusterIds ?? parts.config.refresh.clusterIds)];
    if (named.length === 0) {
      invocation.log.warn("no clusters to refresh: set REFRESH_CLUSTER_IDS, or list them in the timer's user event");
      return { refreshed: 0, failed: 0, results: [] };
    }
    const clusterIds = named.slice(0, MAX_REFRESH_CLUSTERS);
    const skipped = named.slice(MAX_REFRESH_CLUSTERS);
    if (skipped.length > 0) {
      invocation.log.warn(`refreshing the first ${MAX_REFRESH_CLUSTERS} clusters only; list fewer, or run more refresh functions`, {
        named: named.length,
        skipped,
      });
    }
    const results = await mapWithConcurrency(clusterIds, parts.config.refresh.concurrency, (clusterId) =>
      refreshOne(parts, clusterId, call),
    );
    const failed = results.filter((result) => result.outcome === 'failed');
    if (failed.length > 0) invocation.log.warn('clusters not refreshed', { clusters: failed });
    return { refreshed: results.length - failed.length, failed: failed.length, results, ...(skipped.length > 0 && { skipped }) };
  });
}

async function refreshOne(
  { config, service, defaultProjectId }: FunctionParts,
  clusterId: string,
  call: CallOptions,
): Promise<RefreshResult> {
  try {
    await checkAccess({ clusterId }, config.access, () => defaultProjectId(call));
    // Fresh, and never covered by a stale answer: a failure here must be reported as one.
    const answer = await service.getStatus({ clusterId, fresh: true, allowStale: false }, call);
    return { cluster_id: clusterId, outcome: 'refreshed', is_synchronizing: answer.isSynchronizing, checked_at: answer.checkedAt };
  } catch (error) {
    const failure = toAdapterError(error);
    return { cluster_id: clusterId, outcome: 'failed', error: { code: failure.name, message: scrubSecrets(failure.message) } };
  }
}
