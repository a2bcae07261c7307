import { request } from 'node:http';
import { FaultQueue, parseFaultRequest } from '../../emulator/faults';
import { type Emulator, startEmulator } from '../../emulator/server';
import { json, type Reply, send } from '../fixtures/http-client';
import { REQUEST_ID, sdkSign } from './helpers';

const PROJECT = 'aaaabbbbccccdddd0000111122223333';
const KEY = { accessKey: 'FAULTTESTAK000000001', secretKey: 'fault-test-secret' };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ projectId: PROJECT, credentials: [KEY], clusters: { 'c-idle': false, 'c-sync': true } });
});
afterEach(() => emulator.reset());
afterAll(() => emulator.close());

function apiUrl(target: Emulator, clusterId = 'c-idle'): string {
  return `${target.url}/v2/${PROJECT}/clusters/${clusterId}/iam-sync`;
}

function call(clusterId = 'c-idle', target: Emulator = emulator): Promise<Reply> {
  const url = apiUrl(target, clusterId);
  return send(url, { headers: sdkSign(url, { ...KEY, headers: { 'Content-Type': 'application/json' } }) });
}

describe('status faults', () => {
  it('answer once with a default body, then the service answers normally', async () => {
    emulator.injectFault({ kind: 'status', status: 503 });
    const faulted = await call();
    expect(faulted.status).toBe(503);
    expect(faulted.headers['x-request-id']).toMatch(REQUEST_ID);
    expect(json(faulted)).toEqual({ error_code: 'EMULATOR.FAULT', error_msg: 'Injected HTTP 503 fault.' });
    expect((await call()).status).toBe(200);
    expect(emulator.requests.map((r) => [r.fault, r.status])).toEqual([
      ['status', 503],
      [undefined, 200],
    ]);
  });

  it('429 defaults to the gateway’s throttling answer', async () => {
    emulator.injectFault({ kind: 'status', status: 429 });
    const reply = await call();
    expect(reply.status).toBe(429);
    expect(json(reply)).toMatchObject({ error_code: 'APIGW.0308', request_id: reply.headers['x-request-id'] });
  });

  it('use the given object body and headers', async () => {
    emulator.injectFault({
      kind: 'status',
      status: 500,
      body: { error_code: '0023', error_msg: 'Failed to obtain cluster details.' },
      headers: { 'Retry-After': '7' },
    });
    const reply = await call();
    expect(reply.status).toBe(500);
    expect(reply.headers['retry-after']).toBe('7');
    expect(reply.headers['content-type']).toBe('application/json');
    expect(json(reply)).toEqual({ error_code: '0023', error_msg: 'Failed to obtain cluster details.' });
  });

  it('send a string body as text unless told otherwise', async () => {
    emulator.injectFault({ kind: 'status', status: 502, body: '<html>Bad Gateway</html>' });
    emulator.injectFault({ kind: 'status', status: 502, body: 'x', headers: { 'content-type': 'text/html' } });
    const first = await call();
    expect([first.status, first.headers['content-type'], first.body]).toEqual([
      502,
      'text/plain; charset=utf-8',
      '<html>Bad Gateway</html>',
    ]);
    expect((await call()).headers['content-type']).toBe('text/html');
  });

  it('take precedence over authentication, which is still recorded', async () => {
    emulator.injectFault({ kind: 'status', status: 503 });
    const reply = await send(apiUrl(emulator));
    expect(reply.status).toBe(503);
    expect(emulator.requests[0].verification).toEqual({ ok: false, reason: 'authorization-missing' });
  });
});

describe('fault scheduling', () => {
  it('serves faults in injection order', async () => {
    emulator.injectFault({ kind: 'status', status: 500 });
    emulator.injectFault({ kind: 'status', status: 503 });
    expect([(await call()).status, (await call()).status, (await call()).status]).toEqual([500, 503, 200]);
  });

  it('counts times, and Infinity lasts until clearFaults', async () => {
    emulator.injectFault({ kind: 'status', status: 503 }, { times: 2 });
    expect([(await call()).status, (await call()).status, (await call()).status]).toEqual([503, 503, 200]);
    emulator.injectFault({ kind: 'status', status: 500 }, { times: Infinity });
    for (let i = 0; i < 5; i += 1) expect((await call()).status).toBe(500);
    emulator.clearFaults();
    expect((await call()).status).toBe(200);
  });

  it('limits a fault to one cluster when asked', async () => {
    emulator.injectFault({ kind: 'status', status: 503 }, { clusterId: 'c-sync' });
    expect((await call('c-idle')).status).toBe(200);
    expect((await call('c-sync')).status).toBe(503);
    expect((await call('c-sync')).status).toBe(200);
  });

  it('reset() drops faults and recorded requests', async () => {
    emulator.injectFault({ kind: 'status', status: 503 }, { times: Infinity });
    await call();
    emulator.reset();
    expect(emulator.requests).toHaveLength(0);
    expect((await call()).status).toBe(200);
  });

  it.each([
    [{ kind: 'status', status: 99 }, {}],
    [{ kind: 'status', status: 204 }, {}],
    [{ kind: 'delay', ms: -1 }, {}],
    [{ kind: 'reset' }, { times: 0 }],
    [{ kind: 'reset' }, { times: 1.5 }],
  ] as const)('rejects %j with %j', (fault, opts) => {
    expect(() => emulator.injectFault(fault, opts)).toThrow(RangeError);
  });

  it('FaultQueue snapshots what is left', () => {
    const queue = new FaultQueue();
    queue.add({ kind: 'hang' }, { times: Infinity, clusterId: 'c1' });
    queue.add({ kind: 'delay', ms: 5 }, { times: 2 });
    expect(queue.take('c2')).toEqual({ kind: 'delay', ms: 5 });
    expect(queue.snapshot()).toEqual([
      { kind: 'hang', remaining: 'Infinity', cluster_id: 'c1' },
      { kind: 'delay', ms: 5, remaining: 1 },
    ]);
  });
});

