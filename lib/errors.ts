/**
 * The errors this adapter answers with. Each has a stable `name` that workflows match
 * (Step Functions `ErrorEquals`, FunctionGraph flow branches) and the HTTP status the
 * gateway answers with. Messages say what happened and what to do; they never carry a
 * credential. `lib/triggers/http-response.ts` is the one place that turns them into
 * responses.
 */

import { quoteUntrusted } from './quote';

/** What MRS (or the gateway in front of it) told us, kept for messages and logs. */
export interface UpstreamDetails {
  httpStatus?: number;
  errorCode?: string;
  requestId?: string;
  /** The service's free-text `error_msg`, cleaned and cut short: for logs only, never a caller's message. */
  errorMessage?: string;
}

export abstract class AdapterError extends Error {
  abstract override readonly name: string;
  abstract readonly statusCode: number;
  readonly upstream: UpstreamDetails | undefined;

  constructor(message: string, options: { upstream?: UpstreamDetails; cause?: unknown } = {}) {
    super(withUpstreamIds(message, options.upstream), options.cause === undefined ? undefined : { cause: options.cause });
    this.upstream = options.upstream;
  }
}

/** The event, or a value in it, is not one this function accepts. Fix the caller. */
export class InvalidRequest extends AdapterError {
  override readonly name = 'InvalidRequest';
  readonly statusCode = 400;
}

/** The request body is larger than any this function reads (it is refused unparsed). */
export class PayloadTooLarge extends AdapterError {
  override readonly name = 'PayloadTooLarge';
  readonly statusCode = 413;
}

/** The operator's ALLOWED_CLUSTER_IDS does not include this cluster; MRS was not asked. */
export class ClusterNotAllowed extends AdapterError {
  override readonly name = 'ClusterNotAllowed';
  readonly statusCode = 403;
}

/** The caller named a project that ALLOWED_PROJECT_IDS does not include; MRS was not asked. */
export class ProjectNotAllowed extends AdapterError {
  override readonly name = 'ProjectNotAllowed';
  readonly statusCode = 403;
}

/** The HTTP route exists only for other methods. */
export class MethodNotAllowed extends AdapterError {
  override readonly name = 'MethodNotAllowed';
  readonly statusCode = 405;
  constructor(
    readonly method: string,
    readonly allow: readonly string[],
  ) {
    super(`Method ${quoteUntrusted(method)} is not allowed here; use ${allow.join(', ')}.`);
  }
}

/** No route of this function answers the HTTP path. */
export class RouteNotFound extends AdapterError {
  override readonly name = 'RouteNotFound';
  readonly statusCode = 404;
}

/** MRS says the cluster does not exist in the configured project. */
export class ClusterNotFound extends AdapterError {
  override readonly name = 'ClusterNotFound';
  readonly statusCode = 404;
}

/** MRS or its gateway refused the function's credentials (401/403). */
export class UpstreamAuthFailed extends AdapterError {
  override readonly name = 'UpstreamAuthFailed';
  readonly statusCode = 502;
}

/** MRS refused the request for a reason other than the ones above (an unexpected 4xx); retrying will not help. */
export class UpstreamRejected extends AdapterError {
  override readonly name = 'UpstreamRejected';
  readonly statusCode = 502;
}

