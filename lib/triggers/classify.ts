/**
 * Which kind of caller sent an event: an HTTP gateway (answered with an HTTP response)
 * or a direct/workflow invocation (answered with a plain object, failures thrown).
 */
import { InvalidRequest } from '../errors';
import { quoteUntrusted } from '../ids';
import { isObject, toHttpRequest, type HttpRequest } from './http-request';

export type Trigger =
  | { readonly kind: 'http'; readonly request: HttpRequest }
  | { readonly kind: 'direct'; readonly payload: Readonly<Record<string, unknown>> };

export const ACCEPTED_SHAPES =
  'Invoke the function with a JSON object such as {"cluster_id": "..."} (directly or from a workflow step), ' +
  'or call GET /clusters/{cluster_id}/iam-sync through an API gateway ' +
  '(FunctionGraph APIG, AWS API Gateway REST or HTTP API, Lambda Function URL).';

export function classifyEvent(event: unknown): Trigger {
  const request = toHttpRequest(event);
  if (request !== undefined) return { kind: 'http', request };
  if (isObject(event)) return { kind: 'direct', payload: event };
  throw new InvalidRequest(`The event is ${quoteUntrusted(event)}, not a shape this function accepts. ${ACCEPTED_SHAPES}`);
}
