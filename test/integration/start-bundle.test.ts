/**
 * The built start bundle (dist/iam-sync-start), as deployed, against the MRS emulator's IAM
 * sync lifecycle: off by default; a start over every trigger; a sync already running (by the
 * status read, or by MRS's own 12000154 on the POST when the two race); the POST never sent
 * twice once it went out; idempotency in one instance and across instances through a real
 * redis-server; the cached status dropped so the next read says true; and no secret in any
 * output, including a failed POST whose answer echoes the credentials.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { iamSyncInProgress } from '../../emulator/errors';
import { type Emulator, type Fault, startEmulator } from '../../emulator/server';
import { closeServer, listenOnLoopback } from '../../tools/loopback-http';
import { functionGraphContext, HTTP_SHAPES, type HttpShape, httpEvent } from '../fixtures/events';
import { coldStart, type Handler } from '../fixtures/load-bundle';
import { describeWithRedis, type RedisServer, startRedisServer } from '../fixtures/redis-server';
import { captureOutput } from '../fixtures/test-process';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const KEYS = { accessKey: 'STARTACCESSKEY000001', secretKey: 'start-secret-key-00000000000000000000001' };
const STATUS_ROUTE = '/v2/{project_id}/clusters/{cluster_id}/iam-sync';
const SYNC_USER_ROUTE = '/v2/{project_id}/clusters/{cluster_id}/iam-sync-user';
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

let emulator: Emulator;
const printed: string[] = [];
const answers: string[] = [];
let clusterCount = 0;

beforeAll(async () => {
  captureOutput(printed);
  // Syncs end only when a test finishes them.
  emulator = await startEmulator({ projectId: PROJECT, credentials: [KEYS], clusters: {}, iamSync: { durationMs: 3_600_000 } });
});
/** Every signature the emulator saw, kept before each reset for the secrets check at the end. */
const emulatorSignatures: string[] = [];
afterEach(() => {
  for (const request of emulator.requests) {
    const signature = /Signature=([0-9a-f]{64})/.exec(String(request.headers.authorization))?.[1];
    if (signature) emulatorSignatures.push(signature);
  }
  emulator.reset();
});
afterAll(async () => {
  await emulator.close();
  jest.restoreAllMocks();
});

/** A new idle cluster for each test, so that syncs started by one test never reach another. */
function newCluster(isSynchronizing = false): string {
  clusterCount += 1;
  const id = `start-${clusterCount}`;
  emulator.setCluster(id, isSynchronizing);
  return id;
}

function environment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MRS_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    HUAWEICLOUD_SDK_AK: KEYS.accessKey,
    HUAWEICLOUD_SDK_SK: KEYS.secretKey,
    MRS_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'debug',
    MRS_MAX_ATTEMPTS: '3',
    MRS_BREAKER_FAILURES: '1000',
    IAM_SYNC_START_ENABLED: 'true',
    ...extra,
  };
}

const startBundle = (extra: Record<string, string> = {}) => coldStart('iam-sync-start', environment(extra));

/** Invokes and keeps what the caller saw, for the secrets check. */
async function call(handler: Handler, event: unknown): Promise<unknown> {
  try {
    const answer = await handler(event, functionGraphContext({ remainingMs: 15_000 }));
    answers.push(JSON.stringify(answer));
    return answer;
  } catch (error) {
    answers.push(JSON.stringify({ name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack }));
    throw error;
  }
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value: value as Record<string, unknown>, error: undefined }),
    (error: Error & { statusCode?: number }) => ({ value: undefined, error }),
  );

/** POST /clusters/{id}/iam-sync as each gateway passes it: FunctionGraph APIG Base64-encodes the body. */
function postEvent(
  shape: HttpShape,
  clusterId: string,
  body: unknown,
  options: { headers?: Record<string, string>; method?: string; raw?: string } = {},
) {
  const text = options.raw ?? JSON.stringify(body);
  const event = httpEvent(shape, clusterId, {
    method: options.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
  });
  return shape === 'functiongraph-apig'
    ? { ...event, body: Buffer.from(text).toString('base64'), isBase64Encoded: true }
    : { ...event, body: text, isBase64Encoded: false };
}

