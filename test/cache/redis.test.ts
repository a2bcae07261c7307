/**
 * The Redis tier against a real redis-server: shared answers across instances, and every
 * fault the issue lists (refused, paused, dropped, garbage) leaving answers correct; every
 * way of losing the connection (refused, closed by the server, maxclients, killed server,
 * a socket that stays open but never answers) followed by its re-opening, at most once a
 * second on an injected clock.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { CacheEntry, SharedTier } from '../../lib/cache/entry';
import { createRedisTier } from '../../lib/cache/redis';
import { loadConfig } from '../../lib/config';
import { ConfigurationError } from '../../lib/errors';
import { createLogger } from '../../lib/log';
import type { MrsClient } from '../../lib/mrs/client';
import { createStatusService } from '../../lib/status/service';
import { describeWithRedis, freePort, holdSlot, startRedisServer, waitUntil, type RedisServer } from '../fixtures/redis-server';
import { stubMrsClient } from '../fixtures/mrs-client';

const policy = { ttlMs: 5000, negativeTtlMs: 2000, staleIfErrorMs: 60_000, maxEntries: 100 };
const credentials = { get: async () => ({ accessKey: 'AK', secretKey: 'SK' }), renew: async () => undefined };
const KEY = 'mrs-iam-sync:https://mrs.example:p1:c1';

/** One function instance: its own memory tier and Redis connection, the MRS calls it made, its log lines. */
/** The command timeout is generous unless a test is about it: a loaded machine must not turn hits into misses. */
/** `now` is the tier's clock for its once-a-second re-opening; the service keeps the real one. */
function instance(redisUrl: string, syncing = () => false, commandTimeoutMs = 1000, now?: () => number) {
  const logs: string[] = [];
  let calls = 0;
  const client: MrsClient = stubMrsClient({
    async getIamSyncStatus() {
      calls += 1;
      return { isSynchronizing: syncing(), requestId: `r${calls}` };
    },
  });
  const log = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const shared = createRedisTier({ url: redisUrl, commandTimeoutMs, log, ...(now && { now }) });
  const service = createStatusService({
    client,
    endpoint: 'https://mrs.example',
    defaultProjectId: async () => 'p1',
    cache: policy,
    shared,
  });
  return {
    shared,
    logs,
    calls: () => calls,
    get: (clusterId = 'c1') => service.getStatus({ clusterId }, { credentials }),
  };
}

