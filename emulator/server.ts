/**
 * A local stand-in for the Huawei Cloud services the functions call, behind an emulation
 * of Huawei's API gateway: it checks AK/SK signatures with its own verifier and answers
 * errors the way the real services do. The services are route tables in their own modules:
 * MRS's cluster APIs (mrs.ts), IAM's project look-up (iam.ts) and, when configured, an ECS
 * node's metadata service (ecs-metadata.ts). This module is the gateway part they share:
 * listening and closing, the request log, the admin API, authentication and the fault
 * pipeline. For tests and `npm start` only; it listens on 127.0.0.1 and is never deployed.
 *
 * Per request, in order: admin routes (`/_emulator/...`), then the unsigned metadata
 * service, then (for every other request, recorded) an injected fault if one applies (a
 * queued one, else the chaos profile's latency and random fault), then authentication,
 * then the service's route.
 */
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AdminControls, handleAdmin, isAdminPath } from './admin';
import { closeServer, listenOnLoopback, newRequestId, readBody, sendBody, sendJson, splitTarget } from '../tools/loopback-http';
import { metadataRoutes, type MetadataOptions } from './ecs-metadata';
import { authenticationFailed, injectedStatusBody } from './errors';
import { Chaos, type ChaosProfile, chaosSnapshot, type Fault, type FaultOptions, FaultQueue } from './faults';
import { iamRoutes } from './iam';
import { createFederation, type FederationControls, type FederationOptions } from './iam-federation';
import { createMrs, type IamSyncControls, type IamSyncOptions } from './mrs';
import { type ApiReply, type ApiRoute, dispatch, matchApiRoute } from './routes';
import { type VerifyResult, verifyRequest } from './signature';

export { METADATA_PATH } from './ecs-metadata';
export type { ChaosProfile, Fault, FaultOptions } from './faults';
export type { IamSyncControls, IamSyncDefaults, IamSyncOptions, IamSyncPatch } from './mrs';
export type { FederationControls, FederationOptions, OidcIdentityProvider } from './iam-federation';

export interface EmulatorCredential {
  accessKey: string;
  secretKey: string;
  /** Set for a temporary key: requests must carry exactly this `X-Security-Token`, among the signed headers. */
  securityToken?: string;
}

export interface EmulatorOptions {
  /** 0 or omitted: a free port. */
  port?: number;
  /**
   * Serve over TLS with this PEM key and certificate (the bench does, as production MRS is
   * https only); omitted: plain http. Clients must trust the certificate (NODE_EXTRA_CA_CERTS).
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
  projectId: string;
  credentials: EmulatorCredential[];
  /** Cluster id -> is_synchronizing. Copied: later changes go through setCluster/removeCluster. */
  clusters: Record<string, boolean>;
  /** How long a sync started with POST .../iam-sync-user runs, and the IAM users and groups a full sync adds (see mrs.ts). */
  iamSync?: IamSyncOptions;
  /** The region IAM's project look-up (`GET /v3/projects?name=`) names the project after; default cn-north-4. */
  region?: string;
  /**
   * What the ECS/CCE metadata service (`GET /openstack/latest/securitykey`, unsigned, as on a
   * real node) hands out, one per request, the last one repeating: a script of rotations.
   */
  metadata?: MetadataOptions;
  /** How far X-Sdk-Date may be from the emulator's clock; default 900 (15 minutes). */
  maxClockSkewSeconds?: number;
  /**
   * Epoch milliseconds; lets tests move the emulator's clock. It checks X-Sdk-Date and
   * decides when an IAM sync ends (read on each request: moving it ends a sync, no timer).
   */
  now?: () => number;
  /** One line per request (method, path, status or fault, auth outcome); never a secret. */
  log?: (line: string) => void;
  /**
   * Random latency and faults for the requests no queued fault answers; off when omitted.
   * A fault rate without faults draws from `npm run load`'s mix: 503, 500, 429 with Retry-After 1, reset.
   */
  chaos?: ChaosProfile;
  /**
   * IAM's OpenID Connect federation (iam-federation.ts): identity providers whose ID tokens
   * are exchanged for an unscoped token and then temporary keys, which MRS then accepts with
   * their security token. Off when omitted. Its requests are kept in `federation.requests`.
   */
  federation?: FederationOptions;
}

