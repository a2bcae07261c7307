/**
 * The idempotency store with Powertools' semantics, on an injected clock: a claim is the
 * request's own or the record that holds the key; a completed record is kept until its TTL
 * ends and no longer; a released (failed) claim leaves nothing; records are shared between
 * instances through the shared store (a fake one here, with its own expiry on the same
 * clock, and a real redis-server through the Redis tier below).
 */
import { createRedisTier } from '../../lib/cache/redis';
import { createIdempotencyStore, type IdempotencyStore, type SharedRecords } from '../../lib/idempotency/store';
import { createLogger } from '../../lib/log';
import { describeWithRedis, type RedisServer, startRedisServer } from '../fixtures/redis-server';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

/** A shared store in memory that expires texts on the given clock, as Redis's PX does. */
function fakeShared(now: () => number) {
  const texts = new Map<string, { text: string; until: number }>();
  const live = (key: string) => {
    const held = texts.get(key);
    if (held !== undefined && held.until <= now()) texts.delete(key);
    return texts.get(key);
  };
  const shared: SharedRecords = {
    async claim(key, text, ttlMs) {
      const held = live(key);
      if (held !== undefined) return held.text;
      texts.set(key, { text, until: now() + ttlMs });
      return null;
    },
    async read(key) {
      return live(key)?.text;
    },
    async put(key, text, ttlMs) {
      texts.set(key, { text, until: now() + ttlMs });
    },
    async delete(key) {
      texts.delete(key);
    },
  };
  return { shared, texts, live };
}

function setUp() {
  let clock = T0;
  const now = () => clock;
  const fake = fakeShared(now);
  const store = (shared: SharedRecords | undefined = fake.shared) =>
    createIdempotencyStore({ namespace: 'https://mrs.example', shared, now });
  return { now, advance: (ms: number) => (clock += ms), fake, store };
}

describe('one instance', () => {
  it("a first claim is the request's own; a second while it runs gets the in-progress record", async () => {
    const s = setUp();
    const store = s.store(undefined);
    await expect(store.claim('k1', 'hash-a', T0 + 60_000)).resolves.toBeUndefined();
    await expect(store.claim('k1', 'hash-a', T0 + 60_000)).resolves.toMatchObject({ status: 'in-progress', requestHash: 'hash-a' });
    await expect(store.claim('k1', 'hash-b', T0 + 60_000)).resolves.toMatchObject({ status: 'in-progress', requestHash: 'hash-a' });
  });

  it('a completed record answers with its result and hash until its TTL ends, then the key is free', async () => {
    const s = setUp();
    const store = s.store(undefined);
    await store.claim('k1', 'hash-a', T0 + 60_000);
    await store.complete('k1', 'hash-a', { started: true }, T0 + HOUR);
    s.advance(HOUR - 1);
    await expect(store.claim('k1', 'hash-a', s.now() + 60_000)).resolves.toEqual({
      status: 'completed',
      requestHash: 'hash-a',
      result: { started: true },
      expiresAt: T0 + HOUR,
    });
    s.advance(1);
    await expect(store.claim('k1', 'hash-a', s.now() + 60_000)).resolves.toBeUndefined();
  });

  it('an in-progress claim lapses at its deadline (a crashed invocation does not hold the key forever)', async () => {
    const s = setUp();
    const store = s.store(undefined);
    await store.claim('k1', 'hash-a', T0 + 30_000);
    s.advance(29_999);
    await expect(store.claim('k1', 'hash-a', s.now() + 30_000)).resolves.toMatchObject({ status: 'in-progress' });
    s.advance(1);
    await expect(store.claim('k1', 'hash-a', s.now() + 30_000)).resolves.toBeUndefined();
  });

  it('a released claim (the request failed) leaves no record: the retry claims the key', async () => {
    const s = setUp();
    const store = s.store();
    await store.claim('k1', 'hash-a', T0 + 60_000);
    await store.release('k1');
    expect(s.fake.texts.size).toBe(0);
    await expect(store.claim('k1', 'hash-a', T0 + 60_000)).resolves.toBeUndefined();
  });

  it('keys are independent', async () => {
    const s = setUp();
    const store = s.store(undefined);
    await store.claim('k1', 'hash-a', T0 + 60_000);
    await expect(store.claim('k2', 'hash-a', T0 + 60_000)).resolves.toBeUndefined();
  });

  it('keeps at most maxEntries records in memory, dropping the oldest', async () => {
    const s = setUp();
    const store = createIdempotencyStore({ namespace: 'n', now: s.now, maxEntries: 2 });
    for (const key of ['k1', 'k2', 'k3']) await store.complete(key, 'h', key, T0 + HOUR);
    await expect(store.claim('k1', 'h', T0 + 1000)).resolves.toBeUndefined();
    await expect(store.claim('k3', 'h', T0 + 1000)).resolves.toMatchObject({ status: 'completed', result: 'k3' });
  });
});

