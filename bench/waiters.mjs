// The waiter section of `npm run bench` (issue 8): the wait bundle (dist/iam-sync-wait,
// built into .bench/deployed) against the emulator in this process, which plays an IAM sync
// of WAITERS.syncMs (a manual flip on, flipped off by a timer here, so its end is known to the
// millisecond). Counted: MRS status reads per cluster. One instance runs one waiter on one
// cluster while another runs WAITERS.concurrent waiters on another, over syncs of the same
// length started at the same moment.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const requireFile = createRequire(import.meta.url);

export const WAITERS = { syncMs: 20_000, minDelaySeconds: 1, maxDelaySeconds: 5, concurrent: 100, maxCallsRatio: 1.2, simulations: 10_000 };
const STATUS_ROUTE = '/v2/{project_id}/clusters/{cluster_id}/iam-sync';
const ONE = 'wait-one';
const MANY = 'wait-many';

/** A small seeded generator, so the schedule's implied counts are the same every run. */
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Polls smithy's schedule (lib/wait/schedule.ts backoffMs) implies for a sync of `syncMs`:
 * the first at once, then each after its drawn delay, until one falls at or after the end (it
 * sees the sync over). Drawn `WAITERS.simulations` times: the fewest, median and most.
 */
function impliedPolls(backoffMs, delays, syncMs) {
  const random = seeded(8);
  const counts = [];
  for (let run = 0; run < WAITERS.simulations; run += 1) {
    let at = 0;
    let polls = 1;
    while (at < syncMs) {
      at += backoffMs(delays, polls, random);
      polls += 1;
    }
    counts.push(polls);
  }
  counts.sort((a, b) => a - b);
  return { min: counts[0], median: counts[Math.ceil(counts.length / 2) - 1], max: counts.at(-1) };
}

/** A fresh copy of the bundle, as a new instance would load it (its own timelines and cache). */
function freshInstance(file) {
  delete requireFile.cache[requireFile.resolve(file)];
  return requireFile(file).handler;
}

export async function measureWaiters(fleetBundle, waitBundle, benchEnv) {
  const { startEmulator, backoffMs } = requireFile(fleetBundle);
  const emulator = await startEmulator({
    projectId: benchEnv.MRS_PROJECT_ID,
    credentials: [{ accessKey: benchEnv.HUAWEICLOUD_SDK_AK, secretKey: benchEnv.HUAWEICLOUD_SDK_SK }],
    clusters: { [ONE]: false, [MANY]: false },
  });
  try {
    Object.assign(process.env, benchEnv, { MRS_ENDPOINT: emulator.url, LOG_LEVEL: 'error' });
    const delays = { minDelayMs: WAITERS.minDelaySeconds * 1000, maxDelayMs: WAITERS.maxDelaySeconds * 1000 };
    /** The delay bound in force after `polls` polls: the largest delay the schedule may draw before the next. */
    const boundAfter = (polls) => backoffMs(delays, polls, () => 1);
    const calls = (cluster) =>
      emulator.requests.filter((r) => r.method === 'GET' && r.route === STATUS_ROUTE && r.path.includes(`/clusters/${cluster}/`)).length;
    const event = (cluster) => ({
      cluster_id: cluster,
      min_delay_seconds: WAITERS.minDelaySeconds,
      max_delay_seconds: WAITERS.maxDelaySeconds,
      max_wait_seconds: Math.ceil((WAITERS.syncMs * 3) / 1000),
    });
    const context = { getRequestID: () => 'bench-wait', getRemainingTimeInMilliSeconds: () => WAITERS.syncMs * 4 };
    const one = freshInstance(waitBundle);
    const many = freshInstance(waitBundle);

    // Both syncs start now and end WAITERS.syncMs later; each end is noted with the calls made before it.
    const ends = {};
    const finish = (cluster) => {
      emulator.setCluster(cluster, false);
      ends[cluster] = { at: Date.now(), callsBefore: calls(cluster) };
    };
    for (const cluster of [ONE, MANY]) emulator.setCluster(cluster, true);
    const timers = [ONE, MANY].map((cluster) => setTimeout(() => finish(cluster), WAITERS.syncMs));
    const waited = (handler, cluster) =>
      handler(event(cluster), context).then((answer) => {
        assert.equal(answer.done, true, `a waiter on ${cluster} stopped before the sync ended: ${JSON.stringify(answer)}`);
        return { answeredAt: Date.now(), polls: answer.polls };
      });
    const [single, crowd] = await Promise.all([
      waited(one, ONE),
      Promise.all(Array.from({ length: WAITERS.concurrent }, () => waited(many, MANY))),
    ]);
    timers.forEach(clearTimeout);
    const implied = impliedPolls(backoffMs, delays, WAITERS.syncMs);
    const endToAnswer = (answers, cluster) => answers.map((a) => a.answeredAt - ends[cluster].at);
    const oneEnd = endToAnswer([single], ONE);
    const manyEnd = endToAnswer(crowd, MANY);
    return {
      settings: WAITERS,
      implied,
      one: {
        calls: calls(ONE),
        polls: single.polls,
        endToAnswerMs: oneEnd[0],
        boundMs: boundAfter(ends[ONE].callsBefore),
        callsBeforeEnd: ends[ONE].callsBefore,
      },
      many: {
        calls: calls(MANY),
        waiters: crowd.length,
        endToAnswerMaxMs: Math.max(...manyEnd),
        endToAnswerMinMs: Math.min(...manyEnd),
        boundMs: boundAfter(ends[MANY].callsBefore),
        callsBeforeEnd: ends[MANY].callsBefore,
      },
    };
  } finally {
    await emulator.close();
  }
}

