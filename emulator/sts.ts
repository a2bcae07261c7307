/**
 * A loopback stand-in for AWS STS `GetWebIdentityToken` (IAM outbound identity federation),
 * which the real `@aws-sdk/client-sts` reaches through `AWS_ENDPOINT_URL_STS=<url>`. It speaks
 * the AWS Query protocol as the client sends it: `POST /`, a form body
 * `Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=...&SigningAlgorithm=RS256&DurationSeconds=300`,
 * signed with SigV4 for the service `sts` (checked with secrets-manager.ts's verifier against
 * the one AWS key pair it knows). It answers XML:
 * `<GetWebIdentityTokenResponse><GetWebIdentityTokenResult><WebIdentityToken>` with a JWT it
 * signs (RS256) and `<Expiration>`, and errors as `<ErrorResponse><Error><Type>Sender</Type>
 * <Code>...</Code><Message>...</Message></Error>`. Its issuer publishes the signing keys at
 * `GET /.well-known/jwks.json` (and `/.well-known/openid-configuration`), as AWS's issuer does.
 * The token's claims follow AWS's documented ones: `sub` the role ARN, `aud`, `iss`, `iat`,
 * `exp`, `jti`, and the `https://sts.amazonaws.com/` object.
 * For tests, the bench and local runs only; it listens on 127.0.0.1 and is never deployed.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { closeServer, listenOnLoopback, readBody, sendBody } from '../tools/loopback-http';
import { createSigningKey, type Jwks, jwksOf, type SigningKey, signJwt } from './jwt';
import { type AwsKeyPair, verifySigV4 } from './secrets-manager';

export interface StsStandInOptions {
  /** 0 or omitted: a free port. */
  port?: number;
  /** The region requests must be signed for; default us-east-1. */
  region?: string;
  /** The one AWS key pair requests must be signed with (what the function's role would have). */
  credentials: AwsKeyPair;
  /** The token's `sub`: the calling role's ARN. */
  roleArn: string;
  /** The issuer (`iss`); default an AWS-style `https://<uuid>.tokens.sts.global.api.aws`. */
  issuer?: string;
  /** Whether the account has outbound identity federation enabled; default true. */
  enabled?: boolean;
  /** A key to sign with (shared across stand-ins, or a bench's, to skip generating one). */
  signingKey?: SigningKey;
}

export type StsFault = { kind: 'access-denied' } | { kind: 'throttled' } | { kind: 'internal-error' };

export interface StsRequest {
  action: string | undefined;
  audience: string[];
  signingAlgorithm: string | undefined;
  durationSeconds: number | undefined;
  verification: { ok: true } | { ok: false; reason: string };
  status: number;
  errorCode?: string;
}

export interface StsStandIn {
  url: string;
  port: number;
  issuer: string;
  /** The public keys, as the issuer's `/.well-known/jwks.json` publishes them. */
  jwks(): Jwks;
  /** Every request, in order (never a token). */
  requests: StsRequest[];
  /** How many tokens were issued. */
  tokensIssued(): number;
  /** The tokens issued, for a test's check that no output carries one. */
  issuedTokens(): readonly string[];
  /** Turns outbound identity federation on or off for the account. */
  setEnabled(enabled: boolean): void;
  /** Answers every GetWebIdentityToken with this error until cleared (undefined). */
  setFault(fault: StsFault | undefined): void;
  /** Signs with a new key from now on, published beside the old one (as an issuer rotating its keys does). */
  rotateKey(): SigningKey;
  close(): Promise<void>;
}

const ACCOUNT = '123456789012';
const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

