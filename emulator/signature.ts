/**
 * The emulator's own verifier for Huawei Cloud's `SDK-HMAC-SHA256` request signatures,
 * written from the published algorithm (see shared/reference/huawei-cloud-facts.md).
 * It deliberately shares no code with the SDK's AKSKSigner or with `lib/`: its job is to
 * be an independent check of the client's signing, so a bug copied into both sides
 * would go unnoticed.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'SDK-HMAC-SHA256';

/** Header names in any case; repeated headers as arrays (the shape node's http server gives). */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface CanonicalRequestInput {
  method: string;
  /** Path as it came over the wire (already percent-encoded by the client), without the query. */
  path: string;
  /** Raw query string without the leading `?`; empty when there is none. */
  query: string;
  headers: HeaderBag;
  /** Lowercase header names the client declared in `SignedHeaders`. */
  signedHeaders: readonly string[];
  bodySha256Hex: string;
}

export interface ParsedAuthorization {
  access: string;
  signedHeaders: string[];
  signature: string;
}

/** What the verifier needs to know about an access key. */
export interface VerifierCredential {
  secretKey: string;
  /** Set for temporary keys: the request must carry this exact `X-Security-Token`, signed. */
  securityToken?: string;
}

export interface VerifyInput {
  method: string;
  path: string;
  query: string;
  headers: HeaderBag;
  body: Uint8Array;
}

export interface VerifyContext {
  findCredential(accessKey: string): VerifierCredential | undefined;
  nowMs: number;
  maxClockSkewSeconds: number;
}

export type VerifyFailureReason =
  | 'authorization-missing'
  | 'authorization-malformed'
  | 'unknown-access-key'
  | 'date-missing'
  | 'date-malformed'
  | 'date-skewed'
  | 'signed-header-missing'
  | 'signature-mismatch'
  | 'token-missing'
  | 'token-mismatch'
  | 'token-not-signed';

/** Only non-secret facts: an access key id and a header name may be echoed, never a key, token or signature. */
export type VerifyFailure = { ok: false; reason: VerifyFailureReason; accessKey?: string; header?: string };
export type VerifyResult = { ok: true; accessKey: string } | VerifyFailure;

const DATE_HEADER = 'x-sdk-date';
const TOKEN_HEADER = 'x-security-token';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 encoding with only `A-Za-z0-9-_.~` left bare, applied to UTF-8 bytes so it never throws. */
function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const isUnreserved =
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      (byte >= 0x30 && byte <= 0x39) ||
      byte === 0x2d ||
      byte === 0x5f ||
      byte === 0x2e ||
      byte === 0x7e;
    out += isUnreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The wire form is already encoded, and clients may encode more (or less, or in lowercase
 * hex) than the canonical form does, so decode first. A malformed escape is kept as is
 * (its `%` then gets encoded): the signature simply will not match, which is the right outcome.
 */
function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function canonicalUri(rawPath: string): string {
  const encoded = rawPath
    .split('/')
    .map((segment) => percentEncode(decodeComponent(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/**
 * Keys sorted, then the values of a repeated key, by their decoded text in code-unit
 * order (as Huawei's signers sort the query parameters they were given); each `k=v`
 * encoded canonically. A bare `k` counts as `k=`. `+` is kept literally: Huawei's
 * signers encode a space as `%20`, so a `+` on the wire was meant as a plus sign.
 */
export function canonicalQueryString(rawQuery: string): string {
  const pairs = rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part): [string, string] => {
      const eq = part.indexOf('=');
      return eq === -1 ? [decodeComponent(part), ''] : [decodeComponent(part.slice(0, eq)), decodeComponent(part.slice(eq + 1))];
    });
  pairs.sort(([ka, va], [kb, vb]) => compareCodeUnits(ka, kb) || compareCodeUnits(va, vb));
  return pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Case-insensitive lookup; repeated headers are joined with a comma, as HTTP allows. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === lower && value !== undefined) {
      return typeof value === 'string' ? value : value.join(',');
    }
  }
  return undefined;
}

/**
 * Signed headers are always sorted here, whatever order the client declared them in:
 * the algorithm requires sorting, so a client that does not sort should fail here
 * rather than first in production.
 */
