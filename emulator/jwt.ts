/**
 * JSON Web Tokens for the stand-ins, written from RFC 7515/7517/7519 with node:crypto only:
 * RSA signing keys published as a JWKS, RS256 signing, and the verification Huawei IAM does
 * with an identity provider's registered `signing_key` (a JWKS): the signature by the key
 * the header's `kid` names, the issuer, the audience and the expiry. It shares no code with
 * lib/ (the function never verifies tokens; it only reads their public claims for messages).
 * For tests, the bench and local runs only.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject, randomUUID, sign, verify } from 'node:crypto';

export interface Jwk {
  kty: string;
  n?: string;
  e?: string;
  kid?: string;
  alg?: string;
  use?: string;
}

export interface Jwks {
  keys: Jwk[];
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** The public half, as a JWKS lists it. */
  jwk: Jwk;
}

/** A fresh RSA 2048 key for RS256, with its public JWK. */
export function createSigningKey(kid: string = randomUUID()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { n, e } = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, jwk: { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' } };
}

export function jwksOf(...keys: SigningKey[]): Jwks {
  return { keys: keys.map((key) => key.jwk) };
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RS256 JWT of `claims`, its header naming the key; `header` may add or override fields (a test's wrong `alg`). */
export function signJwt(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const signingInput = `${encode({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${encode(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url')}`;
}

export type JwtRejection = 'malformed' | 'algorithm' | 'unknown-key' | 'signature' | 'issuer' | 'audience' | 'expired' | 'not-yet-valid';

export type JwtCheck = { ok: true; header: Record<string, unknown>; claims: Record<string, unknown> } | { ok: false; reason: JwtRejection };

export interface JwtExpectation {
  /** The JWKS as an object, or as the JSON string Huawei IAM stores for `signing_key`. */
  jwks: Jwks | string;
  issuer: string;
  /** Must be the `aud` string, or one of the `aud` list. */
  audience: string;
  nowMs: number;
  /** Allowed clock difference for `exp` and `nbf`; default 0. */
  leewaySeconds?: number;
}

/** Checks a token as an OIDC relying party does; the reason of the first check that fails. */
export function verifyJwt(token: string, expected: JwtExpectation): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return { ok: false, reason: 'malformed' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeObject(headerPart);
  const claims = decodeObject(payloadPart);
  if (header === undefined || claims === undefined) return { ok: false, reason: 'malformed' };
  if (header.alg !== 'RS256') return { ok: false, reason: 'algorithm' };
  const keys = (typeof expected.jwks === 'string' ? parseJwks(expected.jwks) : expected.jwks)?.keys ?? [];
  const candidates = keys.filter((k) => k.kty === 'RSA' && (header.kid === undefined ? keys.length === 1 : k.kid === header.kid));
  if (candidates.length === 0) return { ok: false, reason: 'unknown-key' };
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  const valid = candidates.some((jwk) => {
    try {
      return verify('sha256', signed, createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }), signature);
    } catch {
      return false;
    }
  });
  if (!valid) return { ok: false, reason: 'signature' };
  if (claims.iss !== expected.issuer) return { ok: false, reason: 'issuer' };
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expected.audience)) return { ok: false, reason: 'audience' };
  const leewayMs = (expected.leewaySeconds ?? 0) * 1000;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 + leewayMs <= expected.nowMs) return { ok: false, reason: 'expired' };
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 - leewayMs > expected.nowMs) return { ok: false, reason: 'not-yet-valid' };
  return { ok: true, header, claims };
}

function decodeObject(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function parseJwks(text: string): Jwks | undefined {
  try {
    const value = JSON.parse(text) as { keys?: unknown };
    return Array.isArray(value?.keys) ? (value as Jwks) : undefined;
  } catch {
    return undefined;
  }
}
