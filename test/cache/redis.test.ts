/**
 * The Redis tier against a real redis-server: shared answers across instances, and every
 * fault the issue lists (refused, paused, dropped, garbage) leaving answers correct.
 */
import type { SharedTier } from '../../lib/cache/entry';
import { createRedisTier } from '../../lib/cache/redis';
import { loadConfig } from '../../lib/config';
import { ConfigurationError } from '../../lib/errors';
import { createLogger } from '../../lib/log';
import type { MrsClient } from '../../lib/mrs/client';
import { createStatusService } from '../../lib/status/service';
import { describeWithRedis, freePort, startRedisServer, type RedisServer } from '../fixtures/redis-server';

const policy = { ttlMs: 5000, negativeTtlMs: 2000, staleIfErrorMs: 60_000, maxEntries: 100 };
const credentials = { get: async () => ({ accessKey: 'AK', secretKey: 'SK' }), renew: async () => undefined };
const KEY = 'mrs-iam-sync:https://mrs.example:p1:c1';

/** One function instance: its own memory tier and Redis connection, the MRS calls it made, its log lines. */
/** The command timeout is generous unless a test is about it: a loaded machine must not turn hits into misses. */
function instance(redisUrl: string, syncing = () => false, commandTimeoutMs = 1000) {
  const logs: string[] = [];
  let calls = 0;
  const client: MrsClient = {
    async getIamSyncStatus() {
      calls += 1;
      return { isSynchronizing: syncing(), requestId: `r${calls}` };
    },
  };
  const log = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const shared = createRedisTier({ url: redisUrl, commandTimeoutMs, log });
  const service = createStatusService({ client, endpoint: 'https://mrs.example', defaultProjectId: async () => 'p1', cache: policy, shared });
  return {
    shared,
    logs,
    calls: () => calls,
    get: (clusterId = 'c1') => service.getStatus({ clusterId }, { credentials }),
  };
}

