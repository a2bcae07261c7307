/**
 * The built status bundle with no Huawei key anywhere: its credentials come from Huawei IAM
 * OIDC federation in the emulator, which verifies each ID token against the JWKS registered for
 * its identity provider, maps it, and hands out temporary keys the emulated MRS then accepts
 * with their security token. The ID token comes either from a file (a Kubernetes projected
 * service-account token, signed by the test's own "cluster" key) or from AWS STS
 * GetWebIdentityToken: the real AWS SDK client, in the lazily loaded chunk beside index.js,
 * reaching the loopback STS stand-in through AWS_ENDPOINT_URL_STS; IAM through IAM_ENDPOINT.
 * Covers both sources end to end, keys near expiry refreshed before use, concurrent
 * invocations sharing one exchange, a revoked key renewed once on 401, each failure's named
 * error, the chunk loaded only with the STS source, and no token or key in any output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSigningKey, jwksOf, signJwt } from '../../emulator/jwt';
import { type Emulator, startEmulator } from '../../emulator/server';
import { type StsStandIn, startStsStandIn } from '../../emulator/sts';
import { httpEvent } from '../fixtures/events';
import { coldStart, type Handler } from '../fixtures/load-bundle';
import { captureOutput, awsStandInEnvironment, restoreEnvironment } from '../fixtures/test-process';

const root = resolve(__dirname, '..', '..');
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const AWS_KEYS = { accessKeyId: 'AKIAOIDCSTANDIN00001', secretAccessKey: 'oidc-stand-in-aws-secret-access-key-0001' };
const AWS_REGION = 'eu-west-1';
const ROLE = 'arn:aws:iam::123456789012:role/mrs-iam-sync-status';
const AUDIENCE = 'urn:huaweicloud:iam:mrs-iam-sync';
/** The Kubernetes side: the cluster's service-account issuer, its signing key, the projected token's audience and subject. */
const K8S_ISSUER = 'https://oidc.cce.example.test/id/0123456789abcdef';
const K8S_AUDIENCE = 'huaweicloud-iam';
const K8S_SUBJECT = 'system:serviceaccount:mrs:iam-sync-status';
const k8sKey = createSigningKey('cluster-key-1');

interface HttpAnswer {
  statusCode: number;
  body: string;
}

let emulator: Emulator;
let sts: StsStandIn;
let folder: string;
const output: string[] = [];
const answers: string[] = [];
const fileTokens: string[] = [];
const savedEnv = { ...process.env };

/** A projected service-account token as the kubelet writes it. */
function projectedToken(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt(k8sKey, { iss: K8S_ISSUER, aud: [K8S_AUDIENCE], sub: K8S_SUBJECT, iat: now, nbf: now, exp: now + 3600, ...claims });
  fileTokens.push(token);
  return token;
}

function tokenFile(token: string, name = 'token'): string {
  const path = join(folder, name);
  writeFileSync(path, `${token}\n`);
  return path;
}

function environment(extra: Record<string, string>): Record<string, string> {
  return {
    MRS_ENDPOINT: emulator.url,
    IAM_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    STATUS_CACHE_TTL_SECONDS: '0',
    MRS_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'debug',
    ...extra,
  };
}
const stsEnvironment = (extra: Record<string, string> = {}) =>
  environment({ HUAWEICLOUD_IDP_ID: 'aws-lambda', HUAWEICLOUD_ID_TOKEN_AUDIENCE: AUDIENCE, ...extra });
const fileEnvironment = (path: string, extra: Record<string, string> = {}) =>
  environment({ HUAWEICLOUD_IDP_ID: 'cce-cluster', HUAWEICLOUD_ID_TOKEN_FILE: path, ...extra });

const lambdaContext = () => {
  const deadline = Date.now() + 10_000;
  return { awsRequestId: 'lambda-request-1', functionName: 'iam-sync-status', getRemainingTimeInMillis: () => deadline - Date.now() };
};

