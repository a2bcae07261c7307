/**
 * The HTTP transport for MRS calls, on `node:https` (the first `fetch()` in a Node 20
 * process costs about 100 ms to load undici). Connections are kept alive across warm
 * invocations, and every request has one deadline that covers connecting, waiting and
 * reading the body.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type TransportFailure = 'timeout' | 'network' | 'too-large';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(readonly failure: TransportFailure, message: string, readonly code?: string) {
    super(message);
  }
}

export type Send = (request: HttpRequest, timeoutMs: number) => Promise<HttpResponse>;

/** An answer to "is it synchronizing?" is a few bytes; anything this large is not MRS. */
const MAX_BODY_BYTES = 64 * 1024;

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export const send: Send = (request, timeoutMs) =>
  new Promise((resolve, reject) => {
    const isHttps = request.url.protocol === 'https:';
    const client = isHttps ? https : http;
    const req = client.request(request.url, {
      method: request.method,
      headers: request.headers,
      agent: isHttps ? agents['https:'] : agents['http:'],
    });
    const fail = (error: TransportError) => {
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new TransportError('timeout', `no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      fail(new TransportError('network', error.message, error.code)),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) fail(new TransportError('too-large', `answer larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', (error: NodeJS.ErrnoException) => fail(new TransportError('network', error.message, error.code)));
      res.on('aborted', () => fail(new TransportError('network', 'connection closed in the middle of the answer', 'ECONNRESET')));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end();
  });
