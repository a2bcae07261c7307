/**
 * Which kind of caller sent an event: an HTTP gateway (answered with an HTTP response), a
 * timer (FunctionGraph TIMER trigger, AWS EventBridge schedule), or a direct or workflow
 * invocation (answered with a plain object, failures thrown).
 */
import { isObject } from '../is-object';
import { type GatewayRequest, toGatewayRequest } from './gateway-request';

export interface TimerEvent {
  /** FunctionGraph's `user_event`, the text configured on the trigger; undefined when empty or absent. */
  readonly userEvent: string | undefined;
}

export type Trigger =
  | { readonly kind: 'http'; readonly request: GatewayRequest }
  | { readonly kind: 'timer'; readonly timer: TimerEvent }
  | { readonly kind: 'direct'; readonly payload: Readonly<Record<string, unknown>> };

/** The trigger, or undefined for anything that is not a JSON object (null, arrays, strings, numbers). */
export function classifyEvent(event: unknown): Trigger | undefined {
  const request = toGatewayRequest(event);
  if (request !== undefined) return { kind: 'http', request };
  if (!isObject(event)) return undefined;
  if (event.trigger_type === 'TIMER') {
    const userEvent = typeof event.user_event === 'string' && event.user_event.trim() !== '' ? event.user_event : undefined;
    return { kind: 'timer', timer: { userEvent } };
  }
  if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') {
    return { kind: 'timer', timer: { userEvent: undefined } };
  }
  return { kind: 'direct', payload: event };
}