describe('parseFaultRequest', () => {
  it('reads the admin JSON', () => {
    expect(parseFaultRequest({ kind: 'status', status: 503, body: 'x', times: 'Infinity', cluster_id: 'c1', extra: 1 })).toEqual({
      ok: true,
      fault: { kind: 'status', status: 503, body: 'x' },
      options: { times: Infinity, clusterId: 'c1' },
    });
    expect(parseFaultRequest({ kind: 'reset' })).toEqual({ ok: true, fault: { kind: 'reset' }, options: {} });
  });

  it.each([
    null,
    [],
    {},
    { kind: 'explode' },
    { kind: 'status' },
    { kind: 'status', status: 503, headers: { a: 1 } },
    { kind: 'delay' },
    { kind: 'reset', times: '3' },
    { kind: 'reset', times: 0 },
    { kind: 'reset', cluster_id: 5 },
  ])('rejects %j', (value) => {
    expect(parseFaultRequest(value)).toMatchObject({ ok: false, error: expect.any(String) });
  });
});

describe('connection faults', () => {
  it('delay answers normally after the delay', async () => {
    emulator.injectFault({ kind: 'delay', ms: 150 });
    const started = Date.now();
    const reply = await call('c-sync');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(json(reply)).toEqual({ is_synchronizing: true });
    expect(emulator.requests[0]).toMatchObject({ fault: 'delay', status: 200 });
  });

  it('reset destroys the socket without an answer', async () => {
    emulator.injectFault({ kind: 'reset' });
    await expect(call()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(emulator.requests[0]).toMatchObject({ fault: 'reset' });
    expect(emulator.requests[0].status).toBeUndefined();
  });

  it('reset-mid-body sends a 200 and part of the body, then cuts the connection', async () => {
    emulator.injectFault({ kind: 'reset-mid-body' });
    const url = apiUrl(emulator);
    const outcome = await new Promise<{ status: number; received: string; error: string; declaredLength: number }>((resolve) => {
      const req = request(url, { headers: sdkSign(url, KEY), agent: false }, (res) => {
        let received = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (received += chunk));
        res.on('error', (error) =>
          resolve({ status: res.statusCode ?? 0, received, error: error.message, declaredLength: Number(res.headers['content-length']) }),
        );
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, received, error: 'none', declaredLength: Number(res.headers['content-length']) }),
        );
      });
      req.on('error', (error) => resolve({ status: 0, received: '', error: error.message, declaredLength: 0 }));
      req.end();
    });
    expect(outcome.status).toBe(200);
    expect(outcome.error).toBe('aborted');
    expect(outcome.received.length).toBeGreaterThan(0);
    expect(outcome.received.length).toBeLessThan(outcome.declaredLength);
  });

  it('malformed-json answers 200 with a body JSON.parse rejects', async () => {
    emulator.injectFault({ kind: 'malformed-json' });
    const reply = await call();
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(() => JSON.parse(reply.body)).toThrow(SyntaxError);
  });

  it('missing-field answers 200 JSON without is_synchronizing', async () => {
    emulator.injectFault({ kind: 'missing-field' });
    const reply = await call();
    expect(reply.status).toBe(200);
    expect(json(reply)).not.toHaveProperty('is_synchronizing');
  });
});

describe('close()', () => {
  it('ends a hanging request and resolves', async () => {
    const own = await startEmulator({ projectId: PROJECT, credentials: [KEY], clusters: { 'c-idle': false } });
    own.injectFault({ kind: 'hang' });
    const pending = call('c-idle', own);
    const settled = pending.then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    while (own.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const raced = await Promise.race([settled, new Promise((r) => setTimeout(() => r('still hanging'), 100))]);
    expect(raced).toBe('still hanging');
    await own.close();
    expect(await settled).toBe('ECONNRESET');
    await expect(own.close()).resolves.toBeUndefined();
  });

  it('ends a pending delay without waiting for it', async () => {
    const own = await startEmulator({ projectId: PROJECT, credentials: [KEY], clusters: { 'c-idle': false } });
    own.injectFault({ kind: 'delay', ms: 60_000 });
    const settled = call('c-idle', own).then(
      () => 'answered',
      () => 'failed',
    );
    while (own.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await own.close();
    expect(await settled).toBe('failed');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
