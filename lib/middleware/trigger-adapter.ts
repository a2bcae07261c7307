/**
 * Recognises the caller, hands the handler only its validated query, and renders the
 * outcome in the caller's shape: an HTTP response for gateways (errors included), the
 * plain answer for direct, workflow and timer calls (errors thrown with their stable names).
 */
import type middy from '@middy/core';
import { InvalidRequest, PayloadTooLarge, toAdapterError } from '../errors';
import { quoteUntrusted } from '../quote';
import type { AdapterContext } from '../runtime/invocation';
import { classifyEvent, type Trigger } from '../triggers/classify';
import { errorResponse, jsonResponse } from '../triggers/gateway-response';
import type { TriggerRoute } from '../triggers/route';

/** By default no route reads a body this large; it is refused before anything looks inside it. */
export const MAX_EVENT_BODY_BYTES = 8 * 1024;

/** What this middleware keeps on the middy request between its before and after steps. */
interface AdapterState {
  trigger?: Trigger['kind'];
}

export function triggerAdapter<Query, Answer>(
  route: TriggerRoute<Query, Answer>,
): middy.MiddlewareObj<unknown, unknown, Error, AdapterContext> {
  const stateOf = (request: { internal: unknown }) => request.internal as AdapterState;
  const refuse = (what: string) => new InvalidRequest(`${what} ${route.acceptedShapes}`);
  const maxBodyBytes = route.maxBodyBytes ?? MAX_EVENT_BODY_BYTES;
  const queryOf = (trigger: Trigger): Query => {
    switch (trigger.kind) {
      case 'http':
        if (route.fromHttp === undefined) throw refuse('This function does not answer HTTP requests.');
        if (trigger.request.bodyBytes > maxBodyBytes) {
          throw new PayloadTooLarge(
            `The request body is ${trigger.request.bodyBytes} bytes; this function reads none over ${maxBodyBytes}.`,
          );
        }
        return route.fromHttp(trigger.request);
      case 'timer':
        if (route.fromTimer === undefined) throw refuse('This function is not run by a timer.');
        return route.fromTimer(trigger.timer);
      case 'direct':
        return route.fromDirect(trigger.payload);
    }
  };
  return {
    before: (request) => {
      const trigger = classifyEvent(request.event);
      if (trigger === undefined) throw refuse(`The event is ${quoteUntrusted(request.event)}, not a JSON object.`);
      stateOf(request).trigger = trigger.kind;
      request.event = queryOf(trigger);
    },
    after: (request) => {
      const answer = request.response as Answer;
      Object.assign(request.context.invocation.outcome, route.logFields?.(answer));
      const body = route.toBody(answer);
      request.response =
        stateOf(request).trigger === 'http'
          ? jsonResponse(route.httpStatus?.(answer) ?? 200, body, request.context.invocation.requestId, route.httpHeaders?.(answer))
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
