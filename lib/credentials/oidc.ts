/**
 * Temporary Huawei AK/SK from OpenID Connect federation, with no long-lived Huawei key
 * anywhere: HUAWEICLOUD_IDP_ID names the Huawei IAM identity provider (protocol `oidc`) that
 * trusts the ID token's issuer, and the token comes from
 * - HUAWEICLOUD_ID_TOKEN_FILE: a file, re-read at every exchange (a Kubernetes projected
 *   service-account token, which the kubelet rotates; as huaweicloud-sdk-core's `idTokenFile`);
 * - or HUAWEICLOUD_ID_TOKEN_AUDIENCE: AWS STS `GetWebIdentityToken` with the function's own
 *   role (IAM outbound identity federation), RS256, 300 s, in a lazily loaded chunk
 *   (./oidc-sts-read.ts) that answers plain data.
 *
 * The exchange (shared/reference/huawei-aws-apis.md section 4.1), as sdk-core does it:
 * 1. `POST /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/oidc/auth` with
 *    `Authorization: Bearer <ID token>`: an unscoped token in `X-Subject-Token`;
 * 2. `POST /v3.0/OS-CREDENTIAL/securitytokens` with that token in `X-Auth-Token` and
 *    `duration_seconds` (HUAWEICLOUD_FEDERATED_DURATION_SECONDS): `credential{access, secret,
 *    securitytoken, expires_at}`.
 * Both are unsigned (the tokens authenticate them), sent with the transport directly.
 *
 * Like the metadata service's keys: kept until five minutes before `expires_at`; concurrent
 * refreshes share one exchange; a failed refresh keeps the old keys until they really expire;
 * a refusal by MRS exchanges again at once (renew), but keys from such a renewal that MRS
 * refuses too are not exchanged again for a minute (then the refusal is about permissions,
 * not keys). Errors name the step that failed (the token source, the exchange, the mapping,
 * the temporary keys) and what to check; none carries a token, a key or a signature: every
 * token and key is registered for scrubbing the moment it is read.
 */
import { readFile } from 'node:fs/promises';
import { ConfigurationError, UpstreamUnavailable } from '../errors';
import { errorEnvelope, jsonBody, upstreamRequestId } from '../huawei/response';
import type { OutboundResponse, Send } from '../huawei/transport';
import type { Logger } from '../log';
import { registerSecret, scrubSecrets } from '../log';
import { refusedByAws } from './aws-read';
import type { FallbackCredentialSource } from './chain';
import type { ReadWebIdentityToken, WebIdentityTokenRead } from './oidc-sts-read';
import { createCredentialHolder, type RefreshCause } from './held';
import { parseTemporaryCredential, type TemporaryCredential } from './iam-credential';

export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
/** Keys a renewal gave that MRS refuses again within this time are not exchanged again: the refusal stands. */
export const RENEWED_KEYS_GRACE_MS = 60_000;
/** What the STS token source asks for: the token is used at once, for one exchange. */
export const STS_TOKEN_DURATION_SECONDS = 300;

/** Where the ID token comes from. */
export interface IdTokenSource {
  /** For messages: the source and its setting, e.g. `the file HUAWEICLOUD_ID_TOKEN_FILE "/var/run/..."`. */
  readonly description: string;
  /** `file` or `aws-sts`, for logs. */
  readonly kind: string;
  /** What to check when IAM finds the token expired. */
  readonly expiryHint: string;
  /** The token, registered for scrubbing; or a named error saying what to check. */
  read(): Promise<string>;
}

/** The token in a file, re-read at every exchange (the kubelet rewrites a projected token before it expires). */
export function idTokenFromFile(path: string, read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8')): IdTokenSource {
  const description = `the file HUAWEICLOUD_ID_TOKEN_FILE ${quoteClaim(path)}`;
  const step = `OIDC federation, step 1 (the ID token from ${description})`;
  return {
    description,
    kind: 'file',
    expiryHint:
      'the file is not being refreshed: for a projected service-account token check the volume (serviceAccountToken path and expirationSeconds) and that the pod runs; otherwise write a fresh token there',
    async read() {
      let text: string;
      try {
        text = await read(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException | undefined)?.code;
        const what =
          code === 'ENOENT'
            ? 'does not exist'
            : code === 'EACCES' || code === 'EPERM'
              ? 'cannot be read by the function (permission denied)'
              : code === 'EISDIR'
                ? 'is a directory'
                : `could not be read (${typeof code === 'string' ? code : 'error'})`;
        throw new ConfigurationError(
          `${step}: the file ${what}. Check HUAWEICLOUD_ID_TOKEN_FILE and, in Kubernetes, the pod's projected serviceAccountToken volume and its mount path.`,
        );
      }
      const token = text.trim();
      registerSecret(token);
      if (token === '')
        throw new ConfigurationError(
          `${step}: the file is empty. Check that the projected token volume is mounted there, or write the ID token into it.`,
        );
      if (!looksLikeJwt(token)) {
        throw new ConfigurationError(
          `${step}: the file does not hold a JWT (three base64url parts separated by dots). Point HUAWEICLOUD_ID_TOKEN_FILE at the token itself.`,
        );
      }
      return token;
    },
  };
}

