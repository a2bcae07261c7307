/**
 * The HTTP routes of every function, in one table: the functions' route modules match
 * paths and methods from it (lib/triggers/cluster-path.ts), the local gateway dispatches
 * from it (gateway/routes.ts), and `npm run openapi` documents it (tools/openapi/), so the
 * three cannot drift. Pure data and a few look-ups: it ships in every function bundle, so
 * the schemas of bodies and headers live on the tools side, keyed by the route ids.
 */
import { CLUSTER_ID_PATTERN, PROJECT_ID_PATTERN } from './ids';

/** The functions that answer HTTP (functions/<name>.ts); iam-sync-refresh runs on a timer only. */
export type HttpFunctionName = 'iam-sync-status' | 'iam-sync-start' | 'iam-sync-wait';

/** A route's stable id: its OpenAPI operationId. */
export type RouteId = 'getIamSyncStatus' | 'getIamSyncCompletion' | 'listIamSyncedNames' | 'startIamSync' | 'waitForIamSync';

/**
 * Each error a function answers with (`name` of the class in lib/errors.ts), and its HTTP
 * status (the class's `statusCode`; test/openapi holds the two equal).
 */
export const ERROR_STATUS = {
  InvalidRequest: 400,
  ClusterNotAllowed: 403,
  ProjectNotAllowed: 403,
  OperationDisabled: 403,
  RouteNotFound: 404,
  ClusterNotFound: 404,
  MethodNotAllowed: 405,
  IamSyncWaitTimedOut: 408,
  IamSyncInProgress: 409,
  IdempotencyInProgress: 409,
  IamSyncStillRunning: 409,
  PayloadTooLarge: 413,
  IdempotencyKeyMismatch: 422,
  ConfigurationError: 500,
  InternalError: 500,
  UpstreamAuthFailed: 502,
  UpstreamRejected: 502,
  UpstreamUnavailable: 502,
  SyncStartOutcomeUnknown: 502,
  UpstreamThrottled: 503,
  UpstreamTimeout: 504,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** lib/ids.ts's rules, as patterns: the one definition, shared with the document. */
export { CLUSTER_ID_PATTERN, PROJECT_ID_PATTERN };

export interface PathParameter {
  readonly name: string;
  readonly pattern: string;
}

/** A query parameter or request header the route reads (its schema and description: tools/openapi/schemas.ts). */
export interface RequestParameter {
  readonly name: string;
  readonly type: 'string' | 'boolean' | 'number';
}

export interface SuccessStatus {
  readonly status: number;
  /** When the route answers it, in words. */
  readonly when: string;
}

export interface HttpRoute {
  readonly id: RouteId;
  readonly functionName: HttpFunctionName;
  readonly method: 'GET' | 'POST';
  /** An APIG path template: `{name}` is one path segment. */
  readonly path: string;
  readonly pathParameters: readonly PathParameter[];
  readonly query: readonly RequestParameter[];
  readonly headers: readonly RequestParameter[];
  /** The JSON body the route reads, if any (its schema: tools/openapi/schemas.ts). */
  readonly body?: { readonly required: boolean };
  readonly success: readonly SuccessStatus[];
  /** Every error the route can answer (each one's status: ERROR_STATUS). */
  readonly errors: readonly ErrorCode[];
  /** The gateway's backend timeout for this route, when it is not the default (a long poll). */
  readonly timeoutMs?: number;
}

const CLUSTER: readonly PathParameter[] = [{ name: 'cluster_id', pattern: CLUSTER_ID_PATTERN }];
const PROJECT: RequestParameter = { name: 'project_id', type: 'string' };

/**
 * What any HTTP route can answer: a bad request, a body over the route's limit, another
 * method on its path (when the gateway passes every method on, as an ANY route does), a
 * configuration that does not load, a bug.
 */
const HTTP_ERRORS: readonly ErrorCode[] = ['InvalidRequest', 'MethodNotAllowed', 'PayloadTooLarge', 'ConfigurationError', 'InternalError'];
/** And what a route that asks MRS about one cluster can answer. */
const CLUSTER_READ_ERRORS: readonly ErrorCode[] = [
  ...HTTP_ERRORS,
  'ClusterNotAllowed',
  'ProjectNotAllowed',
  'ClusterNotFound',
  'UpstreamAuthFailed',
  'UpstreamRejected',
  'UpstreamUnavailable',
  'UpstreamThrottled',
  'UpstreamTimeout',
];
const READ_QUERY: readonly RequestParameter[] = [{ name: 'fresh', type: 'boolean' }, PROJECT];
const READ_HEADERS: readonly RequestParameter[] = [{ name: 'Cache-Control', type: 'string' }];
const OK: readonly SuccessStatus[] = [{ status: 200, when: 'the answer' }];

/** Above the `max_wait_seconds=25` long poll `npm start` suggests; APIG's backend timeout is at most 60 s. */
export const WAIT_ROUTE_TIMEOUT_MS = 60_000;

/**
 * Every route. Order matters twice: a function's first route is the one a gateway's own path
 * means when it names the cluster in path parameters, and on a path several functions serve,
 * the first route's function is the one the local gateway gives the other methods.
 */
export const HTTP_ROUTES: readonly HttpRoute[] = [
  {
    id: 'getIamSyncStatus',
    functionName: 'iam-sync-status',
    method: 'GET',
    path: '/clusters/{cluster_id}/iam-sync',
    pathParameters: CLUSTER,
    query: READ_QUERY,
    headers: READ_HEADERS,
    success: OK,
    errors: CLUSTER_READ_ERRORS,
  },
  {
    id: 'getIamSyncCompletion',
    functionName: 'iam-sync-status',
    method: 'GET',
    path: '/clusters/{cluster_id}/iam-sync/is-synchronous',
    pathParameters: CLUSTER,
    query: READ_QUERY,
    headers: READ_HEADERS,
    success: OK,
    errors: CLUSTER_READ_ERRORS,
  },
  {
    id: 'listIamSyncedNames',
    functionName: 'iam-sync-status',
    method: 'GET',
    path: '/clusters/{cluster_id}/iam-sync/users',
    pathParameters: CLUSTER,
    query: READ_QUERY,
    headers: READ_HEADERS,
    success: OK,
    errors: CLUSTER_READ_ERRORS,
  },
  {
    id: 'startIamSync',
    functionName: 'iam-sync-start',
    method: 'POST',
    path: '/clusters/{cluster_id}/iam-sync',
    pathParameters: CLUSTER,
    query: [],
    headers: [{ name: 'Idempotency-Key', type: 'string' }],
    body: { required: true },
    success: [
      { status: 202, when: 'a sync was started' },
      { status: 200, when: 'none was started: one is running and if_running is "skip"' },
    ],
    errors: [
      ...CLUSTER_READ_ERRORS,
      'OperationDisabled',
      'IamSyncInProgress',
      'IdempotencyInProgress',
      'IdempotencyKeyMismatch',
      'SyncStartOutcomeUnknown',
    ],
  },
  {
    id: 'waitForIamSync',
    functionName: 'iam-sync-wait',
    method: 'GET',
    path: '/clusters/{cluster_id}/iam-sync/wait',
    pathParameters: CLUSTER,
    query: [
      PROJECT,
      { name: 'max_wait_seconds', type: 'number' },
      { name: 'min_delay_seconds', type: 'number' },
      { name: 'max_delay_seconds', type: 'number' },
      { name: 'wait_until', type: 'string' },
      { name: 'on_timeout', type: 'string' },
    ],
    headers: [],
    success: OK,
    errors: [...CLUSTER_READ_ERRORS, 'IamSyncStillRunning', 'IamSyncWaitTimedOut'],
    timeoutMs: WAIT_ROUTE_TIMEOUT_MS,
  },
];

/** One function's routes, in table order. */
export function routesOf(functionName: HttpFunctionName): readonly HttpRoute[] {
  return HTTP_ROUTES.filter((route) => route.functionName === functionName);
}

/** The methods of these routes, each once, in table order. */
export function methodsOf(routes: readonly HttpRoute[]): string[] {
  return [...new Set(routes.map((route) => route.method))];
}
