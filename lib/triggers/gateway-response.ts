/**
 * The one place where answers and errors become HTTP responses, in the shape every
 * gateway here accepts: `{statusCode, headers, body, isBase64Encoded: false}`.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { MethodNotAllowed, UpstreamThrottled, UpstreamUnavailable, type AdapterError } from '../errors';
import { scrubSecrets } from '../log';

/** The answer a gateway turns into the HTTP response (upstream answers are `OutboundResponse`). */
export type GatewayResponse = APIGatewayProxyResult & { headers: Record<string, string> };

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly request_id: string };
}

const COMMON_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'X-Content-Type-Options': 'nosniff',
};

export function jsonResponse(statusCode: number, body: unknown, requestId: string, headers: Record<string, string> = {}): GatewayResponse {
  return {
    statusCode,
    headers: { ...COMMON_HEADERS, 'X-Request-Id': requestId, ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

export function errorResponse(error: AdapterError, requestId: string): GatewayResponse {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (error instanceof MethodNotAllowed) headers.Allow = error.allow.join(', ');
  if ((error instanceof UpstreamThrottled || error instanceof UpstreamUnavailable) && error.retryAfterSeconds !== undefined) {
    headers['Retry-After'] = String(error.retryAfterSeconds);
  }
  const body: ErrorBody = { error: { code: error.name, message: scrubSecrets(error.message), request_id: requestId } };
  return jsonResponse(error.statusCode, body, requestId, headers);
}

/** Headers a browser needs to read an answer for `origin` (only ever an allowed origin). */
export function corsHeaders(origin: string, allowAny: boolean): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': allowAny ? '*' : origin,
    'Access-Control-Expose-Headers': 'Age, Retry-After, X-Cache, X-Request-Id',
    ...(!allowAny && { Vary: 'Origin' }),
  };
}

/** The answer to a CORS preflight from an allowed origin. */
export function preflightResponse(origin: string, allowAny: boolean, methods: readonly string[]): GatewayResponse {
  return {
    statusCode: 204,
    headers: {
      ...corsHeaders(origin, allowAny),
      'Access-Control-Allow-Methods': methods.join(', '),
      'Access-Control-Allow-Headers': 'Cache-Control, Content-Type',
      'Access-Control-Max-Age': '600',
    },
    body: '',
    isBase64Encoded: false,
  };
}