describeWithRedis('Redis tier (real redis-server)', () => {
  let redis: RedisServer;
  const opened: SharedTier[] = [];
  const open = (...args: Parameters<typeof instance>) => {
    const made = instance(...args);
    opened.push(made.shared);
    return made;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((tier) => tier.close()));
    if (redis) {
      await redis.start().catch(() => undefined);
      await redis.admin.flushall().catch(() => undefined);
    }
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('lets instances share answers: one MRS call per cluster per TTL across the fleet', async () => {
    const fleet = [open(redis.url), open(redis.url), open(redis.url)];
    await fleet[0]!.get();
    const answers = await Promise.all(fleet.slice(1).map((member) => member.get()));
    expect(answers.map((a) => a.cache.status)).toEqual(['hit', 'hit']);
    expect(fleet.map((member) => member.calls())).toEqual([1, 0, 0]);
  });

  it('stores versioned JSON that expires with the entry (TTL plus the stale window)', async () => {
    const member = open(redis.url);
    await member.get();
    const raw = await redis.admin.get(KEY);
    expect(JSON.parse(raw ?? '')).toMatchObject({ v: 1, value: { kind: 'status', isSynchronizing: false } });
    const pttl = await redis.admin.pttl(KEY);
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('treats a corrupt value as a miss, and says so in the log', async () => {
    await redis.admin.set(KEY, '{"v":1,"value":"oops"');
    const member = open(redis.url, () => true);
    expect(await member.get()).toMatchObject({ isSynchronizing: true, cache: { status: 'miss' } });
    expect(member.calls()).toBe(1);
    expect(member.logs.join('\n')).toContain('unreadable Redis cache value ignored');
  });

  it('keeps answering from MRS when Redis refuses connections, and logs it once', async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const member = open(nobody, () => true);
    for (let i = 0; i < 5; i += 1) expect(await member.get(`c${i}`)).toMatchObject({ isSynchronizing: true });
    expect(member.calls()).toBe(5);
    const warnings = member.logs.filter((line) => line.includes('Redis cache unavailable'));
    expect(warnings).toHaveLength(1);
    expect(await member.get('c0')).toMatchObject({ cache: { status: 'hit' } }); // the memory tier still works
  });

  it('answers within the command timeout while Redis accepts and never answers (CLIENT PAUSE)', async () => {
    const member = open(redis.url, () => false, 50);
    await member.get('warm-up'); // connected before the pause
    // Pauses every client, this admin connection too, so the pause simply runs out.
    await redis.admin.client('PAUSE', 800, 'ALL');
    const started = Date.now();
    expect(await member.get('c-paused')).toMatchObject({ isSynchronizing: false, cache: { status: 'miss' } });
    expect(Date.now() - started).toBeLessThan(500);
    expect(member.calls()).toBe(2);
  });

  it('answers within the command timeout while Redis is busy (DEBUG SLEEP)', async () => {
    const member = open(redis.url, () => false, 50);
    await member.get('warm-up');
    const sleeper = redis.admin.duplicate();
    const sleeping = sleeper.debug('SLEEP', 1).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    expect(await member.get('c-busy')).toMatchObject({ cache: { status: 'miss' } });
    expect(Date.now() - started).toBeLessThan(500);
    await sleeping;
    sleeper.disconnect();
  });

  it('survives Redis dying mid-run, and uses it again once it is back', async () => {
    const member = open(redis.url);
    await member.get('before');
    await redis.stop();
    expect(await member.get('during')).toMatchObject({ cache: { status: 'miss' } });
    expect(member.logs.some((line) => line.includes('Redis cache unavailable'))).toBe(true);
    await redis.start();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // reconnects are at most once a second
    await member.get('after-1'); // this lookup reopens the connection
    await new Promise((resolve) => setTimeout(resolve, 100));
    await member.get('after-2');
    expect(await redis.admin.get('mrs-iam-sync:https://mrs.example:p1:after-2')).not.toBeNull();
    expect(member.logs.some((line) => line.includes('Redis cache answering again'))).toBe(true);
  });
});

describeWithRedis('Redis URL forms (real redis-server)', () => {
  let secured: RedisServer;
  beforeAll(async () => {
    secured = await startRedisServer({ password: 'dcs-pass#word' });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('uses the password and DB index of a DCS-style URL', async () => {
    const member = instance(`${secured.url}/3`);
    try {
      await member.get();
      await secured.admin.select(3);
      expect(await secured.admin.exists(KEY)).toBe(1);
      await secured.admin.select(0);
      expect(await secured.admin.exists(KEY)).toBe(0);
    } finally {
      await member.shared.close();
    }
  });

  it('never logs the password, even when it is wrong', async () => {
    const config = loadConfig({ MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p1', REDIS_URL: `redis://:not-the-password@127.0.0.1:${secured.port}` });
    const member = instance(config.cache.redisUrl ?? '');
    try {
      await member.get();
      expect(member.logs.join('\n')).toMatch(/Redis cache unavailable/);
      expect(member.logs.join('\n')).not.toContain('not-the-password');
    } finally {
      await member.shared.close();
    }
  });
});

describe('REDIS_URL validation', () => {
  const env = { MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p1' };
  it.each([
    ['http://127.0.0.1:6379', /must start with redis:\/\/ or rediss:\/\//],
    ['127.0.0.1:6379', /not a URL|must start with redis/],
    ['not a url', /not a URL/],
    ['redis://127.0.0.1:6379/db', /DB index/],
    ['redis://127.0.0.1:6379/0?timeout=1', /DB index/],
  ])('refuses %s with ConfigurationError', (url, reason) => {
    expect(() => loadConfig({ ...env, REDIS_URL: url })).toThrow(ConfigurationError);
    expect(() => loadConfig({ ...env, REDIS_URL: url })).toThrow(reason);
  });

  it('does not quote the URL, which may hold the password', () => {
    expect(() => loadConfig({ ...env, REDIS_URL: 'http://:hunter2@127.0.0.1' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  it.each(['redis://127.0.0.1:6379', 'rediss://:pw@dcs.example.com:6379/0', 'redis://user:pw@10.0.0.1:6379/15'])('accepts %s', (url) => {
    expect(loadConfig({ ...env, REDIS_URL: url }).cache.redisUrl).toBe(url);
  });
});