export interface StsTokenSourceOptions {
  readonly audience: string;
  /** The chunk's reader, loaded on first use (lib/composition/lazy.ts); a failure to load it is a packaging problem. */
  readonly reader: () => ReadWebIdentityToken;
  readonly log?: Logger;
}

/** A fresh token from AWS STS `GetWebIdentityToken` at every exchange, for the function's own role. */
export function idTokenFromSts({ audience, reader, log }: StsTokenSourceOptions): IdTokenSource {
  const description = `AWS STS GetWebIdentityToken (audience HUAWEICLOUD_ID_TOKEN_AUDIENCE ${quoteClaim(audience)})`;
  let read: ReadWebIdentityToken | undefined;
  return {
    description,
    kind: 'aws-sts',
    expiryHint:
      "STS gave a token that IAM found expired: check the clocks (the function's and IAM's), and that nothing delays the exchange",
    async read() {
      let outcome: WebIdentityTokenRead;
      try {
        read ??= reader();
        outcome = await read({ audience, durationSeconds: STS_TOKEN_DURATION_SECONDS });
      } catch (error) {
        // The chunk never throws; a throw here is a package without the chunk beside index.js.
        throw new ConfigurationError(
          "OIDC federation, step 1 (the ID token from AWS STS): the STS client (oidc-sts.js, beside index.js) could not be loaded; redeploy the function's whole package. HUAWEICLOUD_ID_TOKEN_AUDIENCE needs it.",
          { cause: error },
        );
      }
      if (!outcome.ok) {
        log?.warn('ID token not issued by AWS STS', {
          source: 'oidc-federation',
          step: 'id-token',
          aws_error: outcome.code,
          http_status: outcome.httpStatus,
          aws_message: outcome.awsMessage,
        });
        throw stsFailure(audience, outcome);
      }
      registerSecret(outcome.token);
      return outcome.token;
    },
  };
}

/** AWS refusals that mean the function's own AWS credentials are missing, wrong or expired. */
const AWS_CREDENTIAL_REFUSALS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

/** The named error for a token STS did not give: a ConfigurationError when the deployment must change, UpstreamUnavailable when retrying may pass. */
export function stsFailure(
  audience: string,
  failure: Extract<WebIdentityTokenRead, { ok: false }>,
): ConfigurationError | UpstreamUnavailable {
  const step = 'OIDC federation, step 1 (the ID token from AWS STS GetWebIdentityToken)';
  const code = failure.code;
  switch (code) {
    case 'OutboundWebIdentityFederationDisabledException':
      return new ConfigurationError(
        `${step}: outbound identity federation is not enabled on the AWS account (${code}). Enable it once per account (aws iam enable-outbound-web-identity-federation), then register the issuer it returns in Huawei IAM as the identity provider HUAWEICLOUD_IDP_ID.`,
      );
    case 'AccessDenied':
    case 'AccessDeniedException':
      return new ConfigurationError(
        `${step}: AWS refused to give the function's role a token (${code}). Grant the role sts:GetWebIdentityToken (with the audience ${quoteClaim(audience)} if its policy restricts sts:IdentityTokenAudience).`,
      );
    case 'SessionDurationEscalationException':
      return new ConfigurationError(`${step}: the token would outlive the role's session (${code}). Check the role session's duration.`);
    case 'JWTPayloadSizeExceededException':
      return new ConfigurationError(`${step}: the token's claims are too large (${code}). Reduce the role's principal tags.`);
    case 'ValidationError':
      return new ConfigurationError(`${step}: STS refused the request (${code}). Check HUAWEICLOUD_ID_TOKEN_AUDIENCE (1-1000 characters).`);
    case 'RegionDisabledException':
      return new ConfigurationError(
        `${step}: STS is not activated in the function's region (${code}). Activate the region's STS endpoint in the account settings.`,
      );
    case 'RegionMissing':
      return new ConfigurationError(
        `${step}: no AWS region to ask STS in. Set AWS_REGION (GetWebIdentityToken is served by regional STS endpoints only).`,
      );
  }
  if (AWS_CREDENTIAL_REFUSALS.has(code)) {
    return new ConfigurationError(
      `${step}: AWS refused or lacked the function's own AWS credentials (${code}). Check the function's execution role (or its AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).`,
    );
  }
  const status = failure.httpStatus;
  if (refusedByAws(failure)) {
    return new ConfigurationError(
      `${step}: STS refused the request (${code}, HTTP ${status}). Check the function's role and HUAWEICLOUD_ID_TOKEN_AUDIENCE.`,
    );
  }
  return new UpstreamUnavailable(
    `${step}: STS did not give a token (${code}${status === undefined ? '' : `, HTTP ${status}`}). Retry shortly; if it persists, check that the function can reach its region's STS endpoint.`,
  );
}

