/**
 * The emulator's own control API under `/_emulator/`, so a developer running `npm start`
 * can flip cluster state and inject faults with curl. It needs no signature: it is not
 * part of the emulated service and only ever listens on 127.0.0.1.
 *
 *   GET    /_emulator/state
 *   PUT    /_emulator/clusters/{id}   {"is_synchronizing": true}
 *   DELETE /_emulator/clusters/{id}
 *   PUT    /_emulator/iam-sync        {"duration_ms": 2000, "iam_users": ["alice"], "iam_groups": ["analysts"]}   (each optional)
 *   PUT    /_emulator/clusters/{id}/iam-sync          {"is_synchronous": true, "user_names": ["alice"], "group_names": [], "duration_ms": 500}   (each optional; duration_ms null: the emulator-wide one)
 *   POST   /_emulator/clusters/{id}/iam-sync/finish   (ends the running sync now; 409 when none runs)
 *   DELETE /_emulator/requests        (forgets the recorded requests, so counts start again)
 *   POST   /_emulator/faults          {"kind": "status", "status": 503, "times": 2, "cluster_id": "demo-idle"}
 *   DELETE /_emulator/faults
 *   PUT    /_emulator/chaos           {"latency_ms": {"min": 20, "max": 60}, "fault_rate": 0.01, "faults": [{"kind": "reset"}], "seed": 7}
 *   DELETE /_emulator/chaos
 *   GET    /_emulator/federation     (IAM OIDC federation: exchanges counted, temporary keys by access key id)
 *   PUT    /_emulator/federation     {"key_lifetime_seconds": 302}   (null: as long as asked)
 *   DELETE /_emulator/federation/temporary-keys/{access}   (revokes it: MRS answers 401)
 *
 * Chaos without "faults" draws from the mix `npm run load` uses: 503, 500, 429 with
 * Retry-After 1, and reset (DEFAULT_CHAOS_FAULTS in faults.ts).
 *
 * `PUT /_emulator/clusters/{id}` with `{"is_synchronizing": true}` is a manual flip: a sync
 * without an end, until flipped back (false also finishes a sync started with POST).
 * The state shows each cluster's IAM sync under `iam_sync.clusters`, and the recorded API
 * requests counted by method and route under `requests.by_route`.
 *
 * Every success answers with the resulting state, so one curl shows the effect.
 */
import { type ChaosProfile, type Fault, type FaultOptions, parseChaosRequest, parseFaultRequest } from './faults';
import type { FederationControls } from './iam-federation';
import type { IamSyncControls, IamSyncDefaults, IamSyncPatch } from './mrs';

export const ADMIN_PREFIX = '/_emulator';

export interface AdminControls {
  state(): unknown;
  hasCluster(id: string): boolean;
  /** Throws RangeError for an id MRS would not accept. */
  setCluster(id: string, isSynchronizing: boolean): void;
  removeCluster(id: string): void;
  iamSync: IamSyncControls;
  clearRequests(): void;
  injectFault(fault: Fault, options: FaultOptions): void;
  clearFaults(): void;
  /** undefined turns chaos off. */
  setChaos(profile: ChaosProfile | undefined): void;
  /** IAM's OIDC federation, when the emulator has it. */
  federation?: FederationControls;
}

export interface AdminReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function isAdminPath(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
}

