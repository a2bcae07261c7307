/**
 * Huawei's answer with temporary keys, `{"credential": {"access", "secret", "securitytoken",
 * "expires_at"}}`: the same shape from the ECS metadata service (securitykey) and from IAM
 * (OS-CREDENTIAL/securitytokens), read in one place so that both accept exactly the same.
 */
import type { Credentials } from './types';

export interface TemporaryCredential {
  readonly credentials: Credentials;
  readonly expiresAt: number;
}

/**
 * The keys and their expiry, or undefined when any is missing, empty or unreadable. `seen` is
 * given every string among the keys before they are judged, so that a caller can register
 * them for scrubbing even from an answer it then rejects.
 */
export function parseTemporaryCredential(body: string, seen?: (value: string) => void): TemporaryCredential | undefined {
  try {
    const credential = (JSON.parse(body) as { credential?: Record<string, unknown> } | null)?.credential;
    const { access, secret, securitytoken: token, expires_at: expiresAt } = credential ?? {};
    if (seen !== undefined) for (const value of [access, secret, token]) if (typeof value === 'string') seen(value);
    const expiry = typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
    if (
      typeof access !== 'string' ||
      typeof secret !== 'string' ||
      typeof token !== 'string' ||
      !access ||
      !secret ||
      !token ||
      Number.isNaN(expiry)
    ) {
      return undefined;
    }
    return { credentials: { accessKey: access, secretKey: secret, securityToken: token }, expiresAt: expiry };
  } catch {
    return undefined;
  }
}
