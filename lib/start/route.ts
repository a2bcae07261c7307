/**
 * Where the start query is in each kind of event. Direct or workflow invocation:
 * `{"cluster_id", "is_all_sync"?: true, "user_names"?: [...], "group_names"?: [...],
 * "if_running"?: "fail" | "skip", "idempotency_key"?: "..."}`. HTTP:
 * `POST /clusters/{cluster_id}/iam-sync` with the same JSON body (the cluster from the path;
 * `Idempotency-Key` header accepted). Exactly one of `is_all_sync: true` or at least one name;
 * names by IAM's rules. Everything is validated here: nothing invalid reaches MRS.
 */
import { InvalidRequest } from '../errors';
import { methodsOf, routesOf } from '../http-routes';
import { requireClusterId, requireProjectId } from '../ids';
import { isObject } from '../is-object';
import type { IamSyncRequest } from '../mrs/client';
import { quoteUntrusted } from '../quote';
import { clusterRoutes, matchClusterRoute } from '../triggers/cluster-path';
import type { GatewayRequest } from '../triggers/gateway-request';
import type { TriggerRoute } from '../triggers/route';

export type IfRunning = 'fail' | 'skip';

export interface StartQuery {
  readonly clusterId: string;
  readonly projectId?: string | undefined;
  readonly sync: IamSyncRequest;
  readonly ifRunning: IfRunning;
  readonly idempotencyKey?: string | undefined;
}

export type StartAnswer =
  | { readonly cluster_id: string; readonly started: true; readonly state: string; readonly started_at: string; readonly replayed?: true }
  | { readonly cluster_id: string; readonly started: false; readonly reason: 'already-running'; readonly replayed?: true };

/** IAM's limits: user names 1-32 characters, group names 1-64; MRS takes at most 1000 of each. */
export const NAME_RULES = {
  user_names: { maxLength: 32, maxCount: 1000 },
  group_names: { maxLength: 64, maxCount: 1000 },
} as const;

/** Room for 1000 user and 1000 group names with JSON around them. */
export const MAX_START_BODY_BYTES = 256 * 1024;

/** An execution name, a UUID, an ARN: printable ASCII without spaces, as Step Functions and FunctionGraph name runs. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,256}$/;

export const START_SHAPES =
  'Invoke the function with {"cluster_id": "...", "is_all_sync": true} or {"cluster_id": "...", "user_names": [...], "group_names": [...]} ' +
  '(optionally "if_running": "fail" or "skip", and an "idempotency_key"), or call POST /clusters/{cluster_id}/iam-sync with that JSON body ' +
  'through an API gateway.';

/** The function's route in the table (lib/http-routes.ts). */
const ROUTES = clusterRoutes(routesOf('iam-sync-start'));
export const START_METHODS: readonly string[] = methodsOf(ROUTES.routes);

export function startQueryFromHttp(request: GatewayRequest): StartQuery {
  const found = matchClusterRoute(request, ROUTES);
  const body = parseJsonBody(request.bodyText());
  const clusterId = requireClusterId(found.clusterId);
  if (body.cluster_id !== undefined && body.cluster_id !== clusterId) {
    throw new InvalidRequest('The body names another cluster than the path; send the cluster in the path only.');
  }
  const header = request.headers['idempotency-key'];
  if (header !== undefined && body.idempotency_key !== undefined && header !== body.idempotency_key) {
    throw new InvalidRequest("The Idempotency-Key header and the body's idempotency_key differ; send one.");
  }
  return startQueryFromDirect({ ...body, cluster_id: clusterId, ...(header !== undefined && { idempotency_key: header }) });
}

export function startQueryFromDirect(payload: Readonly<Record<string, unknown>>): StartQuery {
  const {
    cluster_id: clusterId,
    project_id: projectId,
    is_all_sync: isAllSync,
    if_running: ifRunning = 'fail',
    idempotency_key: key,
  } = payload;
  if (clusterId === undefined) throw new InvalidRequest(`The event has no cluster_id. ${START_SHAPES}`);
  if (isAllSync !== undefined && typeof isAllSync !== 'boolean')
    throw new InvalidRequest(`is_all_sync must be true or false; got ${quoteUntrusted(isAllSync)}.`);
  if (ifRunning !== 'fail' && ifRunning !== 'skip')
    throw new InvalidRequest(`if_running must be "fail" or "skip"; got ${quoteUntrusted(ifRunning)}.`);
  if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
    throw new InvalidRequest(`idempotency_key must be 1-256 printable characters without spaces; got ${quoteUntrusted(key)}.`);
  }
  const userNames = namesFrom(payload, 'user_names');
  const groupNames = namesFrom(payload, 'group_names');
  const named = (userNames?.length ?? 0) + (groupNames?.length ?? 0) > 0;
  if (isAllSync === true && named) {
    throw new InvalidRequest('Send either "is_all_sync": true or names, not both: a full sync already syncs every user and group.');
  }
  if (isAllSync !== true && !named) {
    throw new InvalidRequest(`Say what to sync: "is_all_sync": true, or at least one name in user_names or group_names. ${START_SHAPES}`);
  }
  return {
    clusterId: requireClusterId(clusterId),
    projectId: projectId === undefined ? undefined : requireProjectId(projectId),
    sync: isAllSync === true ? { isAllSync: true } : { ...(userNames?.length && { userNames }), ...(groupNames?.length && { groupNames }) },
    ifRunning,
    idempotencyKey: key,
  };
}

/** The names, without duplicates, each by IAM's rules; undefined when the field is absent. */
function namesFrom(payload: Readonly<Record<string, unknown>>, field: keyof typeof NAME_RULES): string[] | undefined {
  const value = payload[field];
  if (value === undefined) return undefined;
  const { maxLength, maxCount } = NAME_RULES[field];
  if (!Array.isArray(value)) throw new InvalidRequest(`${field} must be a list of names; got ${quoteUntrusted(value)}.`);
  if (value.length > maxCount) throw new InvalidRequest(`${field} names ${value.length}; MRS takes at most ${maxCount}.`);
  value.forEach((name, index) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
    if (typeof name !== 'string' || name.length < 1 || name.length > maxLength || /[\u0000-\u001f\u007f]/.test(name)) {
      throw new InvalidRequest(`${field}[${index}] must be a name of 1-${maxLength} characters; got ${quoteUntrusted(name)}.`);
    }
  });
  return [...new Set(value as string[])];
}

function parseJsonBody(text: string | undefined): Record<string, unknown> {
  if (text === undefined) throw new InvalidRequest(`The request has no body. ${START_SHAPES}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRequest(`The request body is not JSON: ${quoteUntrusted(text)}.`);
  }
  if (!isObject(parsed)) throw new InvalidRequest(`The request body must be a JSON object; got ${quoteUntrusted(parsed)}.`);
  return parsed;
}

export const startRoute: TriggerRoute<StartQuery, StartAnswer> = {
  acceptedShapes: START_SHAPES,
  fromHttp: startQueryFromHttp,
  httpMethods: START_METHODS,
  maxBodyBytes: MAX_START_BODY_BYTES,
  fromDirect: startQueryFromDirect,
  toBody: (answer) => answer,
  httpStatus: (answer) => (answer.started ? 202 : 200),
  httpHeaders: () => ({ 'Cache-Control': 'no-store' }),
  logFields: (answer) => ({ started: answer.started, ...(answer.replayed && { replayed: true }) }),
};
