/**
 * The one AWS call of the OIDC federation credential source's STS token source:
 * `GetWebIdentityToken` (IAM outbound identity federation), with `@aws-sdk/client-sts`. This
 * module is a lazily loaded chunk (esbuild.config.mjs LAZY_CHUNKS, required only by
 * lib/composition/lazy.ts): the AWS SDK is parsed only by a deployment that sets
 * HUAWEICLOUD_ID_TOKEN_AUDIENCE, and only at its first exchange.
 *
 * A chunk has its own copies of every class it bundles, so this module throws none of the
 * adapter's errors and imports nothing of the adapter's: it answers plain data, the token or
 * what failed (the AWS error's name, status and fault), and never throws.
 * lib/credentials/oidc.ts turns that into a token or a named error.
 *
 * The SDK finds its own AWS credentials (on Lambda, the execution role's, from the
 * environment), its region (AWS_REGION: GetWebIdentityToken is served by regional STS
 * endpoints only, never the global one) and, for tests, its endpoint (AWS_ENDPOINT_URL_STS).
 */
import { GetWebIdentityTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsReadFailure, awsClientSettings, awsReadFailure } from './aws-read';

export interface WebIdentityTokenReaderOptions {
  /** Longest wait for one request, connect to last byte. */
  readonly requestTimeoutMs: number;
}

export interface WebIdentityTokenRequest {
  readonly audience: string;
  /** 60-3600; the token is used at once, for one exchange. */
  readonly durationSeconds: number;
}

export type WebIdentityTokenRead = { readonly ok: true; readonly token: string; readonly expiration: number | undefined } | AwsReadFailure;

export type ReadWebIdentityToken = (request: WebIdentityTokenRequest) => Promise<WebIdentityTokenRead>;

/** AWS's refusals whose messages are about the request and the principal, not the data. */
const QUOTABLE_REFUSALS = new Set([
  'OutboundWebIdentityFederationDisabledException',
  'AccessDenied',
  'AccessDeniedException',
  'SessionDurationEscalationException',
  'JWTPayloadSizeExceededException',
  'ValidationError',
  'RegionDisabledException',
]);

/** A reader with one client for the life of the instance (its connections are kept alive). */
export function createWebIdentityTokenReader(options: WebIdentityTokenReaderOptions): ReadWebIdentityToken {
  let client: STSClient | undefined;
  return async ({ audience, durationSeconds }) => {
    try {
      client ??= new STSClient({
        ...awsClientSettings(options.requestTimeoutMs),
      });
      const answer = await client.send(
        new GetWebIdentityTokenCommand({ Audience: [audience], SigningAlgorithm: 'RS256', DurationSeconds: durationSeconds }),
      );
      const token = answer.WebIdentityToken;
      if (typeof token !== 'string' || token === '')
        return { ok: false, code: 'NoToken', httpStatus: answer.$metadata.httpStatusCode, fault: 'server', awsMessage: undefined };
      return { ok: true, token, expiration: answer.Expiration instanceof Date ? answer.Expiration.getTime() : undefined };
    } catch (error) {
      return awsReadFailure(error, QUOTABLE_REFUSALS);
    }
  };
}
