/**
 * What an MRS answer or a failed request means for the caller. MRS error bodies are
 * `{"error_code": "...", "error_msg": "..."}`; codes starting `APIGW` come from Huawei's API
 * gateway in front of MRS. Only the code and the request id are carried into messages:
 * `error_msg` is free text from upstream and stays in the logs.
 */
import {
  AdapterError,
  ClusterNotFound,
  ConfigurationError,
  UpstreamAuthFailed,
  UpstreamRejected,
  UpstreamThrottled,
  UpstreamTimeout,
  UpstreamUnavailable,
  type UpstreamDetails,
} from '../errors';
import type { HttpResponse, TransportError } from './transport';

const CLUSTER_DOES_NOT_EXIST = '12000003';
const MAX_RETRY_AFTER_SECONDS = 3600;

export function errorForResponse(response: HttpResponse, clusterId: string): AdapterError {
  const upstream = upstreamDetails(response);
  const { status } = response;
  const fromGateway = upstream.errorCode?.startsWith('APIGW') ?? false;
  if ((status === 404 && !fromGateway) || (status === 400 && upstream.errorCode === CLUSTER_DOES_NOT_EXIST)) {
    return clusterNotFound(clusterId, upstream);
  }
  if (status === 404) {
    return new ConfigurationError(
      'The MRS endpoint does not serve the IAM synchronization API; check MRS_REGION or MRS_ENDPOINT.',
      { upstream },
    );
  }
  if (status === 401 || status === 403) {
    return new UpstreamAuthFailed(
      `MRS refused the function's credentials (HTTP ${status}). Check that its agency or AK/SK is valid and allowed to read MRS clusters in this project.`,
      { upstream },
    );
  }
  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(response.headers['retry-after']);
    return new UpstreamThrottled(
      `MRS is throttling requests (HTTP 429). Retry ${retryAfterSeconds === undefined ? 'later' : `after ${retryAfterSeconds} s`}, or ask less often.`,
      { upstream, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) },
    );
  }
  if (status >= 500) {
    return new UpstreamUnavailable(`MRS failed to answer (HTTP ${status}). Retry shortly.`, { upstream });
  }
  if (status >= 400) {
    return new UpstreamRejected(`MRS rejected the request (HTTP ${status}). This is not retryable; report it with the ids below.`, { upstream });
  }
  return new UpstreamUnavailable(`MRS answered with unexpected HTTP status ${status}. Retry shortly.`, { upstream });
}

/** Also used for a "no such cluster" answer remembered by the cache. */
export function clusterNotFound(clusterId: string, upstream: UpstreamDetails): ClusterNotFound {
  return new ClusterNotFound(
    `MRS has no cluster ${JSON.stringify(clusterId)} in the configured project. Check the cluster id, and that the function's project and region are the cluster's.`,
    { upstream },
  );
}

export function errorForTransport(error: TransportError): AdapterError {
  if (error.failure === 'timeout') {
    return new UpstreamTimeout(`MRS did not answer in time (${error.message}). Retry, or raise MRS_TIMEOUT_MS and the function's timeout.`);
  }
  const what = error.code === undefined ? error.message : `${error.code}: ${error.message}`;
  return new UpstreamUnavailable(`Could not get an answer from MRS (${what}). Retry shortly.`);
}

/** `{"is_synchronizing": <bool>}`, or UpstreamUnavailable: a missing field is not a `false`. */
export function parseIamSyncStatus(response: HttpResponse): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw malformed(response, 'a body that is not JSON');
  }
  const value = (parsed as { is_synchronizing?: unknown } | null)?.is_synchronizing;
  if (typeof value !== 'boolean') throw malformed(response, 'JSON without a boolean is_synchronizing');
  return value;
}

export function requestIdOf(response: HttpResponse): string | undefined {
  const id = response.headers['x-request-id'];
  return typeof id === 'string' && id.length > 0 ? id.slice(0, 128) : undefined;
}

function malformed(response: HttpResponse, what: string): UpstreamUnavailable {
  return new UpstreamUnavailable(`MRS answered HTTP ${response.status} with ${what}. Retry shortly.`, {
    upstream: upstreamDetails(response),
  });
}

function upstreamDetails(response: HttpResponse): UpstreamDetails {
  const requestId = requestIdOf(response);
  const errorCode = errorCodeOf(response.body);
  return { httpStatus: response.status, ...(errorCode && { errorCode }), ...(requestId && { requestId }) };
}

/** The body's `error_code` when it is a short token; free text is not repeated to callers. */
function errorCodeOf(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error_code?: unknown } | null)?.error_code;
    return typeof code === 'string' && /^[A-Za-z0-9._-]{1,40}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds from a `Retry-After` of either form (delta-seconds or HTTP date), capped at an hour. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Math.ceil((Date.parse(raw) - now) / 1000);
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(Math.max(seconds, 0), MAX_RETRY_AFTER_SECONDS);
}
