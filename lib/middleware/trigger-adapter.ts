/**
 * Recognises the caller, hands the handler only its validated query, and renders the
 * outcome in the caller's shape: an HTTP response for gateways (errors included), the
 * plain answer for direct and workflow calls (errors thrown with their stable names).
 */
import type middy from '@middy/core';
import { toAdapterError } from '../errors';
import type { AdapterContext } from '../runtime/invocation';
import { classifyEvent, type Trigger } from '../triggers/classify';
import type { HttpRequest } from '../triggers/http-request';
import { errorResponse, jsonResponse } from '../triggers/http-response';

export interface Route<Query, Answer> {
  fromHttp(request: HttpRequest): Query;
  fromDirect(payload: Readonly<Record<string, unknown>>): Query;
  /** The answer as both HTTP and direct callers receive it. */
  toBody(answer: Answer): unknown;
  /** Headers an HTTP answer carries besides the common ones. */
  httpHeaders?(answer: Answer): Record<string, string>;
}

/** What this middleware keeps on the middy request between its before and after steps. */
interface AdapterState {
  trigger?: Trigger['kind'];
}

export function triggerAdapter<Query, Answer>(route: Route<Query, Answer>): middy.MiddlewareObj<unknown, unknown, Error, AdapterContext> {
  const stateOf = (request: { internal: unknown }) => request.internal as AdapterState;
  return {
    before: (request) => {
      const trigger = classifyEvent(request.event);
      stateOf(request).trigger = trigger.kind;
      request.event = trigger.kind === 'http' ? route.fromHttp(trigger.request) : route.fromDirect(trigger.payload);
    },
    after: (request) => {
      const answer = request.response as Answer;
      const body = route.toBody(answer);
      request.response =
        stateOf(request).trigger === 'http'
          ? jsonResponse(200, body, request.context.invocation.requestId, route.httpHeaders?.(answer))
          : body;
    },
    onError: (request) => {
      const error = toAdapterError(request.error);
      if (stateOf(request).trigger === 'http') {
        request.response = errorResponse(error, request.context.invocation.requestId);
      }
      request.error = error;
    },
  };
}