export interface OidcFederationOptions {
  readonly idpId: string;
  /** IAM's origin (IAM_ENDPOINT, or the region's). */
  readonly iamEndpoint: string;
  /** Asked of IAM for the temporary keys (900-86400). */
  readonly durationSeconds: number;
  readonly tokenSource: IdTokenSource;
  readonly send: Send;
  /** Longest wait for each IAM request. */
  readonly requestTimeoutMs: number;
  readonly log?: Logger;
  readonly now?: () => number;
}

interface Held extends TemporaryCredential {
  readonly obtainedAt: number;
  readonly reason: Reason;
}

type Reason = 'first-use' | 'near-expiry' | 'refused-by-mrs';
const REASONS: Record<RefreshCause, Reason> = { 'first-use': 'first-use', due: 'near-expiry', renew: 'refused-by-mrs' };

export function createOidcFederationSource(options: OidcFederationOptions): FallbackCredentialSource {
  const { tokenSource, log, now = Date.now } = options;
  const holder = createCredentialHolder<Held>({
    async fetch(cause) {
      const reason = REASONS[cause];
      const fresh = await exchange(options, reason, now);
      log?.info('temporary credentials from Huawei IAM OIDC federation', {
        source: 'oidc-federation',
        id_token_from: tokenSource.kind,
        reason,
        expires_at: new Date(fresh.expiresAt).toISOString(),
      });
      return fresh;
    },
    refreshAt: (held) => held.expiresAt - REFRESH_BEFORE_EXPIRY_MS,
    usableUntil: (held) => held.expiresAt,
    onKept(kept, error) {
      log?.warn('OIDC federation could not refresh the temporary credentials; using the ones held until they expire', {
        source: 'oidc-federation',
        expires_at: new Date(kept.expiresAt).toISOString(),
        error,
      });
    },
    now,
  });

  return {
    get: holder.get,
    async renew(refused) {
      // A refresh is under way (another invocation was refused too): share it.
      const under = holder.refreshing();
      if (under !== undefined) return (await under).credentials;
      const held = holder.held();
      // Another invocation already exchanged for newer keys than the ones MRS refused: use them.
      if (held !== undefined && refused !== undefined && held.credentials.accessKey !== refused.accessKey) return held.credentials;
      if (held !== undefined && held.reason === 'refused-by-mrs' && now() < held.obtainedAt + RENEWED_KEYS_GRACE_MS) {
        log?.warn(
          'MRS refused temporary credentials a renewal just gave: the refusal stands; check the identity provider mapping and the permissions of the groups it maps to',
          {
            source: 'oidc-federation',
          },
        );
        return undefined;
      }
      return (await holder.refresh('renew')).credentials;
    },
  };
}

