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
import { type AwsReadFailure, awsClientSettings, awsReadFailure } from './aws-read';

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
  | AwsReadFailure;

export type ReadSecret = (secretId: string) => Promise<SecretRead>;

/** AWS's refusals whose messages are about the request, not the data; anything else may quote a response body. */
const QUOTABLE_REFUSALS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidRequestException',
  'InvalidParameterException',
  'DecryptionFailure',
]);

/** A reader with one client for the life of the instance (its connections are kept alive). */
export function createSecretReader(options: SecretReaderOptions): ReadSecret {
  let client: SecretsManagerClient | undefined;
  return async (secretId) => {
    try {
      client ??= new SecretsManagerClient({
        ...(options.region !== undefined && { region: options.region }),
        ...awsClientSettings(options.requestTimeoutMs),
      });
      const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      return { ok: true, secretString: answer.SecretString, versionId: answer.VersionId };
    } catch (error) {
      return awsReadFailure(error, QUOTABLE_REFUSALS);
    }
  };
}
