/**
 * Where the wait query is in each kind of event. Direct or workflow invocation:
 * `{"cluster_id", "max_wait_seconds"?: 600, "min_delay_seconds"?: 2, "max_delay_seconds"?: 30,
 * "wait_until"?: ISO 8601, "on_timeout"?: "return" | "throw"}`. HTTP: a long poll,
 * `GET /clusters/{cluster_id}/iam-sync/wait?max_wait_seconds=25` (the same names as query
 * parameters), bounded by the gateway's own timeout.
 */
import { InvalidRequest } from '../errors';
import { methodsOf, routesOf } from '../http-routes';
import { requireClusterId, requireProjectId } from '../ids';
import { quoteUntrusted } from '../quote';
import { clusterRoutes, matchClusterRoute } from '../triggers/cluster-path';
import type { GatewayRequest } from '../triggers/gateway-request';
import type { TriggerRoute } from '../triggers/route';

export type OnTimeout = 'return' | 'throw';

export interface WaitQuery {
  readonly clusterId: string;
  readonly projectId?: string | undefined;
  readonly maxWaitMs: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Epoch ms after which the workflow does not want to wait any longer. */
  readonly waitUntil?: number | undefined;
  readonly onTimeout: OnTimeout;
}

export type WaitAnswer =
  | {
      readonly cluster_id: string;
      readonly is_synchronizing: false;
      readonly done: true;
      readonly polls: number;
      readonly waited_seconds: number;
    }
  | {
      readonly cluster_id: string;
      readonly is_synchronizing: true;
      readonly done: false;
      readonly polls: number;
      readonly waited_seconds: number;
      /** Whole seconds, for a Wait state's SecondsPath (which takes no fractions). */
      readonly next_poll_after_seconds: number;
    };

/** The waiter defaults (seconds), as the issue and smithy's waiters put them. */
export const WAIT_DEFAULTS = { maxWaitSeconds: 600, minDelaySeconds: 2, maxDelaySeconds: 30 } as const;
/** The largest values accepted (seconds). */
export const WAIT_LIMITS = { maxWaitSeconds: 86_400, delaySeconds: 3600 } as const;

export const WAIT_SHAPES =
  'Invoke the function with {"cluster_id": "..."} and optionally "max_wait_seconds", "min_delay_seconds", "max_delay_seconds", ' +
  '"wait_until" (ISO 8601) and "on_timeout" ("return" or "throw"), or call GET /clusters/{cluster_id}/iam-sync/wait?max_wait_seconds=25 ' +
  'through an API gateway.';

/** The function's route in the table (lib/http-routes.ts). */
const ROUTES = clusterRoutes(routesOf('iam-sync-wait'));
export const WAIT_METHODS: readonly string[] = methodsOf(ROUTES.routes);

export function waitQueryFromHttp(request: GatewayRequest): WaitQuery {
  const { clusterId } = matchClusterRoute(request, ROUTES);
  const { query } = request;
  const number = (name: string) => (query[name] === undefined ? undefined : Number(query[name]));
  return waitQueryFromDirect({
    cluster_id: clusterId,
    project_id: query.project_id,
    max_wait_seconds: number('max_wait_seconds'),
    min_delay_seconds: number('min_delay_seconds'),
    max_delay_seconds: number('max_delay_seconds'),
    wait_until: query.wait_until,
    on_timeout: query.on_timeout,
  });
}

export function waitQueryFromDirect(payload: Readonly<Record<string, unknown>>): WaitQuery {
  const { cluster_id: clusterId, project_id: projectId, wait_until: waitUntil, on_timeout: onTimeout = 'return' } = payload;
  if (clusterId === undefined) throw new InvalidRequest(`The event has no cluster_id. ${WAIT_SHAPES}`);
  const maxWait = seconds(payload, 'max_wait_seconds', WAIT_DEFAULTS.maxWaitSeconds, WAIT_LIMITS.maxWaitSeconds);
  const minDelay = seconds(payload, 'min_delay_seconds', WAIT_DEFAULTS.minDelaySeconds, WAIT_LIMITS.delaySeconds);
  const maxDelay = seconds(payload, 'max_delay_seconds', Math.max(WAIT_DEFAULTS.maxDelaySeconds, minDelay), WAIT_LIMITS.delaySeconds);
  // smithy's own checks (utils/validate.ts): a schedule that cannot make a second poll is a mistake.
  if (maxDelay < minDelay) throw new InvalidRequest(`max_delay_seconds (${maxDelay}) must be at least min_delay_seconds (${minDelay}).`);
  if (maxWait <= minDelay) throw new InvalidRequest(`max_wait_seconds (${maxWait}) must be more than min_delay_seconds (${minDelay}).`);
  if (onTimeout !== 'return' && onTimeout !== 'throw')
    throw new InvalidRequest(`on_timeout must be "return" or "throw"; got ${quoteUntrusted(onTimeout)}.`);
  return {
    clusterId: requireClusterId(clusterId),
    projectId: projectId === undefined ? undefined : requireProjectId(projectId),
    maxWaitMs: maxWait * 1000,
    minDelayMs: minDelay * 1000,
    maxDelayMs: maxDelay * 1000,
    waitUntil: waitUntil === undefined ? undefined : instant(waitUntil),
    onTimeout,
  };
}

function seconds(payload: Readonly<Record<string, unknown>>, name: string, fallback: number, max: number): number {
  const value = payload[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new InvalidRequest(`${name} must be a number of seconds above 0 and at most ${max}; got ${quoteUntrusted(String(value))}.`);
  }
  return value;
}

/** An ISO 8601 date and time with a zone, as Step Functions' `$$.State.EnteredTime` gives it. */
function instant(value: unknown): number {
  const parts = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.exec(value) : null;
  // Date.parse rolls a day the month does not have (February 30) over into the next month; refuse it instead.
  const dayExists =
    parts !== null && new Date(Date.UTC(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]))).getUTCDate() === Number(parts[3]);
  const at = parts !== null && dayExists ? Date.parse(value as string) : Number.NaN;
  if (Number.isNaN(at))
    throw new InvalidRequest(
      `wait_until must be an ISO 8601 time with a zone, such as 2026-11-30T12:00:00Z; got ${quoteUntrusted(value)}.`,
    );
  return at;
}

export const waitRoute: TriggerRoute<WaitQuery, WaitAnswer> = {
  acceptedShapes: WAIT_SHAPES,
  fromHttp: waitQueryFromHttp,
  httpMethods: WAIT_METHODS,
  fromDirect: waitQueryFromDirect,
  toBody: (answer) => answer,
  httpHeaders: () => ({ 'Cache-Control': 'no-store' }),
  logFields: (answer) => ({ done: answer.done, polls: answer.polls, waited_seconds: answer.waited_seconds }),
};
