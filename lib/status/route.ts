/**
 * Where the read query is in each kind of event. HTTP: `GET /clusters/{cluster_id}/iam-sync`
 * (the status), `.../iam-sync/is-synchronous` (the completion) and `.../iam-sync/users` (the
 * synced names); fresh with `Cache-Control: no-cache` or `?fresh=true`, another project with
 * `?project_id=`. Direct or workflow invocation: `{"cluster_id": "...", "operation": ...,
 * "fresh": true, "project_id": "..."}` (`clusterId` too). Every value is validated here,
 * before anything downstream sees it.
 */
import type { CachedRead } from '../cache/entry';
import { InvalidRequest } from '../errors';
import { methodsOf, type RouteId, routesOf } from '../http-routes';
import { requireClusterId, requireProjectId } from '../ids';
import { quoteUntrusted } from '../quote';
import { clusterRoutes, matchClusterRoute } from '../triggers/cluster-path';
import type { GatewayRequest } from '../triggers/gateway-request';
import type { TriggerRoute } from '../triggers/route';
import type { ReadAnswer, StatusQuery } from './service';

/** One of the reads, for one cluster. */
export interface ReadQuery extends StatusQuery {
  readonly read: CachedRead;
}

/** Each read: its HTTP route (lib/http-routes.ts), and its name in a direct event's `operation`. */
export const READ_ROUTES: readonly { readonly read: CachedRead; readonly routeId: RouteId; readonly operation: string }[] = [
  { read: 'status', routeId: 'getIamSyncStatus', operation: 'status' },
  { read: 'completion', routeId: 'getIamSyncCompletion', operation: 'is_synchronous' },
  { read: 'synced-names', routeId: 'listIamSyncedNames', operation: 'synced_users' },
];

export const STATUS_SHAPES =
  'Invoke the function with a JSON object such as {"cluster_id": "..."} (directly or from a workflow step; add ' +
  '"operation": "is_synchronous" or "synced_users" for the other reads), or call GET /clusters/{cluster_id}/iam-sync, ' +
  '.../iam-sync/is-synchronous or .../iam-sync/users through an API gateway ' +
  '(FunctionGraph APIG, AWS API Gateway REST or HTTP API, Lambda Function URL).';

/** The function's routes in the table, matched after any stage or base-path prefix the gateway left in the path. */
const ROUTES = clusterRoutes(routesOf('iam-sync-status'));
export const STATUS_METHODS: readonly string[] = methodsOf(ROUTES.routes);

export function statusQueryFromHttp(request: GatewayRequest): ReadQuery {
  // A gateway that names the cluster in its path parameters may pass a path of its own: the first route, the status.
  const { clusterId, route } = matchClusterRoute(request, ROUTES);
  const read = READ_ROUTES.find((entry) => entry.routeId === route.id)?.read ?? 'status';
  const projectId = request.query.project_id === undefined ? undefined : requireProjectId(request.query.project_id);
  return {
    read,
    clusterId: requireClusterId(clusterId),
    projectId,
    fresh: asksForNoCache(request.headers['cache-control']) || freshFromQuery(request.query.fresh),
  };
}

export function statusQueryFromDirect(payload: Readonly<Record<string, unknown>>): ReadQuery {
  const { cluster_id: snake, clusterId: camel, operation = 'status' } = payload;
  if (snake === undefined && camel === undefined) {
    throw new InvalidRequest(`The event has no cluster_id. ${STATUS_SHAPES}`);
  }
  if (snake !== undefined && camel !== undefined && snake !== camel) {
    throw new InvalidRequest('The event has both cluster_id and clusterId, with different values; send one.');
  }
  const read = READ_ROUTES.find((route) => route.operation === operation)?.read;
  if (read === undefined) {
    throw new InvalidRequest(
      `operation must be one of ${READ_ROUTES.map((route) => route.operation).join(', ')}; got ${quoteUntrusted(operation)}.`,
    );
  }
  const { fresh = false, project_id: projectId } = payload;
  if (typeof fresh !== 'boolean') throw new InvalidRequest(`fresh must be true or false; got ${quoteUntrusted(fresh)}.`);
  return {
    read,
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

/** What every caller receives: the cluster, the read's fields, when MRS was asked and how the cache served it. */
export type ReadBody = { readonly cluster_id: string } & Record<string, unknown> & {
    readonly checked_at: string;
    readonly cache: { readonly status: 'hit' | 'miss' | 'stale'; readonly age_seconds: number };
  };

/** A read's answer, with its value's fields as the MRS API names them. */
export type AnyReadAnswer = ReadAnswer<'status'> | ReadAnswer<'completion'> | ReadAnswer<'synced-names'>;

function fieldsOf(value: AnyReadAnswer['value']): Record<string, unknown> {
  if ('isSynchronizing' in value) return { is_synchronizing: value.isSynchronizing };
  if ('isSynchronous' in value) return { is_synchronous: value.isSynchronous };
  return { user_names: value.userNames, group_names: value.groupNames };
}

export const statusRoute: TriggerRoute<ReadQuery, AnyReadAnswer> = {
  acceptedShapes: STATUS_SHAPES,
  fromHttp: statusQueryFromHttp,
  httpMethods: STATUS_METHODS,
  fromDirect: statusQueryFromDirect,
  toBody: (answer): ReadBody => ({
    cluster_id: answer.clusterId,
    ...fieldsOf(answer.value),
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
