/**
 * The HTTP transport for every outbound call to a Huawei service (MRS, IAM, the ECS
 * metadata service), on `node:https`: the first `fetch()` in a Node 20 process costs about
 * 100 ms to load undici. Connections are kept alive across warm invocations, and every
 * request has one deadline that covers connecting, waiting and reading the body.
 */
import http from 'node:http';
import https from 'node:https';

/** A request this function sends to a Huawei service (inbound requests are `GatewayRequest`). */
export interface OutboundRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes to send, already serialised (and signed). */
  readonly body?: string | undefined;
}

/** What a Huawei service answered. */
export interface OutboundResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type TransportFailure = 'timeout' | 'network' | 'too-large';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly failure: TransportFailure,
    message: string,
    readonly code?: string,
    /** Whether any byte of the request may have reached the server (false: refused or unresolvable before sending). */
    readonly requestSent = true,
  ) {
    super(message);
  }
}
// Its name survives minification (the bundles are built without esbuild's keepNames): it is the `cause` of UpstreamTimeout and UpstreamUnavailable.
Object.defineProperty(TransportError, 'name', { value: 'TransportError' });

export type Send = (request: OutboundRequest, timeoutMs: number) => Promise<OutboundResponse>;

/** The answers these APIs give are a few kilobytes at most; anything this large is not the service. */
export const MAX_UPSTREAM_BODY_BYTES = 64 * 1024;

/** Failures that happen before a connection exists: the server cannot have seen the request. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export const send: Send = (request, timeoutMs) =>
  new Promise((resolve, reject) => {
    const isHttps = request.url.protocol === 'https:';
    const client = isHttps ? https : http;
    const headers =
      request.body === undefined ? request.headers : { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) };
    const req = client.request(request.url, {
      method: request.method,
      headers,
      agent: isHttps ? agents['https:'] : agents['http:'],
    });
    const fail = (error: TransportError) => {
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new TransportError('timeout', `no complete answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      fail(new TransportError('network', error.message, error.code, !NOT_SENT_CODES.has(error.code ?? ''))),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_UPSTREAM_BODY_BYTES) fail(new TransportError('too-large', `answer larger than ${MAX_UPSTREAM_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', (error: NodeJS.ErrnoException) => fail(new TransportError('network', error.message, error.code)));
      res.on('aborted', () => fail(new TransportError('network', 'connection closed in the middle of the answer', 'ECONNRESET')));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(request.body);
  });
