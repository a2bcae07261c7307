/**
 * The two halves of FunctionGraph's APIG trigger contract: the event APIG builds from
 * an HTTP request, and the answer it expects back from the function.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';

export interface ApigEvent {
  readonly httpMethod: string;
  /** As received, still percent-encoded. */
  readonly path: string;
  readonly pathParameters: Record<string, string>;
  readonly queryStringParameters: Record<string, string>;
  /** Lower-case names. */
  readonly headers: Record<string, string>;
  /** Base64 of the request body ('' when there is none). */
  readonly body: string;
  /** APIG's default for FunctionGraph backends. */
  readonly isBase64Encoded: true;
  readonly requestContext: { readonly apiId: string; readonly requestId: string; readonly stage: 'RELEASE' };
}

export interface ApigRequest {
  readonly method: string;
  readonly path: string;
  /** Raw query string, without `?`. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly pathParameters: Record<string, string>;
  readonly apiId: string;
  readonly requestId: string;
}

export function toApigEvent(request: ApigRequest): ApigEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    httpMethod: request.method,
    path: request.path,
    pathParameters: request.pathParameters,
    // One value per name; with a repeated name the last one wins.
    queryStringParameters: Object.fromEntries(new URLSearchParams(request.query)),
    headers,
    body: request.body.toString('base64'),
    isBase64Encoded: true,
    requestContext: { apiId: request.apiId, requestId: request.requestId, stage: 'RELEASE' },
  };
}

export interface ApigResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** The gateway frames the response itself, so the function's framing headers are dropped. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The function's answer `{statusCode, headers, body, isBase64Encoded}` as an HTTP
 * response, or undefined when it is not one APIG can send (APIG then answers an error).
 */
export function readApigResult(value: unknown): ApigResult | undefined {
  if (!isRecord(value)) return undefined;
  const { statusCode, headers = {}, body, isBase64Encoded = false } = value;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (typeof body !== 'string' || typeof isBase64Encoded !== 'boolean' || !isRecord(headers)) return undefined;
  if (isBase64Encoded && !BASE64.test(body)) return undefined;
  const outHeaders: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return undefined;
    if (FRAMING_HEADERS.has(name.toLowerCase())) continue;
    try {
      validateHeaderName(name);
      validateHeaderValue(name, String(raw));
    } catch {
      return undefined;
    }
    outHeaders[name] = String(raw);
  }
  return { statusCode, headers: outHeaders, body: Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8') };
}

/** APIG's own error answers (its error-code table). */
export const APIG_ERRORS = {
  notFound: { status: 404, code: 'APIG.0101', message: 'The API does not exist or has not been published in the environment.' },
  tooLarge: { status: 413, code: 'APIG.0201', message: 'Request entity too large.' },
  backendUnavailable: { status: 502, code: 'APIG.0202', message: 'Backend unavailable' },
  backendTimeout: { status: 504, code: 'APIG.0203', message: 'Backend timeout.' },
} as const;

export interface ApigError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export function apigErrorBody(error: ApigError, requestId: string): string {
  return JSON.stringify({ error_msg: error.message, error_code: error.code, request_id: requestId });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