/** A clock that moves only when the test moves it. */
function manualClock(start = 1_000_000) {
  let time = start;
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

const warnings = (logs: string[]) => logs.filter((line) => line.includes('Redis cache unavailable'));
const recoveries = (logs: string[]) => logs.filter((line) => line.includes('Redis cache answering again'));
const keyOf = (clusterId: string) => `mrs-iam-sync:https://mrs.example:p1:${clusterId}`;

/** Connections the server has accepted since it started: proves when the tier opened one. */
async function connectionsReceived(redis: RedisServer): Promise<number> {
  const info = await redis.admin.info('stats');
  return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
}

/**
 * A loopback TCP relay to Redis that can go silent: after stall(), the connections it
 * carries stay open but nothing more crosses them (a half-dead socket: no FIN, no RST, no
 * answers), while connections opened later are relayed normally.
 */
async function startRelay(targetPort: number): Promise<{ url: string; stall(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const live = new Set<() => void>();
  const server: Server = createServer((inbound) => {
    const outbound = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    live.add(() => {
      inbound.unpipe(outbound);
      outbound.unpipe(inbound);
      inbound.pause();
      outbound.pause();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    stall() {
      for (const silence of live) silence();
      live.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
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
    // The server's own clock around the write bounds the expiry it set, however slow the machine.
    const serverMs = async () => {
      const [seconds, micros] = await redis.admin.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };
    const before = await serverMs();
    await member.get();
    const after = await serverMs();
    const raw = await redis.admin.get(KEY);
    expect(JSON.parse(raw ?? '')).toMatchObject({ v: 1, value: { kind: 'status', isSynchronizing: false } });
    const expiresAt = Number(await redis.admin.call('PEXPIRETIME', KEY));
    // The service's own clock advances between asking MRS and writing, so the TTL written is at most 60 s.
    expect(expiresAt).toBeLessThanOrEqual(after + 60_000);
    expect(expiresAt).toBeGreaterThan(before + 60_000 - (after - before) - 1000);
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
    const sleeping = sleeper.debug('SLEEP', 2).catch(() => undefined);
    // The server cannot answer while it sleeps; its main thread's state in /proc proves it does.
    await waitUntil(() => redis.sleeping(), { what: 'DEBUG SLEEP did not start' });
    const started = Date.now();
    expect(await member.get('c-busy')).toMatchObject({ cache: { status: 'miss' } });
    expect(Date.now() - started).toBeLessThan(500);
    expect(redis.sleeping()).toBe(true); // the lookup was over before the sleep was
    expect(warnings(member.logs).join('\n')).toContain('timed out');
    await sleeping;
    sleeper.disconnect();
  });

  it('survives Redis dying mid-run, and uses it again once it is back', async () => {
    const clock = manualClock();
    const member = open(redis.url, () => false, 1000, clock.now);
    await member.get('before');
    expect(await redis.admin.exists(keyOf('before'))).toBe(1);
    await redis.stop();
    expect(await member.get('during')).toMatchObject({ cache: { status: 'miss' } });
    expect(warnings(member.logs)).toHaveLength(1);
    await redis.start();
    const opened = await connectionsReceived(redis);
    await member.get('too-soon'); // less than a second since the connection was opened: no new one
    expect(await redis.admin.exists(keyOf('too-soon'))).toBe(0);
    expect(await connectionsReceived(redis)).toBe(opened); // no connection opened within the second
    clock.advance(1000);
    await member.get('after'); // this lookup re-opens the connection and is answered on it
    expect(await redis.admin.exists(keyOf('after'))).toBe(1);
    expect(recoveries(member.logs)).toHaveLength(1);
    await member.get('later');
    expect(await redis.admin.exists(keyOf('later'))).toBe(1);
    expect(warnings(member.logs)).toHaveLength(1);
    expect(recoveries(member.logs)).toHaveLength(1);
  });

  it('re-opens a connection the server closed (CLIENT KILL), at most once a second', async () => {
    const clock = manualClock();
    const member = open(redis.url, () => false, 1000, clock.now);
    await member.get('before');
    expect(await redis.admin.exists(keyOf('before'))).toBe(1);
    const opened = await connectionsReceived(redis);
    expect(Number(await redis.admin.client('KILL', 'TYPE', 'normal'))).toBeGreaterThanOrEqual(1); // SKIPME: not admin
    expect(await member.get('during')).toMatchObject({ cache: { status: 'miss' } });
    clock.advance(999);
    expect(await member.get('still-during')).toMatchObject({ cache: { status: 'miss' } });
    expect(await connectionsReceived(redis)).toBe(opened); // no connection opened within the second
    expect(await redis.admin.exists(keyOf('during'), keyOf('still-during'))).toBe(0);
    expect(warnings(member.logs)).toHaveLength(1);
    expect(recoveries(member.logs)).toHaveLength(0);
    clock.advance(1);
    await member.get('after');
    expect(await redis.admin.exists(keyOf('after'))).toBe(1);
    expect(await connectionsReceived(redis)).toBe(opened + 1);
    await member.get('later');
    expect(await redis.admin.exists(keyOf('later'))).toBe(1);
    expect(warnings(member.logs)).toHaveLength(1);
    expect(recoveries(member.logs)).toHaveLength(1);
  });

  it('re-opens a connection that stays open but never answers again (half-dead socket)', async () => {
    const relay = await startRelay(redis.port);
    try {
      const clock = manualClock();
      const member = open(relay.url, () => false, 300, clock.now);
      await member.get('before');
      expect(await redis.admin.exists(keyOf('before'))).toBe(1);
      relay.stall();
      expect(await member.get('during')).toMatchObject({ cache: { status: 'miss' } });
      expect(warnings(member.logs).join('\n')).toContain('timed out');
      clock.advance(1000);
      await member.get('after'); // a fresh connection through the relay, which carries new ones
      expect(await redis.admin.exists(keyOf('after'))).toBe(1);
      expect(warnings(member.logs)).toHaveLength(1);
      expect(recoveries(member.logs)).toHaveLength(1);
    } finally {
      await Promise.all(opened.splice(0).map((tier) => tier.close()));
      await relay.close();
    }
  });
});

describeWithRedis('Redis tier at maxclients (real redis-server with one client slot)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer({ maxclients: 1 });
  });
  afterAll(async () => {
    await redis?.close();
  });

  // The server accepts and closes at once; ioredis then reports "ready" on the closed socket.
  it('misses while the only slot is taken at cold start, and answers again within a second of it coming free', async () => {
    const clock = manualClock();
    const logs: string[] = [];
    const log = createLogger({ level: 'debug', write: (line) => logs.push(line) });
    const holder = await holdSlot(redis.port);
    const tier = createRedisTier({ url: redis.url, commandTimeoutMs: 200, log, now: clock.now });
    try {
      await waitUntil(() => warnings(logs).length > 0, { what: 'the refused cold-start connection was not reported' });
      const at = Date.now();
      const entry: CacheEntry = {
        value: { kind: 'status', isSynchronizing: true },
        checkedAt: at,
        freshUntil: at + 5000,
        keepUntil: at + 60_000,
        upstreamRequestId: 'r1',
      };
      for (let i = 0; i < 3; i += 1) {
        await tier.set('k', entry, at);
        expect(await tier.get('k')).toBeUndefined();
      }
      await holder.release();
      clock.advance(999);
      expect(await tier.get('k')).toBeUndefined(); // not re-opened within the second
      clock.advance(1);
      await tier.set('k', entry, at); // re-opens, and is answered on the new connection
      expect(await tier.get('k')).toEqual(entry);
      clock.advance(5000);
      expect(await tier.get('k')).toEqual(entry);
      expect(warnings(logs)).toHaveLength(1);
      expect(recoveries(logs)).toHaveLength(1);
    } finally {
      await tier.close();
      await holder.release();
    }
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
    const config = loadConfig({
      MRS_REGION: 'cn-north-4',
      MRS_PROJECT_ID: 'p1',
      REDIS_URL: `redis://:not-the-password@127.0.0.1:${secured.port}`,
    });
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
    expect(() => loadConfig({ ...env, REDIS_URL: 'http://:hunter2@127.0.0.1' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it.each(['redis://127.0.0.1:6379', 'rediss://:pw@dcs.example.com:6379/0', 'redis://user:pw@10.0.0.1:6379/15'])('accepts %s', (url) => {
    expect(loadConfig({ ...env, REDIS_URL: url }).cache.redisUrl).toBe(url);
  });
});