export function waiterVerdicts(w) {
  return {
    callsVsSchedule: w.one.calls <= w.implied.max,
    concurrentCalls: w.many.calls <= WAITERS.maxCallsRatio * w.one.calls,
    endToAnswer: w.one.endToAnswerMs <= w.one.boundMs && w.many.endToAnswerMaxMs <= w.many.boundMs,
  };
}

export function printWaiters(w, pass) {
  const verdict = (ok) => (ok ? '**PASS**' : '**FAIL**');
  const s = w.settings;
  console.log(
    `\nWaiters (issue 8): the wait bundle, direct events, against the emulator playing an IAM sync of ${s.syncMs / 1000} s (flipped on, flipped off ${s.syncMs / 1000} s later); min_delay_seconds ${s.minDelaySeconds}, max_delay_seconds ${s.maxDelaySeconds}. One instance runs one waiter on one cluster while another runs ${s.concurrent} concurrent waiters on another cluster, both syncs starting together. Calls: MRS status reads the emulator received for the cluster.\n`,
  );
  console.log('| | measured | expected | goal | result |');
  console.log('|---|---:|---:|---|---|');
  console.log(
    `| MRS calls by one waiter over the sync | ${w.one.calls} (its answer: ${w.one.polls} polls) | ${w.implied.max} (smithy's schedule over ${s.simulations.toLocaleString('en-US')} draws: ${w.implied.min}–${w.implied.max}, median ${w.implied.median}) | the same or fewer than the schedule implies | ${verdict(pass.callsVsSchedule)} |`,
  );
  console.log(
    `| MRS calls by ${s.concurrent} concurrent waiters on one cluster | ${w.many.calls} | ${w.one.calls} (one waiter's) | at most ${s.maxCallsRatio}x one waiter's (${(s.maxCallsRatio * w.one.calls).toFixed(1)}) | ${verdict(pass.concurrentCalls)} |`,
  );
  console.log(
    `| sync end to the waiter's answer, one waiter | ${(w.one.endToAnswerMs / 1000).toFixed(2)} s | delay bound then: ${(w.one.boundMs / 1000).toFixed(2)} s (after ${w.one.callsBeforeEnd} polls) | at most the bound | ${verdict(w.one.endToAnswerMs <= w.one.boundMs)} |`,
  );
  console.log(
    `| sync end to the answers, ${s.concurrent} waiters (min / max) | ${(w.many.endToAnswerMinMs / 1000).toFixed(2)} / ${(w.many.endToAnswerMaxMs / 1000).toFixed(2)} s | delay bound then: ${(w.many.boundMs / 1000).toFixed(2)} s (after ${w.many.callsBeforeEnd} calls) | at most the bound | ${verdict(w.many.endToAnswerMaxMs <= w.many.boundMs)} |`,
  );
}