const posts = () => emulator.countRequests('POST', SYNC_USER_ROUTE);
const statusReads = () => emulator.countRequests('GET', STATUS_ROUTE);
const isSynchronizing = async (clusterId: string) =>
  (
    (await coldStart('iam-sync-status', environment({ STATUS_CACHE_TTL_SECONDS: '0' }))(
      { cluster_id: clusterId },
      functionGraphContext(),
    )) as { is_synchronizing: boolean }
  ).is_synchronizing;

/** The status read passes (a no-op delay takes the first queued fault), then `fault` answers the POST. */
function faultThePost(clusterId: string, fault: Fault): void {
  emulator.injectFault({ kind: 'delay', ms: 0 }, { clusterId });
  emulator.injectFault(fault, { clusterId });
}

/** Waits, on I/O turns, until a condition holds (no wall-clock assertion). */
async function until(condition: () => boolean, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition()).toBe(true);
}

describe('off unless IAM_SYNC_START_ENABLED=true', () => {
  it.each([
    ['unset', {}],
    ['false', { IAM_SYNC_START_ENABLED: 'false' }],
  ])('%s: a direct start is OperationDisabled (403), MRS not asked', async (_label, env) => {
    const vars = environment(env);
    if (!('IAM_SYNC_START_ENABLED' in env)) delete vars.IAM_SYNC_START_ENABLED;
    const handler = coldStart('iam-sync-start', vars);
    const cluster = newCluster();
    const { error } = await outcome(call(handler, { cluster_id: cluster, is_all_sync: true }));
    expect(error?.name).toBe('OperationDisabled');
    expect(error?.statusCode).toBe(403);
    expect(emulator.requests).toHaveLength(0);
  });

  it.each(HTTP_SHAPES)('%s: POST answers 403 OperationDisabled, MRS not asked', async (shape) => {
    const vars = environment();
    delete vars.IAM_SYNC_START_ENABLED;
    const handler = coldStart('iam-sync-start', vars);
    const response = (await call(handler, postEvent(shape, newCluster(), { is_all_sync: true }))) as HttpAnswer;
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body).error.code).toBe('OperationDisabled');
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('a start', () => {
  it('direct: reads the status, POSTs once, answers started; the emulator runs the sync', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    await expect(call(handler, { cluster_id: cluster, user_names: ['alice'], group_names: ['analysts'] })).resolves.toEqual({
      cluster_id: cluster,
      started: true,
      state: 'synchronizing',
      started_at: expect.stringMatching(ISO_8601),
    });
    expect(emulator.requests.map((r) => `${r.method} ${r.route}`)).toEqual([`GET ${STATUS_ROUTE}`, `POST ${SYNC_USER_ROUTE}`]);
    expect(emulator.requests.every((r) => r.verification.ok)).toBe(true);
    expect(emulator.requests[1]?.status).toBe(202);
    await expect(isSynchronizing(cluster)).resolves.toBe(true);
  });

  it.each(HTTP_SHAPES)('%s: POST /clusters/{id}/iam-sync with a JSON body answers 202', async (shape) => {
    const handler = startBundle();
    const cluster = newCluster();
    const response = (await call(handler, postEvent(shape, cluster, { is_all_sync: true }))) as HttpAnswer;
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      cluster_id: cluster,
      started: true,
      state: 'synchronizing',
      started_at: expect.stringMatching(ISO_8601),
    });
    expect(posts()).toBe(1);
  });

  it('GET on the start route answers 405 with Allow: POST; a body over 256 KiB 413; neither asks MRS', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    const get = (await call(handler, httpEvent('functiongraph-apig', cluster, { method: 'GET' }))) as HttpAnswer;
    expect(get.statusCode).toBe(405);
    expect(get.headers.Allow).toBe('POST');
    const big = (await call(
      handler,
      postEvent('functiongraph-apig', cluster, undefined, { raw: JSON.stringify({ is_all_sync: true, pad: 'x'.repeat(256 * 1024) }) }),
    )) as HttpAnswer;
    expect(big.statusCode).toBe(413);
    expect(emulator.requests).toHaveLength(0);
  });

  it.each<[string, Record<string, unknown>]>([
    ['nothing to sync', {}],
    ['is_all_sync and names', { is_all_sync: true, user_names: ['alice'] }],
    ['a user name of 33 characters', { user_names: ['u'.repeat(33)] }],
    ['a group name of 65 characters', { group_names: ['g'.repeat(65)] }],
    ['1001 user names', { user_names: Array.from({ length: 1001 }, (_v, i) => `u${i}`) }],
    ['a number as a name', { group_names: [7] }],
  ])('%s: InvalidRequest, nothing sent', async (_label, fields) => {
    const handler = startBundle();
    const cluster = newCluster();
    const { error } = await outcome(call(handler, { cluster_id: cluster, ...fields }));
    expect(error?.name).toBe('InvalidRequest');
    const response = (await call(handler, postEvent('aws-rest-v1', cluster, fields))) as HttpAnswer;
    expect(response.statusCode).toBe(400);
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('a sync already running', () => {
  it('if_running "fail" (default): IamSyncInProgress (409), no POST; "skip": not started, HTTP 200, no POST', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    await call(handler, { cluster_id: cluster, is_all_sync: true });
    emulator.reset();
    const { error } = await outcome(call(handler, { cluster_id: cluster, is_all_sync: true }));
    expect(error?.name).toBe('IamSyncInProgress');
    expect(error?.statusCode).toBe(409);
    await expect(call(handler, { cluster_id: cluster, user_names: ['alice'], if_running: 'skip' })).resolves.toEqual({
      cluster_id: cluster,
      started: false,
      reason: 'already-running',
    });
    const response = (await call(
      handler,
      postEvent('functiongraph-apig', cluster, { is_all_sync: true, if_running: 'skip' }),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ cluster_id: cluster, started: false, reason: 'already-running' });
    expect(statusReads()).toBe(3);
    expect(posts()).toBe(0);
  });

  it('once the emulator finishes the sync, the next start posts again', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    await call(handler, { cluster_id: cluster, is_all_sync: true });
    emulator.iamSync.finish(cluster);
    await expect(call(handler, { cluster_id: cluster, is_all_sync: true })).resolves.toMatchObject({ started: true });
    expect(posts()).toBe(2);
  });

  it('MRS\'s own 12000154 on the POST (the status read said idle): IamSyncInProgress under "fail", the skip answer under "skip"', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    const inProgress = iamSyncInProgress(cluster);
    faultThePost(cluster, { kind: 'status', status: inProgress.status, body: inProgress.body as object });
    const { error } = await outcome(call(handler, { cluster_id: cluster, is_all_sync: true }));
    expect(error?.name).toBe('IamSyncInProgress');
    expect(error?.message).toContain('MRS error_code 12000154');
    faultThePost(cluster, { kind: 'status', status: inProgress.status, body: inProgress.body as object });
    await expect(call(handler, { cluster_id: cluster, is_all_sync: true, if_running: 'skip' })).resolves.toEqual({
      cluster_id: cluster,
      started: false,
      reason: 'already-running',
    });
    // One POST each: a 12000154 is an answer, never retried.
    expect(posts()).toBe(2);
    expect(emulator.requests.filter((r) => r.method === 'POST').map((r) => r.fault)).toEqual(['status', 'status']);
  });
});

