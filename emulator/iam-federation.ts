/**
 * IAM's OpenID Connect federation as the emulator plays it (shared/reference/huawei-aws-apis.md
 * section 4.1), for the function's keyless credential source:
 *
 *   POST /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/oidc/auth
 *        Authorization: Bearer <ID token>  ->  201, X-Subject-Token: <unscoped token>
 *   POST /v3.0/OS-CREDENTIAL/securitytokens
 *        X-Auth-Token: <unscoped token>, {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900..86400}}}}
 *        ->  201 {"credential": {"access", "secret", "securitytoken", "expires_at"}}
 *
 * Each identity provider is configured as an administrator registers it: `idp_url` (the
 * issuer), `client_id` (the audience) and `signing_key` (the issuer's JWKS, a static copy:
 * a token signed by a key it lacks is refused, as after an unregistered key rotation), plus a
 * simple mapping rule (claims that must equal given values, e.g. `sub` = the role ARN).
 * These requests are authenticated by their tokens, not by AK/SK signatures. The temporary
 * keys handed out are accepted by the emulated MRS with their security token until they
 * expire or are revoked (the admin API), which then answers 401 APIGW.0301.
 *
 * Unconfirmed (Huawei's docs do not show them): the status and body of each refusal. The
 * emulator answers Keystone-style `{"error": {"code", "title", "message"}}`: 404 for an
 * unknown identity provider or protocol, 401 for a token that fails verification (the
 * message names the check), 403 when no mapping rule matches, 400 for a bad duration.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type Jwks, type JwtRejection, verifyJwt } from './jwt';

export interface OidcIdentityProvider {
  /** `idp_url`: must equal the token's `iss`. */
  issuer: string;
  /** `client_id`: must be the token's `aud` (or one of them). */
  clientId: string;
  /** `signing_key`: the issuer's JWKS, as registered (a JSON string, or the object). */
  signingKey: string | Jwks;
  /** The mapping: claims that must equal these values (`aud` may be a list holding it); no match is a refusal (403). */
  mapping: Record<string, string>;
}

export interface FederationOptions {
  /** Identity provider id -> its OpenID Connect configuration; only the protocol `oidc` is served. */
  identityProviders: Record<string, OidcIdentityProvider>;
  /** The temporary keys' lifetime whatever duration_seconds asked (a test's short-lived keys); unset: as asked. */
  keyLifetimeSeconds?: number;
  /** Allowed clock difference for the token's exp and nbf; default 0. */
  leewaySeconds?: number;
}

export interface TemporaryKey {
  accessKey: string;
  secretKey: string;
  securityToken: string;
  expiresAt: number;
  idpId: string;
  revoked: boolean;
}

export interface FederationRecord {
  step: 'id-token' | 'securitytokens';
  idpId?: string;
  status: number;
  /** Why it was refused: a JWT check, `unknown-idp`, `mapping`, `bad-token`, `bad-request`. */
  reason?: string;
}

export interface FederationControls {
  /** Every exchange request, in order (never a token). */
  readonly requests: FederationRecord[];
  /** How many ID tokens were exchanged for unscoped tokens, and unscoped tokens for temporary keys. */
  exchanges(): { idTokens: number; securityTokens: number };
  /** The keys handed out, newest last. */
  temporaryKeys(): readonly TemporaryKey[];
  /** The unscoped tokens handed out, for a test's check that no output carries one. */
  unscopedTokens(): readonly string[];
  /** MRS refuses this temporary key from now on; false when no such key was handed out. */
  revoke(accessKey: string): boolean;
  /** undefined: keys live as long as asked. */
  setKeyLifetime(seconds: number | undefined): void;
  /** Replaces a provider's registered JWKS (what an administrator does after the issuer rotates its keys). */
  setSigningKey(idpId: string, jwks: string | Jwks): void;
  /** For the admin state: counts and keys by access key id, never a secret. */
  snapshot(): unknown;
}

export interface FederationRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface FederationReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Federation {
  handles(path: string): boolean;
  handle(request: FederationRequest): FederationReply;
  /** The secret and token of a temporary key MRS may accept now: not revoked, not expired. */
  findCredential(accessKey: string): { secretKey: string; securityToken: string } | undefined;
  controls: FederationControls;
}

