/**
 * `npm run offline` (serverless-offline 13 serving the project's own serverless.yml) on free
 * loopback ports, with the built bundles, driven over HTTP as API Gateway's HTTP API would
 * call them (payload 2.0): every route, against the MRS emulator, with the Huawei keys read
 * from the Secrets Manager stand-in through the real AWS client, as on Lambda.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { type Emulator, startEmulator } from '../../emulator/server';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../../emulator/secrets-manager';
import { freePort } from '../fixtures/redis-server';

const root = resolve(__dirname, '..', '..');
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const SECRET_NAME = 'offline/huawei-read';
const HUAWEI = { accessKey: 'OFFLINEACCESSKEY0001', secretKey: 'offline-secret-key-000000000000000000001' };
// The start function signs with keys of its own, from a secret of its own.
const START_SECRET_NAME = 'offline/huawei-start';
const HUAWEI_START = { accessKey: 'OFFLINESTARTKEY00001', secretKey: 'offline-start-secret-key-00000000000001' };
const AWS_KEYS = { accessKeyId: 'AKIAOFFLINEFAKE00001', secretAccessKey: 'offline-aws-secret-access-key-0000000001' };
const SECRETS = [HUAWEI.secretKey, HUAWEI_START.secretKey, AWS_KEYS.secretAccessKey];

let emulator: Emulator;
let standIn: SecretsManagerStandIn;
let offline: ChildProcess;
let base: string;
let output = '';

beforeAll(async () => {
  emulator = await startEmulator({
    projectId: PROJECT,
    credentials: [HUAWEI, HUAWEI_START],
    clusters: { 'demo-idle': false, 'demo-syncing': true },
    iamSync: { durationMs: 1500 },
  });
  // serverless-offline's default region, which it gives the functions as AWS_REGION.
  standIn = await startSecretsManagerStandIn({
    region: 'us-east-1',
    credentials: AWS_KEYS,
    secrets: {
      [SECRET_NAME]: JSON.stringify({ access_key: HUAWEI.accessKey, secret_key: HUAWEI.secretKey }),
      [START_SECRET_NAME]: JSON.stringify({ access_key: HUAWEI_START.accessKey, secret_key: HUAWEI_START.secretKey }),
    },
  });
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${httpPort}`;
  offline = spawn('npm', ['run', 'offline', '--', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)], {
    cwd: root,
    // Its own process group, so the whole tree (npm, sh, serverless) stops together.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // Settings serverless.yml reads when it is loaded...
      MRS_PROJECT_ID: PROJECT,
      HUAWEICLOUD_CREDENTIALS_SECRET_NAME: SECRET_NAME,
      HUAWEICLOUD_START_CREDENTIALS_SECRET_NAME: START_SECRET_NAME,
      IAM_SYNC_START_ENABLED: 'true',
      // ...and what the functions get from the local environment: the emulator instead of MRS,
      // the stand-in instead of Secrets Manager (serverless-offline passes every AWS_* on).
      MRS_ENDPOINT: emulator.url,
      STATUS_CACHE_TTL_SECONDS: '0',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
      AWS_ACCESS_KEY_ID: AWS_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AWS_KEYS.secretAccessKey,
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    },
  });
  offline.stdout?.on('data', (chunk) => (output += chunk));
  offline.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 45_000;
  while (!output.includes('Server ready')) {
    if (Date.now() > deadline || offline.exitCode !== null) throw new Error(`serverless-offline did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  if (offline?.pid !== undefined && offline.exitCode === null) {
    const exited = new Promise((r) => offline.once('exit', r));
    process.kill(-offline.pid, 'SIGTERM');
    await exited;
  }
  await Promise.all([emulator?.close(), standIn?.close()]);
  for (const secret of SECRETS) expect(output).not.toContain(secret);
});

async function request(method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

describe('npm run offline', () => {
  it('serves the status route, signing with the keys from the secret', async () => {
    const answer = await request('GET', '/clusters/demo-syncing/iam-sync');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ cluster_id: 'demo-syncing', is_synchronizing: true });
    expect(emulator.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: `/v2/${PROJECT}/clusters/demo-syncing/iam-sync`,
      status: 200,
      verification: { ok: true },
    });
    expect(standIn.reads(SECRET_NAME)).toBeGreaterThanOrEqual(1);
  });

  it('serves the sibling reads from the same function', async () => {
    const completion = await request('GET', '/clusters/demo-idle/iam-sync/is-synchronous');
    expect(completion.status).toBe(200);
    expect(completion.body).toMatchObject({ cluster_id: 'demo-idle' });
    expect(typeof completion.body.is_synchronous).toBe('boolean');
    const users = await request('GET', '/clusters/demo-idle/iam-sync/users');
    expect(users.status).toBe(200);
    expect(Array.isArray(users.body.user_names)).toBe(true);
  });

  it('answers an unknown cluster with 404 ClusterNotFound', async () => {
    const answer = await request('GET', '/clusters/no-such-cluster/iam-sync');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('ClusterNotFound');
  });

  it('starts a sync with POST, then waits for it over the long-poll route', async () => {
    const started = await request('POST', '/clusters/demo-idle/iam-sync', { is_all_sync: true });
    expect(started.status).toBe(202);
    expect(emulator.countRequests('POST', '/v2/{project_id}/clusters/{cluster_id}/iam-sync-user')).toBe(1);
    // Signed with the start function's own keys, never the read functions'.
    const post = emulator.requests.find((r) => r.method === 'POST');
    expect(post?.verification).toEqual({ ok: true, accessKey: HUAWEI_START.accessKey });
    const waited = await request('GET', '/clusters/demo-idle/iam-sync/wait?max_wait_seconds=15&min_delay_seconds=1&max_delay_seconds=1');
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ cluster_id: 'demo-idle', is_synchronizing: false, done: true });
    expect(waited.body.polls).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('has no route the stack does not declare', async () => {
    const response = await fetch(`${base}/clusters/demo-idle/other`);
    expect(response.status).toBe(404);
  });
});
