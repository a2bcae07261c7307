/**
 * The wait function: polls one cluster's status until no IAM sync is running, or until this
 * invocation must stop: at `max_wait_seconds`, at the workflow's `wait_until`, or when the
 * invocation's own time (less its margin) runs out, whichever comes first.
 *
 * Polls follow the AWS SDK waiters' schedule (./schedule.ts), shared by every waiter on the
 * cluster in this instance (./timeline.ts); each poll is a fresh read that joins the MRS call
 * already made for its time. A transient MRS failure is one more poll that did not answer:
 * the schedule goes on. ClusterNotFound, or any other lasting error, ends the wait at once.
 */
import { checkAccess } from '../access/policy';
import { createFunctionHandler } from '../composition/function-handler';
import type { FunctionParts } from '../composition/parts';
import { IamSyncStillRunning, IamSyncWaitTimedOut, isTransientUpstreamError } from '../errors';
import type { CallOptions } from '../huawei/signed-request';
import type { Invocation } from '../runtime/invocation';
import type { StatusService } from '../status/service';
import { type WaitAnswer, type WaitQuery, waitRoute } from './route';
import { backoffMs, nextStep } from './schedule';
import { createTimelineRegistry, type TimelineRegistry } from './timeline';

export interface WaiterClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

const realClock: WaiterClock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** A poll accepts an MRS answer asked this long before it (one made for another waiter's poll at about the same time). */
const JOIN_WINDOW_MS = 250;

export function createWaitHandler(setUp: () => FunctionParts, clock: WaiterClock = realClock) {
  const timelines = createTimelineRegistry(clock.random);
  return createFunctionHandler(setUp, waitRoute, async (query, parts, call, invocation) => {
    await checkAccess(query, parts.config.access, () => parts.defaultProjectId(call));
    const projectId = query.projectId ?? (await parts.defaultProjectId(call));
    return waitForSync({ ...query, projectId }, parts.service, timelines, call, invocation, clock);
  });
}

/** Why the wait ended without the sync ending. */
type Bound = 'max-wait' | 'wait-until' | 'invocation';

async function waitForSync(
  query: WaitQuery & { projectId: string },
  service: StatusService,
  timelines: TimelineRegistry,
  call: CallOptions,
  invocation: Invocation,
  { now, sleep, random }: WaiterClock,
): Promise<WaitAnswer> {
  const startedAt = now();
  const { clusterId, waitUntil } = query;
  if (waitUntil !== undefined && waitUntil <= startedAt) throw timedOut(clusterId, waitUntil, 0);
  const bounds: Array<[Bound, number]> = [['max-wait', startedAt + query.maxWaitMs]];
  if (waitUntil !== undefined) bounds.push(['wait-until', waitUntil]);
  if (invocation.deadlineAt !== undefined) bounds.push(['invocation', invocation.deadlineAt]);
  const [bound, endAt] = bounds.reduce((earliest, candidate) => (candidate[1] < earliest[1] ? candidate : earliest));

  const delays = { minDelayMs: query.minDelayMs, maxDelayMs: query.maxDelayMs };
  const joined = timelines.join(`${query.projectId}:${clusterId}`, delays, startedAt);
  const joinWindowMs = Math.min(JOIN_WINDOW_MS, query.minDelayMs / 4);
  let polls = 0;
  /** When MRS gave this waiter's latest answer: a later poll never takes that answer again (the last poll may come within the join window of the one before). */
  let answeredAt = Number.NEGATIVE_INFINITY;
  let lastError: unknown;
  const waited = () => Math.round((now() - startedAt) / 100) / 10;
  try {
    let pollAt = startedAt;
    let last = false;
    for (;;) {
      polls += 1;
      try {
        const notCheckedBefore = Math.max(pollAt - joinWindowMs, answeredAt + 1);
        const answer = await service.getStatus({ clusterId, projectId: query.projectId, notCheckedBefore, allowStale: false }, call);
        answeredAt = Date.parse(answer.checkedAt);
        if (!answer.isSynchronizing) {
          return { cluster_id: clusterId, is_synchronizing: false, done: true, polls, waited_seconds: waited() };
        }
      } catch (error) {
        // A passing MRS failure is a poll that did not answer; anything else ends the wait now.
        if (!isTransientUpstreamError(error)) throw error;
        lastError = error;
        invocation.log.info('a poll got no answer; the schedule goes on', {
          cluster_id: clusterId,
          poll: polls,
          error: { name: (error as Error).name },
        });
      }
      const step = nextStep(joined.timeline.nextAfter(pollAt), endAt, now(), last);
      if (step.kind === 'out-of-time') break;
      await sleep(Math.max(0, step.at - now()));
      pollAt = step.at;
      last = step.last;
    }
  } finally {
    joined.release();
  }
  // No poll was answered at all: the wait knows nothing, and says why.
  if (answeredAt === Number.NEGATIVE_INFINITY) throw lastError;
  if (bound === 'wait-until') throw timedOut(clusterId, waitUntil as number, polls);
  if (query.onTimeout === 'throw') {
    throw new IamSyncStillRunning(
      `The IAM sync on cluster ${JSON.stringify(clusterId)} was still running after ${waited()} s and ${polls} polls, when this invocation had to stop waiting. Retry the wait.`,
    );
  }
  return {
    cluster_id: clusterId,
    is_synchronizing: true,
    done: false,
    polls,
    waited_seconds: waited(),
    // When a workflow's Wait state should call again: the schedule's next delay, in whole seconds.
    next_poll_after_seconds: Math.max(1, Math.ceil(backoffMs(delays, polls, random) / 1000)),
  };
}

function timedOut(clusterId: string, waitUntil: number, polls: number): IamSyncWaitTimedOut {
  return new IamSyncWaitTimedOut(
    `The workflow's wait_until (${new Date(waitUntil).toISOString()}) has passed and the IAM sync on cluster ${JSON.stringify(clusterId)} had not ended (${polls} polls). Decide what to do without it, or start a new wait with a later wait_until.`,
  );
}
