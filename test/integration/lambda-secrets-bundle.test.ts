/**
 * The built status bundle as Lambda runs it, with its Huawei keys in AWS Secrets Manager:
 * the real AWS SDK client (in the lazily loaded chunk beside index.js) reaches a loopback
 * GetSecretValue stand-in through AWS_ENDPOINT_URL_SECRETS_MANAGER, signing with fake AWS
 * keys the stand-in verifies; the MRS emulator verifies the Huawei signatures. Covers the
 * answer, the TTL across invocations, a rotation (the secret switches to new keys and MRS
 * revokes the old ones), the named errors, and no secret value in any output.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Emulator, startEmulator } from '../../emulator/server';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../../emulator/secrets-manager';
import { httpEvent } from '../fixtures/events';
import { coldStart, type Handler } from '../fixtures/load-bundle';
import { captureOutput, awsStandInEnvironment, restoreEnvironment } from '../fixtures/test-process';

const root = resolve(__dirname, '..', '..');
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const SECRET_NAME = 'prod/huawei/mrs-iam-sync';
const FIRST = { accessKey: 'SMROTATEACCESSKEY001', secretKey: 'secret-manager-secret-key-00000000000001' };
const SECOND = { accessKey: 'SMROTATEACCESSKEY002', secretKey: 'secret-manager-secret-key-00000000000002' };
const AWS_KEYS = { accessKeyId: 'AKIASTANDINFAKE00001', secretAccessKey: 'stand-in-aws-secret-access-key-000000001' };
const AWS_REGION = 'eu-west-1';
const secretJson = (keys: { accessKey: string; secretKey: string }) =>
  JSON.stringify({ access_key: keys.accessKey, secret_key: keys.secretKey });
const SECRETS = [FIRST.accessKey, FIRST.secretKey, SECOND.accessKey, SECOND.secretKey, AWS_KEYS.secretAccessKey];

interface HttpAnswer {
  statusCode: number;
  body: string;
}

let emulator: Emulator;
let standIn: SecretsManagerStandIn;
const output: string[] = [];
const answers: string[] = [];
const savedEnv = { ...process.env };

/** The AWS variables Lambda gives every function; the SDK reads them when it first sends, so they stay set for the whole file. */
const AWS_ENV = () => awsStandInEnvironment(AWS_REGION, AWS_KEYS, { AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url });

function environment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MRS_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    HUAWEICLOUD_CREDENTIALS_SECRET_ID: SECRET_NAME,
    STATUS_CACHE_TTL_SECONDS: '0',
    MRS_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

const lambdaContext = () => {
  const deadline = Date.now() + 10_000;
  return { awsRequestId: 'lambda-request-1', functionName: 'iam-sync-status', getRemainingTimeInMillis: () => deadline - Date.now() };
};

async function call(handler: Handler, clusterId = 'demo-idle'): Promise<HttpAnswer> {
  const answer = (await handler(httpEvent('aws-http-v2', clusterId), lambdaContext())) as HttpAnswer;
  answers.push(JSON.stringify(answer));
  return answer;
}

async function startMrs(credentials: Array<{ accessKey: string; secretKey: string }>, port = 0): Promise<Emulator> {
  return startEmulator({ port, projectId: PROJECT, credentials, clusters: { 'demo-idle': false, 'demo-syncing': true } });
}

beforeAll(async () => {
  captureOutput(output);
  emulator = await startMrs([FIRST]);
  standIn = await startSecretsManagerStandIn({ region: AWS_REGION, credentials: AWS_KEYS, secrets: { [SECRET_NAME]: secretJson(FIRST) } });
  Object.assign(process.env, AWS_ENV());
});

afterEach(() => {
  standIn.setSecret(SECRET_NAME, secretJson(FIRST));
  emulator.reset();
});

afterAll(async () => {
  await Promise.all([emulator.close(), standIn.close()]);
  restoreEnvironment(savedEnv);
  jest.restoreAllMocks();
});

