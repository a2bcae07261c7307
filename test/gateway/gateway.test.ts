import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readApigResult, toApigEvent } from '../../gateway/apig';
import { createFunctionGraphContext } from '../../gateway/context';
import { matchRoute } from '../../gateway/routes';
import {
  type ApigEvent,
  DEFAULT_ROUTES,
  type FunctionGraphContext,
  type FunctionHandler,
  type Gateway,
  MAX_BODY_BYTES,
  startGateway,
} from '../../gateway/server';
import { json, send } from '../fixtures/http-client';

const ok = (body: unknown) => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
  isBase64Encoded: false,
});

/** A gateway on a free port over the default route, served by `handler`. */
async function withGateway(
  handler: FunctionHandler,
  run: (gateway: Gateway, lines: string[]) => Promise<void>,
  timeoutMs?: number,
): Promise<void> {
  const lines: string[] = [];
  const gateway = await startGateway({
    port: 0,
    routes: DEFAULT_ROUTES,
    handlers: { 'iam-sync-status': handler },
    timeoutMs,
    log: (line) => lines.push(line),
  });
  try {
    await run(gateway, lines);
  } finally {
    await gateway.close();
  }
}

describe('matchRoute', () => {
  it('fills path parameters, decoded', () => {
    expect(matchRoute(DEFAULT_ROUTES, '/clusters/a%20b/iam-sync')).toEqual({
      route: DEFAULT_ROUTES[0],
      pathParameters: { cluster_id: 'a b' },
    });
  });

  it.each(['/clusters//iam-sync', '/clusters/x/iam-sync/', '/clusters/x', '/', '/v2/clusters/x/iam-sync'])('does not match %s', (path) => {
    expect(matchRoute(DEFAULT_ROUTES, path)).toBeUndefined();
  });

  it('passes invalid percent-encoding on as received', () => {
    expect(matchRoute(DEFAULT_ROUTES, '/clusters/%zz/iam-sync')?.pathParameters).toEqual({ cluster_id: '%zz' });
  });
});

describe('toApigEvent', () => {
  it('builds the event FunctionGraph APIG triggers pass', () => {
    const event = toApigEvent({
      method: 'POST',
      path: '/clusters/c1/iam-sync',
      query: 'a=1&b=x%20y&a=2',
      headers: { 'X-Custom': 'v', accept: ['a', 'b'], skipped: undefined },
      body: Buffer.from('{"x":1}'),
      pathParameters: { cluster_id: 'c1' },
      apiId: 'api',
      requestId: 'req',
    });
    expect(event).toEqual({
      httpMethod: 'POST',
      path: '/clusters/c1/iam-sync',
      pathParameters: { cluster_id: 'c1' },
      queryStringParameters: { a: '2', b: 'x y' },
      headers: { 'x-custom': 'v', accept: 'a, b' },
      body: Buffer.from('{"x":1}').toString('base64'),
      isBase64Encoded: true,
      requestContext: { apiId: 'api', requestId: 'req', stage: 'RELEASE' },
    });
  });
});

describe('readApigResult', () => {
  it('decodes a Base64 body and stringifies header values', () => {
    const result = readApigResult({
      statusCode: 201,
      headers: { 'X-N': 3, 'Content-Length': '999' },
      body: Buffer.from('hi').toString('base64'),
      isBase64Encoded: true,
    });
    expect(result).toEqual({ statusCode: 201, headers: { 'X-N': '3' }, body: Buffer.from('hi') });
  });

  it.each([
    ['a string', 'hello'],
    ['null', null],
    ['no statusCode', { body: '' }],
    ['a status out of range', { statusCode: 99, body: '' }],
    ['a non-string body', { statusCode: 200, body: { a: 1 } }],
    ['a non-boolean isBase64Encoded', { statusCode: 200, body: '', isBase64Encoded: 'yes' }],
    ['invalid Base64', { statusCode: 200, body: 'not base64!', isBase64Encoded: true }],
    ['an object header value', { statusCode: 200, body: '', headers: { a: {} } }],
    ['a header value with a newline', { statusCode: 200, body: '', headers: { a: 'x\ny' } }],
  ])('rejects %s', (_, value) => {
    expect(readApigResult(value)).toBeUndefined();
  });
});

