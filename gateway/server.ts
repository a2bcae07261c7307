/**
 * A local stand-in for FunctionGraph's API gateway (APIG) in front of the bundled
 * functions: each HTTP request becomes an APIG event, the function's answer becomes the
 * HTTP response, and APIG's own errors (404, 413, 502, 504) look like APIG's. A
 * development tool (`npm start`, tests); it listens on 127.0.0.1 and is never deployed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { APIG_ERRORS, apigErrorBody, type ApigError, type ApigEvent, readApigResult, toApigEvent } from './apig';
import { createFunctionGraphContext, type FunctionGraphContext } from './context';
import { matchRoute, type Route } from './routes';
import { closeServer, listenOnLoopback, newRequestId, readBody, sendBody, splitTarget } from '../tools/loopback-http';

export { ALL_ROUTES, DEFAULT_ROUTES, type Route } from './routes';
export type { ApigEvent } from './apig';
export type { FunctionGraphContext } from './context';

export type FunctionHandler = (event: ApigEvent, context: FunctionGraphContext) => unknown;

type HandlerSource =
  /** Directory holding `<functionName>/index.js` bundles (normally dist/). */
  | { functionsDir: string; handlers?: never }
  /** Handlers by function name, for tests. */
  | { handlers: Readonly<Record<string, FunctionHandler>>; functionsDir?: never };

export type GatewayOptions = HandlerSource & {
  /** 0 or omitted: a free port. */
  port?: number;
  routes: readonly Route[];
  /** The function's timeout: the context counts down from it, and APIG answers 504 when it passes. Default 10 s; a route's `timeoutMs` overrides it. */
  timeoutMs?: number;
  /** One line per request, handler failures, and the functions' `getLogger()` lines. Silent when omitted. */
  log?: (line: string) => void;
};

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Far below APIG's 12 MB: these functions take no request body, and a dev tool need not buffer more. */
export const MAX_BODY_BYTES = 1024 * 1024;

const TIMED_OUT = Symbol('timed out');

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = options.log ?? (() => undefined);
  const { handlers, missing } = loadHandlers(options);
  for (const [functionName, reason] of missing) log(`${functionName} is not loaded, its routes will answer 502: ${reason}`);
  // APIG gives every API an id; one per route, fixed for the gateway's life.
  const apiIds = new Map(options.routes.map((route) => [route, newRequestId()]));

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const requestId = newRequestId();
    res.setHeader('X-Request-Id', requestId);
    const { path, query } = splitTarget(req.url ?? '/');
    const method = req.method ?? 'GET';
    const match = matchRoute(options.routes, path, method);
    if (match === undefined) return sendError(res, APIG_ERRORS.notFound, requestId);
    const functionName = match.route.functionName;
    const routeTimeoutMs = match.route.timeoutMs ?? timeoutMs;

    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) return sendError(res, APIG_ERRORS.tooLarge, requestId);

    const notLoaded = missing.get(functionName);
    if (notLoaded !== undefined) {
      log(`${functionName} is not loaded: ${notLoaded}`);
      return sendError(res, { ...APIG_ERRORS.backendUnavailable, message: `Backend unavailable: ${notLoaded}` }, requestId, functionName);
    }

    const event = toApigEvent({
      method,
      path,
      query,
      headers: req.headers,
      body,
      pathParameters: match.pathParameters,
      apiId: apiIds.get(match.route) as string,
      requestId,
    });
    const context = createFunctionGraphContext({ requestId: randomUUID(), functionName, timeoutMs: routeTimeoutMs, write: log });
    const handler = handlers.get(functionName) as FunctionHandler;

    let outcome: unknown;
    try {
      outcome = await invoke(() => handler(event, context), routeTimeoutMs);
    } catch (error) {
      log(`${functionName} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return sendError(res, APIG_ERRORS.backendUnavailable, requestId, functionName);
    }
    if (outcome === TIMED_OUT) {
      log(`${functionName} did not answer within ${routeTimeoutMs} ms`);
      return sendError(res, APIG_ERRORS.backendTimeout, requestId, functionName);
    }
    const result = readApigResult(outcome);
    if (result === undefined) {
      log(`${functionName} answered something that is not {statusCode, headers, body, isBase64Encoded}: ${preview(outcome)}`);
      return sendError(res, APIG_ERRORS.backendUnavailable, requestId, functionName);
    }
    // After the gateway's X-Request-Id, so a function that sets its own (the id in its logs) wins.
    for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
    res.setHeader('Content-Length', result.body.length);
    res.writeHead(result.statusCode);
    res.end(result.body);
    return functionName;
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    serve(req, res).then(
      (servedBy) => log(`${req.method} ${req.url} -> ${res.statusCode} (${servedBy}, ${Date.now() - started} ms)`),
      (error: unknown) => {
        // Only the request stream can fail here (the client went away); nobody is left to answer.
        log(`${req.method} ${req.url} -> aborted: ${error instanceof Error ? error.message : String(error)}`);
        res.destroy();
      },
    );
  });

  const port = await listenOnLoopback(server, options.port ?? 0);

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => (closed ??= closeServer(server)),
  };
}

/**
 * Each bundle is required once, here, before the first request: that is its cold start,
 * so the caller must have set the function's environment already. A function that cannot
 * be loaded stops the start, unless all its routes are optional: then it is listed in
 * `missing` with the reason, which its routes answer.
 */
function loadHandlers(options: GatewayOptions): { handlers: Map<string, FunctionHandler>; missing: Map<string, string> } {
  const handlers = new Map<string, FunctionHandler>();
  const missing = new Map<string, string>();
  for (const { functionName } of options.routes) {
    if (handlers.has(functionName) || missing.has(functionName)) continue;
    const optional = options.routes.every((route) => route.functionName !== functionName || route.optional === true);
    try {
      handlers.set(functionName, loadHandler(options, functionName));
    } catch (error) {
      if (!optional) throw error;
      // The first line: node's 'Require stack' lists test and tool files, noise in an answer.
      missing.set(functionName, (error instanceof Error ? error.message : String(error)).split('\n')[0]);
    }
  }
  return { handlers, missing };
}

function loadHandler(options: GatewayOptions, functionName: string): FunctionHandler {
  let handler: unknown;
  if (options.handlers !== undefined) {
    handler = options.handlers[functionName];
  } else {
    const file = join(options.functionsDir, functionName, 'index.js');
    try {
      handler = (require(file) as { handler?: unknown }).handler;
    } catch (error) {
      throw new Error(`Cannot load ${file} (run npm run build): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (typeof handler !== 'function') throw new TypeError(`Function ${functionName} has no handler(event, context).`);
  return handler as FunctionHandler;
}

/** The handler's answer, or TIMED_OUT; a synchronous throw becomes a rejection. */
async function invoke(run: () => unknown, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, TIMED_OUT);
  });
  try {
    return await Promise.race([Promise.resolve().then(run), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function sendError(res: ServerResponse, error: ApigError, requestId: string, servedBy = 'gateway'): string {
  sendBody(res, error.status, apigErrorBody(error, requestId));
  return servedBy;
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
