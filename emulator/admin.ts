/**
 * The emulator's own control API under `/_emulator/`, so a developer running `npm start`
 * can flip cluster state and inject faults with curl. It needs no signature: it is not
 * part of the emulated service and only ever listens on 127.0.0.1.
 *
 *   GET    /_emulator/state
 *   PUT    /_emulator/clusters/{id}   {"is_synchronizing": true}
 *   DELETE /_emulator/clusters/{id}
 *   POST   /_emulator/faults          {"kind": "status", "status": 503, "times": 2, "cluster_id": "demo-idle"}
 *   DELETE /_emulator/faults
 *   PUT    /_emulator/chaos           {"latency_ms": {"min": 20, "max": 60}, "fault_rate": 0.01, "faults": [{"kind": "reset"}], "seed": 7}
 *   DELETE /_emulator/chaos
 *
 * Chaos without "faults" draws from the mix `npm run load` uses: 503, 500, 429 with
 * Retry-After 1, and reset (DEFAULT_CHAOS_FAULTS in faults.ts).
 *
 * Every success answers with the resulting state, so one curl shows the effect.
 */
import { type ChaosProfile, type Fault, type FaultOptions, parseChaosRequest, parseFaultRequest } from './faults';

export const ADMIN_PREFIX = '/_emulator';

export interface AdminControls {
  state(): unknown;
  hasCluster(id: string): boolean;
  /** Throws RangeError for an id MRS would not accept. */
  setCluster(id: string, isSynchronizing: boolean): void;
  removeCluster(id: string): void;
  injectFault(fault: Fault, options: FaultOptions): void;
  clearFaults(): void;
  /** undefined turns chaos off. */
  setChaos(profile: ChaosProfile | undefined): void;
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
  const segments = path.slice(ADMIN_PREFIX.length).split('/').filter((s) => s !== '').map(decodeURIComponentSafe);
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

  return error(
    404,
    'unknown admin route; see GET /_emulator/state, PUT|DELETE /_emulator/clusters/{id}, POST|DELETE /_emulator/faults, PUT|DELETE /_emulator/chaos',
  );
}

function decodeURIComponentSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