async function call(handler: Handler, clusterId = 'demo-idle'): Promise<HttpAnswer> {
  const answer = (await handler(httpEvent('aws-http-v2', clusterId), lambdaContext())) as HttpAnswer;
  answers.push(JSON.stringify(answer));
  return answer;
}

const exchanges = () => emulator.federation?.exchanges() ?? { idTokens: 0, securityTokens: 0 };
const accessKeyOf = (index: number) => /Access=([A-Z0-9]+)/.exec(String(emulator.requests[index]?.headers.authorization))?.[1];

beforeAll(async () => {
  captureOutput(output);
  folder = mkdtempSync(join(tmpdir(), 'oidc-bundle-'));
  sts = await startStsStandIn({ region: AWS_REGION, credentials: AWS_KEYS, roleArn: ROLE });
  emulator = await startEmulator({
    projectId: PROJECT,
    credentials: [],
    clusters: { 'demo-idle': false, 'demo-syncing': true },
    federation: {
      identityProviders: {
        // As an administrator registers them: idp_url, client_id, the issuer's JWKS as signing_key, a rule on sub.
        'aws-lambda': { issuer: sts.issuer, clientId: AUDIENCE, signingKey: JSON.stringify(sts.jwks()), mapping: { sub: ROLE } },
        'cce-cluster': {
          issuer: K8S_ISSUER,
          clientId: K8S_AUDIENCE,
          signingKey: JSON.stringify(jwksOf(k8sKey)),
          mapping: { sub: K8S_SUBJECT },
        },
      },
    },
  });
  Object.assign(process.env, awsStandInEnvironment(AWS_REGION, AWS_KEYS, { AWS_ENDPOINT_URL_STS: sts.url }));
});

afterEach(() => {
  emulator.reset();
  emulator.federation?.setKeyLifetime(undefined);
  sts.setEnabled(true);
});

afterAll(async () => {
  await Promise.all([emulator.close(), sts.close()]);
  rmSync(folder, { recursive: true, force: true });
  restoreEnvironment(savedEnv);
  jest.restoreAllMocks();
});

describe('the built bundle', () => {
  it('carries no AWS SDK in index.js, and requires the STS chunk from beside itself', () => {
    for (const name of ['iam-sync-status', 'iam-sync-refresh', 'iam-sync-start', 'iam-sync-wait']) {
      const main = readFileSync(resolve(root, 'dist', name, 'index.js'), 'utf8');
      expect(main).not.toContain('GetWebIdentityTokenCommand');
      expect(main).not.toContain('@aws-sdk');
      expect(main).toContain('require("./oidc-sts.js")');
      expect(readFileSync(resolve(root, 'dist', name, 'oidc-sts.js'), 'utf8')).toContain('GetWebIdentityToken');
    }
  });

  it.each([
    ['with the token file never loads', 'file'],
    ['with plain keys never loads', 'keys'],
    ['with the STS source loads', 'sts'],
  ])('a fresh process %s the STS chunk', async (_what, source) => {
    // A process of its own, as a cold start is: its module cache shows what the bundle required.
    const script = `
      const { handler } = require(${JSON.stringify(resolve(root, 'dist', 'iam-sync-status', 'index.js'))});
      handler({ cluster_id: 'demo-idle' }, { awsRequestId: 'r', getRemainingTimeInMillis: () => 10000 }).then((answer) => {
        const loaded = Object.keys(require.cache).some((path) => path.endsWith('oidc-sts.js'));
        require('node:fs').writeSync(3, JSON.stringify({ answer, loaded }));
      });`;
    const revoked: string[] = [];
    if (source === 'keys') {
      // Plain keys: a temporary key from the emulator, given as HUAWEICLOUD_SDK_* like any key.
      const held = await call(coldStart('iam-sync-status', fileEnvironment(tokenFile(projectedToken()))));
      expect(held.statusCode).toBe(200);
      revoked.push(...(emulator.federation?.temporaryKeys().map((k) => k.accessKey) ?? []));
    }
    const latest = emulator.federation?.temporaryKeys().at(-1);
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...(source === 'sts'
        ? stsEnvironment()
        : source === 'file'
          ? fileEnvironment(tokenFile(projectedToken(), 'child-token'))
          : environment({})),
      ...(source === 'keys' &&
        latest && {
          HUAWEICLOUD_SDK_AK: latest.accessKey,
          HUAWEICLOUD_SDK_SK: latest.secretKey,
          HUAWEICLOUD_SDK_SECURITY_TOKEN: latest.securityToken,
        }),
    };
    const before = { ...exchanges(), sts: sts.tokensIssued() };
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
    expect(loaded).toBe(source === 'sts');
    expect(sts.tokensIssued() - before.sts).toBe(source === 'sts' ? 1 : 0);
    expect(exchanges().idTokens - before.idTokens).toBe(source === 'keys' ? 0 : 1);
  });
});