const AUTH_PATH = /^\/v3\/OS-FEDERATION\/identity_providers\/([^/]+)\/protocols\/([^/]+)\/auth$/;
const SECURITY_TOKENS_PATH = '/v3.0/OS-CREDENTIAL/securitytokens';
const UNSCOPED_TOKEN_LIFETIME_MS = 24 * 3600_000;
const DEFAULT_DURATION_SECONDS = 900;

const JWT_MESSAGES: Record<JwtRejection, string> = {
  malformed: 'The ID token is not a well-formed JWT.',
  algorithm: 'The ID token is not signed with RS256.',
  'unknown-key': "The ID token's key id is not in the identity provider's signing_key.",
  signature: "The ID token's signature does not verify with the identity provider's signing_key.",
  issuer: "The ID token's issuer does not match the identity provider's idp_url.",
  audience: "The ID token's audience does not match the identity provider's client_id.",
  expired: 'The ID token has expired.',
  'not-yet-valid': 'The ID token is not valid yet.',
};

export function createFederation(options: FederationOptions, now: () => number): Federation {
  const providers = new Map(Object.entries(options.identityProviders).map(([id, idp]) => [id, { ...idp, mapping: { ...idp.mapping } }]));
  let keyLifetimeSeconds = options.keyLifetimeSeconds;
  const unscoped = new Map<string, { idpId: string; expiresAt: number }>();
  const keys = new Map<string, TemporaryKey>();
  const requests: FederationRecord[] = [];
  let idTokens = 0;
  let securityTokens = 0;

  const refuse = (record: Omit<FederationRecord, 'status'>, status: number, title: string, message: string): FederationReply => {
    requests.push({ ...record, status });
    return { status, body: { error: { code: status, title, message } } };
  };

  function exchangeIdToken(idpId: string, protocol: string, headers: IncomingHttpHeaders): FederationReply {
    const record = { step: 'id-token' as const, idpId };
    const idp = providers.get(idpId);
    if (idp === undefined)
      return refuse({ ...record, reason: 'unknown-idp' }, 404, 'Not Found', `Could not find Identity Provider: ${idpId}.`);
    if (protocol !== 'oidc')
      return refuse(
        { ...record, reason: 'unknown-protocol' },
        404,
        'Not Found',
        `Could not find federated protocol ${protocol} for Identity Provider: ${idpId}.`,
      );
    const bearer = /^Bearer (\S+)$/.exec(String(headers.authorization ?? ''))?.[1];
    if (bearer === undefined)
      return refuse({ ...record, reason: 'no-bearer' }, 401, 'Unauthorized', 'The request needs Authorization: Bearer <ID token>.');
    const check = verifyJwt(bearer, {
      jwks: idp.signingKey,
      issuer: idp.issuer,
      audience: idp.clientId,
      nowMs: now(),
      leewaySeconds: options.leewaySeconds,
    });
    if (!check.ok) return refuse({ ...record, reason: check.reason }, 401, 'Unauthorized', JWT_MESSAGES[check.reason]);
    const mapped = Object.entries(idp.mapping).every(([claim, value]) => {
      const actual = check.claims[claim];
      return Array.isArray(actual) ? actual.includes(value) : actual === value;
    });
    if (!mapped)
      return refuse({ ...record, reason: 'mapping' }, 403, 'Forbidden', 'No mapping rule of the identity provider matches the ID token.');
    const token = `MII${randomBytes(48).toString('base64url')}`;
    const expiresAt = now() + UNSCOPED_TOKEN_LIFETIME_MS;
    unscoped.set(token, { idpId, expiresAt });
    idTokens += 1;
    requests.push({ ...record, status: 201 });
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: {
        token: {
          expires_at: huaweiTime(expiresAt),
          issued_at: huaweiTime(now()),
          methods: ['mapped'],
          user: {
            id: randomUUID().replace(/-/g, ''),
            name: String(check.claims.sub ?? 'federated'),
            'OS-FEDERATION': { identity_provider: { id: idpId }, protocol: { id: 'oidc' }, groups: [] },
          },
        },
      },
    };
  }

  function securityToken(headers: IncomingHttpHeaders, body: Buffer): FederationReply {
    const record = { step: 'securitytokens' as const };
    let parsed: { auth?: { identity?: { methods?: unknown; token?: { id?: unknown; duration_seconds?: unknown } } } };
    try {
      parsed = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      return refuse({ ...record, reason: 'bad-request' }, 400, 'Bad Request', 'The request body is not JSON.');
    }
    const identity = parsed?.auth?.identity;
    if (!Array.isArray(identity?.methods) || !identity.methods.includes('token')) {
      return refuse({ ...record, reason: 'bad-request' }, 400, 'Bad Request', 'auth.identity.methods must be ["token"].');
    }
    const duration = identity.token?.duration_seconds ?? DEFAULT_DURATION_SECONDS;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 900 || duration > 86_400) {
      return refuse({ ...record, reason: 'bad-request' }, 400, 'Bad Request', 'duration_seconds must be a whole number from 900 to 86400.');
    }
    // The header wins over the body's token.id, as IAM documents.
    const headerToken = headers['x-auth-token'];
    const given = (Array.isArray(headerToken) ? headerToken[0] : headerToken) ?? identity.token?.id;
    const session = typeof given === 'string' ? unscoped.get(given) : undefined;
    if (session === undefined || session.expiresAt <= now()) {
      return refuse({ ...record, reason: 'bad-token' }, 401, 'Unauthorized', 'The request you have made requires authentication.');
    }
    const expiresAt = now() + (keyLifetimeSeconds ?? duration) * 1000;
    const key: TemporaryKey = {
      accessKey: `TMP${randomBytes(12).toString('hex').toUpperCase()}`.slice(0, 20),
      secretKey: randomBytes(30).toString('base64url'),
      securityToken: `gQ${randomBytes(96).toString('base64url')}`,
      expiresAt,
      idpId: session.idpId,
      revoked: false,
    };
    keys.set(key.accessKey, key);
    securityTokens += 1;
    requests.push({ ...record, idpId: session.idpId, status: 201 });
    return {
      status: 201,
      body: {
        credential: { access: key.accessKey, secret: key.secretKey, securitytoken: key.securityToken, expires_at: huaweiTime(expiresAt) },
      },
    };
  }

  const controls: FederationControls = {
    requests,
    exchanges: () => ({ idTokens, securityTokens }),
    temporaryKeys: () => [...keys.values()],
    unscopedTokens: () => [...unscoped.keys()],
    revoke: (accessKey) => {
      const key = keys.get(accessKey);
      if (key === undefined) return false;
      key.revoked = true;
      return true;
    },
    setKeyLifetime: (seconds) => {
      if (seconds !== undefined && (!Number.isFinite(seconds) || seconds <= 0))
        throw new RangeError('key_lifetime_seconds must be a positive number or null');
      keyLifetimeSeconds = seconds;
    },
    setSigningKey: (idpId, jwks) => {
      const idp = providers.get(idpId);
      if (idp === undefined) throw new RangeError(`no identity provider ${JSON.stringify(idpId)}`);
      idp.signingKey = jwks;
    },
    snapshot: () => ({
      identity_providers: [...providers].map(([id, idp]) => ({ id, idp_url: idp.issuer, client_id: idp.clientId, mapping: idp.mapping })),
      exchanges: { id_tokens: idTokens, security_tokens: securityTokens, refused: requests.filter((r) => r.status >= 400).length },
      key_lifetime_seconds: keyLifetimeSeconds ?? null,
      temporary_keys: [...keys.values()].map((k) => ({
        access: k.accessKey,
        idp_id: k.idpId,
        expires_at: huaweiTime(k.expiresAt),
        state: k.revoked ? 'revoked' : k.expiresAt <= now() ? 'expired' : 'valid',
      })),
    }),
  };

  return {
    handles: (path) => path === SECURITY_TOKENS_PATH || AUTH_PATH.test(path),
    handle: ({ method, path, headers, body }) => {
      if (method !== 'POST') return { status: 405, body: { error: { code: 405, title: 'Method Not Allowed', message: 'Use POST.' } } };
      const auth = AUTH_PATH.exec(path);
      if (auth !== null) return exchangeIdToken(decodeURIComponent(auth[1] as string), decodeURIComponent(auth[2] as string), headers);
      return securityToken(headers, body);
    },
    findCredential: (accessKey) => {
      const key = keys.get(accessKey);
      if (key === undefined || key.revoked || key.expiresAt <= now()) return undefined;
      return { secretKey: key.secretKey, securityToken: key.securityToken };
    },
    controls,
  };
}

/** IAM's timestamps: `2026-01-08T02:56:19.587000Z` (microseconds). */
function huaweiTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
