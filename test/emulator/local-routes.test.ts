/**
 * The routes `npm start` serves (gateway/routes.ts ALL_ROUTES): the status function's three
 * reads, starting a sync (POST on the status path) and the wait long poll with its own
 * timeout; and a start or wait function that is not built yet answering 502 with the reason
 * instead of stopping the gateway. (Beside the emulator's tests because `npm start` pairs them.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchRoute, WAIT_ROUTE_TIMEOUT_MS } from '../../gateway/routes';
import { ALL_ROUTES, type FunctionHandler, type Gateway, type Route, startGateway } from '../../gateway/server';
import { json, send } from '../fixtures/http-client';

const answer =
  (name: string): FunctionHandler =>
  (event, context) => ({
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name,
      method: event.httpMethod,
      cluster: event.pathParameters.cluster_id,
      remaining: context.getRemainingTimeInMilliSeconds(),
    }),
    isBase64Encoded: false,
  });

async function withGateway(
  options: Parameters<typeof startGateway>[0],
  run: (gateway: Gateway, lines: string[]) => Promise<void>,
): Promise<void> {
  const lines: string[] = [];
  const gateway = await startGateway({ ...options, log: (line) => lines.push(line) });
  try {
    await run(gateway, lines);
  } finally {
    await gateway.close();
  }
}

describe('matchRoute over ALL_ROUTES', () => {
  it.each([
    ['POST', '/clusters/c1/iam-sync', 'iam-sync-start'],
    ['post', '/clusters/c1/iam-sync', 'iam-sync-start'],
    ['GET', '/clusters/c1/iam-sync', 'iam-sync-status'],
    ['DELETE', '/clusters/c1/iam-sync', 'iam-sync-status'],
    [undefined, '/clusters/c1/iam-sync', 'iam-sync-status'],
    ['GET', '/clusters/c1/iam-sync/is-synchronous', 'iam-sync-status'],
    ['GET', '/clusters/c1/iam-sync/users', 'iam-sync-status'],
    ['GET', '/clusters/c1/iam-sync/wait', 'iam-sync-wait'],
    ['POST', '/clusters/c1/iam-sync/wait', 'iam-sync-wait'],
  ])('%s %s -> %s', (method, path, functionName) => {
    expect(matchRoute(ALL_ROUTES, path, method)).toMatchObject({ route: { functionName }, pathParameters: { cluster_id: 'c1' } });
  });

  it.each(['/clusters/c1/iam-sync/start', '/clusters/c1/iam-sync/users/x', '/clusters//iam-sync/wait'])('does not match %s', (path) => {
    expect(matchRoute(ALL_ROUTES, path, 'POST')).toBeUndefined();
  });
});

describe('the gateway over ALL_ROUTES', () => {
  it('dispatches POST to the start function, reads to the status function and the wait to the wait function with its own timeout', async () => {
    const handlers = { 'iam-sync-status': answer('status'), 'iam-sync-start': answer('start'), 'iam-sync-wait': answer('wait') };
    await withGateway({ routes: ALL_ROUTES, handlers }, async (gateway) => {
      expect(json(await send(`${gateway.url}/clusters/c1/iam-sync`, { method: 'POST', body: '{"is_all_sync":true}' }))).toMatchObject({
        name: 'start',
        method: 'POST',
      });
      expect(json(await send(`${gateway.url}/clusters/c1/iam-sync`))).toMatchObject({ name: 'status', method: 'GET' });
      expect(json(await send(`${gateway.url}/clusters/c1/iam-sync/is-synchronous`))).toMatchObject({ name: 'status' });
      expect(json(await send(`${gateway.url}/clusters/c1/iam-sync/users`))).toMatchObject({ name: 'status' });
      const wait = json(await send(`${gateway.url}/clusters/c1/iam-sync/wait?max_wait_seconds=25`)) as { name: string; remaining: number };
      expect(wait.name).toBe('wait');
      // The route's timeout, not the gateway's 10 s.
      expect(wait.remaining).toBeGreaterThan(WAIT_ROUTE_TIMEOUT_MS - 1_000);
      expect(wait.remaining).toBeLessThanOrEqual(WAIT_ROUTE_TIMEOUT_MS);
    });
  });

  it('a route timeout shorter than the gateway one answers 504 at the route timeout', async () => {
    const routes: Route[] = [{ path: '/slow', functionName: 'slow', timeoutMs: 50 }];
    await withGateway({ routes, handlers: { slow: () => new Promise(() => undefined) }, timeoutMs: 10_000 }, async (gateway) => {
      const started = Date.now();
      const reply = await send(`${gateway.url}/slow`);
      expect(reply.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  it('starts without an optional function and answers its routes 502 naming what is missing; the others serve', async () => {
    await withGateway({ routes: ALL_ROUTES, handlers: { 'iam-sync-status': answer('status') } }, async (gateway, lines) => {
      const reply = await send(`${gateway.url}/clusters/c1/iam-sync`, { method: 'POST', body: '{}' });
      expect(reply.status).toBe(502);
      expect(json(reply)).toEqual({
        error_code: 'APIG.0202',
        error_msg: 'Backend unavailable: Function iam-sync-start has no handler(event, context).',
        request_id: reply.headers['x-request-id'],
      });
      expect((await send(`${gateway.url}/clusters/c1/iam-sync/wait`)).status).toBe(502);
      expect(json(await send(`${gateway.url}/clusters/c1/iam-sync`))).toMatchObject({ name: 'status' });
      expect(lines).toContain(
        'iam-sync-wait is not loaded, its routes will answer 502: Function iam-sync-wait has no handler(event, context).',
      );
    });
  });

  it('a bundle missing from functionsDir: 502 saying which file and to run npm run build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-routes-'));
    try {
      for (const name of ['iam-sync-status', 'iam-sync-wait']) {
        mkdirSync(join(dir, name));
        writeFileSync(join(dir, name, 'index.js'), `exports.handler = async () => ({ statusCode: 200, body: ${JSON.stringify(name)} });`);
      }
      await withGateway({ routes: ALL_ROUTES, functionsDir: dir }, async (gateway) => {
        const reply = await send(`${gateway.url}/clusters/c1/iam-sync`, { method: 'POST', body: '{}' });
        expect(reply.status).toBe(502);
        const message = (json(reply) as { error_msg: string }).error_msg;
        expect(message).toContain(`Cannot load ${join(dir, 'iam-sync-start', 'index.js')} (run npm run build)`);
        expect(message).not.toContain('\n');
        expect((await send(`${gateway.url}/clusters/c1/iam-sync/wait`)).body).toBe('iam-sync-wait');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a function that is not optional on every route still stops the start', async () => {
    const routes: Route[] = [
      { path: '/a', functionName: 'shared', optional: true },
      { path: '/b', functionName: 'shared' },
    ];
    await expect(startGateway({ routes, handlers: {} })).rejects.toThrow('Function shared has no handler(event, context).');
  });
});