describe('two instances sharing records', () => {
  it('the second sees the first in progress, then its result; a third, cold, sees the result too', async () => {
    const s = setUp();
    const [a, b] = [s.store(), s.store()];
    await expect(a.claim('k1', 'hash-a', T0 + 60_000)).resolves.toBeUndefined();
    await expect(b.claim('k1', 'hash-a', T0 + 60_000)).resolves.toMatchObject({ status: 'in-progress', requestHash: 'hash-a' });
    await a.complete('k1', 'hash-a', { started: true }, T0 + HOUR);
    await expect(b.claim('k1', 'hash-a', T0 + 60_000)).resolves.toMatchObject({ status: 'completed', result: { started: true } });
    await expect(s.store().claim('k1', 'hash-a', T0 + 60_000)).resolves.toMatchObject({ status: 'completed', result: { started: true } });
  });

  it('a claim that failed on one instance leaves no record on another that saw it in progress: the retry proceeds there', async () => {
    const s = setUp();
    const [a, b] = [s.store(), s.store()];
    await a.claim('k1', 'hash-a', T0 + 60_000);
    await expect(b.claim('k1', 'hash-a', T0 + 60_000)).resolves.toMatchObject({ status: 'in-progress' });
    await a.release('k1');
    await expect(b.claim('k1', 'hash-a', T0 + 60_000)).resolves.toBeUndefined();
  });

  it('the shared record carries the TTL: it is gone from the shared store when the TTL ends', async () => {
    const s = setUp();
    const a = s.store();
    await a.claim('k1', 'hash-a', T0 + 60_000);
    await a.complete('k1', 'hash-a', { started: true }, T0 + 2 * HOUR);
    s.advance(2 * HOUR - 1);
    await expect(s.store().claim('k1', 'hash-a', s.now() + 1000)).resolves.toMatchObject({ status: 'completed' });
    s.advance(1);
    expect(s.fake.live('mrs-iam-sync:idempotency:https://mrs.example:k1')).toBeUndefined();
    await expect(s.store().claim('k1', 'hash-a', s.now() + 1000)).resolves.toBeUndefined();
  });

  it('an unreadable shared record is no record: the claim is taken and the record replaced', async () => {
    const s = setUp();
    await s.fake.shared.put('mrs-iam-sync:idempotency:https://mrs.example:k1', '{"v":99,"status":"completed"}', HOUR);
    await expect(s.store().claim('k1', 'hash-a', T0 + 60_000)).resolves.toBeUndefined();
    expect(JSON.parse(s.fake.texts.get('mrs-iam-sync:idempotency:https://mrs.example:k1')?.text ?? '')).toMatchObject({
      status: 'in-progress',
      requestHash: 'hash-a',
    });
  });

  it('when the shared store does not answer, memory still holds for this instance', async () => {
    const s = setUp();
    const silent: SharedRecords = {
      claim: async () => undefined,
      read: async () => undefined,
      put: async () => {},
      delete: async () => {},
    };
    const store = s.store(silent);
    await expect(store.claim('k1', 'hash-a', T0 + 60_000)).resolves.toBeUndefined();
    await expect(store.claim('k1', 'hash-a', T0 + 60_000)).resolves.toMatchObject({ status: 'in-progress' });
  });
});

describeWithRedis('records in a real redis-server (the Redis tier)', () => {
  let redis: RedisServer;
  const tiers: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const tier of tiers) await tier.close();
    await redis.close();
  });

  function instance(now: () => number = Date.now): IdempotencyStore {
    const tier = createRedisTier({ url: redis.url, commandTimeoutMs: 1000, log: createLogger({ level: 'error', write: () => {} }) });
    tiers.push(tier);
    return createIdempotencyStore({ namespace: 'https://mrs.example', shared: tier, now });
  }

  it("SET NX: of two instances claiming one key, the second finds the first; its result reaches the second; the TTL is Redis's", async () => {
    const [a, b] = [instance(), instance()];
    const key = `redis-${Date.now()}`;
    await expect(a.claim(key, 'hash-a', Date.now() + 60_000)).resolves.toBeUndefined();
    await expect(b.claim(key, 'hash-a', Date.now() + 60_000)).resolves.toMatchObject({ status: 'in-progress', requestHash: 'hash-a' });
    await a.complete(key, 'hash-a', { started: true }, Date.now() + HOUR);
    await expect(b.claim(key, 'hash-a', Date.now() + 60_000)).resolves.toMatchObject({ status: 'completed', result: { started: true } });
    const pttl = await redis.admin.pttl(`mrs-iam-sync:idempotency:https://mrs.example:${key}`);
    expect(pttl).toBeGreaterThan(HOUR - 60_000);
    expect(pttl).toBeLessThanOrEqual(HOUR);
  });

  it('a released claim is deleted from Redis', async () => {
    const a = instance();
    const key = `released-${Date.now()}`;
    await a.claim(key, 'hash-a', Date.now() + 60_000);
    await a.release(key);
    await expect(redis.admin.exists(`mrs-iam-sync:idempotency:https://mrs.example:${key}`)).resolves.toBe(0);
    await expect(instance().claim(key, 'hash-a', Date.now() + 60_000)).resolves.toBeUndefined();
  });
});