describe('the POST is never sent twice once it went out', () => {
  it.each<[string, Fault]>([
    ['a 503', { kind: 'status', status: 503 }],
    ['a 500', { kind: 'status', status: 500 }],
    ['a reset', { kind: 'reset' }],
    ['a reset in the middle of the answer', { kind: 'reset-mid-body' }],
  ])('%s on the POST: one POST, SyncStartOutcomeUnknown (502) telling to read the status first', async (_label, fault) => {
    const handler = startBundle();
    const cluster = newCluster();
    faultThePost(cluster, fault);
    const { error } = await outcome(call(handler, { cluster_id: cluster, is_all_sync: true }));
    expect(error?.name).toBe('SyncStartOutcomeUnknown');
    expect(error?.statusCode).toBe(502);
    expect(error?.message).toMatch(/read the cluster's IAM sync status before starting another/);
    expect(posts()).toBe(1);
  });

  it('over HTTP, a 503 on the POST answers 502 SyncStartOutcomeUnknown', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    faultThePost(cluster, { kind: 'status', status: 503 });
    const response = (await call(handler, postEvent('aws-http-v2', cluster, { is_all_sync: true }))) as HttpAnswer;
    expect(response.statusCode).toBe(502);
    expect(JSON.parse(response.body).error.code).toBe('SyncStartOutcomeUnknown');
    expect(posts()).toBe(1);
  });

  it('a 429 on the POST is retried (MRS did not act), and the sync starts', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    faultThePost(cluster, { kind: 'status', status: 429, headers: { 'Retry-After': '0' } });
    await expect(call(handler, { cluster_id: cluster, is_all_sync: true })).resolves.toMatchObject({ started: true });
    expect(emulator.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([429, 202]);
  });
});

