import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { send, TransportError } from '../../lib/huawei/transport';
import { fakeTimers } from '../fixtures/settling';

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse) => void;

describe('transport', () => {
  let server: http.Server;
  let behaviour: Behaviour;
  let base: string;
  const remotePorts = new Set<number>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      remotePorts.add(req.socket.remotePort ?? 0);
      behaviour(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => remotePorts.clear());

  const get = (timeoutMs = 1000) =>
    send({ method: 'GET', url: new URL('/v2/p/clusters/c/iam-sync', base), headers: { 'X-Test': '1' } }, timeoutMs);

  it('returns status, headers and body, and reuses the connection', async () => {
    behaviour = (req, res) => {
      res.setHeader('X-Request-Id', 'abc');
      res.end(JSON.stringify({ seen: req.headers['x-test'] }));
    };
    const first = await get();
    await get();
    await get();
    expect(first).toEqual({ status: 200, headers: expect.objectContaining({ 'x-request-id': 'abc' }), body: '{"seen":"1"}' });
    expect(remotePorts.size).toBe(1);
  });

  it('times out a server that accepts and never answers', async () => {
    // On jest's clock: still waiting a tick before the timeout, given up at it (I/O turns stay real).
    fakeTimers();
    try {
      let received = false;
      behaviour = () => {
        received = true;
      };
      let outcome: unknown;
      get(150).catch((error: unknown) => (outcome = error));
      const until = async (condition: () => boolean) => {
        for (let i = 0; i < 10_000 && !condition(); i += 1) await new Promise((resolve) => setImmediate(resolve));
        expect(condition()).toBe(true);
      };
      await until(() => received);
      await jest.advanceTimersByTimeAsync(149);
      expect(outcome).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await until(() => outcome !== undefined);
      expect(outcome).toMatchObject({ name: 'TransportError', failure: 'timeout', message: 'no complete answer within 150 ms' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('times out a body that never finishes', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"is_');
    };
    await expect(get(150)).rejects.toMatchObject({ failure: 'timeout' });
  });

  it('reports a reset before the answer', async () => {
    behaviour = (req) => req.socket.destroy();
    await expect(get()).rejects.toMatchObject({ failure: 'network', code: 'ECONNRESET' });
  });

  it('reports a reset in the middle of the body', async () => {
    behaviour = (req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"is_', () => req.socket.destroy());
    };
    await expect(get()).rejects.toBeInstanceOf(TransportError);
  });

  it('refuses a body larger than any MRS answer', async () => {
    behaviour = (_req, res) => res.end('x'.repeat(100 * 1024));
    await expect(get()).rejects.toMatchObject({ failure: 'too-large' });
  });

  it('reports a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(send({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/`), headers: {} }, 1000)).rejects.toMatchObject({
      failure: 'network',
      code: 'ECONNREFUSED',
    });
  });
});