describe('end to end', () => {
  it('the file source: a projected token exchanged for temporary keys, signed with their security token as MRS verifies', async () => {
    const handler = coldStart('iam-sync-status', fileEnvironment(tokenFile(projectedToken())));
    // Nothing is exchanged at load: only when the first invocation needs credentials.
    const before = exchanges();
    expect(exchanges()).toEqual(before);
    const response = await call(handler, 'demo-syncing');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ cluster_id: 'demo-syncing', is_synchronizing: true });
    expect(exchanges()).toEqual({ idTokens: before.idTokens + 1, securityTokens: before.securityTokens + 1 });
    expect(emulator.federation?.requests.slice(-2).map((r) => [r.step, r.idpId, r.status])).toEqual([
      ['id-token', 'cce-cluster', 201],
      ['securitytokens', 'cce-cluster', 201],
    ]);
    const key = emulator.federation?.temporaryKeys().at(-1);
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]?.verification).toMatchObject({ ok: true, accessKey: key?.accessKey });
    expect(emulator.requests[0]?.headers['x-security-token']).toBe(key?.securityToken);
    // Kept: the next invocations exchange nothing.
    for (let i = 0; i < 3; i += 1) expect((await call(handler)).statusCode).toBe(200);
    expect(exchanges().idTokens).toBe(before.idTokens + 1);
  });

  it('the STS source: a token from GetWebIdentityToken for the function role, exchanged the same way', async () => {
    const handler = coldStart('iam-sync-status', stsEnvironment());
    const before = { ...exchanges(), sts: sts.tokensIssued() };
    const response = await call(handler);
    expect(response.statusCode).toBe(200);
    expect(sts.tokensIssued()).toBe(before.sts + 1);
    expect(sts.requests.at(-1)).toMatchObject({
      action: 'GetWebIdentityToken',
      audience: [AUDIENCE],
      signingAlgorithm: 'RS256',
      durationSeconds: 300,
      verification: { ok: true },
      status: 200,
    });
    expect(exchanges()).toEqual({ idTokens: before.idTokens + 1, securityTokens: before.securityTokens + 1 });
    expect(emulator.federation?.requests.at(-2)).toMatchObject({ step: 'id-token', idpId: 'aws-lambda', status: 201 });
    expect(emulator.requests[0]?.verification).toMatchObject({
      ok: true,
      accessKey: emulator.federation?.temporaryKeys().at(-1)?.accessKey,
    });
    expect((await call(handler)).statusCode).toBe(200);
    expect(sts.tokensIssued()).toBe(before.sts + 1);
  });

  it('keys near expiry are refreshed before use, with a fresh token (no refusal first)', async () => {
    // Keys that expire 302 s after issue are within the 5-minute margin after 2 s.
    emulator.federation?.setKeyLifetime(302);
    const handler = coldStart('iam-sync-status', stsEnvironment());
    const before = { ...exchanges(), sts: sts.tokensIssued() };
    expect((await call(handler)).statusCode).toBe(200);
    expect((await call(handler)).statusCode).toBe(200);
    expect(exchanges().idTokens).toBe(before.idTokens + 1);
    await new Promise((done) => setTimeout(done, 2100));
    expect((await call(handler)).statusCode).toBe(200);
    expect(exchanges().idTokens).toBe(before.idTokens + 2);
    expect(sts.tokensIssued()).toBe(before.sts + 2);
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(accessKeyOf(1)).toBe(accessKeyOf(0));
    expect(accessKeyOf(2)).not.toBe(accessKeyOf(1));
    expect(accessKeyOf(2)).toBe(emulator.federation?.temporaryKeys().at(-1)?.accessKey);
  });

  it('concurrent invocations share one exchange', async () => {
    const handler = coldStart('iam-sync-status', stsEnvironment());
    const before = { ...exchanges(), sts: sts.tokensIssued() };
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => call(handler, i % 2 === 0 ? 'demo-idle' : 'demo-syncing')));
    expect(all.map((a) => a.statusCode)).toEqual(Array(20).fill(200));
    expect(sts.tokensIssued()).toBe(before.sts + 1);
    expect(exchanges()).toEqual({ idTokens: before.idTokens + 1, securityTokens: before.securityTokens + 1 });
    expect(new Set(emulator.requests.map((r) => (r.verification.ok ? r.verification.accessKey : 'refused')))).toEqual(
      new Set([emulator.federation?.temporaryKeys().at(-1)?.accessKey]),
    );
  });

  it('a revoked temporary key: MRS answers 401, the function exchanges once more and answers', async () => {
    const handler = coldStart('iam-sync-status', fileEnvironment(tokenFile(projectedToken())));
    expect((await call(handler)).statusCode).toBe(200);
    const first = emulator.federation?.temporaryKeys().at(-1)?.accessKey as string;
    const revoke = await fetch(`${emulator.url}/_emulator/federation/temporary-keys/${first}`, { method: 'DELETE' });
    expect(revoke.status).toBe(200);
    const before = exchanges();
    const response = await call(handler, 'demo-syncing');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ is_synchronizing: true });
    expect(exchanges()).toEqual({ idTokens: before.idTokens + 1, securityTokens: before.securityTokens + 1 });
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 401, 200]);
    expect(accessKeyOf(1)).toBe(first);
    expect(accessKeyOf(2)).not.toBe(first);
    // The new key is kept.
    expect((await call(handler)).statusCode).toBe(200);
    expect(exchanges().idTokens).toBe(before.idTokens + 1);
  });
});