export async function startStsStandIn(options: StsStandInOptions): Promise<StsStandIn> {
  const region = options.region ?? 'us-east-1';
  const issuer = options.issuer ?? `https://${randomUUID()}.tokens.sts.global.api.aws`;
  const keys: SigningKey[] = [options.signingKey ?? createSigningKey()];
  let enabled = options.enabled ?? true;
  let fault: StsFault | undefined;
  const issued: string[] = [];
  const requests: StsRequest[] = [];
  const current = () => keys[keys.length - 1] as SigningKey;

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/.well-known/jwks.json')
      return sendBody(res, 200, JSON.stringify(jwksOf(...keys)), { 'Content-Type': 'application/json' });
    if (req.method === 'GET' && url === '/.well-known/openid-configuration') {
      const configuration = {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES384'],
      };
      return sendBody(res, 200, JSON.stringify(configuration), { 'Content-Type': 'application/json' });
    }
    const form = new URLSearchParams(body.toString('utf8'));
    const audience = [...form.entries()].filter(([key]) => /^Audience\.member\.\d+$/.test(key)).map(([, value]) => value);
    const durationText = form.get('DurationSeconds');
    const record: StsRequest = {
      action: form.get('Action') ?? undefined,
      audience,
      signingAlgorithm: form.get('SigningAlgorithm') ?? undefined,
      durationSeconds: durationText === null ? undefined : Number(durationText),
      verification: verifySigV4(req.method ?? '', url, req.headers, body, {
        ...options.credentials,
        region,
        service: 'sts',
        maxSkewMs: 300_000,
      }),
      status: 0,
    };
    requests.push(record);
    const requestId = randomUUID();
    const fail = (status: number, code: string, message: string, type = 'Sender') => {
      record.status = status;
      record.errorCode = code;
      sendBody(
        res,
        status,
        `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId },
      );
    };
    if (req.method !== 'POST' || url !== '/') return fail(404, 'UnknownOperation', 'Only POST / is served.');
    if (!record.verification.ok) {
      return record.verification.reason === 'unknown-access-key'
        ? fail(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.')
        : fail(
            403,
            'SignatureDoesNotMatch',
            `The request signature we calculated does not match the signature you provided (${record.verification.reason}).`,
          );
    }
    if (record.action !== 'GetWebIdentityToken')
      return fail(400, 'InvalidAction', `This stand-in serves GetWebIdentityToken only, not ${record.action}.`);
    if (form.get('Version') !== '2011-06-15') return fail(400, 'InvalidParameterValue', 'Version must be 2011-06-15.');
    if (audience.length < 1 || audience.length > 10 || audience.some((a) => a.length < 1 || a.length > 1000)) {
      return fail(400, 'ValidationError', 'Audience must hold 1 to 10 values of 1 to 1000 characters.');
    }
    if (record.signingAlgorithm !== 'RS256' && record.signingAlgorithm !== 'ES384')
      return fail(400, 'ValidationError', 'SigningAlgorithm must be RS256 or ES384.');
    if (record.signingAlgorithm !== 'RS256') return fail(400, 'ValidationError', 'This stand-in signs with RS256 only.');
    const duration = record.durationSeconds ?? 300;
    if (!Number.isInteger(duration) || duration < 60 || duration > 3600)
      return fail(400, 'ValidationError', 'DurationSeconds must be from 60 to 3600.');
    if (fault?.kind === 'access-denied') {
      return fail(
        403,
        'AccessDenied',
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/stand-in/function is not authorized to perform: sts:GetWebIdentityToken`,
      );
    }
    if (fault?.kind === 'throttled') return fail(400, 'Throttling', 'Rate exceeded');
    if (fault?.kind === 'internal-error') return fail(500, 'InternalFailure', 'An internal error occurred.', 'Receiver');
    if (!enabled)
      return fail(
        403,
        'OutboundWebIdentityFederationDisabledException',
        'Outbound web identity federation is not enabled for this account.',
      );
    const iat = Math.floor(Date.now() / 1000);
    const token = signJwt(current(), {
      iss: issuer,
      sub: options.roleArn,
      aud: audience.length === 1 ? audience[0] : audience,
      iat,
      nbf: iat,
      exp: iat + duration,
      jti: randomUUID(),
      'https://sts.amazonaws.com/': { aws_account: ACCOUNT, source_region: region, principal_id: options.roleArn },
    });
    issued.push(token);
    record.status = 200;
    sendBody(
      res,
      200,
      `<GetWebIdentityTokenResponse xmlns="${NAMESPACE}"><GetWebIdentityTokenResult><WebIdentityToken>${token}</WebIdentityToken><Expiration>${new Date((iat + duration) * 1000).toISOString()}</Expiration></GetWebIdentityTokenResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetWebIdentityTokenResponse>`,
      { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId },
    );
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    issuer,
    jwks: () => jwksOf(...keys),
    requests,
    tokensIssued: () => issued.length,
    issuedTokens: () => [...issued],
    setEnabled: (value) => {
      enabled = value;
    },
    setFault: (value) => {
      fault = value;
    },
    rotateKey: () => {
      const key = createSigningKey();
      keys.push(key);
      return key;
    },
    close: () => (closing ??= closeServer(server)),
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
