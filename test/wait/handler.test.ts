/**
 * The wait function with a stub MRS client on a virtual clock: the schedule it polls on,
 * how it ends (done, out of time, wait_until, the invocation's deadline), failures during
 * the wait, its validation, its HTTP long poll, and a hundred waiters on one cluster.
 */
import fc from 'fast-check';
import { functionParts } from '../../lib/composition/parts';
import { loadConfig } from '../../lib/config';
import {
  ClusterNotFound,
  UpstreamAuthFailed,
  UpstreamRejected,
  UpstreamThrottled,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../../lib/errors';
import { createLogger } from '../../lib/log';
import { createStatusService } from '../../lib/status/service';
import { createWaitHandler, type WaiterClock } from '../../lib/wait/handler';
import { backoffMs, LAST_POLL_LEAD_MS } from '../../lib/wait/schedule';
import { HTTP_SHAPES, httpEvent } from '../fixtures/events';
import { stubMrsClient } from '../fixtures/mrs-client';

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A clock whose time moves only when every waiter is asleep: then it jumps to the earliest
 * wake-up. The work between sleeps is all promise callbacks (stub client, memory cache), so
 * "everyone asleep" is when the event loop reaches a check phase with timers pending.
 */
function virtualClock(random: () => number): WaiterClock & { readonly start: number; elapsed(): number } {
  // Near real time, because the invocation's deadline is worked out from Date.now().
  const start = Date.now();
  let now = start;
  let seq = 0;
  let scheduled = false;
  const timers: Array<{ at: number; seq: number; wake: () => void }> = [];
  const advance = () => {
    scheduled = false;
    if (timers.length === 0) return;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    now = Math.max(now, (timers[0] as { at: number }).at);
    const due = timers.filter((timer) => timer.at <= now);
    timers.splice(0, due.length);
    for (const timer of due) timer.wake();
    kick();
  };
  const kick = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => setImmediate(advance));
  };
  return {
    start,
    elapsed: () => now - start,
    now: () => now,
    random,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        timers.push({ at: now + Math.max(0, ms), seq: seq++, wake });
        kick();
      }),
  };
}

