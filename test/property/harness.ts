/**
 * Drives generated events through the BUILT status bundle against a real emulator, and
 * checks every answer with small predicates. Each violation throws an Error naming the
 * rule, so fast-check reports the (shrunk) counterexample, its seed and its path.
 */
import { randomUUID } from 'node:crypto';
import { startEmulator, type Emulator, type RecordedRequest } from '../../emulator/server';
import { coldStart, type Handler } from '../fixtures/load-bundle';
import { ALLOWED_ORIGIN, CLUSTER_ID_PATTERN, KNOWN_CLUSTERS, PROJECT, PROJECT_ID_PATTERN, type ContextKind } from './arbitraries';

export const SEED = Number(process.env.FC_SEED ?? 20_260_501);
export const RUNS = Number(process.env.FC_RUNS ?? 10_000);

const KEYS = { accessKey: 'PROPACCESSKEY0000001', secretKey: 'prop-secret-key-00000000000000000000001' };
const MAX_BODY_BYTES = 8 * 1024;

/** Error names and their HTTP statuses (README, "Errors"; lib/errors.ts for the three the table leaves out). */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  InvalidRequest: 400,
  RouteNotFound: 404,
  MethodNotAllowed: 405,
  PayloadTooLarge: 413,
  ClusterNotFound: 404,
  ClusterNotAllowed: 403,
  ProjectNotAllowed: 403,
  UpstreamAuthFailed: 502,
  UpstreamRejected: 502,
  UpstreamThrottled: 503,
  UpstreamUnavailable: 502,
  UpstreamTimeout: 504,
  ConfigurationError: 500,
  InternalError: 500,
};
/** With a valid configuration and a healthy emulator these mean a bug. */
const NEVER_EXPECTED = new Set(['InternalError', 'ConfigurationError']);

export interface Instance {
  readonly handler: Handler;
  /** Projects MRS may be asked about: the configured one and ALLOWED_PROJECT_IDS. */
  readonly projects: ReadonlySet<string>;
  /** ALLOWED_CLUSTER_IDS as a predicate (everything when unset). */
  readonly clusterAllowed: (id: string) => boolean;
}

export interface Counters {
  events: number;
  eventsWithValidId: number;
  emulatorRequests: number;
  answers: Record<string, number>;
}

export const newCounters = (): Counters => ({ events: 0, eventsWithValidId: 0, emulatorRequests: 0, answers: {} });

/** Fails the property with a message that shows what broke and what was answered. */
export class Violation extends Error {
  override readonly name = 'Violation';
}
function check(condition: unknown, rule: string, detail: () => unknown): asserts condition {
  if (!condition) throw new Violation(`${rule}\n  answer: ${truncate(safeJson(detail()), 1500)}`);
}

// ---------------------------------------------------------------------------------------
// Environment: emulator, bundle instances, output and process-level collectors.

export async function startMrs(): Promise<Emulator> {
  return startEmulator({ projectId: PROJECT, credentials: [KEYS], clusters: { ...KNOWN_CLUSTERS } });
}

export function bundleInstance(emulator: Emulator, env: Record<string, string> = {}): Instance {
  const handler = coldStart('iam-sync-status', {
    MRS_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    HUAWEICLOUD_SDK_AK: KEYS.accessKey,
    HUAWEICLOUD_SDK_SK: KEYS.secretKey,
    // Nothing fails here, but if something did, no run should wait long or retry.
    MRS_TIMEOUT_MS: '1500',
    MRS_MAX_ATTEMPTS: '1',
    MRS_BREAKER_FAILURES: '1000',
    LOG_LEVEL: 'debug',
    CORS_ALLOW_ORIGINS: ALLOWED_ORIGIN,
    ...env,
  });
  const projects = new Set([PROJECT, ...list(env.ALLOWED_PROJECT_IDS)]);
  const patterns = list(env.ALLOWED_CLUSTER_IDS);
  const clusterAllowed = (id: string) =>
    patterns.length === 0 || patterns.some((p) => (p.endsWith('*') ? id.startsWith(p.slice(0, -1)) : p === id));
  return { handler, projects, clusterAllowed };
}

