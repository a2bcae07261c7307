/**
 * The one AWS call of the Secrets Manager credential source: `GetSecretValue`, with
 * `@aws-sdk/client-secrets-manager`. This module is a lazily loaded chunk
 * (esbuild.config.mjs LAZY_CHUNKS, required only by lib/composition/lazy.ts): the AWS SDK is
 * parsed only by a deployment that sets HUAWEICLOUD_CREDENTIALS_SECRET_ID.
 *
 * A chunk has its own copies of every class it bundles, so this module throws none of the
 * adapter's errors and imports nothing of the adapter's: it answers plain data, the secret's
 * string or what failed (the AWS error's name, status and fault), and never throws.
 * lib/credentials/secrets-manager.ts turns that into credentials or a named error.
 *
 * The SDK finds its own AWS credentials (on Lambda, the execution role's, from the
 * environment), its region (AWS_REGION) and, for tests, its endpoint
 * (AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface SecretReaderOptions {
  /** From the secret's ARN when it was given as one; otherwise the SDK's (AWS_REGION). */
  readonly region?: string;
  /** Longest wait for one request, connect to last byte. */
  readonly requestTimeoutMs: number;
}

export type SecretRead =
  | {
      readonly ok: true;
      /** Undefined when the secret holds binary data (SecretBinary) instead of a string. */
      readonly secretString: string | undefined;
      readonly versionId: string | undefined;
    }
  | {
      readonly ok: false;
      /** The AWS error's name (`ResourceNotFoundException`, `AccessDeniedException`, `TimeoutError`...), or `RegionMissing`. */
      readonly code: string;
      /** AWS's HTTP status, when an answer came. */
      readonly httpStatus: number | undefined;
      /** `client` (the request or the setup is wrong) or `server` (AWS failed); undefined when no answer came. */
      readonly fault: 'client' | 'server' | undefined;
      /** AWS's own text, only for its documented refusals (which name the secret and the principal, never a value): for logs. */
      readonly awsMessage: string | undefined;
    };

export type ReadSecret = (secretId: string) => Promise<SecretRead>;

/** AWS's refusals whose messages are about the request, not the data; anything else may quote a response body. */
const QUOTABLE_REFUSALS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidRequestException',
  'InvalidParameterException',
  'DecryptionFailure',
]);
const MAX_AWS_MESSAGE = 300;

/** A reader with one client for the life of the instance (its connections are kept alive). */
export function createSecretReader(options: SecretReaderOptions): ReadSecret {
  let client: SecretsManagerClient | undefined;
  return async (secretId) => {
    try {
      client ??= new SecretsManagerClient({
        ...(options.region !== undefined && { region: options.region }),
        // One retry of the SDK's own (throttling, 5xx, resets): the MRS call waits for this read.
        maxAttempts: 2,
        requestHandler: { requestTimeout: options.requestTimeoutMs, connectionTimeout: Math.min(options.requestTimeoutMs, 1000) },
      });
      const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      return { ok: true, secretString: answer.SecretString, versionId: answer.VersionId };
    } catch (error) {
      return failure(error);
    }
  };
}

function failure(error: unknown): SecretRead {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const message = typeof e.message === 'string' ? e.message : '';
  // The SDK's config resolver throws a plain Error for this; it is a setup problem, not AWS's answer.
  const code = /^Region is missing/.test(message) ? 'RegionMissing' : typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
  const httpStatus = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const fault = e.$fault === 'client' || e.$fault === 'server' ? e.$fault : undefined;
  const quotable = QUOTABLE_REFUSALS.has(code) && httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500;
  return { ok: false, code, httpStatus, fault, awsMessage: quotable ? message.slice(0, MAX_AWS_MESSAGE) : undefined };
}
