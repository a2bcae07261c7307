/**
 * A local stand-in for the FunctionGraph v2 API the deploy tool calls, started on its own
 * (it is not part of the MRS emulator in server.ts; it reuses its signature verifier, error
 * catalogue and route tables). For tests only; it listens on 127.0.0.1.
 *
 * Per request: an ECS metadata route (unsigned, when configured), else the request is
 * recorded, its SDK-HMAC-SHA256 signature verified (a bad one gets APIG's 401 APIGW.0301), a
 * queued one-shot failure for that operation answered if there is one, and then the operation:
 * list functions, create function, show config, show code, update code, update config, list
 * triggers, create trigger. Functions are kept by URN
 * `urn:fss:{region}:{project_id}:function:{package}:{func_name}:latest`; a function's `digest`
 * is the SHA-512 hex of its zip's bytes, as FunctionGraph reports it.
 *
 * Error bodies are FunctionGraph's shape, `{"error_code": "FSS.xxxx", "error_msg": ...}`; the
 * codes for a missing function and a duplicate are modelled (FSS.1051 and FSS.1061 are not
 * confirmed against the live service).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, newRequestId, readBody, sendJson, splitTarget } from '../tools/loopback-http';
import { metadataRoutes, type MetadataOptions } from './ecs-metadata';
import { authenticationFailed, PROJECT_MISMATCH } from './errors';
import { type ApiReply, type ApiRequest, type ApiRoute, dispatch, matchApiRoute } from './routes';
import { type VerifyResult, verifyRequest } from './signature';

export type FunctionGraphOperation =
  | 'listFunctions'
  | 'createFunction'
  | 'showFunctionConfig'
  | 'showFunctionCode'
  | 'updateFunctionCode'
  | 'updateFunctionConfig'
  | 'listFunctionTriggers'
  | 'createFunctionTrigger';

export const WRITE_OPERATIONS: readonly FunctionGraphOperation[] = [
  'createFunction',
  'updateFunctionCode',
  'updateFunctionConfig',
  'createFunctionTrigger',
];

export interface FunctionGraphCredential {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}

export interface FunctionGraphStandInOptions {
  port?: number;
  region: string;
  projectId: string;
  credentials: FunctionGraphCredential[];
  /** Served unsigned at /openstack/latest/securitykey, as an ECS node's metadata service. */
  metadata?: MetadataOptions;
  now?: () => number;
  maxClockSkewSeconds?: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: string;
  operation?: FunctionGraphOperation;
  /** As received: tests check that neither it nor the token ever reaches an output. */
  authorization?: string;
  verification: VerifyResult;
  /** Set when an injected failure answered. */
  injected?: boolean;
  status?: number;
}

export interface WriteCall {
  operation: FunctionGraphOperation;
  urn: string;
  /** Only the fields written (the code as its digest), for assertions. */
  fields: string[];
}

export interface StoredFunction {
  config: Record<string, unknown>;
  code: Buffer;
  triggers: Array<Record<string, unknown>>;
}

export interface InjectedFailure {
  status: number;
  body?: unknown;
}

export interface FunctionGraphStandIn {
  url: string;
  /** Every signed API call, in order. */
  calls: RecordedCall[];
  /** Every write that reached an operation (injected failures excluded: nothing was written). */
  writes: WriteCall[];
  functions: Map<string, StoredFunction>;
  /** The next call to `operation` (or the `nth` one from now, 1-based) answers `failure` instead; one-shot. */
  failNext(operation: FunctionGraphOperation, failure?: InjectedFailure, nth?: number): void;
  urnFor(packageName: string, funcName: string): string;
  /** Forgets calls and writes (state stays). */
  resetCalls(): void;
  close(): Promise<void>;
}

const RUNTIMES = new Set([
  'Node.js14.18',
  'Node.js16.17',
  'Node.js18.15',
  'Node.js20.15',
  'Node.js22.18',
  'Python3.10',
  'Java11',
  'Go1.x',
  'Custom',
]);
const MEMORY_SIZES = new Set([128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096]);
const CONFIG_FIELDS = [
  'runtime',
  'handler',
  'memory_size',
  'timeout',
  'xrole',
  'app_xrole',
  'description',
  'user_data',
  'encrypted_user_data',
];