const list = (raw: string | undefined) =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The host process. Inside jest's sandbox `process` is a copy whose listeners never hear
 * the host's 'unhandledRejection' and 'uncaughtException'; a function made by the host
 * realm's Function constructor (reached through the host's Buffer) sees the real one.
 */
export const hostProcess = (Buffer.constructor as FunctionConstructor)('return process')() as NodeJS.Process;

export interface ProcessWatch {
  readonly unhandledRejections: unknown[];
  readonly uncaughtExceptions: unknown[];
  /** Log lines that are not exactly one line of JSON. */
  readonly badLogLines: string[];
  logLines: number;
  stop(): void;
}

/** Collects unhandled rejections, uncaught exceptions and the bundle's stdout/stderr for the duration of a file. */
/** What one test file fuzzes: a fresh emulator and bundle instance, and the process watch, for the file's lifetime. */
export interface FuzzTarget {
  emulator: Emulator;
  instance: Instance;
  watch: ProcessWatch;
}

/** Sets up a FuzzTarget in beforeAll and tears it down in afterAll; read its fields inside tests. */
export function useFuzzTarget(env: Record<string, string> = {}): FuzzTarget {
  const target = {} as FuzzTarget;
  beforeAll(async () => {
    target.watch = watchProcess();
    target.emulator = await startMrs();
    target.instance = bundleInstance(target.emulator, env);
  });
  afterAll(async () => {
    await target.emulator?.close();
    target.watch?.stop();
  });
  return target;
}

export function watchProcess(): ProcessWatch {
  const watch: ProcessWatch = {
    unhandledRejections: [],
    uncaughtExceptions: [],
    badLogLines: [],
    logLines: 0,
    stop: () => undefined,
  };
  const onRejection = (reason: unknown) => void watch.unhandledRejections.push(reason);
  const onException = (error: unknown) => void watch.uncaughtExceptions.push(error);
  hostProcess.on('unhandledRejection', onRejection);
  hostProcess.on('uncaughtException', onException);
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      const text = String(chunk);
      watch.logLines += 1;
      if (!isOneJsonLine(text) && watch.badLogLines.length < 20) watch.badLogLines.push(truncate(text, 300));
      return true;
    }),
  );
  watch.stop = () => {
    hostProcess.off('unhandledRejection', onRejection);
    hostProcess.off('uncaughtException', onException);
    for (const spy of spies) spy.mockRestore();
  };
  return watch;
}

function isOneJsonLine(text: string): boolean {
  if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1 || text.includes('\r')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------
// What an event carries, read independently of lib/ from the documented shapes.

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);

interface HttpView {
  method: string;
  headers: Record<string, string>;
  /** Header names that lower-case to `origin`, to tell whether the origin is unambiguous. */
  originKeys: number;
  query: Loose;
  /** Decoded body size when it can be told exactly (plain text or canonical Base64), else undefined. */
  bodyBytes: number | undefined;
}

/** REST v1/APIG: httpMethod and path; HTTP API v2 and Function URLs: version 2.0, requestContext.http.method and rawPath. */
export function httpView(event: unknown): (HttpView & { pathParameter: unknown; path: string }) | undefined {
  if (!isObject(event)) return undefined;
  const http2 = isObject(event.requestContext) && isObject(event.requestContext.http) ? event.requestContext.http : undefined;
  let method: string;
  let path: string;
  if (event.version === '2.0' && http2 !== undefined && typeof http2.method === 'string' && typeof event.rawPath === 'string') {
    [method, path] = [http2.method, event.rawPath];
  } else if (typeof event.httpMethod === 'string' && typeof event.path === 'string') {
    [method, path] = [event.httpMethod, event.path];
  } else {
    return undefined;
  }
  const headers: Record<string, string> = {};
  let originKeys = 0;
  if (isObject(event.headers)) {
    for (const [key, value] of Object.entries(event.headers)) {
      if (key.toLowerCase() === 'origin') originKeys += 1;
      if (typeof value === 'string') headers[key.toLowerCase()] = value;
    }
  }
  return {
    method,
    path,
    headers,
    originKeys,
    query: isObject(event.queryStringParameters) ? event.queryStringParameters : {},
    pathParameter: isObject(event.pathParameters) ? event.pathParameters.cluster_id : undefined,
    bodyBytes: exactBodyBytes(event.body, event.isBase64Encoded === true),
  };
}

