/**
 * One poll schedule per (project, cluster, delays) in an instance, shared by its waiters
 * while any is waiting.
 */
import fc from 'fast-check';
import { backoffMs } from '../../lib/wait/schedule';
import { createTimelineRegistry } from '../../lib/wait/timeline';

const DELAYS = { minDelayMs: 2000, maxDelayMs: 30_000 };
const T0 = 1_800_000_000_000;
/** random() = 0.5: the timeline anchored at T0 polls at T0 + 0, 2, 5, 10, 19, 49, 79 s. */
const half = () => 0.5;

/** Every poll time of `timeline` up to `until`, by walking nextAfter from `from`. */
function times(timeline: { nextAfter(after: number): number }, from: number, until: number): number[] {
  const out: number[] = [];
  for (let at = timeline.nextAfter(from); at <= until; at = timeline.nextAfter(at)) {
    if (at <= (out[out.length - 1] ?? -Infinity) || out.length > 10_000)
      throw new Error(`nextAfter went nowhere: ${at} after ${out.slice(-3)}`);
    out.push(at);
  }
  return out;
}

describe('a timeline', () => {
  it('follows the waiter schedule from its anchor, each time drawn once', () => {
    const random = jest.fn(half);
    const { timeline } = createTimelineRegistry(random).join('p1:c1', DELAYS, T0);
    expect(times(timeline, T0, T0 + 80_000).map((at) => at - T0)).toEqual([2000, 5000, 10_000, 19_000, 49_000, 79_000]);
    const draws = random.mock.calls.length;
    // Asking again, in any order, draws nothing new and answers the same.
    expect(timeline.nextAfter(T0 + 11_000)).toBe(T0 + 19_000);
    expect(timeline.nextAfter(T0)).toBe(T0 + 2000);
    expect(random.mock.calls.length).toBe(draws);
  });

  it('answers the next time strictly after, never the same time again', () => {
    const { timeline } = createTimelineRegistry(half).join('p1:c1', DELAYS, T0);
    expect(timeline.nextAfter(T0 + 1999)).toBe(T0 + 2000);
    expect(timeline.nextAfter(T0 + 2000)).toBe(T0 + 5000);
  });

  it('nextAfter is monotonic, after its argument, and a time of the timeline (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: -10_000, max: 3_600_000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 100, max: 20_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (randoms, offsets, minDelayMs, extra) => {
          let i = 0;
          const random = () => randoms[i++ % randoms.length] as number;
          const delays = { minDelayMs, maxDelayMs: minDelayMs + extra };
          const { timeline } = createTimelineRegistry(random).join('k', delays, T0);
          const asked = offsets.map((offset) => T0 + offset);
          const answers = asked.map((after) => timeline.nextAfter(after));
          for (const [j, after] of asked.entries()) {
            const next = answers[j] as number;
            expect(next).toBeGreaterThan(after);
            // The same answer for any time between `after` and it: a time of the timeline, none skipped.
            expect(timeline.nextAfter(next - 1e-3)).toBe(next);
            expect(next - after).toBeLessThanOrEqual(Math.max(delays.maxDelayMs, T0 - after + 1e-3));
          }
          const sorted = [...asked].sort((a, b) => a - b);
          const inOrder = sorted.map((after) => timeline.nextAfter(after));
          for (let j = 1; j < inOrder.length; j += 1) expect(inOrder[j]).toBeGreaterThanOrEqual(inOrder[j - 1] as number);
          // Consecutive times are the schedule's delays apart.
          const walk = times(timeline, T0 - 1, T0 + 10 * delays.maxDelayMs);
          expect(walk[0]).toBe(T0);
          for (let n = 1; n < walk.length; n += 1) {
            const gap = (walk[n] as number) - (walk[n - 1] as number);
            expect(gap).toBeGreaterThanOrEqual(delays.minDelayMs - 1e-6);
            expect(gap).toBeLessThanOrEqual(Math.min(delays.minDelayMs * 2 ** (n - 1), delays.maxDelayMs) + 1e-6);
          }
        },
      ),
    );
  });
});

describe('the registry', () => {
  it('gives two waiters on one key the same timeline: the later one polls at the first one’s times', () => {
    const registry = createTimelineRegistry(half);
    const first = registry.join('p1:c1', DELAYS, T0);
    const second = registry.join('p1:c1', DELAYS, T0 + 3000);
    expect(second.timeline).toBe(first.timeline);
    expect(registry.size).toBe(1);
    // The second waiter's first poll is at once (T0 + 3 s); then the shared times, not 2 s after its own start.
    expect(times(second.timeline, T0 + 3000, T0 + 50_000)).toEqual([T0 + 5000, T0 + 10_000, T0 + 19_000, T0 + 49_000]);
    expect(times(first.timeline, T0 + 3000, T0 + 50_000)).toEqual(times(second.timeline, T0 + 3000, T0 + 50_000));
  });

  it.each([
    ['another cluster', 'p1:c2', DELAYS],
    ['another project', 'p2:c1', DELAYS],
    ['other min delay', 'p1:c1', { minDelayMs: 1000, maxDelayMs: 30_000 }],
    ['other max delay', 'p1:c1', { minDelayMs: 2000, maxDelayMs: 20_000 }],
  ])('gives %s a timeline of its own, anchored at its own start', (_what, key, delays) => {
    const registry = createTimelineRegistry(half);
    const first = registry.join('p1:c1', DELAYS, T0);
    const other = registry.join(key, delays, T0 + 3000);
    expect(other.timeline).not.toBe(first.timeline);
    expect(registry.size).toBe(2);
    expect(other.timeline.nextAfter(T0 + 3000)).toBe(T0 + 3000 + backoffMs(delays, 1, half));
    expect(first.timeline.nextAfter(T0 + 3000)).toBe(T0 + 5000);
  });

  it('keeps a timeline while any waiter holds it, and drops it when the last one leaves', () => {
    const registry = createTimelineRegistry(half);
    const first = registry.join('p1:c1', DELAYS, T0);
    const second = registry.join('p1:c1', DELAYS, T0 + 1000);
    first.release();
    expect(registry.size).toBe(1);
    const third = registry.join('p1:c1', DELAYS, T0 + 4000);
    expect(third.timeline).toBe(second.timeline);
    second.release();
    third.release();
    expect(registry.size).toBe(0);
    // A waiter after that anchors a new timeline at its own start.
    const fresh = registry.join('p1:c1', DELAYS, T0 + 60_000);
    expect(fresh.timeline).not.toBe(first.timeline);
    expect(fresh.timeline.nextAfter(T0 + 60_000)).toBe(T0 + 62_000);
  });

  it('counts a waiter that releases twice once', () => {
    const registry = createTimelineRegistry(half);
    const first = registry.join('p1:c1', DELAYS, T0);
    const second = registry.join('p1:c1', DELAYS, T0);
    first.release();
    first.release();
    expect(registry.size).toBe(1);
    expect(registry.join('p1:c1', DELAYS, T0 + 1000).timeline).toBe(second.timeline);
  });
});
