/**
 * The Secrets Manager reader (the lazily loaded chunk's code) with the real AWS SDK client
 * against the loopback stand-in, which verifies each SigV4 signature; each failure the
 * service answers, mapped to its named error; and the settings that configure it.
 */
import { loadConfig } from '../../lib/config';
import { parseSecret, readFailure } from '../../lib/credentials/secrets-manager';
import { createSecretReader, type SecretRead } from '../../lib/credentials/secrets-manager-read';
import { ConfigurationError, UpstreamUnavailable } from '../../lib/errors';
import { type SecretsManagerStandIn, type StandInFault, startSecretsManagerStandIn, verifySigV4 } from '../../emulator/secrets-manager';
import { awsStandInEnvironment, restoreEnvironment } from '../fixtures/test-process';

const AWS_KEYS = { accessKeyId: 'AKIASTANDINFAKE00002', secretAccessKey: 'stand-in-aws-secret-access-key-000000002' };
const REGION = 'ap-southeast-1';
const NAME = 'huawei/mrs';
const VALUE = JSON.stringify({ access_key: 'AWSREADERACCESSKEY01', secret_key: 'aws-reader-secret-key-01' });
const savedEnv = { ...process.env };
let standIn: SecretsManagerStandIn;

beforeAll(async () => {
  standIn = await startSecretsManagerStandIn({ region: REGION, credentials: AWS_KEYS, secrets: { [NAME]: VALUE } });
  Object.assign(process.env, awsStandInEnvironment(REGION, AWS_KEYS, { AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url }));
});

afterAll(async () => {
  await standIn.close();
  restoreEnvironment(savedEnv);
});

const read = (id: string, options: { region?: string } = {}) => createSecretReader({ requestTimeoutMs: 2000, ...options })(id);
const failureOf = (outcome: SecretRead) => {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome;
};

describe('GetSecretValue with the real AWS client', () => {
  it('reads the secret string by name and by ARN, signed as the stand-in verifies', async () => {
    for (const id of [NAME, standIn.arnOf(NAME)]) {
      const outcome = await read(id);
      expect(outcome).toMatchObject({ ok: true, secretString: VALUE });
      expect(standIn.requests.at(-1)).toMatchObject({
        target: 'secretsmanager.GetSecretValue',
        secretId: id,
        verification: { ok: true },
        status: 200,
      });
    }
  });

  it('reads binary data as no string', async () => {
    standIn.setBinarySecret('binary', Buffer.from(VALUE));
    const outcome = await read('binary');
    expect(outcome).toMatchObject({ ok: true, secretString: undefined });
    expect(() => parseSecret('binary', outcome.ok ? outcome.secretString : '')).toThrow(/holds binary data/);
  });

  it.each([
    ['a missing secret', 'missing', undefined, 'ResourceNotFoundException', ConfigurationError, /no secret "missing"/],
    [
      'access denied',
      NAME,
      { kind: 'access-denied' },
      'AccessDeniedException',
      ConfigurationError,
      /secretsmanager:GetSecretValue on that secret/,
    ],
    ['a secret marked for deletion', NAME, { kind: 'deleted' }, 'InvalidRequestException', ConfigurationError, /marked for deletion/],
    ['a key that cannot decrypt it', NAME, { kind: 'decryption-failure' }, 'DecryptionFailure', ConfigurationError, /kms:Decrypt/],
    ['throttling (after the SDK retried once)', NAME, { kind: 'throttled' }, 'ThrottlingException', UpstreamUnavailable, /retry shortly/],
    [
      'a service failure (after the SDK retried once)',
      NAME,
      { kind: 'internal-error' },
      'InternalServiceError',
      UpstreamUnavailable,
      /HTTP 500/,
    ],
  ] as Array<[string, string, StandInFault | undefined, string, typeof ConfigurationError, RegExp]>)(
    'maps %s',
    async (_what, id, fault, code, type, message) => {
      standIn.setFault(NAME, fault);
      try {
        const failure = failureOf(await read(id));
        expect(failure.code).toBe(code);
        const error = readFailure(id, failure);
        expect(error).toBeInstanceOf(type);
        expect(error.message).toMatch(message);
      } finally {
        standIn.setFault(NAME, undefined);
      }
    },
  );

  it('keeps AWS own words for its documented refusals only, for logs', async () => {
    standIn.setFault(NAME, { kind: 'access-denied' });
    try {
      expect(failureOf(await read(NAME)).awsMessage).toMatch(/is not authorized to perform: secretsmanager:GetSecretValue/);
    } finally {
      standIn.setFault(NAME, undefined);
    }
    standIn.setFault(NAME, { kind: 'internal-error' });
    try {
      expect(failureOf(await read(NAME)).awsMessage).toBeUndefined();
    } finally {
      standIn.setFault(NAME, undefined);
    }
  });

  it('signs for the ARN region when given one, whatever AWS_REGION says', async () => {
    process.env.AWS_REGION = 'us-west-2';
    try {
      expect(failureOf(await read(NAME)).code).toBe('InvalidSignatureException');
      expect(await read(standIn.arnOf(NAME), { region: REGION })).toMatchObject({ ok: true });
    } finally {
      process.env.AWS_REGION = REGION;
    }
  });

  it('reports no region as RegionMissing', async () => {
    delete process.env.AWS_REGION;
    try {
      const failure = failureOf(await read(NAME));
      expect(failure.code).toBe('RegionMissing');
      expect(readFailure(NAME, failure).message).toMatch(/set AWS_REGION/);
    } finally {
      process.env.AWS_REGION = REGION;
    }
  });

  it('reports refused AWS keys as the function role problem', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAUNKNOWNKEY000000';
    try {
      const failure = failureOf(await read(NAME));
      expect(failure.code).toBe('UnrecognizedClientException');
      expect(readFailure(NAME, failure)).toBeInstanceOf(ConfigurationError);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = AWS_KEYS.accessKeyId;
    }
  });

  it('reports an unreachable service as UpstreamUnavailable', async () => {
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = 'http://127.0.0.1:9';
    try {
      const failure = failureOf(await read(NAME));
      expect(failure.httpStatus).toBeUndefined();
      expect(readFailure(NAME, failure)).toBeInstanceOf(UpstreamUnavailable);
    } finally {
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = standIn.url;
    }
  });
});

