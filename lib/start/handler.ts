/**
 * The start function: starts an IAM sync on one cluster, safely.
 *
 * - Off unless IAM_SYNC_START_ENABLED=true (OperationDisabled, and MRS is not asked); it runs
 *   under its own agency, the only one that needs `mrs:cluster:syncUser`.
 * - With an idempotency key, the record is consulted first: a replay arrives while the sync
 *   it started is still running, and must get the first answer back, not "already running".
 * - It reads the status fresh before it posts: with a sync running, `if_running: "fail"`
 *   answers IamSyncInProgress and `"skip"` a plain "not started"; MRS's own 12000154 counts
 *   the same way.
 * - A start is not idempotent: the client retries it only when MRS provably did not act, and
 *   answers SyncStartOutcomeUnknown otherwise.
 * - Once started, the cached answers about the cluster are dropped, so the next status read
 *   asks MRS (and says `true`).
 */
import { createHash } from 'node:crypto';
import { checkAccess } from '../access/policy';
import { createFunctionHandler } from '../composition/function-handler';
import type { FunctionParts } from '../composition/parts';
import { IamSyncInProgress, IdempotencyInProgress, IdempotencyKeyMismatch, OperationDisabled } from '../errors';
import type { CallOptions } from '../huawei/signed-request';
import type { MrsTarget } from '../mrs/client';
import type { Invocation } from '../runtime/invocation';
import { type StartAnswer, type StartQuery, startRoute } from './route';

/** How long a claim is held when the platform gives no deadline. */
const DEFAULT_CLAIM_MS = 60_000;

export function createStartHandler(setUp: () => FunctionParts, now: () => number = Date.now) {
  return createFunctionHandler(setUp, startRoute, async (query, parts, call, invocation): Promise<StartAnswer> => {
    if (!parts.config.start.enabled) {
      throw new OperationDisabled(
        'Starting IAM syncs is off for this function (IAM_SYNC_START_ENABLED is not true); MRS was not asked. Ask its operator to enable it.',
      );
    }
    await checkAccess(query, parts.config.access, () => parts.defaultProjectId(call));
    const target = { projectId: query.projectId ?? (await parts.defaultProjectId(call)), clusterId: query.clusterId };
    if (query.idempotencyKey === undefined) return start(parts, target, query, call, invocation, now);

    const { idempotencyKey: key } = query;
    const requestHash = hashOf(target, query);
    const held = await parts.idempotency.claim(key, requestHash, invocation.deadlineAt ?? now() + DEFAULT_CLAIM_MS);
    if (held !== undefined) {
      if (held.requestHash !== requestHash) {
        throw new IdempotencyKeyMismatch('This idempotency key was used before with a different request. Use a new key for a new request.');
      }
      if (held.status === 'in-progress') {
        throw new IdempotencyInProgress('A request with this idempotency key is still being carried out. Retry shortly to get its result.');
      }
      invocation.log.info('start replayed from its idempotency record', { cluster_id: target.clusterId });
      return { ...(held.result as StartAnswer), replayed: true };
    }
    try {
      const answer = await start(parts, target, query, call, invocation, now);
      await parts.idempotency.complete(key, requestHash, answer, now() + parts.config.start.idempotencyTtlMs);
      return answer;
    } catch (error) {
      // A failed first call leaves no record, so that the workflow's retry can proceed.
      await parts.idempotency.release(key);
      throw error;
    }
  });
}

async function start(
  parts: FunctionParts,
  target: MrsTarget,
  query: StartQuery,
  call: CallOptions,
  invocation: Invocation,
  now: () => number,
): Promise<StartAnswer> {
  const running = await parts.service.getStatus({ ...target, fresh: true, allowStale: false }, call);
  if (running.isSynchronizing) return alreadyRunning(target, query);
  try {
    const { state, requestId } = await parts.client.startIamSync(target, query.sync, call);
    const startedAt = new Date(now()).toISOString();
    invocation.log.info('IAM sync started', {
      cluster_id: target.clusterId,
      state,
      upstream_request_id: requestId,
      all: query.sync.isAllSync === true,
    });
    return { cluster_id: target.clusterId, started: true, state, started_at: startedAt };
  } catch (error) {
    if (error instanceof IamSyncInProgress) return alreadyRunning(target, query, error);
    throw error;
  } finally {
    // Whatever happened, what the cache says about the cluster may be out of date now.
    await parts.service.forget(target);
  }
}

function alreadyRunning({ clusterId }: MrsTarget, { ifRunning }: StartQuery, fromMrs?: IamSyncInProgress): StartAnswer {
  if (ifRunning === 'skip') return { cluster_id: clusterId, started: false, reason: 'already-running' };
  throw (
    fromMrs ??
    new IamSyncInProgress(
      `An IAM sync is already running on cluster ${JSON.stringify(clusterId)}, so none was started. Wait for it to end (iam-sync-wait), or send "if_running": "skip".`,
    )
  );
}

/** What makes two starts the same request: the target and what to sync (names in any order), and what to do if one runs. */
function hashOf(target: MrsTarget, { sync, ifRunning }: StartQuery): string {
  const canonical = JSON.stringify([
    target.projectId,
    target.clusterId,
    sync.isAllSync === true,
    [...(sync.userNames ?? [])].sort(),
    [...(sync.groupNames ?? [])].sort(),
    ifRunning,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
