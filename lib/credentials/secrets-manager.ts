/**
 * Huawei AK/SK read from AWS Secrets Manager, for the Lambda deployment (where there is no
 * FunctionGraph agency): HUAWEICLOUD_CREDENTIALS_SECRET_ID names a secret whose string is
 * `{"access_key": "...", "secret_key": "...", "security_token": "..." (optional)}`.
 *
 * - Read at first use, then kept for SECRET_CACHE_TTL_SECONDS (default 300) and read again
 *   after; concurrent reads share one request.
 * - When MRS refuses the keys (renew), read again at once: a rotated secret gives the new
 *   pair. One read per refused pair: if the secret still holds it, the refusal stands and the
 *   secret is not read again for that pair until its TTL runs out.
 * - A read after the TTL that fails keeps the keys read before (they likely still work) and
 *   tries again after a short pause; only a first read that fails is the caller's error.
 * - The AWS call itself is in a lazily loaded chunk (./secrets-manager-read.ts) that answers
 *   plain data; the named errors are made here, in the main bundle, so `instanceof` knows
 *   them. Messages say what to check and never carry the secret's content.
 */
import { ConfigurationError, UpstreamUnavailable } from '../errors';
import type { Logger } from '../log';
import { registerSecret } from '../log';
import { refusedByAws } from './aws-read';
import type { FallbackCredentialSource } from './chain';
import type { ReadSecret, SecretRead } from './secrets-manager-read';
import { createCredentialHolder, type HeldCredentials, type RefreshCause } from './held';
import type { Credentials } from './types';

/** After a failed read with keys in hand, how long those keys are used before trying again. */
export const FAILED_REREAD_PAUSE_MS = 10_000;

export interface SecretsManagerSourceOptions {
  readonly secretId: string;
  /** How long keys read from the secret are used before it is read again; 0: every use. */
  readonly ttlMs: number;
  /** The chunk's reader, loaded on first use (lib/composition/lazy.ts); a failure to load it is a packaging problem. */
  readonly reader: () => ReadSecret;
  readonly log?: Logger;
  readonly now?: () => number;
}

interface Held extends HeldCredentials {
  readonly readAt: number;
}

type Reason = 'first-use' | 'ttl-expired' | 'refused-by-mrs';
const REASONS: Record<RefreshCause, Reason> = { 'first-use': 'first-use', due: 'ttl-expired', renew: 'refused-by-mrs' };

export function createSecretsManagerSource({
  secretId,
  ttlMs,
  reader,
  log,
  now = Date.now,
}: SecretsManagerSourceOptions): FallbackCredentialSource {
  /** The pair MRS refused and a re-read gave again: the refusal stands until the TTL runs out. */
  let refusedAgain: Held | undefined;
  let read: ReadSecret | undefined;

  const fetchFresh = async (cause: RefreshCause): Promise<Held> => {
    const reason = REASONS[cause];
    let outcome: SecretRead;
    try {
      read ??= reader();
      outcome = await read(secretId);
    } catch (error) {
      // The chunk never throws; a throw here is a package without the chunk beside index.js.
      throw new ConfigurationError(
        `The AWS Secrets Manager reader (secrets-manager.js, beside index.js) could not be loaded; redeploy the function's whole package. HUAWEICLOUD_CREDENTIALS_SECRET_ID needs it.`,
        { cause: error },
      );
    }
    if (!outcome.ok) {
      const error = readFailure(secretId, outcome);
      log?.warn('credentials secret not read', {
        source: 'aws-secrets-manager',
        reason,
        aws_error: outcome.code,
        http_status: outcome.httpStatus,
        aws_message: outcome.awsMessage,
      });
      throw error;
    }
    const credentials = parseSecret(secretId, outcome.secretString);
    log?.info('credentials read from AWS Secrets Manager', { source: 'aws-secrets-manager', reason, version_id: outcome.versionId });
    return { credentials, readAt: now() };
  };

  const fresh = (h: Held, at: number) => at < h.readAt + ttlMs;
  const holder = createCredentialHolder<Held>({
    fetch: fetchFresh,
    refreshAt: (held) => held.readAt + ttlMs,
    // Keys from a secret carry no expiry: after a failed re-read they likely still work.
    usableUntil: () => Number.POSITIVE_INFINITY,
    retryPauseMs: FAILED_REREAD_PAUSE_MS,
    onKept(_kept, error) {
      log?.warn('credentials secret could not be read again; using the keys read before', { source: 'aws-secrets-manager', error });
    },
    now,
  });

  return {
    get: holder.get,
    async renew(refused) {
      const at = now();
      const held = holder.held();
      // Another invocation already read a newer pair than the one MRS refused: use it.
      if (held !== undefined && refused !== undefined && !samePair(held.credentials, refused)) return held.credentials;
      if (refusedAgain !== undefined && refusedAgain === held && fresh(refusedAgain, at)) return undefined;
      const latest = await holder.refresh('renew');
      const previous = refused ?? held?.credentials;
      if (previous !== undefined && samePair(latest.credentials, previous)) {
        refusedAgain = latest;
        log?.warn('MRS refused the keys and the credentials secret still holds them: rotate the secret or fix the keys', {
          source: 'aws-secrets-manager',
        });
        return undefined;
      }
      return latest.credentials;
    },
  };
}