describe('idempotency in one instance', () => {
  it('the same key and request replays the result, while the sync it started runs, without a status read or a POST', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    const event = { cluster_id: cluster, user_names: ['alice'], idempotency_key: `exec-${cluster}` };
    const first = await call(handler, event);
    await expect(isSynchronizing(cluster)).resolves.toBe(true);
    emulator.reset();
    await expect(call(handler, event)).resolves.toEqual({ ...(first as object), replayed: true });
    const response = (await call(
      handler,
      postEvent('functiongraph-apig', cluster, { user_names: ['alice'] }, { headers: { 'Idempotency-Key': `exec-${cluster}` } }),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ ...(first as object), replayed: true });
    expect(emulator.requests).toHaveLength(0);
  });

  it('the same key with another request: IdempotencyKeyMismatch (422), nothing sent', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    await call(handler, { cluster_id: cluster, is_all_sync: true, idempotency_key: `k-${cluster}` });
    emulator.reset();
    const { error } = await outcome(call(handler, { cluster_id: cluster, user_names: ['bob'], idempotency_key: `k-${cluster}` }));
    expect(error?.name).toBe('IdempotencyKeyMismatch');
    expect(error?.statusCode).toBe(422);
    expect(emulator.requests).toHaveLength(0);
  });

  it('a repeat while the first POST is held: IdempotencyInProgress (409); the first then completes and is replayed', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    faultThePost(cluster, { kind: 'delay', ms: 300 });
    const event = { cluster_id: cluster, is_all_sync: true, idempotency_key: `held-${cluster}` };
    const first = outcome(call(handler, event));
    await until(() => posts() === 1);
    const { error } = await outcome(call(handler, event));
    expect(error?.name).toBe('IdempotencyInProgress');
    expect(error?.statusCode).toBe(409);
    expect((await first).value).toMatchObject({ started: true });
    await expect(call(handler, event)).resolves.toMatchObject({ started: true, replayed: true });
    expect(posts()).toBe(1);
  });

  it('a failed first call leaves no record: the retry with the same key reads the status and posts', async () => {
    const handler = startBundle();
    const cluster = newCluster();
    const event = { cluster_id: cluster, is_all_sync: true, idempotency_key: `retry-${cluster}` };
    faultThePost(cluster, { kind: 'status', status: 503 });
    await expect(call(handler, event)).rejects.toMatchObject({ name: 'SyncStartOutcomeUnknown' });
    await expect(call(handler, event)).resolves.toMatchObject({ started: true });
    expect(posts()).toBe(2);
    expect(statusReads()).toBe(2);
  });
});