describe('named errors', () => {
  const errorOf = async (handler: Handler) => {
    const response = await call(handler);
    return { status: response.statusCode, ...(JSON.parse(response.body) as { error: { code: string; message: string } }).error };
  };

  it('a token for the wrong audience: ConfigurationError from the exchange, naming the audience to compare with client_id; MRS not asked', async () => {
    const error = await errorOf(coldStart('iam-sync-status', stsEnvironment({ HUAWEICLOUD_ID_TOKEN_AUDIENCE: 'urn:wrong:audience' })));
    expect(error).toMatchObject({ status: 500, code: 'ConfigurationError' });
    expect(error.message).toMatch(
      /^OIDC federation, step 2 \(exchanging the ID token from AWS STS GetWebIdentityToken \(audience HUAWEICLOUD_ID_TOKEN_AUDIENCE "urn:wrong:audience"\) with Huawei IAM, identity provider HUAWEICLOUD_IDP_ID "aws-lambda"\): IAM rejected the ID token \(HTTP 401, X-Request-Id [0-9a-f]{32}\)\. Check/,
    );
    expect(error.message).toMatch(/client_id its audience "urn:wrong:audience"/);
    expect(emulator.federation?.requests.at(-1)).toMatchObject({ step: 'id-token', status: 401, reason: 'audience' });
    expect(emulator.requests).toHaveLength(0);
  });

  it('an expired token in the file: ConfigurationError saying when it expired and that the file is not refreshed', async () => {
    const expired = projectedToken({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 });
    const error = await errorOf(coldStart('iam-sync-status', fileEnvironment(tokenFile(expired, 'expired'))));
    expect(error).toMatchObject({ status: 500, code: 'ConfigurationError' });
    expect(error.message).toMatch(
      /^OIDC federation, step 2 \(exchanging the ID token from the file HUAWEICLOUD_ID_TOKEN_FILE "[^"]+expired" with Huawei IAM, identity provider HUAWEICLOUD_IDP_ID "cce-cluster"\): IAM rejected the ID token \(HTTP 401[^)]*\): it expired at .* \(exp\), 360[01] s ago\. The file is not being refreshed/,
    );
    expect(emulator.federation?.requests.at(-1)).toMatchObject({ status: 401, reason: 'expired' });
  });

  it('an unknown identity provider: ConfigurationError naming HUAWEICLOUD_IDP_ID', async () => {
    const error = await errorOf(
      coldStart('iam-sync-status', fileEnvironment(tokenFile(projectedToken()), { HUAWEICLOUD_IDP_ID: 'no-such-idp' })),
    );
    expect(error).toMatchObject({ status: 500, code: 'ConfigurationError' });
    expect(error.message).toMatch(
      /identity provider HUAWEICLOUD_IDP_ID "no-such-idp"\): IAM has no such identity provider with the protocol oidc \(HTTP 404[^)]*\)\. Check HUAWEICLOUD_IDP_ID/,
    );
  });

  it('a token the mapping does not match: ConfigurationError naming the mapping', async () => {
    const error = await errorOf(
      coldStart('iam-sync-status', fileEnvironment(tokenFile(projectedToken({ sub: 'system:serviceaccount:default:other' }), 'other'))),
    );
    expect(error).toMatchObject({ code: 'ConfigurationError' });
    expect(error.message).toMatch(/the provider's mapping gives it no access \(HTTP 403[^)]*\)/);
  });

  it('federation not enabled on the AWS account: ConfigurationError from the token source, never the metadata service', async () => {
    sts.setEnabled(false);
    const error = await errorOf(coldStart('iam-sync-status', stsEnvironment()));
    expect(error).toMatchObject({ status: 500, code: 'ConfigurationError' });
    expect(error.message).toMatch(
      /^OIDC federation, step 1 \(the ID token from AWS STS GetWebIdentityToken\): outbound identity federation is not enabled on the AWS account/,
    );
    expect(error.message).not.toMatch(/metadata/);
  });

  it('a missing token file: ConfigurationError from the token source', async () => {
    const error = await errorOf(coldStart('iam-sync-status', fileEnvironment(join(folder, 'no-such-token'))));
    expect(error).toMatchObject({ status: 500, code: 'ConfigurationError' });
    expect(error.message).toMatch(
      /^OIDC federation, step 1 \(the ID token from the file HUAWEICLOUD_ID_TOKEN_FILE "[^"]+no-such-token"\): the file does not exist/,
    );
  });
});

afterAll(() => {
  // Every answer and every line the bundles printed (log lines, warnings), checked once all ran.
  const everything = [...output, ...answers].join('\n');
  expect(everything).toMatch(/temporary credentials from Huawei IAM OIDC federation/);
  expect(everything).toMatch(/Huawei IAM refused the OIDC federation/);
  const keys = emulator.federation?.temporaryKeys() ?? [];
  const secrets = [
    ...fileTokens,
    ...sts.issuedTokens(),
    ...(emulator.federation?.unscopedTokens() ?? []),
    ...keys.flatMap((k) => [k.accessKey, k.secretKey, k.securityToken]),
    AWS_KEYS.secretAccessKey,
  ];
  expect(sts.issuedTokens().length).toBeGreaterThan(3);
  expect(keys.length).toBeGreaterThan(5);
  // Signatures alone too: a token cut short would still leave its signature.
  for (const token of [...fileTokens, ...sts.issuedTokens()]) secrets.push(token.split('.')[2] as string);
  for (const secret of secrets) expect(everything).not.toContain(secret);
});
