/**
 * The MRS client: one operation, `ListClusterSyncTaskStatus`
 * (`GET /v2/{project_id}/clusters/{cluster_id}/iam-sync`). It owns credentials, signing,
 * transport, error mapping, retries within the caller's deadline, the retry budget and the
 * circuit breaker; it knows nothing about events or callers.
 */
import type { CredentialProvider, Credentials } from '../credentials/types';
import { UpstreamTimeout, isTransientUpstreamError } from '../errors';
import { requireClusterId, requireProjectId } from '../ids';
import { createCircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { createRetryBudget } from './retry-budget';
import { backoffDelayMs, isCredentialRefusal, isRetryable } from './retry-policy';
import { signRequest } from './signer';
import { send as sendOverHttp, TransportError, type Send } from './transport';
import { errorForResponse, errorForTransport, parseIamSyncStatus, requestIdOf } from './upstream-errors';

export interface IamSyncStatus {
  readonly isSynchronizing: boolean;
  /** MRS's `X-Request-Id`, for logs and support cases. */
  readonly requestId: string | undefined;
}

export interface MrsTarget {
  readonly projectId: string;
  readonly clusterId: string;
}

export interface CallOptions {
  readonly credentials: CredentialProvider;
  /** Epoch milliseconds by which the answer must be in (the invocation's deadline, less its margin). */
  readonly deadlineAt?: number | undefined;
}

export interface MrsClient {
  getIamSyncStatus(target: MrsTarget, options: CallOptions): Promise<IamSyncStatus>;
}

export interface MrsClientOptions {
  readonly endpoint: string;
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  readonly breaker: CircuitBreakerOptions;
  readonly send?: Send;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createMrsClient(options: MrsClientOptions): MrsClient {
  const send = options.send ?? sendOverHttp;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? wait;
  const breaker = createCircuitBreaker(options.breaker);
  const budget = createRetryBudget();

  async function attemptOnce({ projectId, clusterId }: MrsTarget, url: URL, credentials: Credentials, deadlineAt: number | undefined): Promise<IamSyncStatus> {
    const timeoutMs = Math.min(options.requestTimeoutMs, (deadlineAt ?? Infinity) - now());
    if (timeoutMs <= 0) throw new UpstreamTimeout('The invocation has no time left to ask MRS. Raise the function timeout.');
    const headers = signRequest(
      { method: 'GET', url, headers: { 'Content-Type': 'application/json', 'X-Project-Id': projectId } },
      credentials,
      new Date(now()),
    );
    let response;
    try {
      response = await send({ method: 'GET', url, headers }, timeoutMs);
    } catch (error) {
      throw error instanceof TransportError ? errorForTransport(error) : error;
    }
    if (response.status !== 200) throw errorForResponse(response, clusterId);
    return { isSynchronizing: parseIamSyncStatus(response), requestId: requestIdOf(response) };
  }

  /** One admitted attempt, reported to the breaker whatever its outcome. */
  async function guardedAttempt(target: MrsTarget, url: URL, credentials: Credentials, deadlineAt: number | undefined): Promise<IamSyncStatus> {
    breaker.admit(now());
    try {
      const status = await attemptOnce(target, url, credentials, deadlineAt);
      breaker.recordSuccess();
      return status;
    } catch (error) {
      // Any answer but a transient failure shows MRS is up (a 404 is an answer).
      if (isTransientUpstreamError(error)) breaker.recordFailure(now());
      else breaker.recordSuccess();
      throw error;
    }
  }

  return {
    async getIamSyncStatus(target, { credentials, deadlineAt }) {
      const url = iamSyncUrl(options.endpoint, target);
      let signingWith = await credentials.get();
      let renewed = false;
      for (let attempt = 1; ; attempt += 1) {
        try {
          const status = await guardedAttempt(target, url, signingWith, deadlineAt);
          budget.recordSuccess();
          return status;
        } catch (error) {
          if (!renewed && isCredentialRefusal(error)) {
            // One renewal and one more try, outside the retry count: never a loop of refusals.
            renewed = true;
            const newer = await credentials.renew();
            if (newer !== undefined) {
              signingWith = newer;
              attempt -= 1;
              continue;
            }
          }
          if (!isRetryable(error) || attempt >= options.maxAttempts || breaker.isOpen(now())) throw error;
          const delayMs = backoffDelayMs(error, attempt, random);
          // No time for another attempt: answer now, while the invocation can still say why.
          if (deadlineAt !== undefined && now() + delayMs >= deadlineAt) throw error;
          if (!budget.tryAcquire(error)) throw error;
          await sleep(delayMs);
        }
      }
    },
  };
}

/** Ids are checked again here, whatever the caller did: this is where they become a path. */
function iamSyncUrl(endpoint: string, { projectId, clusterId }: MrsTarget): URL {
  const path = `/v2/${encodeURIComponent(requireProjectId(projectId))}/clusters/${encodeURIComponent(requireClusterId(clusterId))}/iam-sync`;
  return new URL(path, endpoint);
}