export interface RecordedRequest {
  method: string;
  /** As received: still percent-encoded, without the query. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  /** The template of the route the path matched (e.g. `/v2/{project_id}/clusters/{cluster_id}/iam-sync`), whatever the method; absent when none did. */
  route?: string;
  headers: IncomingHttpHeaders;
  /** Always computed, even when a fault decided the answer, so tests can check every attempt's signing. */
  verification: VerifyResult;
  /** The fault that decided the answer, if any, queued or drawn by the chaos profile. */
  fault?: Fault['kind'];
  /** The chaos profile's latency waited before answering, when it drew one. */
  latencyMs?: number;
  /** Set once a complete response has been sent; absent for resets, hangs and cut-off bodies. */
  status?: number;
}

export interface Emulator {
  url: string;
  port: number;
  /** Every API request that reached the server (admin calls excluded, so they do not disturb counts). */
  requests: RecordedRequest[];
  /** How many recorded requests had this method and matched this route template, e.g. `('GET', '/v2/{project_id}/clusters/{cluster_id}/iam-sync')`. */
  countRequests(method: string, route: string): number;
  /** Creates a cluster, or flips one: false also finishes its running IAM sync. */
  setCluster(id: string, isSynchronizing: boolean): void;
  /** The IAM sync's admin side: finish a sync now, set a cluster's sync state, the duration and the known IAM users and groups. */
  iamSync: IamSyncControls;
  removeCluster(id: string): void;
  injectFault(fault: Fault, opts?: FaultOptions): void;
  /** Clears queued faults; the chaos profile stays. */
  clearFaults(): void;
  /** Replaces the chaos profile (its sequence starts again from its seed); undefined turns chaos off. */
  setChaos(profile: ChaosProfile | undefined): void;
  /** Clears queued faults and recorded requests, and restarts the options' chaos profile; clusters stay. */
  reset(): void;
  /** Stops listening and destroys every connection, hanging ones included. */
  close(): Promise<void>;
  /** IAM's OIDC federation, when configured: exchanges counted, temporary keys revoked. */
  federation?: FederationControls;
}

/** Value range from the API reference (URI parameters table). */
const PROJECT_ID_PATTERN = /^[A-Za-z0-9]{1,64}$/;