describe('the built bundle', () => {
  it('carries no AWS SDK in index.js, and requires the Secrets Manager chunk from beside itself', () => {
    for (const name of ['iam-sync-status', 'iam-sync-refresh', 'iam-sync-start', 'iam-sync-wait']) {
      const main = readFileSync(resolve(root, 'dist', name, 'index.js'), 'utf8');
      expect(main).not.toContain('GetSecretValueCommand');
      expect(main).not.toContain('@aws-sdk');
      expect(main).toContain('require("./secrets-manager.js")');
      expect(readFileSync(resolve(root, 'dist', name, 'secrets-manager.js'), 'utf8')).toContain('secretsmanager');
    }
  });

  it.each([
    ['without HUAWEICLOUD_CREDENTIALS_SECRET_ID never loads', false],
    ['with it loads', true],
  ])('a fresh process %s the chunk', async (_what, withSecret) => {
    // A process of its own, as a cold start is: its module cache shows what the bundle required.
    const script = `
      const { handler } = require(${JSON.stringify(resolve(root, 'dist', 'iam-sync-status', 'index.js'))});
      handler({ cluster_id: 'demo-idle' }, { awsRequestId: 'r', getRemainingTimeInMillis: () => 10000 }).then((answer) => {
        const loaded = Object.keys(require.cache).some((path) => path.endsWith('secrets-manager.js'));
        require('node:fs').writeSync(3, JSON.stringify({ answer, loaded }));
      });`;
    const env = withSecret
      ? { ...process.env, ...environment() }
      : {
          ...process.env,
          ...environment({ HUAWEICLOUD_SDK_AK: FIRST.accessKey, HUAWEICLOUD_SDK_SK: FIRST.secretKey }),
          HUAWEICLOUD_CREDENTIALS_SECRET_ID: '',
        };
    const readsBefore = standIn.requests.length;
    const { answer, loaded } = await new Promise<{ answer: { is_synchronizing: boolean }; loaded: boolean }>((done, fail) => {
      const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      let figures = '';
      child.stdout?.on('data', (chunk) => output.push(String(chunk)));
      child.stderr?.on('data', (chunk) => output.push(String(chunk)));
      child.stdio[3]?.on('data', (chunk) => (figures += chunk));
      child.on('error', fail);
      child.on('close', (code) => (code === 0 ? done(JSON.parse(figures)) : fail(new Error(`exited ${code}`))));
    });
    expect(answer).toMatchObject({ is_synchronizing: false });
    expect(loaded).toBe(withSecret);
    expect(standIn.requests.length - readsBefore).toBe(withSecret ? 1 : 0);
  });
});

describe('credentials from the secret', () => {
  it('answers with the keys the secret holds, signed as MRS verifies', async () => {
    const readsBefore = standIn.reads(SECRET_NAME);
    const handler = coldStart('iam-sync-status', environment());
    // Nothing is read at load: only when the first invocation needs credentials.
    expect(standIn.reads(SECRET_NAME)).toBe(readsBefore);
    const response = await call(handler, 'demo-syncing');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ cluster_id: 'demo-syncing', is_synchronizing: true });
    expect(standIn.reads(SECRET_NAME)).toBe(readsBefore + 1);
    expect(standIn.requests.at(-1)).toMatchObject({
      target: 'secretsmanager.GetSecretValue',
      secretId: SECRET_NAME,
      verification: { ok: true },
      status: 200,
    });
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]?.verification).toMatchObject({ ok: true });
    expect(String(emulator.requests[0]?.headers.authorization)).toContain(`Access=${FIRST.accessKey}`);
  });

  it('accepts the secret by its ARN, read in the ARN region', async () => {
    const handler = coldStart('iam-sync-status', environment({ HUAWEICLOUD_CREDENTIALS_SECRET_ID: standIn.arnOf(SECRET_NAME) }));
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = 'us-east-1';
    try {
      expect((await call(handler)).statusCode).toBe(200);
    } finally {
      process.env.AWS_REGION = saved;
    }
    expect(standIn.requests.at(-1)).toMatchObject({ secretId: standIn.arnOf(SECRET_NAME), verification: { ok: true }, status: 200 });
  });

  it('reads the secret once across invocations within SECRET_CACHE_TTL_SECONDS, and again after', async () => {
    const handler = coldStart('iam-sync-status', environment({ SECRET_CACHE_TTL_SECONDS: '1' }));
    const before = standIn.reads(SECRET_NAME);
    for (let i = 0; i < 5; i += 1) expect((await call(handler)).statusCode).toBe(200);
    expect(standIn.reads(SECRET_NAME)).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call(handler)).statusCode).toBe(200);
    expect(standIn.reads(SECRET_NAME)).toBe(before + 2);
    expect(emulator.requests).toHaveLength(6);
  });

  it('after a rotation (new keys in the secret, the old ones revoked by MRS), reads the secret again once and answers', async () => {
    const handler = coldStart('iam-sync-status', environment());
    expect((await call(handler)).statusCode).toBe(200);
    const before = standIn.reads(SECRET_NAME);

    // Rotation: the secret gets the new pair; MRS now knows only the new pair (the emulator restarts on its port without the old one).
    standIn.setSecret(SECRET_NAME, secretJson(SECOND));
    const port = emulator.port;
    await emulator.close();
    emulator = await startMrs([SECOND], port);

    const response = await call(handler, 'demo-syncing');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ is_synchronizing: true });
    expect(standIn.reads(SECRET_NAME)).toBe(before + 1);
    // One refusal of the old pair (APIGW.0301, 401), then one request with the new pair.
    expect(emulator.requests.map((r) => r.status)).toEqual([401, 200]);
    expect(String(emulator.requests[0]?.headers.authorization)).toContain(`Access=${FIRST.accessKey}`);
    expect(String(emulator.requests[1]?.headers.authorization)).toContain(`Access=${SECOND.accessKey}`);
    // The new pair is kept: no further read for the next invocations.
    expect((await call(handler)).statusCode).toBe(200);
    expect(standIn.reads(SECRET_NAME)).toBe(before + 1);

    // Back to the first pair for the other tests.
    await emulator.close();
    emulator = await startMrs([FIRST], port);
  });

  it('when MRS refuses keys the secret still holds, reads it once and answers UpstreamAuthFailed', async () => {
    const handler = coldStart('iam-sync-status', environment());
    expect((await call(handler)).statusCode).toBe(200);
    const before = standIn.reads(SECRET_NAME);
    const port = emulator.port;
    await emulator.close();
    emulator = await startMrs([SECOND], port);
    try {
      const first = await call(handler);
      expect(first.statusCode).toBe(502);
      expect(JSON.parse(first.body).error.code).toBe('UpstreamAuthFailed');
      expect(standIn.reads(SECRET_NAME)).toBe(before + 1);
      // The same refused pair is not read again within the TTL.
      expect((await call(handler)).statusCode).toBe(502);
      expect(standIn.reads(SECRET_NAME)).toBe(before + 1);
    } finally {
      await emulator.close();
      emulator = await startMrs([FIRST], port);
    }
  });
});

