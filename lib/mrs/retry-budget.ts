/**
 * A per-instance retry budget, as the AWS SDKs' standard retry mode keeps one: a retry
 * spends tokens, a success earns one back. While MRS is healthy the bucket stays full;
 * during a sustained outage it empties after a burst of retries, and from then on each
 * request costs MRS one call, not MRS_MAX_ATTEMPTS, until successes refill it.
 */
import { UpstreamTimeout } from '../errors';

export const RETRY_BUDGET = { capacity: 500, retryCost: 5, timeoutRetryCost: 10, successRefund: 1 } as const;

export interface RetryBudget {
  /** Takes the tokens for one retry after `error`; false when the budget cannot pay for it. */
  tryAcquire(error: unknown): boolean;
  recordSuccess(): void;
  readonly tokens: number;
}

export function createRetryBudget(): RetryBudget {
  let tokens: number = RETRY_BUDGET.capacity;
  return {
    tryAcquire(error) {
      const cost = error instanceof UpstreamTimeout ? RETRY_BUDGET.timeoutRetryCost : RETRY_BUDGET.retryCost;
      if (tokens < cost) return false;
      tokens -= cost;
      return true;
    },
    recordSuccess() {
      tokens = Math.min(RETRY_BUDGET.capacity, tokens + RETRY_BUDGET.successRefund);
    },
    get tokens() {
      return tokens;
    },
  };
}
