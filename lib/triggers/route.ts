/**
 * How one function reads its query from each kind of event and renders its answer: what
 * the trigger adapter needs to know of a function. Each function's route lives beside it.
 */
import type { TimerEvent } from './classify';
import type { GatewayRequest } from './gateway-request';

export interface TriggerRoute<Query, Answer> {
  /** The events the function accepts, in words, for InvalidRequest messages. */
  readonly acceptedShapes: string;
  fromDirect(payload: Readonly<Record<string, unknown>>): Query;
  fromHttp?(request: GatewayRequest): Query;
  /** The methods `fromHttp` accepts, for CORS preflights. */
  readonly httpMethods?: readonly string[];
  /** The largest HTTP body the route reads (default MAX_EVENT_BODY_BYTES); larger ones are refused unread. */
  readonly maxBodyBytes?: number;
  fromTimer?(timer: TimerEvent): Query;
  /** The answer as every caller receives it (the HTTP body, the direct return value). */
  toBody(answer: Answer): unknown;
  /** The HTTP status of an answer (default 200). */
  httpStatus?(answer: Answer): number;
  /** Headers an HTTP answer carries besides the common ones. */
  httpHeaders?(answer: Answer): Record<string, string>;
  /** Fields the invocation's log line carries about the answer (for example that it was served stale). */
  logFields?(answer: Answer): Record<string, unknown>;
}
