/**
 * What an MRS answer other than success means for the caller. MRS error bodies are
 * `{"error_code": "...", "error_msg": "..."}`; codes starting `APIGW` come from Huawei's API
 * gateway in front of MRS. Only the code and the request id are carried into messages:
 * `error_msg` is free text from upstream and goes to the logs only (`upstream.errorMessage`).
 */
import {
  type AdapterError,
  ClusterNotFound,
  ConfigurationError,
  type UpstreamDetails,
  UpstreamAuthFailed,
  UpstreamRejected,
  UpstreamThrottled,
  UpstreamUnavailable,
} from '../errors';
import { errorEnvelope, parseRetryAfter, upstreamRequestId } from '../huawei/response';
import type { OutboundResponse } from '../huawei/transport';
import type { MrsTarget } from './target';

const CLUSTER_DOES_NOT_EXIST = '12000003';

export function errorForResponse(response: OutboundResponse, target: MrsTarget): AdapterError {
  const upstream = upstreamDetails(response);
  const { status } = response;
  const fromGateway = upstream.errorCode?.startsWith('APIGW') ?? false;
  if ((status === 404 && !fromGateway) || (status === 400 && upstream.errorCode === CLUSTER_DOES_NOT_EXIST)) {
    return clusterNotFound(target, upstream);
  }
  if (status === 404) {
    return new ConfigurationError('The MRS endpoint does not serve the IAM synchronization API; check MRS_REGION or MRS_ENDPOINT.', {
      upstream,
    });
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
    return new UpstreamRejected(`MRS rejected the request (HTTP ${status}). This is not retryable; report it with the ids below.`, {
      upstream,
    });
  }
  return new UpstreamUnavailable(`MRS answered with unexpected HTTP status ${status}. Retry shortly.`, { upstream });
}

/**
 * "No such cluster", naming the project MRS was asked in, whether the caller named it or it
 * is the function's own. Also used for an answer remembered by the cache.
 */
export function clusterNotFound({ clusterId, projectId }: MrsTarget, upstream: UpstreamDetails): ClusterNotFound {
  return new ClusterNotFound(
    `MRS has no cluster ${JSON.stringify(clusterId)} in project ${JSON.stringify(projectId)}. Check the cluster id, and that the project and the function's region are the cluster's.`,
    { upstream },
  );
}

/** An answer that is not the JSON it should be: MRS or its gateway misbehaved, which may pass. */
export function malformedAnswer(response: OutboundResponse, what: string): UpstreamUnavailable {
  return new UpstreamUnavailable(`MRS answered HTTP ${response.status} with ${what}. Retry shortly.`, {
    upstream: upstreamDetails(response),
  });
}

export function upstreamDetails(response: OutboundResponse): UpstreamDetails {
  const requestId = upstreamRequestId(response);
  const { errorCode, errorMessage } = errorEnvelope(response);
  return {
    httpStatus: response.status,
    ...(errorCode && { errorCode }),
    ...(requestId && { requestId }),
    ...(errorMessage && { errorMessage }),
  };
}
