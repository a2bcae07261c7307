/**
 * SDK-HMAC-SHA256 signing with Huawei's own signer. It is imported by its module path:
 * the SDK's entry point would bring axios, log4js (which it configures to print whole
 * failed requests, credentials included) and mime-db into the bundle and the cold start.
 */
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import type { Credentials } from '../credentials/types';

export type SignedMethod = 'GET' | 'POST' | 'DELETE';

export interface UnsignedRequest {
  readonly method: SignedMethod;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * A JSON body. The signer hashes `JSON.stringify(body)`, so that exact text is what must be
   * sent: `serialiseBody` gives it.
   */
  readonly body?: unknown;
}

/**
 * All headers to send: the request's own, `X-Sdk-Date`, `X-Security-Token` for temporary
 * credentials (signed like any other header, as the gateway requires), `host` and `Authorization`.
 */
export function signRequest(request: UnsignedRequest, credentials: Credentials, now: Date = new Date()): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers, 'X-Sdk-Date': sdkDate(now) };
  if (credentials.securityToken !== undefined) headers['X-Security-Token'] = credentials.securityToken;
  return AKSKSigner.sign(
    {
      method: request.method,
      endpoint: request.url.href,
      headers,
      queryParams: Object.fromEntries(request.url.searchParams),
      ...(request.body !== undefined && { data: request.body }),
    },
    { getAk: () => credentials.accessKey, getSk: () => credentials.secretKey } as Parameters<typeof AKSKSigner.sign>[1],
  ) as Record<string, string>;
}

/** The text the signer hashed for `body`: the bytes to send. */
export function serialiseBody(body: unknown): string | undefined {
  return body === undefined ? undefined : JSON.stringify(body);
}

/** `YYYYMMDDTHHmmssZ` in UTC, the format the gateway checks against its clock. */
export function sdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