/** MRS asked us to slow down (429). Callers should retry after `retryAfterSeconds`. */
export class UpstreamThrottled extends AdapterError {
  override readonly name = 'UpstreamThrottled';
  readonly statusCode = 503;
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options: { upstream?: UpstreamDetails; retryAfterSeconds?: number } = {}) {
    super(message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * MRS failed (5xx), answered with something unreadable, or could not be reached; or the
 * circuit breaker is open after repeated failures (then `retryAfterSeconds` says when it
 * lets a call through again).
 */
export class UpstreamUnavailable extends AdapterError {
  override readonly name = 'UpstreamUnavailable';
  readonly statusCode = 502;
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options: { upstream?: UpstreamDetails; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** MRS did not answer within the request timeout or the invocation's remaining time. */
export class UpstreamTimeout extends AdapterError {
  override readonly name = 'UpstreamTimeout';
  readonly statusCode = 504;
}

/** Starting an IAM sync is off for this deployment (IAM_SYNC_START_ENABLED is not true); MRS was not asked. */
export class OperationDisabled extends AdapterError {
  override readonly name = 'OperationDisabled';
  readonly statusCode = 403;
}

/** An IAM sync is already running on the cluster, so another was not started. */
export class IamSyncInProgress extends AdapterError {
  override readonly name = 'IamSyncInProgress';
  readonly statusCode = 409;
}

/**
 * The request to start a sync went out and no answer says what MRS did (a timeout, a reset,
 * a 5xx). It was not retried, because a second POST could start a second sync: read the
 * status before starting again.
 */
export class SyncStartOutcomeUnknown extends AdapterError {
  override readonly name = 'SyncStartOutcomeUnknown';
  readonly statusCode = 502;
}

/** The idempotency key was used before with a different request. */
export class IdempotencyKeyMismatch extends AdapterError {
  override readonly name = 'IdempotencyKeyMismatch';
  readonly statusCode = 422;
}

/** A request with this idempotency key is still being carried out. */
export class IdempotencyInProgress extends AdapterError {
  override readonly name = 'IdempotencyInProgress';
  readonly statusCode = 409;
}

/** The sync was still running when this invocation had to stop waiting (`on_timeout: "throw"`): retry the wait. */
export class IamSyncStillRunning extends AdapterError {
  override readonly name = 'IamSyncStillRunning';
  readonly statusCode = 409;
}

/** The caller's `wait_until` has passed and the sync was still running: waiting longer is not wanted. */
export class IamSyncWaitTimedOut extends AdapterError {
  override readonly name = 'IamSyncWaitTimedOut';
  readonly statusCode = 408;
}

/** Errors a caller may retry later, and that may be covered by a stale cached answer. */
export function isTransientUpstreamError(error: unknown): error is UpstreamThrottled | UpstreamUnavailable | UpstreamTimeout {
  return error instanceof UpstreamThrottled || error instanceof UpstreamUnavailable || error instanceof UpstreamTimeout;
}

/** The function's configuration or credentials are missing or invalid. Fix the deployment. */
export class ConfigurationError extends AdapterError {
  override readonly name = 'ConfigurationError';
  readonly statusCode = 500;
}

/** A bug: anything that is not one of the errors above. Its message is never shown to callers. */
export class InternalError extends AdapterError {
  override readonly name = 'InternalError';
  readonly statusCode = 500;
}

/**
 * Every class above keeps its name in the minified bundles: tools report
 * `error.constructor.name` (serverless-offline does), which would otherwise be a letter.
 * esbuild's keepNames would do it too, for every function and class of the bundle, at a cost
 * of about 2 ms of each cold start (the bench measures it); object keys survive minification.
 * test/integration/error-names-bundle.test.ts checks that no class here is left out.
 */
for (const [name, type] of Object.entries({
  AdapterError,
  InvalidRequest,
  PayloadTooLarge,
  ClusterNotAllowed,
  ProjectNotAllowed,
  MethodNotAllowed,
  RouteNotFound,
  ClusterNotFound,
  UpstreamAuthFailed,
  UpstreamRejected,
  UpstreamThrottled,
  UpstreamUnavailable,
  UpstreamTimeout,
  OperationDisabled,
  IamSyncInProgress,
  SyncStartOutcomeUnknown,
  IdempotencyKeyMismatch,
  IdempotencyInProgress,
  IamSyncStillRunning,
  IamSyncWaitTimedOut,
  ConfigurationError,
  InternalError,
})) {
  Object.defineProperty(type, 'name', { value: name });
}

/** Turns anything thrown into an AdapterError, hiding the text of unexpected ones. */
export function toAdapterError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  return new InternalError('The function failed unexpectedly; see its logs for the request id.', { cause: error });
}

function withUpstreamIds(message: string, upstream: UpstreamDetails | undefined): string {
  const ids = [
    upstream?.errorCode && `MRS error_code ${upstream.errorCode}`,
    upstream?.requestId && `X-Request-Id ${upstream.requestId}`,
  ].filter(Boolean);
  return ids.length === 0 ? message : `${message} (${ids.join(', ')})`;
}
