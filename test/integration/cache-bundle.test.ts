/**
 * The built bundles with their cache, against the emulator and, where installed, a real
 * redis-server: what callers see (headers, body), one MRS call per cluster per TTL, fresh
 * reads, stale-if-error, the refresh function warming a fleet, and no hanging event loop.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type Emulator } from '../../emulator/server';
import { functionGraphContext, httpEvent } from '../fixtures/events';
import { coldStart } from '../fixtures/load-bundle';
import { describeWithRedis, freePort, startRedisServer, type RedisServer } from '../fixtures/redis-server';
import { fakeDateOnly } from '../fixtures/settling';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const KEYS = { accessKey: 'CACHEACCESSKEY000001', secretKey: 'cache-secret-key-000000000000000000000001' };
const CLUSTERS = { 'demo-idle': false, 'demo-syncing': true, c1: false, c2: true, c3: false, c4: true, c5: false };

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

let emulator: Emulator;
const baseEnv = () => ({
  MRS_ENDPOINT: emulator.url,
  MRS_PROJECT_ID: PROJECT,
  HUAWEICLOUD_SDK_AK: KEYS.accessKey,
  HUAWEICLOUD_SDK_SK: KEYS.secretKey,
  LOG_LEVEL: 'warn',
});

beforeAll(async () => {
  // The bundles log failures to stdout, as in production; here that is noise.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  emulator = await startEmulator({ projectId: PROJECT, credentials: [KEYS], clusters: { ...CLUSTERS } });
});
afterEach(() => emulator.reset());
afterAll(async () => {
  await emulator.close();
  jest.restoreAllMocks();
});

describe('status bundle, memory tier', () => {
  it('answers a repeated question from the cache, and tells the caller so', async () => {
    const handler = coldStart('iam-sync-status', baseEnv());
    const first = (await handler(httpEvent('functiongraph-apig', 'demo-syncing'), functionGraphContext())) as HttpAnswer;
    const second = (await handler(httpEvent('aws-http-v2', 'demo-syncing'), functionGraphContext())) as HttpAnswer;
    expect(first.headers).toMatchObject({ 'X-Cache': 'MISS', Age: '0', 'Cache-Control': expect.stringMatching(/^max-age=[45]$/) });
    expect(second.headers).toMatchObject({ 'X-Cache': 'HIT', 'Cache-Control': expect.stringMatching(/^max-age=[0-5]$/) });
    const [a, b] = [JSON.parse(first.body), JSON.parse(second.body)];
    expect(a.cache).toEqual({ status: 'miss', age_seconds: 0 });
    expect(b.cache).toEqual({ status: 'hit', age_seconds: 0 });
    expect(b.checked_at).toBe(a.checked_at);
    expect(emulator.requests).toHaveLength(1);
  });

  it('asks MRS again for Cache-Control: no-cache, ?fresh=true and {"fresh": true}', async () => {
    const handler = coldStart('iam-sync-status', baseEnv());
    await handler({ cluster_id: 'c1' });
    emulator.setCluster('c1', true);
    expect(await handler({ cluster_id: 'c1' })).toMatchObject({ is_synchronizing: false, cache: { status: 'hit' } });
    const noCache = (await handler(httpEvent('aws-rest-v1', 'c1', { headers: { 'Cache-Control': 'no-cache' } }))) as HttpAnswer;
    expect(noCache.headers['X-Cache']).toBe('MISS');
    expect(JSON.parse(noCache.body).is_synchronizing).toBe(true);
    const query = (await handler(httpEvent('lambda-function-url', 'c1', { query: { fresh: 'true' } }))) as HttpAnswer;
    expect(query.headers['X-Cache']).toBe('MISS');
    await expect(handler({ cluster_id: 'c1', fresh: true })).resolves.toMatchObject({ cache: { status: 'miss' } });
    expect(emulator.requests).toHaveLength(4);
    emulator.setCluster('c1', false);
  });

  it('makes one MRS call per cluster for a burst of concurrent questions', async () => {
    const handler = coldStart('iam-sync-status', baseEnv());
    emulator.injectFault({ kind: 'delay', ms: 50 }, { times: Infinity });
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const answers = (await Promise.all(Array.from({ length: 100 }, (_, i) => handler({ cluster_id: ids[i % 5] })))) as Array<{
      is_synchronizing: boolean;
      cluster_id: string;
    }>;
    expect(answers.every((a) => a.is_synchronizing === CLUSTERS[a.cluster_id as keyof typeof CLUSTERS])).toBe(true);
    expect(emulator.requests).toHaveLength(5);
    emulator.clearFaults();
  });

  it('serves an expired answer marked STALE while MRS fails, within the stale window', async () => {
    // Only Date is fake (the bundle, loaded in this sandbox after this, reads jest's clock): the answer
    // expires because the test moves the clock past its TTL, not because the test sleeps.
    fakeDateOnly();
    try {
      const handler = coldStart('iam-sync-status', {
        ...baseEnv(),
        STATUS_CACHE_TTL_SECONDS: '5',
        STATUS_CACHE_STALE_IF_ERROR_SECONDS: '60',
      });
      await handler({ cluster_id: 'demo-syncing' });
      jest.setSystemTime(Date.now() + 6000);
      emulator.injectFault({ kind: 'status', status: 503, body: '' }, { times: Infinity });
      const stale = (await handler(httpEvent('functiongraph-apig', 'demo-syncing'))) as HttpAnswer;
      expect(stale.statusCode).toBe(200);
      expect(stale.headers).toMatchObject({ 'X-Cache': 'STALE', 'Cache-Control': 'max-age=0', Age: '6' });
      expect(JSON.parse(stale.body)).toMatchObject({ is_synchronizing: true, cache: { status: 'stale', age_seconds: 6 } });
      const neverSeen = (await handler(httpEvent('functiongraph-apig', 'demo-idle'))) as HttpAnswer;
      expect(neverSeen.statusCode).toBe(502);
      // Past the stale window, the failure shows.
      jest.setSystemTime(Date.now() + 60_000);
      const tooOld = (await handler(httpEvent('functiongraph-apig', 'demo-syncing'))) as HttpAnswer;
      expect(tooOld.statusCode).toBe(502);
    } finally {
      jest.useRealTimers();
      emulator.clearFaults();
    }
  });

  it('remembers an unknown cluster for the negative TTL', async () => {
    const handler = coldStart('iam-sync-status', baseEnv());
    for (let i = 0; i < 3; i += 1)
      await expect(handler({ cluster_id: 'no-such-cluster' })).rejects.toMatchObject({ name: 'ClusterNotFound' });
    expect(emulator.requests).toHaveLength(1);
  });
});

describeWithRedis('status and refresh bundles, shared through a real redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer({ password: 'fleet-pass' });
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('lets the refresh function warm the cache that every status instance answers from', async () => {
    // A generous Redis timeout: this test is about warming, and a loaded CI machine can be slow.
    const env = { ...baseEnv(), REDIS_URL: `${redis.url}/1`, STATUS_CACHE_TTL_SECONDS: '30', REDIS_TIMEOUT_MS: '1000' };
    const refresh = coldStart('iam-sync-refresh', { ...env, REFRESH_CLUSTER_IDS: 'c1,c2' });
    const report = await refresh({
      version: 'v1.0',
      trigger_type: 'TIMER',
      trigger_name: 'warm',
      time: 'now',
      user_event: '["c1","c2","c3","gone"]',
    });
    expect(report).toMatchObject({ refreshed: 3, failed: 1 });
    expect(emulator.requests).toHaveLength(4);

    const fleet = [coldStart('iam-sync-status', env), coldStart('iam-sync-status', env)];
    for (const instance of fleet) {
      for (const id of ['c1', 'c2', 'c3']) {
        const answer = (await instance(httpEvent('functiongraph-apig', id))) as HttpAnswer;
        expect(answer.headers['X-Cache']).toBe('HIT');
      }
    }
    expect(emulator.requests).toHaveLength(4);
  });
});

const run = promisify(execFile);
const bundle = (name: string) => resolve(__dirname, '..', '..', 'dist', name, 'index.js');

/** One invocation in a fresh process that must then exit on its own: nothing may keep the event loop alive. */
async function invokeInChildProcess(env: Record<string, string>): Promise<{ answer: unknown; exitedInMs: number }> {
  const script = `
    const { handler } = require(${JSON.stringify(bundle('iam-sync-status'))});
    handler({ cluster_id: 'demo-idle' }, {}).then((answer) => process.stdout.write(JSON.stringify(answer)), (error) => process.stdout.write(JSON.stringify({ thrown: error.name })));`;
  const started = Date.now();
  const { stdout } = await run(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'error' },
    timeout: 8000,
  });
  return { answer: JSON.parse(stdout), exitedInMs: Date.now() - started };
}

describe('no hanging event loop', () => {
  it('exits after an invocation without Redis', async () => {
    const { answer, exitedInMs } = await invokeInChildProcess(baseEnv());
    expect(answer).toMatchObject({ is_synchronizing: false });
    expect(exitedInMs).toBeLessThan(5000);
  });

  it('exits after an invocation with Redis configured but refusing connections', async () => {
    const { answer } = await invokeInChildProcess({ ...baseEnv(), REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(answer).toMatchObject({ is_synchronizing: false });
  });
});

describeWithRedis('no hanging event loop, with a live Redis connection', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('exits although the connection made at cold start is still open', async () => {
    const { answer } = await invokeInChildProcess({ ...baseEnv(), REDIS_URL: redis.url });
    expect(answer).toMatchObject({ is_synchronizing: false, cache: { status: 'miss' } });
    expect(await redis.admin.keys('mrs-iam-sync:*')).toHaveLength(1);
  });
});