function fssError(status: number, code: string, message: string): ApiReply {
  return { status, body: { error_code: code, error_msg: message } };
}

const badRequest = (message: string) => fssError(400, 'FSS.0400', message);

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The zip bytes of a `code_type: "zip"` body, or why not. */
function zipFromBody(body: Record<string, unknown>): Buffer | string {
  if (body.code_type !== 'zip') return 'code_type must be zip here';
  if (typeof body.code_filename !== 'string' || !body.code_filename.endsWith('.zip')) return 'code_filename is required for a zip';
  const file = (body.func_code as { file?: unknown } | undefined)?.file;
  if (typeof file !== 'string' || file === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(file))
    return 'func_code.file must be the base64 of the zip';
  const zip = Buffer.from(file, 'base64');
  if (zip.length < 22 || zip.readUInt32LE(0) !== 0x04034b50) return 'func_code.file is not a zip archive';
  return zip;
}

function checkConfig(body: Record<string, unknown>, requireAll: boolean): string | undefined {
  const required = ['func_name', 'runtime', 'timeout', 'handler', 'memory_size'];
  const missing = required.filter((field) => body[field] === undefined);
  if (requireAll && missing.length > 0) return `missing ${missing.join(', ')}`;
  if (body.runtime !== undefined && !RUNTIMES.has(String(body.runtime))) return `runtime ${String(body.runtime)} is not supported`;
  if (body.memory_size !== undefined && !MEMORY_SIZES.has(Number(body.memory_size))) return 'memory_size is not an allowed size';
  if (body.timeout !== undefined && (!Number.isInteger(body.timeout) || Number(body.timeout) < 3 || Number(body.timeout) > 259_200))
    return 'timeout out of range';
  if (body.handler !== undefined && !String(body.handler).includes('.')) return 'handler must be file.export';
  for (const field of ['user_data', 'encrypted_user_data']) {
    const value = body[field];
    if (value !== undefined && (typeof value !== 'string' || value.length > 4096))
      return `${field} must be a string of at most 4096 characters`;
  }
  return undefined;
}

