/**
 * The STS token reader (the lazily loaded chunk's code) with the real `@aws-sdk/client-sts`
 * `GetWebIdentityTokenCommand` against the loopback stand-in, reached through the SDK's own
 * AWS_ENDPOINT_URL_STS: what the client sends (the Query form, SigV4 for `sts`), the token it
 * reads from the XML answer (a JWT that verifies with the stand-in's published JWKS), and each
 * refusal mapped to its named error.
 */
import { stsFailure } from '../../lib/credentials/oidc';
import { createWebIdentityTokenReader, type WebIdentityTokenRead } from '../../lib/credentials/oidc-sts-read';
import { ConfigurationError, UpstreamUnavailable } from '../../lib/errors';
import { verifyJwt } from '../../emulator/jwt';
import { type StsFault, type StsStandIn, startStsStandIn } from '../../emulator/sts';
import { awsStandInEnvironment, restoreEnvironment } from '../fixtures/test-process';

const AWS_KEYS = { accessKeyId: 'AKIASTSSTANDIN000001', secretAccessKey: 'sts-stand-in-aws-secret-access-key-00001' };
const REGION = 'eu-central-1';
const ROLE = 'arn:aws:iam::123456789012:role/mrs-iam-sync-status';
const AUDIENCE = 'urn:huaweicloud:iam:oidc:mrs-iam-sync';
const savedEnv = { ...process.env };
let sts: StsStandIn;

beforeAll(async () => {
  sts = await startStsStandIn({ region: REGION, credentials: AWS_KEYS, roleArn: ROLE });
  Object.assign(process.env, awsStandInEnvironment(REGION, AWS_KEYS, { AWS_ENDPOINT_URL_STS: sts.url }));
});

afterEach(() => {
  sts.setFault(undefined);
  sts.setEnabled(true);
});

afterAll(async () => {
  await sts.close();
  restoreEnvironment(savedEnv);
});

const read = (audience = AUDIENCE) => createWebIdentityTokenReader({ requestTimeoutMs: 2000 })({ audience, durationSeconds: 300 });
const failureOf = (outcome: WebIdentityTokenRead) => {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome;
};

describe('GetWebIdentityToken with the real AWS client', () => {
  it('sends the Query form signed for sts, and reads the JWT and its expiry from the XML answer', async () => {
    const before = Date.now();
    const outcome = await read();
    if (!outcome.ok) throw new Error(`expected a token, got ${outcome.code}`);
    expect(sts.requests.at(-1)).toEqual({
      action: 'GetWebIdentityToken',
      audience: [AUDIENCE],
      signingAlgorithm: 'RS256',
      durationSeconds: 300,
      verification: { ok: true },
      status: 200,
    });
    const check = verifyJwt(outcome.token, { jwks: JSON.stringify(sts.jwks()), issuer: sts.issuer, audience: AUDIENCE, nowMs: Date.now() });
    expect(check).toMatchObject({ ok: true, claims: { sub: ROLE, aud: AUDIENCE, iss: sts.issuer } });
    expect(outcome.expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 299_000);
    expect(outcome.expiration).toBeLessThanOrEqual(Date.now() + 301_000);
  });

  it.each([
    [
      'federation not enabled on the account',
      'disabled',
      'OutboundWebIdentityFederationDisabledException',
      ConfigurationError,
      /not enabled on the AWS account.*enable-outbound-web-identity-federation/,
    ],
    [
      'a role without sts:GetWebIdentityToken',
      { kind: 'access-denied' },
      'AccessDenied',
      ConfigurationError,
      /Grant the role sts:GetWebIdentityToken/,
    ],
    ['throttling (after the SDK retried once)', { kind: 'throttled' }, 'Throttling', UpstreamUnavailable, /Retry shortly/],
    ['an STS failure (after the SDK retried once)', { kind: 'internal-error' }, 'InternalFailure', UpstreamUnavailable, /HTTP 500/],
  ] as Array<[string, StsFault | 'disabled', string, typeof ConfigurationError, RegExp]>)(
    'maps %s',
    async (_what, fault, code, type, message) => {
      if (fault === 'disabled') sts.setEnabled(false);
      else sts.setFault(fault);
      const failure = failureOf(await read());
      expect(failure.code).toBe(code);
      const error = stsFailure(AUDIENCE, failure);
      expect(error).toBeInstanceOf(type);
      expect(error.message).toMatch(/^OIDC federation, step 1 \(the ID token from AWS STS GetWebIdentityToken\): /);
      expect(error.message).toMatch(message);
    },
  );

  it('maps AWS keys STS does not accept to the function role', async () => {
    const saved = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-stand-in-aws-secret-key-0000009';
    try {
      const failure = failureOf(await read());
      expect(failure.code).toBe('SignatureDoesNotMatch');
      expect(stsFailure(AUDIENCE, failure).message).toMatch(/function's own AWS credentials \(SignatureDoesNotMatch\).*execution role/);
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = saved;
    }
  });

  it('maps a missing region to AWS_REGION', async () => {
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      const failure = failureOf(await read());
      expect(failure.code).toBe('RegionMissing');
      expect(stsFailure(AUDIENCE, failure).message).toMatch(/Set AWS_REGION/);
    } finally {
      process.env.AWS_REGION = saved;
    }
  });

  it('maps an unreachable STS to UpstreamUnavailable', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = 'http://127.0.0.1:9';
    try {
      const error = stsFailure(AUDIENCE, failureOf(await read()));
      expect(error).toBeInstanceOf(UpstreamUnavailable);
      expect(error.message).toMatch(/reach its region's STS endpoint/);
    } finally {
      process.env.AWS_ENDPOINT_URL_STS = saved;
    }
  });
});