const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 900;
/**
 * Longer than common client keep-alive idle timeouts, so the client, not the server,
 * closes an idle socket: otherwise a request can race the server's close and fail with
 * ECONNRESET, a flake the real gateway (about a minute of idle time) rarely causes.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const RECENT_REQUESTS_IN_STATE = 20;

function validateOptions(options: EmulatorOptions): void {
  if (!PROJECT_ID_PATTERN.test(options.projectId)) throw new RangeError('projectId must be 1-64 letters or digits');
  const seen = new Set<string>();
  for (const c of options.credentials) {
    if (c.accessKey === '' || c.secretKey === '') throw new RangeError('credentials need a non-empty accessKey and secretKey');
    if (seen.has(c.accessKey)) throw new RangeError(`access key ${c.accessKey} is listed twice`);
    seen.add(c.accessKey);
  }
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  validateOptions(options);
  const credentials = new Map(options.credentials.map((c) => [c.accessKey, c]));
  const now = options.now ?? Date.now;
  /** Unsigned (its tokens authenticate it); its temporary keys join the configured credentials while they are valid. */
  const federation = options.federation === undefined ? undefined : createFederation(options.federation, now);
  const findCredential = (accessKey: string) => credentials.get(accessKey) ?? federation?.findCredential(accessKey);
  const mrs = createMrs(options.projectId, options.clusters, now, options.iamSync);
  /** Served only to signed requests. */
  const signedRoutes: readonly ApiRoute[] = [...mrs.routes, ...iamRoutes(options.projectId, options.region)];
  /** Served without a signature, as a node's metadata service is; not recorded, never faulted. */
  const unsignedRoutes: readonly ApiRoute[] = options.metadata === undefined ? [] : metadataRoutes(options.metadata, now);

  const faults = new FaultQueue();
  let chaos: Chaos | undefined;
  const setChaos = (profile: ChaosProfile | undefined): void => {
    chaos = profile === undefined ? undefined : new Chaos(profile);
  };
  setChaos(options.chaos);
  // With the seed it drew, so reset() repeats the sequence even when the options gave none.
  const initialChaos = chaos?.profile;
  const requests: RecordedRequest[] = [];
  const maxClockSkewSeconds = options.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS;
  const log = options.log;
  // Cancels pending delay faults on close(), so no timer outlives the emulator.
  const closing = new AbortController();
  // Every delayed request listens on this one signal; a burst of them is not a leak.
  setMaxListeners(Infinity, closing.signal);

  const state = () => ({
    project_id: options.projectId,
    clusters: mrs.clusters.snapshot(),
    iam_sync: mrs.iamSync.snapshot(),
    faults: faults.snapshot(),
    chaos: chaos === undefined ? null : chaosSnapshot(chaos.profile),
    requests: {
      total: requests.length,
      by_route: countByRoute(requests),
      recent: requests.slice(-RECENT_REQUESTS_IN_STATE).map((r) => ({
        method: r.method,
        path: r.path,
        status: r.status ?? null,
        fault: r.fault ?? null,
        auth: r.verification.ok ? 'ok' : r.verification.reason,
      })),
    },
  });

  const admin: AdminControls = {
    state,
    hasCluster: mrs.clusters.has,
    setCluster: mrs.clusters.set,
    removeCluster: mrs.clusters.remove,
    iamSync: mrs.iamSync,
    clearRequests: () => {
      requests.length = 0;
    },
    injectFault: (fault, opts) => faults.add(fault, opts),
    clearFaults: () => faults.clear(),
    setChaos,
    ...(federation && { federation: federation.controls }),
  };

  function sendReply(res: ServerResponse, reply: ApiReply, requestId: string): void {
    sendJson(res, reply.status, withRequestId(reply.body, requestId));
  }

  function describe(record: RecordedRequest): string {
    const outcome = [record.status, record.fault && `fault ${record.fault}`].filter(Boolean).join(', ');
    const auth = record.verification.ok ? 'auth ok' : `auth ${record.verification.reason}`;
    return `${record.method} ${record.path} -> ${outcome} (${auth})`;
  }

  /** Serves a fault that replaces the answer; `delay` is handled by the caller. */
  function serveFault(fault: Exclude<Fault, { kind: 'delay' }>, req: IncomingMessage, res: ServerResponse, requestId: string): void {
    switch (fault.kind) {
      case 'status': {
        const body = fault.body ?? withRequestId(injectedStatusBody(fault.status), requestId);
        if (typeof body === 'string') sendBody(res, fault.status, body, { 'Content-Type': 'text/plain; charset=utf-8', ...fault.headers });
        else sendJson(res, fault.status, body, fault.headers);
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'reset-mid-body': {
        // Content-Length promises the whole body, so the client can tell it was cut off.
        const full = '{"is_synchronizing": false}';
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('Content-Length', full.length);
        res.writeHead(200);
        res.write(full.slice(0, Math.floor(full.length / 2)), () => req.socket.destroy());
        return;
      }
      case 'hang':
        // Nothing: close() destroys the socket.
        return;
      case 'malformed-json':
        sendBody(res, 200, '{is_synchronizing: false}');
        return;
      case 'missing-field':
        // The sibling API's answer: what a client gets if it calls the wrong path.
        sendJson(res, 200, { is_synchronous: false });
        return;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    res.setHeader('X-Request-Id', requestId);
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const { path, query } = splitTarget(req.url ?? '/');

    if (isAdminPath(path)) {
      const reply = handleAdmin(method, path, body, admin);
      sendJson(res, reply.status, reply.body, reply.headers);
      return;
    }
    if (federation?.handles(path)) {
      const reply = federation.handle({ method, path, headers: req.headers, body });
      res.on('finish', () => log?.(`${method} ${path} -> ${res.statusCode} (federation)`));
      sendJson(res, reply.status, reply.body, reply.headers);
      return;
    }
    if (matchApiRoute(unsignedRoutes, path) !== undefined) {
      sendReply(res, dispatch(unsignedRoutes, { method, path, query, headers: req.headers, body }), requestId);
      return;
    }

    const verification = verifyRequest(
      { method, path, query, headers: req.headers, body },
      { findCredential, nowMs: now(), maxClockSkewSeconds },
    );
    const route = matchApiRoute(signedRoutes, path);
    const record: RecordedRequest = { method, path, query, ...(route && { route: route.route.path }), headers: req.headers, verification };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
      log?.(describe(record));
    });

    // From the path alone: faults come before authentication, as a failing gateway or network answers before any check.
    const queued = faults.take(route?.params.cluster_id);
    const drawn = queued === undefined ? chaos?.next() : undefined;
    if (drawn !== undefined && drawn.latencyMs > 0) {
      record.latencyMs = drawn.latencyMs;
      await sleep(drawn.latencyMs, undefined, { signal: closing.signal });
    }
    const fault = queued ?? drawn?.fault;
    if (fault !== undefined) {
      record.fault = fault.kind;
      if (fault.kind === 'delay') {
        await sleep(fault.ms, undefined, { signal: closing.signal });
      } else {
        // These never finish a response, so the 'finish' handler will not log them.
        if (fault.kind === 'reset' || fault.kind === 'reset-mid-body' || fault.kind === 'hang') log?.(describe(record));
        serveFault(fault, req, res, requestId);
        return;
      }
    }
    const reply = record.verification.ok
      ? dispatch(signedRoutes, { method, path, query, headers: req.headers, body })
      : authenticationFailed(record.verification);
    sendReply(res, reply, requestId);
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      // A delay cut short by close(), or a client that went away: nobody is left to answer.
      if (closing.signal.aborted || req.destroyed) return;
      log?.(`emulator error: ${error instanceof Error ? error.message : String(error)}`);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error_code: 'EMULATOR.ERROR', error_msg: 'The emulator failed; see its log.' });
    });
  };
  const server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createServer(listener);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  const port = await listenOnLoopback(server, options.port ?? 0);

  let closed: Promise<void> | undefined;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    countRequests: (m, template) => requests.filter((r) => r.method === m && r.route === template).length,
    setCluster: admin.setCluster,
    iamSync: mrs.iamSync,
    removeCluster: admin.removeCluster,
    injectFault: admin.injectFault,
    clearFaults: admin.clearFaults,
    setChaos,
    ...(federation && { federation: federation.controls }),
    reset: () => {
      faults.clear();
      requests.length = 0;
      setChaos(initialChaos);
    },
    close: () => {
      if (closed === undefined) {
        closing.abort();
        closed = closeServer(server);
      }
      return closed;
    },
  };
}

/** `"GET /v2/{project_id}/clusters/{cluster_id}/iam-sync": 3`; a path no route matched counts under `"GET (no route)"`. */
function countByRoute(requests: readonly RecordedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) {
    const key = `${r.method} ${r.route ?? '(no route)'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Real APIG error bodies carry the request id too; MRS's own bodies and successful answers do not. */
function withRequestId(body: unknown, requestId: string): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const code = (body as { error_code?: unknown }).error_code;
  return typeof code === 'string' && code.startsWith('APIGW.') ? { ...body, request_id: requestId } : body;
}
