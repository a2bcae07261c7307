/**
 * What the two AWS SDK readers (./oidc-sts-read.ts, ./secrets-manager-read.ts) do alike: how
 * their client is set up and what a failed call was, as plain data. Each reader is its own
 * lazily loaded chunk, so this module is bundled into both; it must therefore import nothing
 * of the adapter's and throw nothing (a chunk's copies of the adapter's error classes would
 * not be the main bundle's). The sources turn the plain data into named errors.
 */

/** A call that gave nothing. */
export interface AwsReadFailure {
  readonly ok: false;
  /** The AWS error's name (`AccessDeniedException`, `TimeoutError`...), `RegionMissing`, or the reader's own (`NoToken`). */
  readonly code: string;
  /** AWS's HTTP status, when an answer came. */
  readonly httpStatus: number | undefined;
  /** `client` (the request or the setup is wrong) or `server` (AWS failed); undefined when no answer came. */
  readonly fault: 'client' | 'server' | undefined;
  /** AWS's own text, only for the reader's documented refusals (they name the principal and the action, never data): for logs. */
  readonly awsMessage: string | undefined;
}

const MAX_AWS_MESSAGE = 300;

/** The SDK client's settings: the MRS call waits for this read, so little retrying and short waits. */
export function awsClientSettings(requestTimeoutMs: number) {
  return {
    // One retry of the SDK's own (throttling, 5xx, resets).
    maxAttempts: 2,
    requestHandler: { requestTimeout: requestTimeoutMs, connectionTimeout: Math.min(requestTimeoutMs, 1000) },
  };
}

/**
 * What a thrown SDK error was. `quotable` names the refusals whose messages are about the
 * request and the principal, not the data; any other message may quote a response body, so it
 * is not kept.
 */
export function awsReadFailure(error: unknown, quotable: ReadonlySet<string>): AwsReadFailure {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const message = typeof e.message === 'string' ? e.message : '';
  // The SDK's config resolver throws a plain Error for this; it is a setup problem, not AWS's answer.
  const code = /^Region is missing/.test(message) ? 'RegionMissing' : typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
  const httpStatus = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const fault = e.$fault === 'client' || e.$fault === 'server' ? e.$fault : undefined;
  const quote = quotable.has(code) && httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500;
  return { ok: false, code, httpStatus, fault, awsMessage: quote ? message.slice(0, MAX_AWS_MESSAGE) : undefined };
}

/** Whether AWS refused the request itself (the deployment must change), as opposed to throttling or failing (retrying may pass). */
export function refusedByAws(failure: AwsReadFailure): boolean {
  const status = failure.httpStatus;
  return (
    failure.fault === 'client' &&
    status !== undefined &&
    status >= 400 &&
    status < 500 &&
    status !== 429 &&
    !/Throttl|TooManyRequests/.test(failure.code)
  );
}
