/**
 * Temporary credentials a fallback source holds between invocations (the ECS metadata
 * service's, OIDC federation's, a Secrets Manager secret's): what every such source does
 * alike, so that each keeps only its own rules (how it fetches, when its keys are due, what a
 * refusal by MRS means to it).
 *
 * What is held is in one of four states, at a given time:
 * - `empty`: nothing yet; the first use fetches, and its failure is the caller's error.
 * - `fresh`: before the refresh point (some minutes before expiry, or a TTL): used as is, so
 *   that an invocation does not wait for a fetch it does not need.
 * - `due`: past the refresh point but still usable: refreshed, and if the refresh fails the
 *   held credentials are used until they really expire (an outage of the source should not
 *   fail invocations whose keys still work).
 * - `expired`: no longer usable: refreshed, and a failure is the caller's error.
 * Concurrent callers share one refresh: a burst of invocations at the refresh point (or after
 * one refusal by MRS) costs the source one request, not one each.
 */
import type { Credentials } from './types';

export interface HeldCredentials {
  readonly credentials: Credentials;
}

/** Why a refresh is made: for the sources' logs. */
export type RefreshCause = 'first-use' | 'due' | 'renew';

export type HeldState = 'empty' | 'fresh' | 'due' | 'expired';

export interface HolderRules<H extends HeldCredentials> {
  /** Fresh credentials from the source, or the source's named error. */
  fetch(cause: RefreshCause): Promise<H>;
  /** When held credentials stop being fresh (the refresh point). */
  refreshAt(held: H): number;
  /** Until when held credentials still work if a refresh fails (Infinity: no known expiry). */
  usableUntil(held: H): number;
  /** After a failed refresh with usable credentials in hand, how long they are used before trying again (0: at the next use). */
  retryPauseMs?: number;
  /** Told when a failed refresh leaves the held credentials in use (for a log line). */
  onKept?(held: H, error: unknown): void;
  readonly now: () => number;
}

export interface CredentialHolder<H extends HeldCredentials> {
  /** What is held now, undefined until a fetch succeeded. */
  held(): H | undefined;
  /** The refresh under way, if any (a renewal may share it instead of judging the held keys). */
  refreshing(): Promise<H> | undefined;
  state(at: number): HeldState;
  /** A refresh now, sharing the one under way. */
  refresh(cause: RefreshCause): Promise<H>;
  /** The credentials to sign with: the held ones while fresh, else refreshed (see the states above). */
  get(): Promise<Credentials>;
}

export function createCredentialHolder<H extends HeldCredentials>(rules: HolderRules<H>): CredentialHolder<H> {
  const { now, retryPauseMs = 0 } = rules;
  let held: H | undefined;
  let refreshing: Promise<H> | undefined;
  /** Set after a failed refresh with usable keys: they count as fresh until then, so a failing source is not asked at every use. */
  let retryNotBefore = 0;

  const state = (at: number): HeldState => {
    if (held === undefined) return 'empty';
    if (at < rules.refreshAt(held) || at < retryNotBefore) return 'fresh';
    return at < rules.usableUntil(held) ? 'due' : 'expired';
  };

  const refresh = (cause: RefreshCause): Promise<H> => {
    refreshing ??= rules
      .fetch(cause)
      .then((fresh) => {
        held = fresh;
        retryNotBefore = 0;
        return fresh;
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };

  return {
    held: () => held,
    refreshing: () => refreshing,
    state,
    refresh,
    async get() {
      if (held !== undefined && state(now()) === 'fresh') return held.credentials;
      try {
        return (await refresh(held === undefined ? 'first-use' : 'due')).credentials;
      } catch (error) {
        // Judged after the failure: another caller's refresh may have changed what is held meanwhile.
        const kept = held as H | undefined;
        if (kept === undefined || now() >= rules.usableUntil(kept)) throw error;
        retryNotBefore = now() + retryPauseMs;
        rules.onKept?.(kept, error);
        return kept.credentials;
      }
    },
  };
}
