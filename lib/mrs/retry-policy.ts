/**
 * When an idempotent MRS read is tried again, and after how long: exponential backoff with
 * full jitter (a random wait between 0 and min(cap, base * 2^(attempt-1))), a longer base
 * when MRS is throttling, and MRS's own `Retry-After` honoured up to the cap.
 * Pure functions: the client supplies the clock and the randomness.
 */
import { UpstreamAuthFailed, UpstreamThrottled, isTransientUpstreamError } from '../errors';

export const RETRY_BASE_MS = 100;
export const THROTTLED_RETRY_BASE_MS = 500;
export const RETRY_CAP_MS = 5000;

/** Throttling, 5xx, resets, refusals, malformed bodies and timeouts; never another 4xx. */
export function isRetryable(error: unknown): boolean {
  return isTransientUpstreamError(error);
}

/** Milliseconds to wait before attempt `attempt + 1`, given the error of attempt `attempt` (1-based). */
export function backoffDelayMs(error: unknown, attempt: number, random: () => number): number {
  if (error instanceof UpstreamThrottled && error.retryAfterSeconds !== undefined) {
    return Math.min(error.retryAfterSeconds * 1000, RETRY_CAP_MS);
  }
  const base = error instanceof UpstreamThrottled ? THROTTLED_RETRY_BASE_MS : RETRY_BASE_MS;
  return Math.floor(random() * Math.min(RETRY_CAP_MS, base * 2 ** (attempt - 1)));
}

/**
 * A refusal that newer credentials may cure: a 401 from MRS or its gateway, or the gateway's
 * "incorrect IAM authentication information" code (expired token, invalid signature). A 403
 * (no permission) is not one: new keys of the same agency would be refused the same way.
 */
export function isCredentialRefusal(error: unknown): boolean {
  return error instanceof UpstreamAuthFailed && (error.upstream?.httpStatus === 401 || error.upstream?.errorCode === 'APIGW.0301');
}