describe('createFunctionGraphContext', () => {
  it('answers like a FunctionGraph context of a function without an agency', () => {
    let clock = 1_000;
    const lines: string[] = [];
    const context = createFunctionGraphContext({
      requestId: 'r-1',
      functionName: 'fn',
      timeoutMs: 10_000,
      write: (line) => lines.push(line),
      now: () => clock,
    });
    expect(context.getRequestID()).toBe('r-1');
    expect(context.getFunctionName()).toBe('fn');
    expect(context.getRemainingTimeInMilliSeconds()).toBe(10_000);
    clock += 2_500;
    expect(context.getRemainingTimeInMilliSeconds()).toBe(7_500);
    clock += 60_000;
    expect(context.getRemainingTimeInMilliSeconds()).toBe(0);
    expect([context.getSecurityAccessKey(), context.getSecuritySecretKey(), context.getSecurityToken()]).toEqual(['', '', '']);
    context.getLogger().info('n=%d', 5);
    expect(lines).toEqual([`${new Date(clock).toISOString()} r-1 INFO n=5`]);
  });

  it('works when called on an object derived from it', () => {
    const context = createFunctionGraphContext({ requestId: 'r-2', functionName: 'fn', timeoutMs: 1, write: () => undefined });
    const derived = Object.create(context) as FunctionGraphContext;
    expect(derived.getRequestID()).toBe('r-2');
  });
});

