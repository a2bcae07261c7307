/**
 * The MRS client: the IAM-sync operations, each one signed request to
 * `/v2/{project_id}/clusters/{cluster_id}/...`. It owns credentials, retries within the
 * caller's deadline, the retry budget and the circuit breaker, and says in the log why it
 * gave up whenever it does; it knows nothing about events or callers.
 */
import type { Credentials } from '../credentials/types';
import {
  AdapterError,
  isTransientUpstreamError,
  SyncStartOutcomeUnknown,
  UpstreamThrottled,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../errors';
import { type CallOptions, createSignedRequester, type SignedRequester } from '../huawei/signed-request';
import { type Send, TransportError, send as sendOverHttps } from '../huawei/transport';
import type { Logger } from '../log';
import { type BreakerState, type CircuitBreakerOptions, createCircuitBreaker } from './circuit-breaker';
import { errorForResponse } from './error-mapping';
import { LIST_SYNC_STATUS, LIST_SYNC_TASK_STATUS, type Operation, SHOW_SYNC_IAM_USER, UPDATE_SYNC_IAM_USER } from './operations';
import type { SyncedNames } from './responses';
import { createRetryBudget } from './retry-budget';
import { backoffDelayMs, isCredentialRefusal, isRetryable } from './retry-policy';
import { clusterPath, type MrsTarget } from './target';

export type { CallOptions } from '../huawei/signed-request';
export type { MrsTarget } from './target';

export interface IamSyncStatus {
  readonly isSynchronizing: boolean;
  /** MRS's `X-Request-Id`, for logs and support cases. */
  readonly requestId: string | undefined;
}

export interface IamSyncCompletion {
  /** Whether the cluster has completed an IAM sync at least once. */
  readonly isSynchronous: boolean;
  readonly requestId: string | undefined;
}

export interface IamSyncedNames extends SyncedNames {
  readonly requestId: string | undefined;
}

/** What to sync: everything, or the named users (with their groups) and groups. */
export interface IamSyncRequest {
  readonly isAllSync?: boolean;
  readonly userNames?: readonly string[];
  readonly groupNames?: readonly string[];
}

export interface IamSyncStarted {
  /** MRS's word for it: `synchronizing`. */
  readonly state: string;
  readonly requestId: string | undefined;
}

export interface MrsClient {
  /** ListClusterSyncTaskStatus: is a sync running now? */
  getIamSyncStatus(target: MrsTarget, options: CallOptions): Promise<IamSyncStatus>;
  /** ListClusterSyncStatus: has the cluster completed an IAM sync? */
  getIamSyncCompletion(target: MrsTarget, options: CallOptions): Promise<IamSyncCompletion>;
  /** ShowSyncIamUser: the users and groups synced to the cluster. */
  getSyncedNames(target: MrsTarget, options: CallOptions): Promise<IamSyncedNames>;
  /**
   * UpdateSyncIamUser: starts a sync. Retried only when MRS provably did not act; when the
   * request went out and no answer says what happened, SyncStartOutcomeUnknown.
   */
  startIamSync(target: MrsTarget, request: IamSyncRequest, options: CallOptions): Promise<IamSyncStarted>;
}

export interface MrsClientOptions {
  readonly endpoint: string;
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  readonly breaker: CircuitBreakerOptions;
  /** The instance's logger: breaker transitions, and give-ups of calls made without one of their own. */
  readonly log: Logger;
  readonly send?: Send;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Why the client stopped trying, as a log field workflows' operators can search for. */
export type GiveUpReason = 'not-retryable' | 'attempts-exhausted' | 'deadline' | 'breaker-open' | 'retry-budget';

/** One attempt, as the give-up log line reports it. */
interface AttemptRecord {
  readonly attempt: number;
  /** `http 503 APIGW.0308`, `timeout`, `network ECONNRESET`, `credentials UpstreamUnavailable`, ... */
  readonly outcome: string;
  /** How long the client waited before the next attempt. */
  readonly wait_ms?: number;
}

/** The API gateway's "throttling threshold reached": the request never reached MRS. */
const GATEWAY_THROTTLED = 'APIGW.0308';

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createMrsClient(options: MrsClientOptions): MrsClient {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? wait;
  const request: SignedRequester = createSignedRequester({ send: options.send ?? sendOverHttps, now });
  const breaker = createCircuitBreaker({ ...options.breaker, onTransition: (from, to) => logTransition(options.log, from, to) });
  const budget = createRetryBudget();

  /** One admitted request, reported to the breaker whatever its outcome. */
  async function attempt<T>(
    operation: Operation<T>,
    target: MrsTarget,
    body: unknown,
    credentials: Credentials,
    deadlineAt: number | undefined,
  ): Promise<T> {
    try {
      const response = await request({
        service: 'MRS',
        endpoint: options.endpoint,
        method: operation.method,
        path: clusterPath(target, operation.suffix),
        headers: { 'X-Project-Id': target.projectId },
        body,
        credentials,
        timeoutMs: options.requestTimeoutMs,
        deadlineAt,
      });
      if (response.status < 200 || response.status > 299) {
        throw operation.errorFor?.(response, target) ?? errorForResponse(response, target);
      }
      const answer = operation.parse(response);
      breaker.recordSuccess();
      return answer;
    } catch (error) {
      // Any answer but a transient failure shows MRS is up (a 404 is an answer).
      if (isTransientUpstreamError(error)) breaker.recordFailure(now());
      else breaker.recordSuccess();
      throw error;
    }
  }

  async function call<T>(
    operation: Operation<T>,
    target: MrsTarget,
    body: unknown,
    { credentials, deadlineAt, log = options.log }: CallOptions,
  ): Promise<T> {
    const history: AttemptRecord[] = [];
    // A request that went out may have acted: one that is not idempotent is never sent again after it.
    const retryable = (error: unknown) => (operation.idempotent ? isRetryable(error) : provablyNotActed(error));
    const giveUp = (reason: GiveUpReason, failure: unknown): never => {
      const error = operation.idempotent || provablyNotActed(failure) ? failure : outcomeUnknown(operation, failure);
      log.warn('MRS call gave up', {
        operation: operation.name,
        cluster_id: target.clusterId,
        give_up: reason,
        attempts: history,
        error: error instanceof Error ? { name: error.name } : { name: typeof error },
        ...(error instanceof AdapterError && error.upstream && { upstream: error.upstream }),
      });
      throw error;
    };
    let renewed = false;
    let renewedCredentials: Credentials | undefined;
    for (let attemptNumber = 1; ; attemptNumber += 1) {
      const refusal = breaker.admit(now());
      if (refusal !== undefined) giveUp('breaker-open', refusal);
      if (deadlineAt !== undefined && deadlineAt <= now()) {
        giveUp('deadline', new UpstreamTimeout('The invocation has no time left to ask MRS. Raise the function timeout.'));
      }
      let error: unknown;
      try {
        // Asked on every attempt: a metadata service that failed a moment ago may answer now.
        const signingWith: Credentials =
          renewedCredentials ?? (await credentials.get().catch((cause: unknown) => Promise.reject(new CredentialFailure(cause))));
        const answer = await attempt(operation, target, body, signingWith, deadlineAt);
        budget.recordSuccess();
        return answer;
      } catch (caught) {
        error = caught;
      }
      const fromCredentials = error instanceof CredentialFailure;
      if (fromCredentials) error = (error as CredentialFailure).cause;
      history.push({ attempt: attemptNumber, outcome: describeOutcome(error, fromCredentials) });
      if (!renewed && isCredentialRefusal(error)) {
        // One renewal and one more try, outside the retry count: never a loop of refusals.
        renewed = true;
        try {
          const newer = await credentials.renew();
          if (newer !== undefined) {
            log.info('credentials renewed after MRS refused them', { operation: operation.name, access_key_changed: true });
            renewedCredentials = newer;
            attemptNumber -= 1;
            continue;
          }
        } catch (renewalError) {
          error = renewalError;
        }
      }
      if (!retryable(error)) giveUp('not-retryable', error);
      if (attemptNumber >= options.maxAttempts) giveUp('attempts-exhausted', error);
      if (breaker.isOpen(now())) giveUp('breaker-open', error);
      const delayMs = backoffDelayMs(error, attemptNumber, random);
      // No time for another attempt: answer now, while the invocation can still say why.
      if (deadlineAt !== undefined && now() + delayMs >= deadlineAt) giveUp('deadline', error);
      if (!budget.tryAcquire(error)) giveUp('retry-budget', error);
      history[history.length - 1] = { ...(history[history.length - 1] as AttemptRecord), wait_ms: delayMs };
      await sleep(delayMs);
    }
  }

  return {
    async getIamSyncStatus(target, callOptions) {
      const { value, requestId } = await call(LIST_SYNC_TASK_STATUS, target, undefined, callOptions);
      return { isSynchronizing: value, requestId };
    },
    async getIamSyncCompletion(target, callOptions) {
      const { value, requestId } = await call(LIST_SYNC_STATUS, target, undefined, callOptions);
      return { isSynchronous: value, requestId };
    },
    async getSyncedNames(target, callOptions) {
      const { value, requestId } = await call(SHOW_SYNC_IAM_USER, target, undefined, callOptions);
      return { ...value, requestId };
    },
    async startIamSync(target, { isAllSync, userNames, groupNames }, callOptions) {
      const body = {
        ...(isAllSync !== undefined && { is_all_sync: isAllSync }),
        ...(userNames !== undefined && { user_names: userNames }),
        ...(groupNames !== undefined && { group_names: groupNames }),
      };
      const { value, requestId } = await call(UPDATE_SYNC_IAM_USER, target, body, callOptions);
      return { state: value, requestId };
    },
  };
}

/**
 * MRS cannot have acted on a request that was refused before it was sent (connection
 * refused, unresolvable, no credentials, the breaker open) or that its gateway throttled.
 */
function provablyNotActed(error: unknown): boolean {
  if (error instanceof UpstreamThrottled) return true;
  if (error instanceof AdapterError && error.upstream?.errorCode === GATEWAY_THROTTLED) return true;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof TransportError) return !cause.requestSent;
  return error instanceof UpstreamUnavailable && error.upstream === undefined && cause === undefined;
}

function outcomeUnknown(operation: Operation<unknown>, error: unknown): SyncStartOutcomeUnknown | unknown {
  if (!isTransientUpstreamError(error)) return error;
  const upstream = error instanceof AdapterError ? error.upstream : undefined;
  return new SyncStartOutcomeUnknown(
    `The request to ${operation.name} went out and no answer says whether MRS acted on it (${error.name}). It was not sent again: read the cluster's IAM sync status before starting another.`,
    { ...(upstream && { upstream }), cause: error },
  );
}

/** Marks a failure to get credentials, so the history says so; it never leaves this module. */
class CredentialFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('credentials');
  }
}

function describeOutcome(error: unknown, fromCredentials: boolean): string {
  const name = error instanceof Error ? error.name : typeof error;
  if (fromCredentials) return `credentials ${name}`;
  if (error instanceof AdapterError && error.upstream?.httpStatus !== undefined) {
    return ['http', error.upstream.httpStatus, error.upstream.errorCode].filter((part) => part !== undefined).join(' ');
  }
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof TransportError) return cause.failure === 'network' ? `network ${cause.code ?? 'error'}` : cause.failure;
  return name;
}

function logTransition(log: Logger, from: BreakerState, to: BreakerState): void {
  if (to === 'open') log.warn('MRS circuit breaker opened: calls wait out the cooldown', { from });
  else if (to === 'closed' && from !== 'closed') log.info('MRS circuit breaker closed: MRS is answering again', { from });
}
