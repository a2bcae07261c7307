/**
 * Test helpers: sign with Huawei's own SDK signer (so the emulator's independent
 * verifier is checked against it) and send with plain node:http (so nothing between
 * the test and the emulator rewrites the request).
 */
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import { type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from 'node:http';

type SdkRequest = Parameters<typeof AKSKSigner.sign>[0];
type SdkCredential = Parameters<typeof AKSKSigner.sign>[1];

export interface SignOptions {
  accessKey: string;
  secretKey: string;
  method?: string;
  /** Headers to sign along (sdk-core adds Content-Type, X-Project-Id and, for temporary keys, X-Security-Token). */
  headers?: Record<string, string>;
  /** Query parameters, signed; the caller puts them in the URL too. */
  queryParams?: Record<string, string>;
}

/** All the headers to send, as AKSKSigner returns them: the given ones plus X-Sdk-Date, host and Authorization. */
export function sdkSign(url: string, options: SignOptions): Record<string, string> {
  const sdkRequest = {
    method: options.method ?? 'GET',
    endpoint: url,
    headers: { ...options.headers },
    queryParams: options.queryParams ?? {},
    data: undefined,
  } as unknown as SdkRequest;
  const credential = { getAk: () => options.accessKey, getSk: () => options.secretKey } as unknown as SdkCredential;
  return AKSKSigner.sign(sdkRequest, credential) as Record<string, string>;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the request went over a kept-alive socket. */
  reusedSocket: boolean;
}

export interface SendOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string;
  /** Default: no agent, one connection per request, so tests leave no idle sockets behind. */
  agent?: Agent | false;
}

export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), reusedSocket: req.reusedSocket }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function json(reply: Reply): unknown {
  return JSON.parse(reply.body);
}

export const REQUEST_ID = /^[0-9a-f]{32}$/;
