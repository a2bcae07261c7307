/**
 * When a waiter polls, as the AWS SDK waiters do (`@smithy/core` client util-waiter,
 * `runPolling` since 4.3.0): the first poll at once; before poll n+1, a delay uniform in
 * `[min, min(min * 2^(n-1), max)]`, and `max` itself (no jitter) once doubling has passed it;
 * no sleep that ends past the end; one last poll shortly before the end instead.
 *
 * Pure functions: the caller owns the clock and the randomness. Unlike smithy's loop, the
 * last poll is made once: with less than the lead left after it, the waiter stops rather
 * than polling again and again with no delay.
 */

/** The last poll is made this long before the end, so that its answer still arrives in time. */
export const LAST_POLL_LEAD_MS = 500;

export interface Delays {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

/** The delay before poll `attempt + 1`: smithy's `exponentialBackoffWithJitter`, in milliseconds. */
export function backoffMs({ minDelayMs, maxDelayMs }: Delays, attempt: number, random: () => number): number {
  const ceiling = Math.log(maxDelayMs / minDelayMs) / Math.log(2) + 1;
  if (attempt > ceiling) return maxDelayMs;
  const capped = Math.min(minDelayMs * 2 ** (attempt - 1), maxDelayMs);
  return minDelayMs + random() * (capped - minDelayMs);
}

/**
 * Where a waiter stands after a poll that found the sync still running: its next poll at the
 * scheduled time, or, when that is past the end, one last poll shortly before the end, or
 * nothing more when the last poll has been made.
 */
export type NextStep = { readonly kind: 'poll'; readonly at: number; readonly last: boolean } | { readonly kind: 'out-of-time' };

export function nextStep(scheduledAt: number, endAt: number, now: number, lastPollMade: boolean): NextStep {
  if (lastPollMade) return { kind: 'out-of-time' };
  const lastAt = endAt - LAST_POLL_LEAD_MS;
  // A poll that answered late makes the next one at once, but only while there is still the lead left.
  const at = Math.max(scheduledAt, now);
  if (at <= lastAt) return { kind: 'poll', at, last: false };
  if (lastAt <= now) return { kind: 'out-of-time' };
  return { kind: 'poll', at: lastAt, last: true };
}