function exactBodyBytes(body: unknown, isBase64: boolean): number | undefined {
  if (typeof body !== 'string') return 0;
  if (!isBase64) return Buffer.byteLength(body);
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body) ? Buffer.from(body, 'base64').length : undefined;
}

const ROUTE = /\/clusters\/([^/]*)\/iam-sync\/?$/;

/** Every cluster id the event could be read as naming (path parameter, path segment raw and decoded, direct fields). */
export function candidateIds(event: unknown): string[] {
  const http = httpView(event);
  const found: unknown[] = [];
  if (http !== undefined) {
    found.push(http.pathParameter);
    const segment = ROUTE.exec(http.path)?.[1];
    if (segment !== undefined) found.push(segment, tryDecode(segment));
  } else if (isObject(event)) {
    found.push(event.cluster_id, event.clusterId);
  }
  return found.filter((id): id is string => typeof id === 'string' && CLUSTER_ID_PATTERN.test(id));
}

/** The project the event names, if any (any type for direct events). */
function namedProject(event: unknown): { named: boolean; value: unknown } {
  const http = httpView(event);
  if (http !== undefined) return { named: typeof http.query.project_id === 'string', value: http.query.project_id };
  if (isObject(event) && event.project_id !== undefined) return { named: true, value: event.project_id };
  return { named: false, value: undefined };
}

function tryDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// One invocation and its checks.

export interface Outcome {
  readonly kind: 'http' | 'direct';
  readonly resolved: boolean;
  readonly value: unknown;
  readonly requestId: string | undefined;
  readonly requests: readonly RecordedRequest[];
}

function platformContext(kind: ContextKind, requestId: string): { context: object; requestId: string | undefined } {
  const deadline = Date.now() + 10_000;
  switch (kind) {
    case 'functiongraph':
      return {
        requestId,
        context: {
          getRequestID: () => requestId,
          getRemainingTimeInMilliSeconds: () => deadline - Date.now(),
          getFunctionName: () => 'iam-sync-status',
          getSecurityAccessKey: () => '',
          getSecuritySecretKey: () => '',
          getSecurityToken: () => '',
        },
      };
    case 'lambda':
      return {
        requestId,
        context: { awsRequestId: requestId, functionName: 'iam-sync-status', getRemainingTimeInMillis: () => deadline - Date.now() },
      };
    case 'bare':
      return { requestId: undefined, context: {} };
  }
}

export async function invoke(instance: Instance, emulator: Emulator, event: unknown, kind: ContextKind): Promise<Outcome> {
  emulator.reset();
  const { context, requestId } = platformContext(kind, randomUUID());
  const shape = httpView(event) === undefined ? 'direct' : 'http';
  let resolved: boolean;
  let value: unknown;
  try {
    value = await instance.handler(event, context);
    resolved = true;
  } catch (error) {
    value = error;
    resolved = false;
  }
  return { kind: shape, resolved, value, requestId, requests: [...emulator.requests] };
}