describeWithRedis('shared through a real redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.close();
  });
  const shared = (extra: Record<string, string> = {}) => ({ REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000', ...extra });

  it('a record written by one instance is replayed by another, cold-started one; no second POST; kept IDEMPOTENCY_TTL_SECONDS in Redis', async () => {
    const [a, b] = [startBundle(shared({ IDEMPOTENCY_TTL_SECONDS: '120' })), startBundle(shared({ IDEMPOTENCY_TTL_SECONDS: '120' }))];
    const cluster = newCluster();
    const event = { cluster_id: cluster, group_names: ['analysts'], idempotency_key: `fleet-${cluster}` };
    const first = await call(a, event);
    await expect(call(b, event)).resolves.toEqual({ ...(first as object), replayed: true });
    await expect(call(b, { ...event, group_names: ['admins'] })).rejects.toMatchObject({ name: 'IdempotencyKeyMismatch' });
    expect(posts()).toBe(1);
    const [key] = (await redis.admin.keys('mrs-iam-sync:idempotency:*')).filter((k) => k.endsWith(`:fleet-${cluster}`));
    expect(key).toBeDefined();
    const pttl = await redis.admin.pttl(key as string);
    expect(pttl).toBeGreaterThan(60_000);
    expect(pttl).toBeLessThanOrEqual(120_000);
  });

  it('a repeat on another instance while the first POST is held: IdempotencyInProgress; after the first fails, the retry there posts', async () => {
    const [a, b] = [startBundle(shared()), startBundle(shared())];
    const cluster = newCluster();
    const event = { cluster_id: cluster, is_all_sync: true, idempotency_key: `fleet-held-${cluster}` };
    emulator.injectFault({ kind: 'delay', ms: 0 }, { clusterId: cluster });
    emulator.injectFault({ kind: 'delay', ms: 300 }, { clusterId: cluster });
    const first = outcome(call(a, event));
    await until(() => posts() === 1);
    await expect(call(b, event)).rejects.toMatchObject({ name: 'IdempotencyInProgress', statusCode: 409 });
    expect((await first).value).toMatchObject({ started: true });
    await expect(call(b, event)).resolves.toMatchObject({ started: true, replayed: true });
    expect(posts()).toBe(1);

    // A first call that fails on A leaves nothing in Redis: B, which saw it in progress, proceeds.
    const other = newCluster();
    const retried = { cluster_id: other, is_all_sync: true, idempotency_key: `fleet-fail-${other}` };
    emulator.injectFault({ kind: 'delay', ms: 300 }, { clusterId: other });
    emulator.injectFault({ kind: 'status', status: 503 }, { clusterId: other });
    const failing = outcome(call(a, retried));
    await until(() => emulator.requests.some((r) => r.path.includes(`/clusters/${other}/`)));
    await expect(call(b, retried)).rejects.toMatchObject({ name: 'IdempotencyInProgress' });
    expect((await failing).error?.name).toBe('SyncStartOutcomeUnknown');
    await expect(call(b, retried)).resolves.toMatchObject({ started: true });
  });

  it('the status read after a start says true: the start drops the cached "false" from Redis', async () => {
    const readEnv = shared({ STATUS_CACHE_TTL_SECONDS: '300' });
    const primer = coldStart('iam-sync-status', environment(readEnv));
    const cluster = newCluster();
    await expect(call(primer, { cluster_id: cluster })).resolves.toMatchObject({ is_synchronizing: false, cache: { status: 'miss' } });
    await expect(call(coldStart('iam-sync-status', environment(readEnv)), { cluster_id: cluster })).resolves.toMatchObject({
      is_synchronizing: false,
      cache: { status: 'hit' },
    });
    await expect(
      call(startBundle(shared({ STATUS_CACHE_TTL_SECONDS: '300' })), { cluster_id: cluster, is_all_sync: true }),
    ).resolves.toMatchObject({ started: true });
    const reader = coldStart('iam-sync-status', environment(readEnv));
    await expect(call(reader, { cluster_id: cluster })).resolves.toMatchObject({ is_synchronizing: true, cache: { status: 'miss' } });
    for (const operation of ['is_synchronous', 'synced_users']) {
      await expect(call(reader, { cluster_id: cluster, operation })).resolves.toMatchObject({ cache: { status: 'miss' } });
    }
  });
});

