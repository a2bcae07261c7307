/**
 * Test helpers for the emulator: sign with Huawei's own SDK signer, so the emulator's
 * independent verifier is checked against it. Requests go out through
 * test/fixtures/http-client.ts.
 */
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';

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
  /**
   * A JSON body, as sdk-core takes it: the signature covers the SHA-256 of `JSON.stringify(data)`,
   * so the caller sends exactly that text (see `jsonBody`).
   */
  data?: unknown;
}

/** All the headers to send, as AKSKSigner returns them: the given ones plus X-Sdk-Date, host and Authorization. */
export function sdkSign(url: string, options: SignOptions): Record<string, string> {
  const sdkRequest = {
    method: options.method ?? 'GET',
    endpoint: url,
    headers: { ...options.headers },
    queryParams: options.queryParams ?? {},
    data: options.data,
  } as unknown as SdkRequest;
  const credential = { getAk: () => options.accessKey, getSk: () => options.secretKey } as unknown as SdkCredential;
  return AKSKSigner.sign(sdkRequest, credential) as Record<string, string>;
}

/** The body text sdk-core sends for `data`, and whose hash it signs. */
export function jsonBody(data: unknown): string {
  return JSON.stringify(data);
}

/** The emulator's X-Request-Id: 32 hex characters, as Huawei's. */
export const REQUEST_ID = /^[0-9a-f]{32}$/;