/** The id as configured: lib/config allows only a secret name's or an ARN's characters, so it is safe to print whole. */
function quoted(secretId: string): string {
  return JSON.stringify(secretId);
}

function samePair(a: Credentials, b: Credentials): boolean {
  return a.accessKey === b.accessKey && a.secretKey === b.secretKey && a.securityToken === b.securityToken;
}

/** What the secret must hold, for messages. */
const EXPECTED = 'a JSON object {"access_key": "...", "secret_key": "..."} (and "security_token" for temporary keys)';

/** The pair in the secret's string; registered for scrubbing before anything can print it. */
export function parseSecret(secretId: string, secretString: string | undefined): Credentials {
  const name = quoted(secretId);
  if (secretString === undefined) {
    throw new ConfigurationError(
      `The AWS Secrets Manager secret ${name} holds binary data, not a string: store ${EXPECTED} as its secret string.`,
    );
  }
  registerSecret(secretString);
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new ConfigurationError(`The AWS Secrets Manager secret ${name} is not JSON: store ${EXPECTED}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(`The AWS Secrets Manager secret ${name} is JSON but not an object: store ${EXPECTED}.`);
  }
  const fields = parsed as Record<string, unknown>;
  const filled = (key: string) => typeof fields[key] === 'string' && (fields[key] as string).trim() !== '';
  for (const key of ['access_key', 'secret_key', 'security_token']) if (filled(key)) registerSecret((fields[key] as string).trim());
  const missing = ['access_key', 'secret_key'].filter((key) => !filled(key));
  const badToken = fields.security_token !== undefined && fields.security_token !== null && !filled('security_token');
  if (missing.length > 0 || badToken) {
    const problems = [
      ...(missing.length > 0 ? [`has no non-empty string ${missing.join(' or ')}`] : []),
      ...(badToken ? ['has a security_token that is not a non-empty string'] : []),
    ];
    throw new ConfigurationError(`The AWS Secrets Manager secret ${name} ${problems.join(' and ')}: store ${EXPECTED}.`);
  }
  const accessKey = (fields.access_key as string).trim();
  const secretKey = (fields.secret_key as string).trim();
  return filled('security_token')
    ? { accessKey, secretKey, securityToken: (fields.security_token as string).trim() }
    : { accessKey, secretKey };
}

/** AWS refusals that mean the function's own AWS credentials are missing, wrong or expired. */
const AWS_CREDENTIAL_REFUSALS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

/** The named error for a failed read: a ConfigurationError when the deployment must change, UpstreamUnavailable when retrying may pass. */
export function readFailure(secretId: string, failure: Extract<SecretRead, { ok: false }>): ConfigurationError | UpstreamUnavailable {
  const name = quoted(secretId);
  const code = failure.code;
  const setting = 'HUAWEICLOUD_CREDENTIALS_SECRET_ID';
  switch (code) {
    case 'ResourceNotFoundException':
      return new ConfigurationError(
        `AWS Secrets Manager has no secret ${name} (ResourceNotFoundException), or it has no current version: check ${setting} (a name or ARN) and that the secret is in the function's region.`,
      );
    case 'AccessDeniedException':
      return new ConfigurationError(
        `AWS Secrets Manager refused to let the function read the secret ${name} (AccessDeniedException): grant the function's role secretsmanager:GetSecretValue on that secret (and kms:Decrypt on its key if it uses a customer managed KMS key).`,
      );
    case 'DecryptionFailure':
      return new ConfigurationError(
        `AWS Secrets Manager could not decrypt the secret ${name} (DecryptionFailure): grant the function's role kms:Decrypt on the secret's KMS key.`,
      );
    case 'InvalidRequestException':
      return new ConfigurationError(
        `AWS Secrets Manager refused to read the secret ${name} (InvalidRequestException): it may be marked for deletion; restore it, or point ${setting} at another secret.`,
      );
    case 'InvalidParameterException':
      return new ConfigurationError(
        `AWS Secrets Manager does not accept ${name} as a secret id (InvalidParameterException): check ${setting}.`,
      );
    case 'RegionMissing':
      return new ConfigurationError(`No AWS region to read the secret ${name} in: set AWS_REGION, or give ${setting} as the secret's ARN.`);
  }
  if (AWS_CREDENTIAL_REFUSALS.has(code)) {
    return new ConfigurationError(
      `AWS refused or lacked the function's own AWS credentials (${code}) when reading the secret ${name}: check the function's execution role (or its AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).`,
    );
  }
  const status = failure.httpStatus;
  if (refusedByAws(failure)) {
    return new ConfigurationError(
      `AWS Secrets Manager refused to read the secret ${name} (${code}, HTTP ${status}): check ${setting} and the function's role.`,
    );
  }
  return new UpstreamUnavailable(
    `AWS Secrets Manager could not be read for the credentials secret ${name} (${code}${status === undefined ? '' : `, HTTP ${status}`}): retry shortly; if it persists, check that the function can reach Secrets Manager.`,
  );
}