describe('the stand-in checks signatures from their definition', () => {
  // AWS's documented example (SigV4 test suite "get-vanilla"): the signature must check out.
  it('accepts the AWS test suite vanilla request', () => {
    const verification = verifySigV4(
      'GET',
      '/',
      {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      Buffer.alloc(0),
      {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        region: 'us-east-1',
        service: 'service',
        maxSkewMs: Number.POSITIVE_INFINITY,
      },
    );
    expect(verification).toEqual({ ok: true });
  });

  it('refuses a changed body', async () => {
    const headers = {
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    };
    const expected = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      service: 'service',
      maxSkewMs: Number.POSITIVE_INFINITY,
    };
    expect(verifySigV4('GET', '/', headers, Buffer.from('x'), expected)).toEqual({ ok: false, reason: 'signature-mismatch' });
  });
});

describe('settings', () => {
  const base = { MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'abc123' };
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigurationError');
  };

  it('has no secret unless HUAWEICLOUD_CREDENTIALS_SECRET_ID is set', () => {
    expect(loadConfig(base).credentialsSecret).toBeUndefined();
    expect(loadConfig({ ...base, HUAWEICLOUD_CREDENTIALS_SECRET_ID: ' ' }).credentialsSecret).toBeUndefined();
  });

  it('keeps keys for 300 seconds by default, or SECRET_CACHE_TTL_SECONDS', () => {
    expect(loadConfig({ ...base, HUAWEICLOUD_CREDENTIALS_SECRET_ID: NAME }).credentialsSecret).toEqual({
      secretId: NAME,
      region: undefined,
      ttlMs: 300_000,
    });
    expect(loadConfig({ ...base, HUAWEICLOUD_CREDENTIALS_SECRET_ID: NAME, SECRET_CACHE_TTL_SECONDS: '60' }).credentialsSecret?.ttlMs).toBe(
      60_000,
    );
  });

  it('takes the region from an ARN', () => {
    const arn = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:huawei/mrs-AbCdEf';
    expect(loadConfig({ ...base, HUAWEICLOUD_CREDENTIALS_SECRET_ID: arn }).credentialsSecret).toMatchObject({
      secretId: arn,
      region: 'eu-central-1',
    });
    expect(
      loadConfig({ ...base, HUAWEICLOUD_CREDENTIALS_SECRET_ID: 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x' })
        .credentialsSecret?.region,
    ).toBe('cn-north-1');
  });

  it('lists a bad id and a bad TTL with the other problems', () => {
    const problems = problemsOf({
      ...base,
      HUAWEICLOUD_CREDENTIALS_SECRET_ID: 'arn:aws:s3:::bucket',
      SECRET_CACHE_TTL_SECONDS: 'soon',
      MRS_TIMEOUT_MS: '0',
    });
    expect(problems).toMatch(/HUAWEICLOUD_CREDENTIALS_SECRET_ID "arn:aws:s3:::bucket" is neither a Secrets Manager secret name/);
    expect(problems).toMatch(/SECRET_CACHE_TTL_SECONDS must be a number of seconds/);
    expect(problems).toMatch(/MRS_TIMEOUT_MS/);
    expect(problemsOf({ ...base, HUAWEICLOUD_CREDENTIALS_SECRET_ID: 'has spaces in it' })).toMatch(/is neither/);
  });
});
