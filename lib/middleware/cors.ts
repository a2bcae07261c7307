/**
 * CORS, only when CORS_ALLOW_ORIGINS is set: a preflight from an allowed origin is answered
 * here (nothing else runs), and answers to an allowed origin carry the headers a browser
 * needs to read them. Requests from other origins get no CORS headers, so browsers refuse
 * them; other callers are unaffected.
 */
import type middy from '@middy/core';
import type { AdapterContext } from '../runtime/invocation';
import { toHttpRequest } from '../triggers/http-request';
import { corsHeaders, preflightResponse, type HttpResponse } from '../triggers/http-response';

interface CorsState {
  corsOrigin?: string;
}

export function cors(allowOrigins: readonly string[], methods: readonly string[]): middy.MiddlewareObj<unknown, unknown, Error, AdapterContext> {
  const allowAny = allowOrigins.includes('*');
  const addHeaders = (request: { response: unknown; internal: unknown }) => {
    const origin = (request.internal as CorsState).corsOrigin;
    const response = request.response as HttpResponse | undefined;
    if (origin !== undefined && response?.headers !== undefined) Object.assign(response.headers, corsHeaders(origin, allowAny));
  };
  return {
    before: (request) => {
      if (allowOrigins.length === 0) return undefined;
      const http = toHttpRequest(request.event);
      const origin = http?.headers.origin;
      if (http === undefined || origin === undefined || !(allowAny || allowOrigins.includes(origin))) return undefined;
      (request.internal as CorsState).corsOrigin = origin;
      const isPreflight = http.method === 'OPTIONS' && http.headers['access-control-request-method'] !== undefined;
      return isPreflight ? preflightResponse(origin, allowAny, methods) : undefined;
    },
    after: addHeaders,
    onError: addHeaders,
  };
}
