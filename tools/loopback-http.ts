/**
 * HTTP plumbing shared by the local development servers (the MRS emulator and the APIG
 * stand-in): listening on loopback only, reading bodies, framing answers, closing. It
 * knows nothing of either service, so neither server depends on the other.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 only (these tools are never reachable from elsewhere); port 0 picks a free one. */
export async function listenOnLoopback(server: Server | TlsServer, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Stops listening and destroys every connection, idle and hanging ones included, so a
 * test's close() never waits on a client's keep-alive socket. Call it once and share the promise.
 */
export function closeServer(server: Server | TlsServer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** 32 hex characters, the shape of Huawei's `X-Request-Id` and of APIG's ids. */
export function newRequestId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The whole body. With `maxBytes`, undefined once it exceeds that size: a declared
 * Content-Length over it is refused before reading, and otherwise the rest is read and
 * dropped, so the client can still take the answer (a 413) instead of a reset.
 */
export function readBody(req: IncomingMessage): Promise<Buffer>;
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined>;
export function readBody(req: IncomingMessage, maxBytes = Infinity): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= maxBytes ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

/** Splits a request target into its raw (still encoded) path and query. */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q === -1 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/**
 * Always with Content-Length, so keep-alive clients know where the answer ends.
 * setHeader merges names case-insensitively, so `headers` can override the content type.
 */
export function sendBody(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.setHeader('Content-Type', 'application/json');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', payload.length);
  res.writeHead(status);
  res.end(payload);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendBody(res, status, JSON.stringify(body), headers);
}
