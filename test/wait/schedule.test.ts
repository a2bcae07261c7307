/**
 * The waiter schedule, pure: smithy's `exponentialBackoffWithJitter` for the delays, and
 * `nextStep` for where a waiter stands after a poll that found the sync still running.
 */
import fc from 'fast-check';
import { backoffMs, LAST_POLL_LEAD_MS, nextStep } from '../../lib/wait/schedule';
import { createTimelineRegistry } from '../../lib/wait/timeline';

/**
 * smithy's own (`@smithy/util-waiter` poller.ts), in seconds as it has it, so that the
 * project's millisecond version is checked against the original and not against itself.
 */
function smithyDelaySeconds(minDelay: number, maxDelay: number, attempt: number, random: () => number): number {
  const attemptCeiling = Math.log(maxDelay / minDelay) / Math.log(2) + 1;
  if (attempt > attemptCeiling) return maxDelay;
  const delay = minDelay * 2 ** (attempt - 1);
  return minDelay + random() * (delay - minDelay);
}

/** How many polls smithy's `runPolling` makes in `lengthMs` against a sync that never ends (calls taking no time). */
function smithyPolls(minDelayMs: number, maxDelayMs: number, lengthMs: number, random: () => number): number {
  let polls = 1;
  let at = 0;
  for (let attempt = 1; ; attempt += 1) {
    const delay = smithyDelaySeconds(minDelayMs / 1000, maxDelayMs / 1000, attempt, random) * 1000;
    if (at + delay > lengthMs) return polls;
    at += delay;
    polls += 1;
  }
}

/** A random source that plays `values` again and again. */
function cycling(values: readonly number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

const SMITHY_DEFAULTS = { minDelayMs: 2000, maxDelayMs: 30_000 };

describe('backoffMs', () => {
  // ceiling = log2(30 / 2) + 1 = 4.91: attempts 1..4 draw from [2, 2^attempt] s, attempt 5 on is 30 s flat.
  it.each([
    [0, [2000, 2000, 2000, 2000]],
    [0.5, [2000, 3000, 5000, 9000]],
    [1, [2000, 4000, 8000, 16_000]],
  ])('with random() = %s, attempts 1..4 are uniform in [min, min·2^(n-1)]: %j', (r, expected) => {
    const delays = [1, 2, 3, 4].map((attempt) => backoffMs(SMITHY_DEFAULTS, attempt, () => r));
    expect(delays).toEqual(expected);
    for (const [i, delay] of delays.entries()) expect(delay).toBeCloseTo(smithyDelaySeconds(2, 30, i + 1, () => r) * 1000, 6);
  });

  it.each([0, 0.5, 1])('with random() = %s, attempts past the ceiling are max exactly, without jitter', (r) => {
    for (const attempt of [5, 6, 10, 50, 5000]) expect(backoffMs(SMITHY_DEFAULTS, attempt, () => r)).toBe(30_000);
  });

  it('draws no random number past the ceiling (as smithy, so shared random sequences stay aligned)', () => {
    const random = jest.fn(() => 0.5);
    backoffMs(SMITHY_DEFAULTS, 5, random);
    expect(random).not.toHaveBeenCalled();
  });

  it('still jitters at the ceiling itself when max/min is a power of two (min 2 s, max 16 s: ceiling 4)', () => {
    const delays = { minDelayMs: 2000, maxDelayMs: 16_000 };
    expect(backoffMs(delays, 4, () => 0)).toBe(2000);
    expect(backoffMs(delays, 4, () => 1)).toBe(16_000);
    expect(backoffMs(delays, 5, () => 0)).toBe(16_000);
  });

  it('is min flat when min = max', () => {
    for (const attempt of [1, 2, 3]) expect(backoffMs({ minDelayMs: 500, maxDelayMs: 500 }, attempt, () => 0.7)).toBe(500);
  });

  it('matches smithy for any delays, attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (minDelayMs, extra, attempt, r) => {
          const maxDelayMs = minDelayMs + extra;
          const ours = backoffMs({ minDelayMs, maxDelayMs }, attempt, () => r);
          expect(ours).toBeCloseTo(smithyDelaySeconds(minDelayMs / 1000, maxDelayMs / 1000, attempt, () => r) * 1000, 3);
          expect(ours).toBeGreaterThanOrEqual(minDelayMs);
          expect(ours).toBeLessThanOrEqual(maxDelayMs);
        },
      ),
    );
  });
});

