/**
 * A circuit breaker for one MRS endpoint, with explicit states. Closed: calls go through
 * and consecutive failures are counted. After `failureThreshold` of them, open: no call for
 * `cooldownMs` (callers get UpstreamUnavailable with Retry-After, or a stale answer). Then
 * half-open: one probe goes through; its success closes the circuit, its failure opens it again.
 */
import { UpstreamUnavailable } from '../errors';

type State =
  | { readonly kind: 'closed'; readonly failures: number }
  | { readonly kind: 'open'; readonly until: number }
  /** Half-open, with its one probe under way. */
  | { readonly kind: 'probing' };

export interface CircuitBreakerOptions {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
}

export interface CircuitBreaker {
  /** Throws UpstreamUnavailable (with Retry-After) when no call may be made now. */
  admit(now: number): void;
  recordSuccess(): void;
  recordFailure(now: number): void;
  isOpen(now: number): boolean;
  readonly state: State['kind'];
}

export function createCircuitBreaker({ failureThreshold, cooldownMs }: CircuitBreakerOptions): CircuitBreaker {
  let state: State = { kind: 'closed', failures: 0 };
  const open = (now: number) => {
    state = { kind: 'open', until: now + cooldownMs };
  };
  const refuse = (retryAfterMs: number) =>
    new UpstreamUnavailable(
      `MRS failed ${failureThreshold} times in a row, so this instance is not calling it for a while. Retry after the time given.`,
      { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) },
    );
  return {
    admit(now) {
      if (state.kind === 'probing') throw refuse(1000);
      if (state.kind === 'open') {
        if (now < state.until) throw refuse(state.until - now);
        state = { kind: 'probing' };
      }
    },
    recordSuccess() {
      state = { kind: 'closed', failures: 0 };
    },
    recordFailure(now) {
      if (state.kind === 'probing') return open(now);
      if (state.kind === 'closed') {
        const failures = state.failures + 1;
        if (failures >= failureThreshold) open(now);
        else state = { kind: 'closed', failures };
      }
    },
    isOpen(now) {
      return state.kind === 'open' && now < state.until;
    },
    get state() {
      return state.kind;
    },
  };
}