export async function startFunctionGraphStandIn(options: FunctionGraphStandInOptions): Promise<FunctionGraphStandIn> {
  const credentials = new Map(options.credentials.map((c) => [c.accessKey, c]));
  const now = options.now ?? Date.now;
  const functions = new Map<string, StoredFunction>();
  const calls: RecordedCall[] = [];
  const writes: WriteCall[] = [];
  const failures: Array<{ operation: FunctionGraphOperation; failure: InjectedFailure; skip: number }> = [];
  const urnFor = (pkg: string, name: string) => `urn:fss:${options.region}:${options.projectId}:function:${pkg}:${name}:latest`;
  const p = options.projectId;

  const lookup = (request: ApiRequest): StoredFunction | ApiReply => {
    if (request.params.project_id !== p) return PROJECT_MISMATCH;
    const fn = functions.get(request.params.function_urn);
    return fn ?? fssError(404, 'FSS.1051', `Not found the function: ${request.params.function_urn}`);
  };
  const isReply = (value: StoredFunction | ApiReply): value is ApiReply => 'status' in value;

  const digestOf = (code: Buffer) => createHash('sha512').update(code).digest('hex');

  const operations: Record<FunctionGraphOperation, (request: ApiRequest) => ApiReply> = {
    listFunctions(request) {
      if (request.params.project_id !== p) return PROJECT_MISMATCH;
      const query = new URLSearchParams(request.query);
      const pkg = query.get('package_name');
      const marker = Number(query.get('marker') ?? '0');
      const maxitems = Math.min(Number(query.get('maxitems') ?? '400'), 400);
      const all = [...functions.values()].map((fn) => fn.config).filter((config) => pkg === null || config.package === pkg);
      const page = all.slice(marker, marker + maxitems).map(({ encrypted_user_data: _hidden, ...rest }) => rest);
      return { status: 200, body: { functions: page, next_marker: marker + page.length, count: all.length } };
    },
    createFunction(request) {
      if (request.params.project_id !== p) return PROJECT_MISMATCH;
      const body = parseJson(request.body);
      if (body === undefined) return badRequest('the body is not a JSON object');
      const problem = checkConfig(body, true);
      if (problem !== undefined) return badRequest(problem);
      if (typeof body.package !== 'string' || body.package === '') return badRequest('package is required');
      const zip = zipFromBody(body);
      if (typeof zip === 'string') return badRequest(zip);
      const urn = urnFor(body.package, String(body.func_name));
      if (functions.has(urn)) return fssError(400, 'FSS.1061', `The function already exists: ${urn}`);
      const config: Record<string, unknown> = {
        func_id: randomUUID(),
        func_urn: urn,
        func_name: body.func_name,
        package: body.package,
        project_name: options.region,
        code_type: 'zip',
        code_filename: body.code_filename,
        code_size: zip.length,
        digest: digestOf(zip),
        version: 'latest',
        last_modified: new Date(now()).toISOString(),
        user_data: '',
        encrypted_user_data: '',
      };
      for (const field of CONFIG_FIELDS) if (body[field] !== undefined) config[field] = body[field];
      functions.set(urn, { config, code: zip, triggers: [] });
      writes.push({ operation: 'createFunction', urn, fields: Object.keys(body).sort() });
      return { status: 200, body: config };
    },
    showFunctionConfig(request) {
      const fn = lookup(request);
      return isReply(fn) ? fn : { status: 200, body: fn.config };
    },
    showFunctionCode(request) {
      const fn = lookup(request);
      return isReply(fn) ? fn : { status: 200, body: { ...fn.config, func_code: { file: fn.code.toString('base64') } } };
    },
    updateFunctionCode(request) {
      const fn = lookup(request);
      if (isReply(fn)) return fn;
      const body = parseJson(request.body);
      if (body === undefined) return badRequest('the body is not a JSON object');
      const zip = zipFromBody(body);
      if (typeof zip === 'string') return badRequest(zip);
      fn.code = zip;
      Object.assign(fn.config, {
        code_type: 'zip',
        code_filename: body.code_filename,
        code_size: zip.length,
        digest: digestOf(zip),
        last_modified: new Date(now()).toISOString(),
      });
      writes.push({ operation: 'updateFunctionCode', urn: String(fn.config.func_urn), fields: Object.keys(body).sort() });
      return { status: 200, body: fn.config };
    },
    updateFunctionConfig(request) {
      const fn = lookup(request);
      if (isReply(fn)) return fn;
      const body = parseJson(request.body);
      if (body === undefined) return badRequest('the body is not a JSON object');
      const problem = checkConfig(body, true);
      if (problem !== undefined) return badRequest(problem);
      if (body.func_name !== fn.config.func_name) return badRequest('func_name does not match the function');
      for (const field of CONFIG_FIELDS) if (body[field] !== undefined) fn.config[field] = body[field];
      fn.config.last_modified = new Date(now()).toISOString();
      writes.push({ operation: 'updateFunctionConfig', urn: String(fn.config.func_urn), fields: Object.keys(body).sort() });
      return { status: 200, body: fn.config };
    },
    listFunctionTriggers(request) {
      const fn = lookup(request);
      return isReply(fn) ? fn : { status: 200, body: fn.triggers };
    },
    createFunctionTrigger(request) {
      const fn = lookup(request);
      if (isReply(fn)) return fn;
      const body = parseJson(request.body);
      if (body === undefined) return badRequest('the body is not a JSON object');
      const type = body.trigger_type_code;
      const data = body.event_data as Record<string, unknown> | undefined;
      if (typeof type !== 'string' || typeof data !== 'object' || data === null)
        return badRequest('trigger_type_code and event_data are required');
      if (
        type === 'TIMER' &&
        (!['Rate', 'Cron'].includes(String(data.schedule_type)) || typeof data.schedule !== 'string' || typeof data.name !== 'string')
      ) {
        return badRequest('a TIMER needs name, schedule_type and schedule');
      }
      if (
        (type === 'APIG' || type === 'DEDICATEDGATEWAY') &&
        ['group_id', 'env_id', 'env_name', 'path', 'req_method', 'name', 'auth'].some((k) => typeof data[k] !== 'string')
      ) {
        return badRequest('an APIG trigger needs name, group_id, env_id, env_name, path, req_method and auth');
      }
      const duplicate = fn.triggers.some((t) => t.trigger_type_code === type && JSON.stringify(t.event_data) === JSON.stringify(data));
      if (duplicate) return fssError(400, 'FSS.1062', 'The trigger already exists.');
      const trigger = {
        trigger_id: randomUUID(),
        trigger_type_code: type,
        trigger_status: body.trigger_status ?? 'ACTIVE',
        event_data: data,
        last_updated_time: new Date(now()).toISOString(),
        created_time: new Date(now()).toISOString(),
      };
      fn.triggers.push(trigger);
      writes.push({ operation: 'createFunctionTrigger', urn: String(fn.config.func_urn), fields: Object.keys(body).sort() });
      return { status: 201, body: trigger };
    },
  };

  type OperationRoute = ApiRoute & { operations: Readonly<Record<string, FunctionGraphOperation>> };
  const table: Array<[string, Record<string, FunctionGraphOperation>]> = [
    ['/v2/{project_id}/fgs/functions', { GET: 'listFunctions', POST: 'createFunction' }],
    ['/v2/{project_id}/fgs/functions/{function_urn}/config', { GET: 'showFunctionConfig', PUT: 'updateFunctionConfig' }],
    ['/v2/{project_id}/fgs/functions/{function_urn}/code', { GET: 'showFunctionCode', PUT: 'updateFunctionCode' }],
    ['/v2/{project_id}/fgs/triggers/{function_urn}', { GET: 'listFunctionTriggers', POST: 'createFunctionTrigger' }],
  ];
  const routes: OperationRoute[] = table.map(([path, ops]) => ({
    path,
    operations: ops,
    methods: Object.fromEntries(Object.entries(ops).map(([method, op]) => [method, operations[op]])),
  }));
  const unsigned: readonly ApiRoute[] = options.metadata === undefined ? [] : metadataRoutes(options.metadata, now);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    res.setHeader('X-Request-Id', requestId);
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const { path, query } = splitTarget(req.url ?? '/');
    if (matchApiRoute(unsigned, path) !== undefined) {
      const reply = dispatch(unsigned, { method, path, query, headers: req.headers, body });
      sendJson(res, reply.status, reply.body);
      return;
    }
    const verification = verifyRequest(
      { method, path, query, headers: req.headers, body },
      { findCredential: (ak) => credentials.get(ak), nowMs: now(), maxClockSkewSeconds: options.maxClockSkewSeconds ?? 900 },
    );
    const match = matchApiRoute(routes, path);
    const operation = (match?.route as OperationRoute | undefined)?.operations[method];
    const authorization = req.headers.authorization;
    const call: RecordedCall = {
      method,
      path,
      query,
      ...(operation !== undefined && { operation }),
      ...(authorization !== undefined && { authorization }),
      verification,
    };
    calls.push(call);
    res.on('finish', () => {
      call.status = res.statusCode;
    });

    if (!verification.ok) {
      const reply = authenticationFailed(verification);
      sendJson(res, reply.status, { ...reply.body, request_id: requestId });
      return;
    }
    if (operation !== undefined) {
      const index = failures.findIndex((f) => f.operation === operation);
      if (index !== -1) {
        const queued = failures[index];
        if (queued.skip > 0) queued.skip -= 1;
        else {
          failures.splice(index, 1);
          call.injected = true;
          sendJson(
            res,
            queued.failure.status,
            queued.failure.body ?? { error_code: 'FSS.0500', error_msg: `Injected HTTP ${queued.failure.status} failure.` },
          );
          return;
        }
      }
    }
    const reply = dispatch(routes, { method, path, query, headers: req.headers, body });
    sendJson(res, reply.status, reply.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error_code: 'FSS.0500', error_msg: `stand-in failure: ${(error as Error).message}` });
    });
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    writes,
    functions,
    failNext(operation, failure = { status: 500 }, nth = 1) {
      failures.push({ operation, failure, skip: nth - 1 });
    },
    urnFor,
    resetCalls() {
      calls.length = 0;
      writes.length = 0;
    },
    close() {
      closed ??= closeServer(server);
      return closed;
    },
  };
}
