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

export type BreakerState = State['kind'];

export interface CircuitBreakerOptions {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  /** Told of every change of state (once per change), for the log. */
  readonly onTransition?: (from: BreakerState, to: BreakerState) => void;
}

export interface CircuitBreaker {
  /** Undefined when a call may be made now (a half-open breaker lets this one probe through); else the refusal to answer with. */
  admit(now: number): UpstreamUnavailable | undefined;
  recordSuccess(): void;
  recordFailure(now: number): void;
  isOpen(now: number): boolean;
  readonly state: BreakerState;
}

export function createCircuitBreaker({ failureThreshold, cooldownMs, onTransition }: CircuitBreakerOptions): CircuitBreaker {
  let state: State = { kind: 'closed', failures: 0 };
  const become = (next: State) => {
    const from = state.kind;
    state = next;
    if (from !== next.kind) onTransition?.(from, next.kind);
  };
  const refuse = (retryAfterMs: number) =>
    new UpstreamUnavailable(
      `MRS failed ${failureThreshold} times in a row, so this instance is not calling it for a while. Retry after the time given.`,
      { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) },
    );
  return {
    admit(now) {
      if (state.kind === 'probing') return refuse(1000);
      if (state.kind === 'open') {
        if (now < state.until) return refuse(state.until - now);
        become({ kind: 'probing' });
      }
      return undefined;
    },
    recordSuccess() {
      become({ kind: 'closed', failures: 0 });
    },
    recordFailure(now) {
      if (state.kind === 'probing') return become({ kind: 'open', until: now + cooldownMs });
      if (state.kind === 'closed') {
        const failures = state.failures + 1;
        become(failures >= failureThreshold ? { kind: 'open', until: now + cooldownMs } : { kind: 'closed', failures });
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