function error(status: number, message: string, headers?: Record<string, string>): AdminReply {
  return headers === undefined ? { status, body: { error: message } } : { status, body: { error: message }, headers };
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function readIsSynchronizing(body: Buffer): boolean | undefined {
  const parsed = parseJson(body);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return undefined;
  const value: unknown = (parsed.value as Record<string, unknown>).is_synchronizing;
  return typeof value === 'boolean' ? value : undefined;
}

function methodNotAllowed(allow: string): AdminReply {
  return error(405, `use ${allow} here`, { Allow: allow });
}

export function handleAdmin(method: string, path: string, body: Buffer, controls: AdminControls): AdminReply {
  const segments = path
    .slice(ADMIN_PREFIX.length)
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponentSafe);
  const ok = (): AdminReply => ({ status: 200, body: controls.state() });

  if (segments.length === 1 && segments[0] === 'state') {
    return method === 'GET' ? ok() : methodNotAllowed('GET');
  }

  if (segments.length === 2 && segments[0] === 'clusters') {
    const id = segments[1];
    if (method === 'PUT') {
      const isSynchronizing = readIsSynchronizing(body);
      if (isSynchronizing === undefined) return error(400, 'expected a JSON body like {"is_synchronizing": true}');
      try {
        controls.setCluster(id, isSynchronizing);
      } catch (e) {
        if (e instanceof RangeError) return error(400, e.message);
        throw e;
      }
      return ok();
    }
    if (method === 'DELETE') {
      if (!controls.hasCluster(id)) return error(404, `no cluster ${JSON.stringify(id)}`);
      controls.removeCluster(id);
      return ok();
    }
    return methodNotAllowed('PUT, DELETE');
  }

  if (segments.length === 3 && segments[0] === 'clusters' && segments[2] === 'iam-sync') {
    if (method !== 'PUT') return methodNotAllowed('PUT');
    if (!controls.hasCluster(segments[1])) return error(404, `no cluster ${JSON.stringify(segments[1])}`);
    const patch = readClusterSyncPatch(body);
    if (typeof patch === 'string') return error(400, patch);
    return applying(() => controls.iamSync.patch(segments[1], patch), ok);
  }

  if (segments.length === 4 && segments[0] === 'clusters' && segments[2] === 'iam-sync' && segments[3] === 'finish') {
    if (method !== 'POST') return methodNotAllowed('POST');
    if (!controls.hasCluster(segments[1])) return error(404, `no cluster ${JSON.stringify(segments[1])}`);
    return controls.iamSync.finish(segments[1]) ? ok() : error(409, `no IAM sync is running on cluster ${JSON.stringify(segments[1])}`);
  }

  if (segments.length === 1 && segments[0] === 'iam-sync') {
    if (method !== 'PUT') return methodNotAllowed('PUT');
    const defaults = readSyncDefaults(body);
    if (typeof defaults === 'string') return error(400, defaults);
    return applying(() => controls.iamSync.setDefaults(defaults), ok);
  }

  if (segments.length === 1 && segments[0] === 'requests') {
    if (method !== 'DELETE') return methodNotAllowed('DELETE');
    controls.clearRequests();
    return ok();
  }

  if (segments.length === 1 && segments[0] === 'faults') {
    if (method === 'POST') {
      const parsed = parseJson(body);
      if (!parsed.ok) return error(400, 'body is not JSON');
      const request = parseFaultRequest(parsed.value);
      if (!request.ok) return error(400, request.error);
      controls.injectFault(request.fault, request.options);
      return ok();
    }
    if (method === 'DELETE') {
      controls.clearFaults();
      return ok();
    }
    return methodNotAllowed('POST, DELETE');
  }

  if (segments.length === 1 && segments[0] === 'chaos') {
    if (method === 'PUT') {
      const parsed = parseJson(body);
      if (!parsed.ok) return error(400, 'body is not JSON');
      const request = parseChaosRequest(parsed.value);
      if (!request.ok) return error(400, request.error);
      controls.setChaos(request.profile);
      return ok();
    }
    if (method === 'DELETE') {
      controls.setChaos(undefined);
      return ok();
    }
    return methodNotAllowed('PUT, DELETE');
  }

  if (segments[0] === 'federation') return handleFederationAdmin(method, segments.slice(1), body, controls.federation);

  return error(
    404,
    'unknown admin route; see GET /_emulator/state, PUT|DELETE /_emulator/clusters/{id}, PUT /_emulator/clusters/{id}/iam-sync, ' +
      'POST /_emulator/clusters/{id}/iam-sync/finish, PUT /_emulator/iam-sync, DELETE /_emulator/requests, POST|DELETE /_emulator/faults, PUT|DELETE /_emulator/chaos',
  );
}