describe('no secret in any output', () => {
  const TOKEN = 'start-security-token-000000000000000001';
  const ECHO_KEYS = { accessKey: 'ECHOSTARTACCESSKEY01', secretKey: 'echo-start-secret-key-000000000000000001' };
  let server: Server;
  let url: string;
  let postAnswer: { status: number; code: string; headers?: Record<string, string> } = { status: 500, code: 'MRS.0001' };
  const signatures: string[] = [];

  /** MRS as a leaky gateway: the status read says idle; the POST fails with a body and headers echoing the credentials and signature. */
  function echoing(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on('end', () => {
      const authorization = String(req.headers.authorization ?? '');
      const signature = /Signature=([0-9a-f]{64})/.exec(authorization)?.[1];
      if (signature) signatures.push(signature);
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ is_synchronizing: false }));
        return;
      }
      const echo = `ak=${ECHO_KEYS.accessKey} sk=${ECHO_KEYS.secretKey} token=${String(req.headers['x-security-token'])} auth=${authorization}`;
      res
        .writeHead(postAnswer.status, {
          'Content-Type': 'application/json',
          'X-Request-Id': 'echo0000000000000000000000000002',
          'X-Echo-Authorization': authorization,
          ...postAnswer.headers,
        })
        .end(JSON.stringify({ error_code: postAnswer.code, error_msg: echo.slice(0, 400) }));
    });
  }

  beforeAll(async () => {
    server = createServer(echoing);
    url = `http://127.0.0.1:${await listenOnLoopback(server, 0)}`;
  });
  afterAll(async () => {
    await closeServer(server);
  });

  it.each<[string, { status: number; code: string; headers?: Record<string, string> }, string]>([
    ['a 500 (outcome unknown)', { status: 500, code: 'MRS.0001' }, 'SyncStartOutcomeUnknown'],
    ["MRS's 12000154", { status: 500, code: '12000154' }, 'IamSyncInProgress'],
    ['a 401', { status: 401, code: 'APIGW.0301' }, 'UpstreamAuthFailed'],
    ['a 400', { status: 400, code: '12000002' }, 'UpstreamRejected'],
    ['429s until the attempts run out', { status: 429, code: 'APIGW.0308', headers: { 'Retry-After': '0' } }, 'UpstreamThrottled'],
  ])('a POST failing with %s echoing the credentials: no secret in logs, responses or errors', async (_label, answer, expected) => {
    postAnswer = answer;
    const from = printed.length;
    const seen = answers.length;
    const handler = coldStart('iam-sync-start', {
      MRS_ENDPOINT: url,
      MRS_PROJECT_ID: PROJECT,
      HUAWEICLOUD_SDK_AK: ECHO_KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: ECHO_KEYS.secretKey,
      HUAWEICLOUD_SDK_SECURITY_TOKEN: TOKEN,
      MRS_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'debug',
      MRS_MAX_ATTEMPTS: '2',
      IAM_SYNC_START_ENABLED: 'true',
    });
    const { error } = await outcome(call(handler, { cluster_id: 'c1', is_all_sync: true, idempotency_key: 'exec-secret' }));
    expect(error?.name).toBe(expected);
    const response = (await call(handler, postEvent('functiongraph-apig', 'c1', { is_all_sync: true }))) as HttpAnswer;
    expect(JSON.parse(response.body).error.code).toBe(expected);
    const text = [
      ...printed.slice(from),
      ...answers.slice(seen),
      String(error?.stack),
      JSON.stringify(error),
      String((error as { cause?: unknown }).cause),
    ].join('\n');
    // The failure was logged, with the echo scrubbed: proof the logger saw it and redacted it.
    expect(printed.slice(from).join('')).toContain('[REDACTED]');
    for (const secret of [ECHO_KEYS.accessKey, ECHO_KEYS.secretKey, TOKEN, ...signatures]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/Signature=[0-9a-f]{64}/);
  });
});

it('no secret of the emulator suite reached any output', () => {
  const text = [...printed, ...answers].join('\n');
  expect(text).not.toContain(KEYS.secretKey);
  expect(text).not.toContain(KEYS.accessKey);
  expect(emulatorSignatures.length).toBeGreaterThan(20);
  for (const signature of emulatorSignatures) expect(text).not.toContain(signature);
});