describe('a secret that cannot be used', () => {
  const errorOf = async (handler: Handler) => {
    const response = await call(handler);
    return { status: response.statusCode, ...(JSON.parse(response.body) as { error: { code: string; message: string } }).error };
  };

  it('missing: ConfigurationError naming the secret and what to check; MRS not asked', async () => {
    const handler = coldStart('iam-sync-status', environment({ HUAWEICLOUD_CREDENTIALS_SECRET_ID: 'prod/huawei/no-such-secret' }));
    const error = await errorOf(handler);
    expect(error).toMatchObject({ status: 500, code: 'ConfigurationError' });
    expect(error.message).toMatch(
      /no secret "prod\/huawei\/no-such-secret" \(ResourceNotFoundException\).*check HUAWEICLOUD_CREDENTIALS_SECRET_ID/,
    );
    expect(emulator.requests).toHaveLength(0);
  });

  it('access denied: ConfigurationError saying which permission to grant', async () => {
    standIn.setFault(SECRET_NAME, { kind: 'access-denied' });
    try {
      const error = await errorOf(coldStart('iam-sync-status', environment()));
      expect(error).toMatchObject({ code: 'ConfigurationError' });
      expect(error.message).toMatch(/AccessDeniedException.*secretsmanager:GetSecretValue on that secret/);
    } finally {
      standIn.setFault(SECRET_NAME, undefined);
    }
  });

  it('JSON without the fields: ConfigurationError naming the fields, never the content', async () => {
    standIn.setSecret(SECRET_NAME, JSON.stringify({ ak: FIRST.accessKey, sk: FIRST.secretKey }));
    const error = await errorOf(coldStart('iam-sync-status', environment()));
    expect(error).toMatchObject({ code: 'ConfigurationError' });
    expect(error.message).toMatch(/has no non-empty string access_key or secret_key/);
  });

  it('AWS keys the service does not know: ConfigurationError about the function role', async () => {
    const saved = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-stand-in-aws-secret-key-000000009';
    try {
      const error = await errorOf(coldStart('iam-sync-status', environment()));
      expect(error).toMatchObject({ code: 'ConfigurationError' });
      expect(error.message).toMatch(/InvalidSignatureException.*execution role/);
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = saved;
    }
  });

  it('Secrets Manager failing: UpstreamUnavailable, to retry', async () => {
    standIn.setFault(SECRET_NAME, { kind: 'internal-error' });
    try {
      const error = await errorOf(coldStart('iam-sync-status', environment({ MRS_MAX_ATTEMPTS: '1' })));
      expect(error).toMatchObject({ status: 502, code: 'UpstreamUnavailable' });
      expect(error.message).toMatch(/InternalServiceError, HTTP 500\): retry shortly/);
    } finally {
      standIn.setFault(SECRET_NAME, undefined);
    }
  });
});

afterAll(() => {
  // Every answer and every line the bundles printed (log lines, warnings), checked once all ran.
  const everything = [...output, ...answers].join('\n');
  expect(everything.length).toBeGreaterThan(0);
  for (const secret of SECRETS) expect(everything).not.toContain(secret);
});
