/**
 * The error answers of the real service, as a client sees them. Codes starting with
 * `APIGW` come from Huawei's API gateway in front of MRS; numeric codes from MRS itself.
 * Where the wording below is documented (Huawei's signing-guide error table and FAQ
 * pages, or quoted from real responses in public bug reports) it is reproduced; where
 * it is not, it is modelled on that style and marked so.
 */
import type { VerifyFailure } from './signature';

export interface ErrorBody {
  error_code: string;
  error_msg: string;
}

export interface ErrorReply {
  status: number;
  body: ErrorBody;
}

const IAM_AUTH_PREFIX = 'Incorrect IAM authentication information: ';

/**
 * The specific reason after the APIGW.0301 prefix. Never includes the secret key, the
 * token or the signature; the access key id is not secret and APIG does echo it.
 */
function authReason(failure: VerifyFailure): string {
  switch (failure.reason) {
    // Documented: what APIG says when a request carries neither a token nor a signature.
    case 'authorization-missing':
      return 'x-auth-token not found';
    // Documented, quoted from a real APIG response.
    case 'unknown-access-key':
      return `ak ${failure.accessKey ?? ''} not exist`;
    // Documented.
    case 'signature-mismatch':
      return 'verify aksk signature fail';
    // The rest are modelled in the same terse style.
    case 'authorization-malformed':
      return 'Authorization header is not a valid SDK-HMAC-SHA256 authorization';
    case 'date-missing':
      return 'x-sdk-date not found';
    case 'date-malformed':
      return 'x-sdk-date is not in the format YYYYMMDDTHHmmssZ';
    case 'date-skewed':
      return 'x-sdk-date is too far from the server time, check the client clock';
    case 'signed-header-missing':
      return `verify aksk signature fail, signed header ${failure.header ?? ''} not found in the request`;
    case 'token-missing':
      return `x-security-token not found, ak ${failure.accessKey ?? ''} is a temporary access key`;
    case 'token-mismatch':
      return `x-security-token does not belong to ak ${failure.accessKey ?? ''}`;
    case 'token-not-signed':
      return 'x-security-token is not among the signed headers';
  }
}

/** Every authentication failure is a 401 APIGW.0301, as with the real gateway. */
export function authenticationFailed(failure: VerifyFailure): ErrorReply {
  return { status: 401, body: { error_code: 'APIGW.0301', error_msg: IAM_AUTH_PREFIX + authReason(failure) } };
}

/** Documented (signing guide error table): no API at this path. */
export const API_NOT_FOUND: ErrorReply = {
  status: 404,
  body: { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment.' },
};

/** Documented (same table): the path exists, but not for this method. */
export const METHOD_NOT_FOUND: ErrorReply = {
  status: 404,
  body: { error_code: 'APIGW.0101', error_msg: 'The API does not exist.' },
};

/**
 * Modelled, not copied: the real wording for a path project id the credentials do not
 * grant is not documented. APIGW.0302 is the gateway's documented 403 code for an
 * authenticated caller that may not call the API.
 */
export const PROJECT_MISMATCH: ErrorReply = {
  status: 403,
  body: {
    error_code: 'APIGW.0302',
    error_msg: 'The IAM user is not authorized to access the API: the project ID in the request does not match the credentials.',
  },
};

/** Documented in the MRS API reference error code table. */
export const CLUSTER_NOT_FOUND: ErrorReply = {
  status: 400,
  body: { error_code: '12000003', error_msg: 'The cluster does not exist.' },
};

/**
 * Body for an injected status fault that names no body. 429 gets APIG's documented
 * throttling answer because clients branch on it; other statuses get a body that says
 * plainly it was injected.
 */
export function injectedStatusBody(status: number): ErrorBody {
  if (status === 429) {
    return {
      error_code: 'APIGW.0308',
      error_msg: 'The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute',
    };
  }
  return { error_code: 'EMULATOR.FAULT', error_msg: `Injected HTTP ${status} fault.` };
}

/** Documented in the MRS API reference error code table: a body MRS cannot read, or a field of the wrong type. */
export const INVALID_PARAMETER: ErrorReply = {
  status: 400,
  body: { error_code: '12000002', error_msg: 'The parameter is invalid.' },
};

/** Documented in the MRS error code table (HTTP 500, 12000154): a sync was started while one runs. */
export function iamSyncInProgress(clusterId: string): ErrorReply {
  return {
    status: 500,
    body: {
      error_code: '12000154',
      error_msg: `IAM synchronization is in progress and cannot be triggered again in the same cluster. Cluster ID: ${clusterId}`,
    },
  };
}
