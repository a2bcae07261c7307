/** Plain node:http calls, one connection each, so nothing rewrites the request and no socket outlives a test. */
import { type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SendOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  /** Sent with Content-Length unless `chunked`. */
  body?: Buffer | string;
  /** Transfer-Encoding: chunked, so the server cannot tell the size up front. */
  chunked?: boolean;
}

export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    // write() before end() makes node send the body chunked; end(body) alone sends Content-Length.
    if (options.chunked && options.body !== undefined) req.write(options.body);
    req.end(options.chunked ? undefined : options.body);
  });
}

export function json(reply: Reply): unknown {
  return JSON.parse(reply.body);
}