async function exchange(options: OidcFederationOptions, reason: Reason, now: () => number): Promise<Held> {
  const { idpId, iamEndpoint, tokenSource, log } = options;
  const idToken = await tokenSource.read();
  const claims = readClaims(idToken);
  const provider = `identity provider HUAWEICLOUD_IDP_ID ${quoteClaim(idpId)}`;

  // Step 2: the ID token for an unscoped token.
  const authUrl = new URL(`/v3/OS-FEDERATION/identity_providers/${encodeURIComponent(idpId)}/protocols/oidc/auth`, iamEndpoint);
  const exchangeStep = `OIDC federation, step 2 (exchanging the ID token from ${tokenSource.description} with Huawei IAM, ${provider})`;
  const auth = await sendStep(options, exchangeStep, {
    method: 'POST',
    url: authUrl,
    headers: { Authorization: `Bearer ${idToken}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: '{}',
  });
  const unscoped = headerValue(auth, 'x-subject-token');
  if (unscoped !== undefined) registerSecret(unscoped);
  if (auth.status === 200 || auth.status === 201) {
    if (unscoped === undefined) throw unavailable(exchangeStep, auth, 'answered without X-Subject-Token');
  } else {
    logRefusal(log, 'exchange', auth, claims, reason);
    throw exchangeRefusal(exchangeStep, auth, claims, tokenSource, now());
  }

  // Step 3: the unscoped token for temporary AK/SK.
  const keysStep = `OIDC federation, step 3 (temporary keys from Huawei IAM for the ${provider})`;
  const keys = await sendStep(options, keysStep, {
    method: 'POST',
    url: new URL('/v3.0/OS-CREDENTIAL/securitytokens', iamEndpoint),
    headers: { 'Content-Type': 'application/json;charset=utf8', Accept: 'application/json', 'X-Auth-Token': unscoped },
    body: JSON.stringify({ auth: { identity: { methods: ['token'], token: { duration_seconds: options.durationSeconds } } } }),
  });
  if (keys.status !== 200 && keys.status !== 201) {
    logRefusal(log, 'temporary-keys', keys, claims, reason);
    throw keysRefusal(keysStep, keys);
  }
  const credential = parseTemporaryCredential(keys.body, registerSecret);
  if (credential === undefined) throw unavailable(keysStep, keys, 'answered without a usable credential');
  return { ...credential, obtainedAt: now(), reason };
}

async function sendStep(options: OidcFederationOptions, step: string, request: Parameters<Send>[0]): Promise<OutboundResponse> {
  try {
    return await options.send(request, options.requestTimeoutMs);
  } catch (error) {
    throw new UpstreamUnavailable(
      `${step}: IAM (${options.iamEndpoint}) did not answer (${(error as Error).message}). Retry shortly; if it persists, check IAM_ENDPOINT (or MRS_REGION) and that the function can reach IAM.`,
      { cause: error },
    );
  }
}

function unavailable(step: string, response: OutboundResponse, what: string): UpstreamUnavailable {
  return new UpstreamUnavailable(`${step}: IAM ${what} (HTTP ${response.status}${requestIdNote(response)}). Retry shortly.`);
}

function requestIdNote(response: OutboundResponse): string {
  const id = upstreamRequestId(response);
  return id === undefined ? '' : `, X-Request-Id ${id}`;
}

/** The claims a message may name (none is secret: the token's signature is what is). */
interface Claims {
  readonly iss?: unknown;
  readonly aud?: unknown;
  readonly sub?: unknown;
  readonly exp?: unknown;
  readonly kid?: unknown;
  readonly alg?: unknown;
}

function exchangeRefusal(
  step: string,
  response: OutboundResponse,
  claims: Claims,
  source: IdTokenSource,
  at: number,
): ConfigurationError | UpstreamUnavailable {
  const status = response.status;
  const ids = `HTTP ${status}${upstreamCode(response)}${requestIdNote(response)}`;
  if (status === 429 || status >= 500) return unavailable(step, response, 'failed');
  if (status === 404) {
    return new ConfigurationError(
      `${step}: IAM has no such identity provider with the protocol oidc (${ids}). Check HUAWEICLOUD_IDP_ID against the provider's id in the IAM console (Identity Providers), that its protocol is OpenID Connect, and that the function asks the right IAM (IAM_ENDPOINT, or MRS_REGION).`,
    );
  }
  if (status === 403) return mappingRefusal(step, ids);
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  if (exp !== undefined && exp <= at) {
    return new ConfigurationError(
      `${step}: IAM rejected the ID token (${ids}): it expired at ${new Date(exp).toISOString()} (exp), ${Math.round((at - exp) / 1000)} s ago. ${capitalise(source.expiryHint)}.`,
    );
  }
  return new ConfigurationError(
    `${step}: IAM rejected the ID token (${ids}). Check the provider's OpenID Connect configuration against the token: idp_url must equal its issuer ${quoteClaim(claims.iss)}, ` +
      `client_id its audience ${audienceText(claims.aud)}, and signing_key a JWKS holding its key ${quoteClaim(claims.kid)} (${quoteClaim(claims.alg)}; after the issuer rotates its keys, paste its current JWKS again); ` +
      `and the token must not have expired (exp ${exp === undefined ? 'missing' : new Date(exp).toISOString()}).`,
  );
}

function mappingRefusal(step: string, ids: string): ConfigurationError {
  return new ConfigurationError(
    `${step}: IAM accepted the ID token but the provider's mapping gives it no access (${ids}). Check the identity conversion rules: they must match the token's sub (logged, as sub) and aud, and map to a user group with MRS read permission.`,
  );
}

function keysRefusal(step: string, response: OutboundResponse): ConfigurationError | UpstreamUnavailable {
  const status = response.status;
  const ids = `HTTP ${status}${upstreamCode(response)}${requestIdNote(response)}`;
  if (status === 429 || status >= 500) return unavailable(step, response, 'failed');
  if (status === 403) return mappingRefusal(step, ids);
  if (status === 400) {
    return new ConfigurationError(
      `${step}: IAM refused the request (${ids}). Check HUAWEICLOUD_FEDERATED_DURATION_SECONDS (900-86400, and within the account's maximum session duration).`,
    );
  }
  return new ConfigurationError(
    `${step}: IAM refused the unscoped token it had just given (${ids}). Check the identity provider's access type (programmatic access) and its mapping.`,
  );
}

function logRefusal(log: Logger | undefined, step: string, response: OutboundResponse, claims: Claims, reason: Reason): void {
  const envelope = errorEnvelope(response);
  const keystone = keystoneError(response);
  log?.warn('Huawei IAM refused the OIDC federation', {
    source: 'oidc-federation',
    step,
    reason,
    http_status: response.status,
    iam_error: envelope.errorCode ?? keystone.code,
    iam_message: envelope.errorMessage ?? keystone.message,
    request_id: upstreamRequestId(response),
    // The token's public claims, for matching the provider's configuration and mapping; never the token.
    claims: {
      iss: claimValue(claims.iss),
      aud: claimValue(claims.aud),
      sub: claimValue(claims.sub),
      exp: claimValue(claims.exp),
      kid: claimValue(claims.kid),
    },
  });
}

/** Keystone-style `{"error": {"code", "title", "message"}}`, which IAM's v3 APIs may answer with; text for logs only, scrubbed before the cut (so no secret is left half-cut). */
function keystoneError(response: OutboundResponse): { code?: string; message?: string } {
  const error = (jsonBody(response) as { error?: { title?: unknown; message?: unknown } } | null | undefined)?.error;
  if (typeof error !== 'object' || error === null) return {};
  return {
    ...(typeof error.title === 'string' && { code: error.title.slice(0, 64) }),
    ...(typeof error.message === 'string' && {
      message: scrubSecrets(error.message)
        .replace(/[^\x20-\x7e]/g, ' ')
        .slice(0, 200),
    }),
  };
}

function upstreamCode(response: OutboundResponse): string {
  const code = errorEnvelope(response).errorCode;
  return code === undefined ? '' : `, IAM error_code ${code}`;
}

function headerValue(response: OutboundResponse, name: string): string | undefined {
  const value = response.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' && text !== '' ? text : undefined;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function looksLikeJwt(token: string): boolean {
  return JWT.test(token);
}

/** The header's and payload's claims, unverified (IAM verifies): for messages only. */
export function readClaims(token: string): Claims {
  const [header, payload] = token.split('.');
  const decode = (part: string | undefined): Record<string, unknown> => {
    try {
      const value = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as unknown;
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const h = decode(header);
  const p = decode(payload);
  return { iss: p.iss, aud: p.aud, sub: p.sub, exp: p.exp, kid: h.kid, alg: h.alg };
}

const MAX_CLAIM = 200;

/** A claim or setting, JSON-quoted, cut short, with anything outside printable ASCII and markup characters escaped. */
function quoteClaim(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value !== 'string') return typeof value === 'number' ? String(value) : `(a ${Array.isArray(value) ? 'list' : typeof value})`;
  const cut = value.length > MAX_CLAIM ? `${value.slice(0, MAX_CLAIM)}...` : value;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]|[<>&'`]/gu, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

function audienceText(aud: unknown): string {
  if (Array.isArray(aud)) return aud.length === 0 ? '(none)' : aud.slice(0, 3).map(quoteClaim).join(' or ');
  return quoteClaim(aud);
}

function claimValue(value: unknown): unknown {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.slice(0, MAX_CLAIM);
  if (Array.isArray(value)) return value.slice(0, 3).map((v) => (typeof v === 'string' ? v.slice(0, MAX_CLAIM) : typeof v));
  return value === undefined ? undefined : typeof value;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