/** Runs a change that throws RangeError for a bad value; that becomes a 400. */
function applying(change: () => void, ok: () => AdminReply): AdminReply {
  try {
    change();
  } catch (e) {
    if (e instanceof RangeError) return error(400, e.message);
    throw e;
  }
  return ok();
}

/** The JSON object in `body` with only `allowed` fields, or an error message. */
function readFields(body: Buffer, allowed: readonly string[], example: string): Record<string, unknown> | string {
  const parsed = parseJson(body);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value))
    return `expected a JSON object like ${example}`;
  const fields = parsed.value as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return `unknown field ${JSON.stringify(unknown[0])}; expected some of ${allowed.join(', ')}`;
  if (Object.keys(fields).length === 0) return `expected at least one of ${allowed.join(', ')}`;
  return fields;
}

function readClusterSyncPatch(body: Buffer): IamSyncPatch | string {
  const fields = readFields(
    body,
    ['is_synchronous', 'user_names', 'group_names', 'duration_ms'],
    '{"is_synchronous": true, "user_names": ["alice"]}',
  );
  if (typeof fields === 'string') return fields;
  const { is_synchronous: isSynchronous, user_names: userNames, group_names: groupNames, duration_ms: durationMs } = fields;
  if (isSynchronous !== undefined && typeof isSynchronous !== 'boolean') return 'is_synchronous must be true or false';
  if (durationMs !== undefined && durationMs !== null && typeof durationMs !== 'number')
    return 'duration_ms must be a number of milliseconds or null';
  // The lists are checked where they are applied (assertNames in mrs.ts), which answers a RangeError, hence a 400.
  return { isSynchronous, userNames: userNames as string[] | undefined, groupNames: groupNames as string[] | undefined, durationMs };
}

function readSyncDefaults(body: Buffer): IamSyncDefaults | string {
  const fields = readFields(body, ['duration_ms', 'iam_users', 'iam_groups'], '{"duration_ms": 2000}');
  if (typeof fields === 'string') return fields;
  const { duration_ms: durationMs, iam_users: iamUsers, iam_groups: iamGroups } = fields;
  if (durationMs !== undefined && typeof durationMs !== 'number') return 'duration_ms must be a number of milliseconds';
  return { durationMs, iamUsers: iamUsers as string[] | undefined, iamGroups: iamGroups as string[] | undefined };
}

function decodeURIComponentSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The IAM federation's admin routes under /_emulator/federation. */
function handleFederationAdmin(
  method: string,
  rest: readonly string[],
  body: Buffer,
  federation: FederationControls | undefined,
): AdminReply {
  if (federation === undefined) return error(404, 'this emulator has no IAM federation (start it with the federation option)');
  const ok = (): AdminReply => ({ status: 200, body: federation.snapshot() });
  if (rest.length === 0) {
    if (method === 'GET') return ok();
    if (method !== 'PUT') return methodNotAllowed('GET, PUT');
    const fields = readFields(body, ['key_lifetime_seconds'], '{"key_lifetime_seconds": 302}');
    if (typeof fields === 'string') return error(400, fields);
    const seconds = fields.key_lifetime_seconds;
    if (seconds !== null && typeof seconds !== 'number') return error(400, 'key_lifetime_seconds must be a number of seconds or null');
    return applying(() => federation.setKeyLifetime(seconds ?? undefined), ok);
  }
  if (rest.length === 2 && rest[0] === 'temporary-keys') {
    if (method !== 'DELETE') return methodNotAllowed('DELETE');
    return federation.revoke(rest[1] as string) ? ok() : error(404, `no temporary key ${JSON.stringify(rest[1])} was handed out`);
  }
  return error(404, 'unknown federation route; see GET|PUT /_emulator/federation, DELETE /_emulator/federation/temporary-keys/{access}');
}
