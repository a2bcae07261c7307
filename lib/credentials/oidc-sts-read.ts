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

export interface WebIdentityTokenReaderOptions {
  /** Longest wait for one request, connect to last byte. */
  readonly requestTimeoutMs: number;
}

export interface WebIdentityTokenRequest {
  readonly audience: string;
  /** 60-3600; the token is used at once, for one exchange. */
  readonly durationSeconds: number;
}

export type WebIdentityTokenRead =
  | { readonly ok: true; readonly token: string; readonly expiration: number | undefined }
  | {
      readonly ok: false;
      /** The AWS error's name (`OutboundWebIdentityFederationDisabledException`, `AccessDenied`, `TimeoutError`...), `RegionMissing` or `NoToken`. */
      readonly code: string;
      /** AWS's HTTP status, when an answer came. */
      readonly httpStatus: number | undefined;
      /** `client` (the request or the setup is wrong) or `server` (AWS failed); undefined when no answer came. */
      readonly fault: 'client' | 'server' | undefined;
      /** AWS's own text, only for its documented refusals (they name the role and the action, never a token): for logs. */
      readonly awsMessage: string | undefined;
    };

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
const MAX_AWS_MESSAGE = 300;

/** A reader with one client for the life of the instance (its connections are kept alive). */
export function createWebIdentityTokenReader(options: WebIdentityTokenReaderOptions): ReadWebIdentityToken {
  let client: STSClient | undefined;
  return async ({ audience, durationSeconds }) => {
    try {
      client ??= new STSClient({
        // One retry of the SDK's own (throttling, 5xx, resets): the MRS call waits for this token.
        maxAttempts: 2,
        requestHandler: { requestTimeout: options.requestTimeoutMs, connectionTimeout: Math.min(options.requestTimeoutMs, 1000) },
      });
      const answer = await client.send(
        new GetWebIdentityTokenCommand({ Audience: [audience], SigningAlgorithm: 'RS256', DurationSeconds: durationSeconds }),
      );
      const token = answer.WebIdentityToken;
      if (typeof token !== 'string' || token === '')
        return { ok: false, code: 'NoToken', httpStatus: answer.$metadata.httpStatusCode, fault: 'server', awsMessage: undefined };
      return { ok: true, token, expiration: answer.Expiration instanceof Date ? answer.Expiration.getTime() : undefined };
    } catch (error) {
      return failure(error);
    }
  };
}

function failure(error: unknown): WebIdentityTokenRead {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const message = typeof e.message === 'string' ? e.message : '';
  // The SDK's config resolver throws a plain Error for this; it is a setup problem, not AWS's answer.
  const code = /^Region is missing/.test(message) ? 'RegionMissing' : typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
  const httpStatus = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const fault = e.$fault === 'client' || e.$fault === 'server' ? e.$fault : undefined;
  const quotable = QUOTABLE_REFUSALS.has(code) && httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500;
  return { ok: false, code, httpStatus, fault, awsMessage: quotable ? message.slice(0, MAX_AWS_MESSAGE) : undefined };
}
