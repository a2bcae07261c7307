/**
 * Where the status query is in each kind of event: the HTTP route
 * `GET /clusters/{cluster_id}/iam-sync` (fresh with `Cache-Control: no-cache` or
 * `?fresh=true`, another project with `?project_id=`), or
 * `{"cluster_id": "...", "fresh": true, "project_id": "..."}` (`clusterId` too) from a direct
 * or workflow invocation. Every value is validated here, before anything downstream sees it.
 */
import { InvalidRequest, MethodNotAllowed, RouteNotFound } from '../errors';
import { requireClusterId, requireProjectId } from '../ids';
import { quoteUntrusted } from '../quote';
import type { GatewayRequest } from '../triggers/gateway-request';
import type { TriggerRoute } from '../triggers/route';
import type { StatusAnswer, StatusQuery } from './service';

export const STATUS_SHAPES =
  'Invoke the function with a JSON object such as {"cluster_id": "..."} (directly or from a workflow step), ' +
  'or call GET /clusters/{cluster_id}/iam-sync through an API gateway ' +
  '(FunctionGraph APIG, AWS API Gateway REST or HTTP API, Lambda Function URL).';

/** The route, after any stage or base-path prefix the gateway left in the path. */
const STATUS_PATH = /\/clusters\/([^/]*)\/iam-sync\/?$/;
export const STATUS_METHODS = ['GET'] as const;

export function statusQueryFromHttp(request: GatewayRequest): StatusQuery {
  const fromParameters = request.pathParameters.cluster_id;
  const match = fromParameters === undefined ? STATUS_PATH.exec(request.path) : undefined;
  if (fromParameters === undefined && !match) {
    throw new RouteNotFound(`No route here for ${quoteUntrusted(request.path)}; ask GET /clusters/{cluster_id}/iam-sync.`);
  }
  if (!(STATUS_METHODS as readonly string[]).includes(request.method)) {
    throw new MethodNotAllowed(request.method, STATUS_METHODS);
  }
  const clusterId = requireClusterId(fromParameters ?? decodePathSegment(match?.[1] ?? ''));
  const projectId = request.query.project_id === undefined ? undefined : requireProjectId(request.query.project_id);
  return { clusterId, projectId, fresh: asksForNoCache(request.headers['cache-control']) || freshFromQuery(request.query.fresh) };
}

export function statusQueryFromDirect(payload: Readonly<Record<string, unknown>>): StatusQuery {
  const { cluster_id: snake, clusterId: camel } = payload;
  if (snake === undefined && camel === undefined) {
    throw new InvalidRequest(`The event has no cluster_id. ${STATUS_SHAPES}`);
  }
  if (snake !== undefined && camel !== undefined && snake !== camel) {
    throw new InvalidRequest('The event has both cluster_id and clusterId, with different values; send one.');
  }
  const { fresh = false, project_id: projectId } = payload;
  if (typeof fresh !== 'boolean') throw new InvalidRequest(`fresh must be true or false; got ${quoteUntrusted(fresh)}.`);
  return {
    clusterId: requireClusterId(snake ?? camel),
    projectId: projectId === undefined ? undefined : requireProjectId(projectId),
    fresh,
  };
}

function asksForNoCache(cacheControl: string | undefined): boolean {
  return cacheControl?.split(',').some((directive) => directive.trim().toLowerCase() === 'no-cache') ?? false;
}

function freshFromQuery(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw new InvalidRequest(`The fresh query parameter must be true or false; got ${quoteUntrusted(value)}.`);
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidRequest(`The cluster id in the path is not valid percent-encoding: ${quoteUntrusted(segment)}.`);
  }
}

export interface StatusBody {
  readonly cluster_id: string;
  readonly is_synchronizing: boolean;
  /** When MRS was asked; older than the response when the answer came from the cache. */
  readonly checked_at: string;
  readonly cache: { readonly status: 'hit' | 'miss' | 'stale'; readonly age_seconds: number };
}

export const statusRoute: TriggerRoute<StatusQuery, StatusAnswer> = {
  acceptedShapes: STATUS_SHAPES,
  fromHttp: statusQueryFromHttp,
  httpMethods: STATUS_METHODS,
  fromDirect: statusQueryFromDirect,
  toBody: (answer): StatusBody => ({
    cluster_id: answer.clusterId,
    is_synchronizing: answer.isSynchronizing,
    checked_at: answer.checkedAt,
    cache: { status: answer.cache.status, age_seconds: answer.cache.ageSeconds },
  }),
  httpHeaders: ({ cache }) => ({
    'Cache-Control': `max-age=${cache.maxAgeSeconds}`,
    Age: String(cache.ageSeconds),
    'X-Cache': cache.status.toUpperCase(),
  }),
  logFields: ({ cache }) => ({ cache: cache.status, ...(cache.status === 'stale' && { age_seconds: cache.ageSeconds }) }),
};