describe('startGateway', () => {
  it('turns a request into an APIG event and a context, and the answer into HTTP', async () => {
    let seen: { event: ApigEvent; context: FunctionGraphContext; remaining: number } | undefined;
    const handler: FunctionHandler = async (event, context) => {
      seen = { event, context, remaining: context.getRemainingTimeInMilliSeconds() };
      return { statusCode: 207, headers: { 'X-From': 'fn' }, body: Buffer.from('über').toString('base64'), isBase64Encoded: true };
    };
    await withGateway(handler, async (gateway) => {
      const reply = await send(`${gateway.url}/clusters/c%2D1/iam-sync?verbose=1&x=a%26b`, {
        method: 'POST',
        headers: { 'X-Mixed-Case': 'yes' },
        body: 'payload',
      });
      expect(reply.status).toBe(207);
      expect(reply.body).toBe('über');
      expect(reply.headers['x-from']).toBe('fn');

      const { event, context, remaining } = seen!;
      expect(event).toMatchObject({
        httpMethod: 'POST',
        path: '/clusters/c%2D1/iam-sync',
        pathParameters: { cluster_id: 'c-1' },
        queryStringParameters: { verbose: '1', x: 'a&b' },
        body: Buffer.from('payload').toString('base64'),
        isBase64Encoded: true,
        requestContext: { stage: 'RELEASE' },
      });
      expect(event.headers['x-mixed-case']).toBe('yes');
      expect(event.headers.host).toBe(`127.0.0.1:${gateway.port}`);
      expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
      expect(event.requestContext.requestId).toMatch(/^[0-9a-f]{32}$/);
      expect(reply.headers['x-request-id']).toBe(event.requestContext.requestId);
      expect(context.getFunctionName()).toBe('iam-sync-status');
      expect(context.getRequestID()).toMatch(/^[0-9a-f-]{36}$/);
      expect(remaining).toBeGreaterThan(9_000);
      expect(remaining).toBeLessThanOrEqual(10_000);
    });
  });

  it('keeps one apiId per route and a new requestId per request', async () => {
    const events: ApigEvent[] = [];
    await withGateway(
      (event) => {
        events.push(event);
        return ok({});
      },
      async (gateway) => {
        await send(`${gateway.url}/clusters/a/iam-sync`);
        await send(`${gateway.url}/clusters/b/iam-sync`);
      },
    );
    expect(events[0].requestContext.apiId).toBe(events[1].requestContext.apiId);
    expect(events[0].requestContext.requestId).not.toBe(events[1].requestContext.requestId);
    expect(events[0].body).toBe('');
  });

  it('passes every method to the function, which decides', async () => {
    await withGateway(
      (event) => (event.httpMethod === 'GET' ? ok({}) : { statusCode: 405, headers: { Allow: 'GET' }, body: '' }),
      async (gateway) => {
        const reply = await send(`${gateway.url}/clusters/a/iam-sync`, { method: 'DELETE' });
        expect(reply.status).toBe(405);
        expect(reply.headers.allow).toBe('GET');
      },
    );
  });

  it('answers 404 like APIG for a path no route takes, without calling the function', async () => {
    const handler = jest.fn(() => ok({}));
    await withGateway(handler, async (gateway) => {
      const reply = await send(`${gateway.url}/clusters/a/other`, { method: 'POST', body: 'x' });
      expect(reply.status).toBe(404);
      expect(json(reply)).toEqual({
        error_code: 'APIG.0101',
        error_msg: 'The API does not exist or has not been published in the environment.',
        request_id: reply.headers['x-request-id'],
      });
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('boom');
      },
    ],
    [
      'rejects',
      async () => {
        throw new Error('boom');
      },
    ],
    ['returns a string', () => 'not a response'],
    ['returns undefined', () => undefined],
    ['returns a bad status', () => ({ statusCode: 'two hundred', body: '' })],
  ])('answers 502 like APIG when the handler %s, and keeps serving', async (_, broken) => {
    let calls = 0;
    const handler: FunctionHandler = (event, context) => (calls++ === 0 ? (broken as FunctionHandler)(event, context) : ok({ fine: true }));
    await withGateway(handler, async (gateway, lines) => {
      const reply = await send(`${gateway.url}/clusters/a/iam-sync`);
      expect(reply.status).toBe(502);
      expect(json(reply)).toEqual({ error_code: 'APIG.0202', error_msg: 'Backend unavailable', request_id: reply.headers['x-request-id'] });
      expect(lines.some((line) => line.startsWith('iam-sync-status '))).toBe(true);

      const next = await send(`${gateway.url}/clusters/a/iam-sync`);
      expect(next.status).toBe(200);
      expect(json(next)).toEqual({ fine: true });
    });
  });

  it('answers 504 like APIG when the handler outlives its timeout', async () => {
    await withGateway(
      () => new Promise(() => undefined),
      async (gateway) => {
        const reply = await send(`${gateway.url}/clusters/a/iam-sync`);
        expect(reply.status).toBe(504);
        expect(json(reply)).toMatchObject({ error_code: 'APIG.0203' });
      },
      50,
    );
  });

  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])('answers 413 for a body over 1 MiB (%s) without calling the function', async (_, chunked) => {
    const handler = jest.fn(() => ok({}));
    await withGateway(handler, async (gateway) => {
      const reply = await send(`${gateway.url}/clusters/a/iam-sync`, {
        method: 'POST',
        body: Buffer.alloc(MAX_BODY_BYTES + 1, 'a'),
        chunked,
      });
      expect(reply.status).toBe(413);
      expect(json(reply)).toMatchObject({ error_code: 'APIG.0201', error_msg: 'Request entity too large.' });

      const atLimit = await send(`${gateway.url}/clusters/a/iam-sync`, {
        method: 'POST',
        body: Buffer.alloc(MAX_BODY_BYTES, 'a'),
        chunked,
      });
      expect(atLimit.status).toBe(200);
    });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('requires each bundle from functionsDir once, at start, with the environment of that moment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-'));
    mkdirSync(join(dir, 'iam-sync-status'));
    writeFileSync(
      join(dir, 'iam-sync-status', 'index.js'),
      `const coldStartEnv = process.env.GATEWAY_TEST_VALUE;
       let invocations = 0;
       exports.handler = async () => ({ statusCode: 200, body: JSON.stringify({ coldStartEnv, invocations: ++invocations }) });`,
    );
    process.env.GATEWAY_TEST_VALUE = 'at start';
    const gateway = await startGateway({ routes: DEFAULT_ROUTES, functionsDir: dir });
    try {
      process.env.GATEWAY_TEST_VALUE = 'later';
      expect(json(await send(`${gateway.url}/clusters/a/iam-sync`))).toEqual({ coldStartEnv: 'at start', invocations: 1 });
      expect(json(await send(`${gateway.url}/clusters/a/iam-sync`))).toEqual({ coldStartEnv: 'at start', invocations: 2 });
    } finally {
      delete process.env.GATEWAY_TEST_VALUE;
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails clearly when a bundle is missing', async () => {
    await expect(startGateway({ routes: DEFAULT_ROUTES, functionsDir: '/nonexistent' })).rejects.toThrow(
      /Cannot load .*iam-sync-status.*npm run build/,
    );
  });

  it('refuses a route whose function has no handler', async () => {
    await expect(startGateway({ routes: DEFAULT_ROUTES, handlers: {} })).rejects.toThrow(
      'Function iam-sync-status has no handler(event, context).',
    );
  });
});