/** All properties for one event; throws a Violation on the first that fails. */
export function checkOutcome(instance: Instance, event: unknown, outcome: Outcome, counters: Counters): void {
  const valid = candidateIds(event);
  counters.events += 1;
  if (valid.length > 0) counters.eventsWithValidId += 1;
  counters.emulatorRequests += outcome.requests.length;
  const show = () => ({ outcome: describeValue(outcome.value), requests: outcome.requests.map((r) => `${r.method} ${r.path}`) });

  // Property 2: nothing invalid reaches MRS, at most one call per event, only for an id the event carried.
  check(
    outcome.requests.length <= (valid.length > 0 ? 1 : 0),
    'P2: MRS was called for an event without a valid id, or more than once',
    show,
  );
  const project = namedProject(event);
  for (const request of outcome.requests) {
    const match = /^\/v2\/([^/]+)\/clusters\/([^/]+)\/iam-sync$/.exec(request.path);
    check(
      match !== null && request.method === 'GET' && request.query === '',
      'P2: MRS request path is not exactly GET /v2/{project}/clusters/{cluster}/iam-sync',
      show,
    );
    const [, projectId = '', clusterId = ''] = match;
    check(
      PROJECT_ID_PATTERN.test(projectId) && instance.projects.has(projectId),
      'P2/P3: MRS was asked about a project outside the configured/allowed ones',
      show,
    );
    check(!project.named || project.value === projectId, 'P2: MRS was asked about another project than the event named', show);
    check(
      CLUSTER_ID_PATTERN.test(clusterId) && valid.includes(clusterId),
      'P2: MRS was asked about a cluster the event did not name',
      show,
    );
    check(instance.clusterAllowed(clusterId), 'P3: MRS was asked about a cluster outside ALLOWED_CLUSTER_IDS', show);
  }

  let name: string;
  if (outcome.kind === 'http') {
    check(outcome.resolved, 'P1: an HTTP event was answered with a rejection instead of a response', show);
    name = checkHttpResponse(event, outcome, show);
  } else if (outcome.resolved) {
    checkStatusBody(outcome.value, valid, show);
    name = 'OK';
  } else {
    // Direct: a named error from the table; never InternalError, never a plain TypeError.
    const error = outcome.value;
    check(
      error instanceof Error || (isObject(error) && typeof error.name === 'string'),
      'P1: a direct event was rejected with something that is not an Error',
      show,
    );
    name = (error as Error).name;
    check(
      name in ERROR_STATUS && !NEVER_EXPECTED.has(name),
      `P1: a direct event was rejected with ${name}, not a documented error a caller can match`,
      show,
    );
    check(typeof (error as Error).message === 'string' && (error as Error).message.length > 0, 'P1: a direct error has no message', show);
    checkMessage((error as Error).message, show);
    // Property 3 for direct events is checked below, with the name.
  }
  counters.answers[name] = (counters.answers[name] ?? 0) + 1;

  // Property 3: a disallowed project or cluster is never answered and never reaches MRS.
  if (project.named && (typeof project.value !== 'string' || !instance.projects.has(project.value))) {
    check(name !== 'OK' && outcome.requests.length === 0, 'P3: a project outside ALLOWED_PROJECT_IDS was answered or reached MRS', show);
    if (typeof project.value === 'string' && PROJECT_ID_PATTERN.test(project.value) && name !== 'OK') {
      check(
        ['ProjectNotAllowed', 'InvalidRequest', 'RouteNotFound', 'MethodNotAllowed', 'PayloadTooLarge', 'Preflight'].includes(name),
        `P3: a project outside ALLOWED_PROJECT_IDS was answered ${name}`,
        show,
      );
    }
  }
  if (valid.length > 0 && valid.every((id) => !instance.clusterAllowed(id))) {
    check(name !== 'OK' && outcome.requests.length === 0, 'P3: a cluster outside ALLOWED_CLUSTER_IDS was answered or reached MRS', show);
  }
  if (name.startsWith('Upstream')) check(outcome.requests.length === 1, `P1: ${name} without any MRS request`, show);
  if (name === 'ClusterNotFound')
    check(
      valid.some((id) => !Object.hasOwn(KNOWN_CLUSTERS, id)),
      'P1: ClusterNotFound for a cluster MRS has',
      show,
    );
}