function sortedSignedHeaders(signedHeaders: readonly string[]): string[] {
  return signedHeaders.map((name) => name.toLowerCase()).sort(compareCodeUnits);
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  const names = sortedSignedHeaders(input.signedHeaders);
  const headerLines = names.map((name) => `${name}:${(headerValue(input.headers, name) ?? '').trim()}\n`).join('');
  return [
    input.method.toUpperCase(),
    canonicalUri(input.path),
    canonicalQueryString(input.query),
    headerLines,
    names.join(';'),
    input.bodySha256Hex,
  ].join('\n');
}

export function stringToSign(sdkDate: string, canonicalRequestText: string): string {
  return `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequestText)}`;
}

export function computeSignature(secretKey: string, stringToSignText: string): string {
  return createHmac('sha256', secretKey).update(stringToSignText).digest('hex');
}

/** `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`; null for anything else. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | null {
  if (header === undefined) return null;
  const match = /^SDK-HMAC-SHA256\s+(.+)$/.exec(header.trim());
  if (match === null) return null;
  const fields = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const access = fields.get('Access');
  const signedHeaders = fields
    .get('SignedHeaders')
    ?.split(';')
    .map((name) => name.trim().toLowerCase());
  const signature = fields.get('Signature');
  if (fields.size !== 3 || !access || !signature || !/^[0-9a-fA-F]+$/.test(signature)) return null;
  if (signedHeaders === undefined || signedHeaders.some((name) => name === '')) return null;
  return { access, signedHeaders, signature: signature.toLowerCase() };
}

/** `YYYYMMDDTHHmmssZ` (UTC) to epoch milliseconds; null when malformed or not a real instant. */
export function parseSdkDate(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  // Date.UTC rolls 20191332 over into a later month; a real timestamp survives the round trip.
  const roundTrips =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  return roundTrips ? ms : null;
}

/** Constant time for equal lengths; a length difference is not secret. */
function constantTimeEqual(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const given = Buffer.from(givenHex, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Checks in the order a gateway can afford them: parse, look up the key, check the
 * clock, then the signature, and only for a genuinely signed request the token rules.
 */
export function verifyRequest(input: VerifyInput, context: VerifyContext): VerifyResult {
  const authorization = headerValue(input.headers, 'authorization');
  if (authorization === undefined) return { ok: false, reason: 'authorization-missing' };
  const parsed = parseAuthorization(authorization);
  if (parsed === null) return { ok: false, reason: 'authorization-malformed' };
  const accessKey = parsed.access;
  const credential = context.findCredential(accessKey);
  if (credential === undefined) return { ok: false, reason: 'unknown-access-key', accessKey };

  const sdkDate = headerValue(input.headers, DATE_HEADER);
  if (sdkDate === undefined) return { ok: false, reason: 'date-missing', accessKey };
  const signedAt = parseSdkDate(sdkDate.trim());
  if (signedAt === null) return { ok: false, reason: 'date-malformed', accessKey };
  if (Math.abs(context.nowMs - signedAt) > context.maxClockSkewSeconds * 1000) {
    return { ok: false, reason: 'date-skewed', accessKey };
  }

  const absent = parsed.signedHeaders.find((name) => headerValue(input.headers, name) === undefined);
  if (absent !== undefined) return { ok: false, reason: 'signed-header-missing', accessKey, header: absent };

  const canonical = canonicalRequest({
    method: input.method,
    path: input.path,
    query: input.query,
    headers: input.headers,
    signedHeaders: parsed.signedHeaders,
    bodySha256Hex: sha256Hex(input.body),
  });
  const expected = computeSignature(credential.secretKey, stringToSign(sdkDate.trim(), canonical));
  if (!constantTimeEqual(expected, parsed.signature)) return { ok: false, reason: 'signature-mismatch', accessKey };

  if (credential.securityToken !== undefined) {
    const token = headerValue(input.headers, TOKEN_HEADER);
    if (token === undefined) return { ok: false, reason: 'token-missing', accessKey };
    if (!constantTimeEqual(credential.securityToken, token.trim())) return { ok: false, reason: 'token-mismatch', accessKey };
    if (!parsed.signedHeaders.includes(TOKEN_HEADER)) return { ok: false, reason: 'token-not-signed', accessKey };
  }
  return { ok: true, accessKey };
}
