/**
 * CORS, only when CORS_ALLOW_ORIGINS is set: a preflight from an allowed origin is answered
 * here (nothing else runs), and answers to an allowed origin carry the headers a browser
 * needs to read them. Requests from other origins get no CORS headers, so browsers refuse
 * them; other callers are unaffected.
 *
 * With a list of origins (not `*`), every answer varies by `Origin`, allowed or not: the
 * answers are cacheable, and a shared cache must not hand an allowed origin a copy that was
 * made without its CORS headers.
 */
import type middy from '@middy/core';
import type { AdapterContext } from '../runtime/invocation';
import { toGatewayRequest } from '../triggers/gateway-request';
import { corsHeaders, type GatewayResponse, preflightResponse } from '../triggers/gateway-response';
import { logAnswered } from './structured-logging';

interface CorsState {
  corsOrigin?: string;
}

export function cors(
  allowOrigins: readonly string[],
  methods: readonly string[],
): middy.MiddlewareObj<unknown, unknown, Error, AdapterContext> {
  const allowAny = allowOrigins.includes('*');
  const variesByOrigin = allowOrigins.length > 0 && !allowAny;
  const addHeaders = (request: { response: unknown; internal: unknown }) => {
    const response = request.response as GatewayResponse | undefined;
    if (response?.headers === undefined) return;
    if (variesByOrigin) response.headers.Vary = 'Origin';
    const origin = (request.internal as CorsState).corsOrigin;
    if (origin !== undefined) Object.assign(response.headers, corsHeaders(origin, allowAny));
  };
  return {
    before: (request) => {
      if (allowOrigins.length === 0) return undefined;
      const http = toGatewayRequest(request.event);
      const origin = http?.headers.origin;
      if (http === undefined || origin === undefined || !(allowAny || allowOrigins.includes(origin))) return undefined;
      (request.internal as CorsState).corsOrigin = origin;
      if (http.method !== 'OPTIONS' || http.headers['access-control-request-method'] === undefined) return undefined;
      // middy skips the after steps of an early answer, so this step writes the preflight's log line itself.
      const preflight = preflightResponse(origin, allowAny, methods);
      request.context.invocation.outcome.preflight = true;
      logAnswered(request.context.invocation, preflight);
      return preflight;
    },
    after: addHeaders,
    onError: addHeaders,
  };
}