/** A random source that plays `values` again and again. */
function cycling(values: readonly number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

/** Whether the cluster syncs at `at` ms after the clock's start, or what the call throws. */
type Script = (call: number, at: number) => boolean | Error;

interface HarnessOptions {
  /** The sync runs from the start for this long (virtual ms); Infinity: it never ends. Default: not running. */
  syncMs?: number;
  script?: Script;
  /** Virtual time each MRS call takes. */
  latencyMs?: number;
  random?: () => number;
  env?: Record<string, string>;
}

function harness(options: HarnessOptions = {}) {
  const clock = virtualClock(options.random ?? (() => 0.5));
  const syncMs = options.syncMs ?? 0;
  const script: Script = options.script ?? ((_call, at) => at < syncMs);
  /** When each MRS call was made, in virtual ms after the start. */
  const calls: number[] = [];
  const logs: string[] = [];
  const client = stubMrsClient({
    async getIamSyncStatus() {
      const at = clock.elapsed();
      calls.push(at);
      const outcome = script(calls.length, at);
      if (options.latencyMs) await clock.sleep(options.latencyMs);
      if (outcome instanceof Error) throw outcome;
      return { isSynchronizing: outcome, requestId: `mrs-${calls.length}` };
    },
  });
  const handler = createWaitHandler(() => {
    const config = loadConfig({ MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p1', ...options.env });
    const parts = functionParts(config, { client, log: createLogger({ level: 'debug', write: (line) => logs.push(line) }) });
    // The service's clock is the waiters' clock, as Date.now is both in production.
    const service = createStatusService({
      client,
      endpoint: config.endpoint,
      defaultProjectId: parts.defaultProjectId,
      cache: config.cache,
      now: clock.now,
    });
    return { ...parts, service };
  }, clock) as (event: unknown, context: unknown) => Promise<unknown>;
  const invoke = (event: unknown, context: unknown = {}) => handler(event, context);
  return { clock, calls, logs, invoke };
}

/** smithy's runPolling against a sync that ends `syncMs` after the first poll: when it polls, the last time seeing it done. */
function smithyPollTimes(minDelayMs: number, maxDelayMs: number, syncMs: number, random: () => number): number[] {
  const ceiling = Math.log(maxDelayMs / minDelayMs) / Math.log(2) + 1;
  const times = [0];
  for (let attempt = 1; (times[times.length - 1] as number) < syncMs; attempt += 1) {
    const delay = attempt > ceiling ? maxDelayMs : minDelayMs + random() * (minDelayMs * 2 ** (attempt - 1) - minDelayMs);
    times.push((times[times.length - 1] as number) + delay);
  }
  return times;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('done', () => {
  it('answers done at the first poll when no sync runs: one MRS call, no waiting', async () => {
    const { invoke, calls, clock } = harness();
    await expect(invoke({ cluster_id: 'c1' })).resolves.toEqual({
      cluster_id: 'c1',
      is_synchronizing: false,
      done: true,
      polls: 1,
      waited_seconds: 0,
    });
    expect(calls).toEqual([0]);
    expect(clock.elapsed()).toBe(0);
  });

  it('polls on the smithy schedule (0, 2, 5, 10, 19, 49 s with random() = 0.5) and answers at the first poll after the sync', async () => {
    const { invoke, calls } = harness({ syncMs: 20_000 });
    await expect(invoke({ cluster_id: 'c1' })).resolves.toEqual({
      cluster_id: 'c1',
      is_synchronizing: false,
      done: true,
      polls: 6,
      waited_seconds: 49,
    });
    expect(calls).toEqual([0, 2000, 5000, 10_000, 19_000, 49_000]);
  });

  it('makes as many MRS calls as smithy would make polls, for any sync length, delays and draws (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300_000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 8 }),
        async (syncMs, minDelaySeconds, extraSeconds, randoms) => {
          const maxDelaySeconds = minDelaySeconds + extraSeconds;
          const { invoke, calls } = harness({ syncMs, random: cycling(randoms) });
          const answer = (await invoke({ cluster_id: 'c1', min_delay_seconds: minDelaySeconds, max_delay_seconds: maxDelaySeconds })) as {
            polls: number;
            done: boolean;
          };
          const expected = smithyPollTimes(minDelaySeconds * 1000, maxDelaySeconds * 1000, syncMs, cycling(randoms));
          expect(answer.done).toBe(true);
          expect(answer.polls).toBe(expected.length);
          expect(calls).toHaveLength(expected.length);
          for (const [i, at] of calls.entries()) expect(at).toBeCloseTo(expected[i] as number, 3);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('out of time', () => {
  it('on_timeout "return" (the default): done false, polls, waited_seconds and a whole next_poll_after_seconds; the last poll 0.5 s before the end', async () => {
    const { invoke, calls, clock } = harness({ syncMs: Infinity });
    await expect(invoke({ cluster_id: 'c1', max_wait_seconds: 20 })).resolves.toEqual({
      cluster_id: 'c1',
      is_synchronizing: true,
      done: false,
      polls: 6,
      waited_seconds: 19.5,
      // The delay before poll 7: past the ceiling, max_delay.
      next_poll_after_seconds: 30,
    });
    expect(calls).toEqual([0, 2000, 5000, 10_000, 19_000, 20_000 - LAST_POLL_LEAD_MS]);
    expect(clock.elapsed()).toBeLessThanOrEqual(20_000);
  });

  it.each([
    // min 1.5 s, max 10 s, max_wait 4 s: polls at 0, 1.5 s, then the last at 3.5 s; the next delay would be 3.75 s.
    [{ min_delay_seconds: 1.5, max_delay_seconds: 10, max_wait_seconds: 4 }, 3, 4],
    // Delays under a second still say 1: a Wait state's SecondsPath takes no 0.
    [{ min_delay_seconds: 0.2, max_delay_seconds: 0.4, max_wait_seconds: 1 }, 3, 1],
  ])('next_poll_after_seconds is the next delay rounded up to a whole second, at least 1 (%j)', async (query, polls, next) => {
    const { invoke } = harness({ syncMs: Infinity });
    const answer = (await invoke({ cluster_id: 'c1', ...query })) as { polls: number; next_poll_after_seconds: number };
    expect(answer.polls).toBe(polls);
    expect(Number.isInteger(answer.next_poll_after_seconds)).toBe(true);
    expect(answer.next_poll_after_seconds).toBe(next);
    expect(next).toBe(
      Math.max(
        1,
        Math.ceil(
          backoffMs({ minDelayMs: query.min_delay_seconds * 1000, maxDelayMs: query.max_delay_seconds * 1000 }, polls, () => 0.5) / 1000,
        ),
      ),
    );
  });

  it('on_timeout "throw": IamSyncStillRunning after the same polls', async () => {
    const { invoke, calls } = harness({ syncMs: Infinity });
    await expect(invoke({ cluster_id: 'c1', max_wait_seconds: 20, on_timeout: 'throw' })).rejects.toMatchObject({
      name: 'IamSyncStillRunning',
      message: expect.stringContaining('6 polls'),
    });
    expect(calls).toHaveLength(6);
  });

  it('a slow MRS does not push the wait past its end: no poll starts after the end less the lead', async () => {
    // random() = 0: delays of 2 s, but every call takes 2.5 s. Polls at 0, 2.5, 5, 7.5 s; the one
    // scheduled at 8 s would start at 10 s, the end itself.
    const { invoke, calls, clock } = harness({ syncMs: Infinity, latencyMs: 2500, random: () => 0 });
    const answer = (await invoke({ cluster_id: 'c1', max_wait_seconds: 10 })) as { done: boolean; waited_seconds: number };
    expect(answer.done).toBe(false);
    expect(calls).toEqual([0, 2500, 5000, 7500]);
    expect(answer.waited_seconds).toBeLessThanOrEqual(10);
    expect(clock.elapsed()).toBeLessThanOrEqual(10_000);
  });
});

describe('wait_until', () => {
  it.each([
    ['a second ago', -1000],
    ['this very millisecond', 0],
  ])('already past on arrival (%s): IamSyncWaitTimedOut, whatever on_timeout says, without asking MRS', async (_when, offset) => {
    for (const onTimeout of ['return', 'throw']) {
      const { invoke, calls, clock } = harness({ syncMs: Infinity });
      await expect(invoke({ cluster_id: 'c1', wait_until: iso(clock.start + offset), on_timeout: onTimeout })).rejects.toMatchObject({
        name: 'IamSyncWaitTimedOut',
      });
      expect(calls).toEqual([]);
    }
  });

  it.each(['return', 'throw'])(
    'reached during the wait: IamSyncWaitTimedOut even with on_timeout "%s", the last poll 0.5 s before it',
    async (onTimeout) => {
      const { invoke, calls, clock } = harness({ syncMs: Infinity });
      await expect(invoke({ cluster_id: 'c1', wait_until: iso(clock.start + 10_000), on_timeout: onTimeout })).rejects.toMatchObject({
        name: 'IamSyncWaitTimedOut',
        message: expect.stringContaining(iso(clock.start + 10_000)),
      });
      expect(calls).toEqual([0, 2000, 5000, 9500]);
      expect(clock.elapsed()).toBeLessThanOrEqual(10_000);
    },
  );

  it('is no bound when the sync ends first: done', async () => {
    const { invoke } = harness({ syncMs: 4000 });
    await expect(invoke({ cluster_id: 'c1', wait_until: iso(Date.now() + 60_000) })).resolves.toMatchObject({ done: true, polls: 3 });
  });

  it('takes any zone offset', async () => {
    const { invoke, calls, clock } = harness({ syncMs: Infinity });
    // The same instant as start + 10 s, written in UTC+08:00.
    const at = new Date(clock.start + 8 * 3600_000 + 10_000).toISOString().replace('Z', '+08:00');
    await expect(invoke({ cluster_id: 'c1', wait_until: at })).rejects.toMatchObject({ name: 'IamSyncWaitTimedOut' });
    expect(calls).toEqual([0, 2000, 5000, 9500]);
  });
});

describe("the invocation's deadline", () => {
  /** A FunctionGraph context with a fixed remaining time, read once at the start of the invocation. */
  const context = (remainingMs: number) => ({ getRequestID: () => 'fg-1', getRemainingTimeInMilliSeconds: () => remainingMs });

  it.each([
    ['return', 'resolves'],
    ['throw', 'rejects'],
  ])('bounds the wait (on_timeout %s), and the answer comes before it, less the margin', async (onTimeout, how) => {
    const { invoke, calls, clock } = harness({ syncMs: Infinity });
    const outcome = invoke({ cluster_id: 'c1', on_timeout: onTimeout }, context(10_000));
    if (how === 'resolves') await expect(outcome).resolves.toMatchObject({ done: false, polls: 4 });
    else await expect(outcome).rejects.toMatchObject({ name: 'IamSyncStillRunning' });
    // The deadline was set from Date.now(), a few real ms after the virtual clock's start.
    const skew = Date.now() - clock.start;
    const end = 10_000 - 300; // DEADLINE_MARGIN_MS defaults to 300
    expect(calls.slice(0, 3)).toEqual([0, 2000, 5000]);
    expect(calls[3]).toBeGreaterThanOrEqual(end - LAST_POLL_LEAD_MS);
    expect(calls[3]).toBeLessThanOrEqual(end - LAST_POLL_LEAD_MS + skew);
    expect(clock.elapsed()).toBeLessThanOrEqual(end + skew);
  });

  it('bounds the wait before max_wait_seconds and wait_until when it comes first', async () => {
    const { invoke, calls, clock } = harness({ syncMs: Infinity });
    const answer = await invoke({ cluster_id: 'c1', max_wait_seconds: 60, wait_until: iso(Date.now() + 60_000) }, context(6000));
    // Not IamSyncWaitTimedOut: wait_until has not come; the workflow calls again.
    expect(answer).toMatchObject({ done: false, polls: 4 });
    expect(clock.elapsed()).toBeLessThanOrEqual(5700 + (Date.now() - clock.start));
    expect(calls).toHaveLength(4);
  });
});

describe('failures during the wait', () => {
  it.each([
    ['UpstreamUnavailable', () => new UpstreamUnavailable('MRS answered 503.')],
    ['UpstreamThrottled', () => new UpstreamThrottled('MRS is throttling requests.', { retryAfterSeconds: 1 })],
    ['UpstreamTimeout', () => new UpstreamTimeout('MRS did not answer in time.')],
  ])('a transient failure (%s) mid-wait is a poll without an answer: the schedule goes on and ends done', async (_name, failure) => {
    const { invoke, calls, logs } = harness({ script: (call, at) => (call === 3 ? failure() : at < 20_000) });
    await expect(invoke({ cluster_id: 'c1' })).resolves.toEqual({
      cluster_id: 'c1',
      is_synchronizing: false,
      done: true,
      polls: 6,
      waited_seconds: 49,
    });
    expect(calls).toEqual([0, 2000, 5000, 10_000, 19_000, 49_000]);
    expect(logs.some((line) => line.includes('a poll got no answer'))).toBe(true);
  });

  it('a failed poll is not answered by an older cached answer: a "not syncing" from before the sync does not end the wait', async () => {
    // Call 1 (another waiter, before the sync) says idle and is cached; the waiter's first call fails; then the sync runs until 10 s.
    const { invoke, calls, clock } = harness({
      script: (call, at) => (call === 1 ? false : call === 2 ? new UpstreamUnavailable('MRS answered 503.') : at < 10_000),
    });
    await expect(invoke({ cluster_id: 'c1' })).resolves.toMatchObject({ done: true, polls: 1 });
    await clock.sleep(1000);
    // The cached "false" is 1 s old: fresh by the cache's TTL, within its stale-if-error window, but older than this waiter's poll.
    await expect(invoke({ cluster_id: 'c1' })).resolves.toMatchObject({ done: true, polls: 4 });
    expect(calls).toEqual([0, 1000, 3000, 6000, 11_000]);
  });

  it('every poll failing transiently ends with that error once the time is up', async () => {
    const { invoke, calls } = harness({ script: () => new UpstreamUnavailable('MRS answered 503.') });
    await expect(invoke({ cluster_id: 'c1', max_wait_seconds: 20, on_timeout: 'return' })).rejects.toMatchObject({
      name: 'UpstreamUnavailable',
    });
    expect(calls).toEqual([0, 2000, 5000, 10_000, 19_000, 19_500]);
  });

  it('a transient failure after the sync was seen running still answers done false at the end', async () => {
    const { invoke } = harness({ script: (call) => (call === 1 ? true : new UpstreamUnavailable('MRS answered 503.')) });
    await expect(invoke({ cluster_id: 'c1', max_wait_seconds: 20 })).resolves.toMatchObject({
      done: false,
      is_synchronizing: true,
      polls: 6,
    });
  });

  it.each([
    ['ClusterNotFound', () => new ClusterNotFound('MRS has no cluster "c1" in project "p1".')],
    ['UpstreamAuthFailed', () => new UpstreamAuthFailed('MRS refused the credentials.')],
    ['UpstreamRejected', () => new UpstreamRejected('MRS refused the request.')],
  ])('%s ends the wait at once, after one call', async (name, failure) => {
    const { invoke, calls, clock } = harness({ script: failure });
    await expect(invoke({ cluster_id: 'c1' })).rejects.toMatchObject({ name });
    expect(calls).toEqual([0]);
    expect(clock.elapsed()).toBe(0);
  });

  it('ClusterNotFound on a later poll (the cluster deleted during the sync) ends the wait then', async () => {
    const { invoke, calls } = harness({ script: (call) => (call < 3 ? true : new ClusterNotFound('MRS has no cluster "c1".')) });
    await expect(invoke({ cluster_id: 'c1' })).rejects.toMatchObject({ name: 'ClusterNotFound' });
    expect(calls).toEqual([0, 2000, 5000]);
  });
});

describe('validation', () => {
  it.each([
    ['max_delay below min_delay', { min_delay_seconds: 10, max_delay_seconds: 5 }],
    ['max_wait equal to min_delay', { max_wait_seconds: 2 }],
    ['max_wait below min_delay', { max_wait_seconds: 5, min_delay_seconds: 10 }],
    ['max_wait as a string', { max_wait_seconds: '25' }],
    ['min_delay as a string', { min_delay_seconds: '2' }],
    ['max_delay null', { max_delay_seconds: null }],
    ['max_wait NaN', { max_wait_seconds: Number.NaN }],
    ['max_wait Infinity', { max_wait_seconds: Number.POSITIVE_INFINITY }],
    ['min_delay 0', { min_delay_seconds: 0 }],
    ['min_delay negative', { min_delay_seconds: -1 }],
    ['max_wait over a day', { max_wait_seconds: 86_401 }],
    ['max_delay over an hour', { max_delay_seconds: 3601 }],
    ['wait_until a word', { wait_until: 'tomorrow' }],
    ['wait_until a date without a time', { wait_until: '2026-11-30' }],
    ['wait_until without a zone', { wait_until: '2026-11-30T12:00:00' }],
    ['wait_until as epoch ms', { wait_until: 1_796_040_000_000 }],
    ['wait_until month 13', { wait_until: '2026-13-01T00:00:00Z' }],
    ['wait_until February 30', { wait_until: '2026-02-30T12:00:00Z' }],
    ['wait_until hour 25', { wait_until: '2026-11-30T25:00:00Z' }],
    ['on_timeout unknown', { on_timeout: 'ignore' }],
    ['on_timeout in capitals', { on_timeout: 'RETURN' }],
    ['on_timeout true', { on_timeout: true }],
    ['a bad cluster id', { cluster_id: 'a/b' }],
    ['no cluster id', { cluster_id: undefined }],
  ])('%s: InvalidRequest, without asking MRS', async (_what, fields) => {
    const { invoke, calls } = harness({ syncMs: Infinity });
    await expect(invoke({ cluster_id: 'c1', ...fields })).rejects.toMatchObject({ name: 'InvalidRequest' });
    expect(calls).toEqual([]);
  });

  it('takes fractional seconds', async () => {
    const { invoke, calls } = harness({ syncMs: 1000 });
    await expect(
      invoke({ cluster_id: 'c1', min_delay_seconds: 0.25, max_delay_seconds: 0.5, max_wait_seconds: 2.5 }),
    ).resolves.toMatchObject({ done: true });
    expect(calls.slice(0, 2)).toEqual([0, 250]);
  });
});

describe.each(HTTP_SHAPES)('HTTP long poll (%s)', (shape) => {
  const get = (query: Record<string, string>, method = 'GET') =>
    httpEvent(shape, 'c1', { method, path: '/clusters/c1/iam-sync/wait', query });

  it('answers 200 with done true when the sync ends within max_wait_seconds, never cached', async () => {
    const { invoke, calls } = harness({ syncMs: 8000 });
    const response = (await invoke(get({ max_wait_seconds: '25' }))) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(JSON.parse(response.body)).toEqual({ cluster_id: 'c1', is_synchronizing: false, done: true, polls: 4, waited_seconds: 10 });
    expect(calls).toEqual([0, 2000, 5000, 10_000]);
  });

  it('answers 200 with done false when the sync outlasts max_wait_seconds (fractional query values)', async () => {
    const { invoke, clock } = harness({ syncMs: Infinity });
    const response = (await invoke(get({ max_wait_seconds: '25', min_delay_seconds: '0.5', max_delay_seconds: '4' }))) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ cluster_id: 'c1', is_synchronizing: true, done: false, next_poll_after_seconds: 4 });
    expect(body.waited_seconds).toBeLessThanOrEqual(25);
    expect(clock.elapsed()).toBeLessThanOrEqual(25_000);
  });

  it.each([
    [{ max_wait_seconds: '3', on_timeout: 'throw' }, 409, 'IamSyncStillRunning'],
    [{ wait_until: '2000-01-01T00:00:00Z' }, 408, 'IamSyncWaitTimedOut'],
    [{ max_wait_seconds: 'soon' }, 400, 'InvalidRequest'],
    [{ max_wait_seconds: '' }, 400, 'InvalidRequest'],
    [{ on_timeout: 'later' }, 400, 'InvalidRequest'],
  ])('answers %j with %s %s', async (query, status, code) => {
    const { invoke } = harness({ syncMs: Infinity });
    const response = (await invoke(get(query))) as HttpAnswer;
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body).error.code).toBe(code);
  });

  it('answers POST with 405 and Allow: GET, without asking MRS', async () => {
    const { invoke, calls } = harness({ syncMs: Infinity });
    const response = (await invoke(get({}, 'POST'))) as HttpAnswer;
    expect(response.statusCode).toBe(405);
    expect(response.headers.Allow).toBe('GET');
    expect(calls).toEqual([]);
  });
});

describe('many waiters on one cluster', () => {
  it('a waiter does not join a call still in flight that started well before its poll', async () => {
    // MRS takes 3 s; the sync ends at 0.5 s. A's first call (at 0) will say "running"; B arrives at 1 s and must ask again.
    const { invoke, calls, clock } = harness({ syncMs: 500, latencyMs: 3000 });
    const first = invoke({ cluster_id: 'c1' });
    await clock.sleep(1000);
    await expect(invoke({ cluster_id: 'c1' })).resolves.toMatchObject({ done: true, polls: 1 });
    await first;
    expect(calls.slice(0, 2)).toEqual([0, 1000]);
  });

  /** Each MRS call takes 100 ms; the sync lasts two minutes; varied jitter, so that timelines of their own would drift apart. */
  const options = (): HarnessOptions => ({ syncMs: 120_000, latencyMs: 100, random: cycling([0.9, 0.1, 0.6, 0.3, 0.75]) });

  async function waiters(count: number, arrivalGapMs: number) {
    const { invoke, calls, clock } = harness(options());
    const answers = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        if (i > 0 && arrivalGapMs > 0) await clock.sleep(i * arrivalGapMs);
        return invoke({ cluster_id: 'c1' }) as Promise<{ done: boolean; polls: number }>;
      }),
    );
    return { answers, calls };
  }

  it.each([
    ['all at once', 0],
    ['arriving 2 ms apart, over 0.2 s', 2],
  ])('100 concurrent waiters (%s) cost MRS about what one costs (within 1.2x)', async (_how, gap) => {
    const one = await waiters(1, 0);
    const hundred = await waiters(100, gap);
    expect(one.answers[0]).toMatchObject({ done: true });
    for (const answer of hundred.answers) expect(answer).toMatchObject({ done: true });
    expect(one.calls.length).toBe(one.answers[0]?.polls);
    expect(hundred.calls.length).toBeLessThanOrEqual(Math.ceil(one.calls.length * 1.2));
  });
});