describe('nextStep', () => {
  const end = 60_000;
  const lastAt = end - LAST_POLL_LEAD_MS;

  it('polls at the scheduled time when it is before the end less the lead', () => {
    expect(nextStep(10_000, end, 4000, false)).toEqual({ kind: 'poll', at: 10_000, last: false });
    expect(nextStep(lastAt, end, 4000, false)).toEqual({ kind: 'poll', at: lastAt, last: false });
  });

  it('polls at once when the scheduled time has already gone by (a slow poll), still before the end less the lead', () => {
    expect(nextStep(10_000, end, 12_000, false)).toEqual({ kind: 'poll', at: 12_000, last: false });
  });

  it('makes one last poll the lead before the end when the scheduled time is past it', () => {
    expect(nextStep(lastAt + 1, end, 40_000, false)).toEqual({ kind: 'poll', at: lastAt, last: true });
    expect(nextStep(90_000, end, 40_000, false)).toEqual({ kind: 'poll', at: lastAt, last: true });
  });

  it('is out of time after the last poll, wherever the schedule would go next', () => {
    expect(nextStep(lastAt + 10_000, end, lastAt + 10, true)).toEqual({ kind: 'out-of-time' });
    expect(nextStep(10_000, end, lastAt + 10, true)).toEqual({ kind: 'out-of-time' });
    // Even on a clock that reads earlier than the last poll (it never polls twice as the last).
    expect(nextStep(10_000, end, 4000, true)).toEqual({ kind: 'out-of-time' });
  });

  it('is out of time when the end is already within the lead', () => {
    expect(nextStep(90_000, end, lastAt, false)).toEqual({ kind: 'out-of-time' });
    expect(nextStep(90_000, end, end - 1, false)).toEqual({ kind: 'out-of-time' });
    expect(nextStep(90_000, end, end + 5000, false)).toEqual({ kind: 'out-of-time' });
  });

  it('does not poll after the end less the lead when a slow poll ran past it, even if the schedule said earlier', () => {
    // Scheduled at 55 s, but the poll before it answered only at 59.8 s: 200 ms left, too little for another.
    expect(nextStep(55_000, end, end - 200, false)).toEqual({ kind: 'out-of-time' });
  });
});

/** A waiter's polls over `lengthMs` against a sync that never ends, driven by nextStep on a timeline. */
function simulate(
  delays: { minDelayMs: number; maxDelayMs: number },
  lengthMs: number,
  random: () => number,
  latencies: readonly number[] = [0],
) {
  const timeline = createTimelineRegistry(random).join('p:c', delays, 0).timeline;
  const pollTimes: number[] = [];
  const sleeps: Array<{ from: number; to: number }> = [];
  let now = 0;
  let pollAt = 0;
  let last = false;
  for (;;) {
    pollTimes.push(pollAt);
    now += latencies[(pollTimes.length - 1) % latencies.length] as number;
    const step = nextStep(timeline.nextAfter(pollAt), lengthMs, now, last);
    if (step.kind === 'out-of-time') return { pollTimes, sleeps, endedAt: now };
    sleeps.push({ from: now, to: Math.max(now, step.at) });
    now = Math.max(now, step.at);
    pollAt = step.at;
    last = step.last;
  }
}

describe('a waiter driven by nextStep (property)', () => {
  const schedule = fc
    .record({
      minDelayMs: fc.integer({ min: 500, max: 10_000 }),
      extra: fc.integer({ min: 0, max: 60_000 }),
      length: fc.integer({ min: 1, max: 900_000 }),
      randoms: fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 20 }),
    })
    .map(({ minDelayMs, extra, length, randoms }) => ({
      delays: { minDelayMs, maxDelayMs: minDelayMs + extra },
      lengthMs: minDelayMs + length,
      randoms,
    }));

  it('never sleeps past the end, and polls nowhere after the end less the lead', () => {
    fc.assert(
      fc.property(
        schedule,
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 5 }),
        ({ delays, lengthMs, randoms }, latencies) => {
          const { pollTimes, sleeps } = simulate(delays, lengthMs, cycling(randoms), latencies);
          for (const sleep of sleeps) expect(sleep.to).toBeLessThanOrEqual(lengthMs - LAST_POLL_LEAD_MS);
          for (const at of pollTimes.slice(1)) expect(at).toBeLessThanOrEqual(lengthMs - LAST_POLL_LEAD_MS);
        },
      ),
    );
  });

  it('leaves at least min_delay between polls, except before the last one', () => {
    fc.assert(
      fc.property(schedule, ({ delays, lengthMs, randoms }) => {
        const { pollTimes } = simulate(delays, lengthMs, cycling(randoms));
        const gaps = pollTimes.slice(1).map((at, i) => at - (pollTimes[i] as number));
        for (const gap of gaps.slice(0, -1)) expect(gap).toBeGreaterThanOrEqual(delays.minDelayMs - 1e-6);
        for (const gap of gaps) expect(gap).toBeLessThanOrEqual(delays.maxDelayMs + 1e-6);
      }),
    );
  });

  it("makes as many polls as smithy's runPolling over the same length, or one more (the last poll before the end)", () => {
    fc.assert(
      fc.property(schedule, ({ delays, lengthMs, randoms }) => {
        const ours = simulate(delays, lengthMs, cycling(randoms)).pollTimes.length;
        const smithys = smithyPolls(delays.minDelayMs, delays.maxDelayMs, lengthMs, cycling(randoms));
        expect(ours).toBeGreaterThanOrEqual(smithys);
        expect(ours).toBeLessThanOrEqual(smithys + 1);
      }),
    );
  });

  it('polls 0, 2, 5, 10, 19, 49, 79 ... s with the defaults and random() = 0.5, and once more at the end less the lead', () => {
    const { pollTimes } = simulate(SMITHY_DEFAULTS, 100_000, () => 0.5);
    expect(pollTimes).toEqual([0, 2000, 5000, 10_000, 19_000, 49_000, 79_000, 99_500]);
    expect(smithyPolls(2000, 30_000, 100_000, () => 0.5)).toBe(7);
  });
});