/** HTTP response shape, headers and body; returns the error name, 'OK' or 'Preflight'. */
function checkHttpResponse(event: unknown, outcome: Outcome, show: () => unknown): string {
  const response = outcome.value;
  const http = httpView(event) as NonNullable<ReturnType<typeof httpView>>;
  check(isObject(response), 'P1: the HTTP answer is not an object', show);
  const { statusCode, headers, body, isBase64Encoded } = response;
  check(typeof statusCode === 'number' && Number.isInteger(statusCode), 'P1: statusCode is not an integer', show);
  check(isObject(headers) && Object.values(headers).every((v) => typeof v === 'string'), 'P1: headers are not an object of strings', show);
  check(typeof body === 'string', 'P1: body is not a string', show);
  check(isBase64Encoded === false, 'P1: isBase64Encoded is not false', show);
  check(Object.keys(response).sort().join() === 'body,headers,isBase64Encoded,statusCode', 'P1: the response has other keys', show);
  const h = headers as Record<string, string>;
  const origin = http.originKeys === 1 ? http.headers.origin : undefined;

  if (statusCode === 204) {
    // A CORS preflight from the allowed origin, answered without MRS.
    check(body === '', 'P1: a 204 has a body', show);
    check(
      origin === ALLOWED_ORIGIN || (http.originKeys > 1 && Object.values(http.headers).includes(ALLOWED_ORIGIN)),
      'P1: 204 without an allowed Origin',
      show,
    );
    check(http.method.toUpperCase() === 'OPTIONS', 'P1: 204 for a method other than OPTIONS', show);
    check(
      h['Access-Control-Allow-Origin'] === ALLOWED_ORIGIN && h['Access-Control-Allow-Methods'] === 'GET',
      'P1: a preflight without its CORS headers',
      show,
    );
    check(outcome.requests.length === 0, 'P1: a preflight reached MRS', show);
    return 'Preflight';
  }

  check(h['Content-Type'] === 'application/json; charset=utf-8', 'P1: Content-Type is not JSON', show);
  check(h['X-Content-Type-Options'] === 'nosniff', 'P1: no X-Content-Type-Options: nosniff', show);
  check(typeof h['X-Request-Id'] === 'string' && h['X-Request-Id'] !== '', 'P1: no X-Request-Id', show);
  if (outcome.requestId !== undefined)
    check(h['X-Request-Id'] === outcome.requestId, "P1: X-Request-Id is not the invocation's request id", show);
  if (origin !== undefined) {
    check(
      (h['Access-Control-Allow-Origin'] === origin) === (origin === ALLOWED_ORIGIN),
      'P1: CORS headers do not follow CORS_ALLOW_ORIGINS',
      show,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body as string);
  } catch {
    check(false, 'P1: body is not JSON', show);
  }
  const bodyBytes = http.bodyBytes;
  if (statusCode === 200) {
    checkStatusBody(parsed, candidateIds(event), show);
    const answer = parsed as { cache: { status: string; age_seconds: number } };
    check(
      h['X-Cache'] === answer.cache.status.toUpperCase() && h.Age === String(answer.cache.age_seconds),
      'P1: X-Cache/Age disagree with the body',
      show,
    );
    check(/^max-age=\d+$/.test(h['Cache-Control'] ?? ''), 'P1: a 200 without Cache-Control: max-age', show);
    check(http.method.toUpperCase() === 'GET', 'P1: 200 for a method other than GET', show);
    if (bodyBytes !== undefined) check(bodyBytes <= MAX_BODY_BYTES, 'P1: 200 for a body over 8 KiB', show);
    return 'OK';
  }
  check(isObject(parsed) && Object.keys(parsed).join() === 'error' && isObject(parsed.error), 'P1: error body is not {error: {...}}', show);
  const error = (parsed as { error: Loose }).error;
  check(
    Object.keys(error).sort().join() === 'code,message,request_id',
    'P1: error body has other fields than code, message, request_id',
    show,
  );
  const { code, message } = error;
  check(typeof code === 'string' && code in ERROR_STATUS, `P1: error code ${String(code)} is not a documented name`, show);
  check(!NEVER_EXPECTED.has(code), `P1: ${code} with a valid configuration and a healthy MRS`, show);
  check(ERROR_STATUS[code] === statusCode, `P1: ${code} answered with status ${String(statusCode)}`, show);
  check(typeof message === 'string' && message.length > 0, 'P1: error without message', show);
  checkMessage(message, show);
  check(error.request_id === h['X-Request-Id'], 'P1: error.request_id is not X-Request-Id', show);
  check(h['Cache-Control'] === 'no-store', 'P1: an error without Cache-Control: no-store', show);
  if (code === 'MethodNotAllowed') check(h.Allow === 'GET', 'P1: 405 without Allow: GET', show);
  if (bodyBytes !== undefined)
    check((code === 'PayloadTooLarge') === bodyBytes > MAX_BODY_BYTES, 'P1: PayloadTooLarge does not match the body size', show);
  return code;
}

/**
 * README: "Values a caller sent are quoted cut to 40 characters, with markup, control and
 * non-ASCII characters escaped." The fixed texts are printable ASCII without markup, so a
 * message may hold nothing else, and stays short whatever the caller sent.
 */
export function checkMessage(message: string, show: () => unknown): void {
  check(
    /^[\x20-\x7e]*$/.test(message) && !/[<>]/.test(message),
    'P1: an error message carries a control, non-ASCII or markup character the caller sent',
    show,
  );
  check(message.length <= 600, 'P1: an error message is not cut to size', show);
}

/** The 200 body: exactly cluster_id, is_synchronizing, checked_at, cache; a cluster the event named and MRS has. */
function checkStatusBody(body: unknown, valid: readonly string[], show: () => unknown): void {
  check(isObject(body), 'P1: the answer is not an object', show);
  check(Object.keys(body).sort().join() === 'cache,checked_at,cluster_id,is_synchronizing', 'P1: the answer has other fields', show);
  const { cluster_id: clusterId, is_synchronizing: syncing, checked_at: checkedAt, cache } = body;
  check(typeof clusterId === 'string' && typeof syncing === 'boolean', 'P1: cluster_id/is_synchronizing have the wrong types', show);
  check(
    typeof checkedAt === 'string' &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(checkedAt) &&
      new Date(checkedAt).toISOString() === checkedAt,
    'P1: checked_at is not an ISO 8601 time',
    show,
  );
  check(isObject(cache) && Object.keys(cache).sort().join() === 'age_seconds,status', 'P1: cache is not {status, age_seconds}', show);
  check(
    ['hit', 'miss', 'stale'].includes(cache.status as string) && Number.isInteger(cache.age_seconds) && (cache.age_seconds as number) >= 0,
    'P1: cache.status/age_seconds out of range',
    show,
  );
  check(valid.includes(clusterId), 'P1: the answer is about a cluster the event did not name', show);
  check(
    Object.hasOwn(KNOWN_CLUSTERS, clusterId) && KNOWN_CLUSTERS[clusterId] === syncing,
    "P1: the answer disagrees with MRS's state",
    show,
  );
}

/** After a batch: the totals of property 2, and property 4. */
export function checkBatch(counters: Counters, watch: ProcessWatch): void {
  expect(counters.emulatorRequests).toBeLessThanOrEqual(counters.eventsWithValidId);
  expect(watch.unhandledRejections).toEqual([]);
  expect(watch.uncaughtExceptions).toEqual([]);
  expect(watch.badLogLines).toEqual([]);
}

function describeValue(value: unknown): unknown {
  if (value instanceof Error) return { error: value.constructor.name, name: value.name, message: value.message };
  return value;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}
