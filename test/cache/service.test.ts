import type { CacheEntry } from '../../lib/cache/entry';
import type { SharedTier } from '../../lib/cache/entry';
import {
  ClusterNotFound,
  InvalidRequest,
  UpstreamAuthFailed,
  UpstreamThrottled,
  UpstreamTimeout,
  UpstreamUnavailable,
  type AdapterError,
} from '../../lib/errors';
import type { IamSyncStatus, MrsClient } from '../../lib/mrs/client';
import { createStatusService, type StatusServiceOptions } from '../../lib/status/service';
import { stubMrsClient } from '../fixtures/mrs-client';

const policy = { ttlMs: 5000, negativeTtlMs: 2000, staleIfErrorMs: 60_000, maxEntries: 100 };
const credentials = { get: async () => ({ accessKey: 'AK', secretKey: 'SK' }), renew: async () => undefined };

/** A client whose answers the test scripts, on a clock the test moves. */
function setUp(overrides: Partial<StatusServiceOptions> = {}) {
  let clock = 1_000_000;
  const answers: Array<IamSyncStatus | AdapterError> = [];
  let calls = 0;
  let syncing = false;
  const client: MrsClient = stubMrsClient({
    async getIamSyncStatus() {
      calls += 1;
      const next = answers.shift() ?? { isSynchronizing: syncing, requestId: `r${calls}` };
      if (next instanceof Error) throw next;
      return next;
    },
  });
  const service = createStatusService({
    client,
    endpoint: 'https://mrs.example',
    defaultProjectId: async () => 'p1',
    cache: policy,
    now: () => clock,
    ...overrides,
  });
  return {
    service,
    get: (fresh = false) => service.getStatus({ clusterId: 'c1', fresh }, { credentials }),
    advance: (ms: number) => (clock += ms),
    queue: (...next: Array<IamSyncStatus | AdapterError>) => answers.push(...next),
    setSyncing: (value: boolean) => (syncing = value),
    calls: () => calls,
  };
}

describe('status service cache', () => {
  it('serves a second lookup within the TTL from memory, with its age', async () => {
    const s = setUp();
    expect((await s.get()).cache).toEqual({ status: 'miss', ageSeconds: 0, maxAgeSeconds: 5 });
    s.advance(3200);
    const hit = await s.get();
    expect(hit.cache).toEqual({ status: 'hit', ageSeconds: 3, maxAgeSeconds: 1 });
    expect(hit.checkedAt).toBe(new Date(1_000_000).toISOString());
    expect(s.calls()).toBe(1);
  });

  it('asks again once the TTL has passed, and never serves an expired entry as fresh', async () => {
    const s = setUp();
    await s.get();
    s.setSyncing(true);
    s.advance(5000);
    const answer = await s.get();
    expect(answer).toMatchObject({ isSynchronizing: true, cache: { status: 'miss' } });
    expect(s.calls()).toBe(2);
  });

  it('goes to MRS for a fresh read even within the TTL', async () => {
    const s = setUp();
    await s.get();
    s.setSyncing(true);
    expect(await s.get(true)).toMatchObject({ isSynchronizing: true, cache: { status: 'miss' } });
    expect(s.calls()).toBe(2);
    expect(await s.get()).toMatchObject({ isSynchronizing: true, cache: { status: 'hit' } });
  });

  it('makes one upstream call for concurrent lookups of a cluster', async () => {
    const s = setUp();
    const answers = await Promise.all(Array.from({ length: 50 }, () => s.get()));
    expect(s.calls()).toBe(1);
    expect(new Set(answers.map((a) => a.checkedAt)).size).toBe(1);
  });

  it('shares an upstream error among concurrent lookups, and does not cache it', async () => {
    const s = setUp();
    s.queue(new UpstreamUnavailable('down'));
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => s.get()));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(s.calls()).toBe(1);
    await expect(s.get()).resolves.toMatchObject({ cache: { status: 'miss' } });
    expect(s.calls()).toBe(2);
  });

  it('remembers ClusterNotFound for the negative TTL only', async () => {
    const s = setUp();
    s.queue(new ClusterNotFound('gone', { upstream: { requestId: 'nf-1' } }));
    await expect(s.get()).rejects.toThrow(ClusterNotFound);
    s.advance(1999);
    await expect(s.get()).rejects.toMatchObject({ name: 'ClusterNotFound', message: expect.stringContaining('X-Request-Id nf-1') });
    expect(s.calls()).toBe(1);
    s.advance(1);
    await expect(s.get()).resolves.toMatchObject({ cache: { status: 'miss' } });
    expect(s.calls()).toBe(2);
  });

  it.each([
    ['UpstreamUnavailable', new UpstreamUnavailable('down')],
    ['UpstreamThrottled', new UpstreamThrottled('slow down')],
    ['UpstreamTimeout', new UpstreamTimeout('late')],
  ])('serves an expired answer marked stale when MRS fails with %s', async (_name, error) => {
    const s = setUp();
    await s.get();
    s.advance(30_000);
    s.queue(error);
    expect(await s.get()).toMatchObject({ isSynchronizing: false, cache: { status: 'stale', ageSeconds: 30, maxAgeSeconds: 0 } });
  });

  it('serves stale on a fresh read too, when MRS fails', async () => {
    const s = setUp();
    await s.get();
    s.queue(new UpstreamUnavailable('down'));
    expect(await s.get(true)).toMatchObject({ cache: { status: 'stale' } });
  });

  it('does not serve stale past the stale-if-error window', async () => {
    const s = setUp();
    await s.get();
    s.advance(60_000);
    s.queue(new UpstreamUnavailable('down'));
    await expect(s.get()).rejects.toThrow(UpstreamUnavailable);
  });

  it.each([[new UpstreamAuthFailed('denied')], [new InvalidRequest('bad')]])('does not hide %p behind a stale answer', async (error) => {
    const s = setUp();
    await s.get();
    s.advance(10_000);
    s.queue(error);
    await expect(s.get()).rejects.toBe(error);
  });

  it('caches nothing, and serves nothing stale, with a TTL of 0', async () => {
    const s = setUp({ cache: { ...policy, ttlMs: 0 } });
    await s.get();
    await s.get();
    expect(s.calls()).toBe(2);
    s.queue(new UpstreamUnavailable('down'));
    await expect(s.get()).rejects.toThrow(UpstreamUnavailable);
    s.queue(new ClusterNotFound('gone'));
    await expect(s.get()).rejects.toThrow(ClusterNotFound);
    await s.get();
    expect(s.calls()).toBe(5);
  });

  it('keys by cluster', async () => {
    const s = setUp();
    await s.service.getStatus({ clusterId: 'a' }, { credentials });
    await s.service.getStatus({ clusterId: 'b' }, { credentials });
    await s.service.getStatus({ clusterId: 'a' }, { credentials });
    expect(s.calls()).toBe(2);
  });
});

describe('status service deadlines', () => {
  afterEach(() => jest.useRealTimers());

  it("answers a caller that joined another invocation's MRS call by its own deadline, while that call goes on", async () => {
    jest.useFakeTimers();
    const clock = 1_000_000;
    // An MRS call that answers only when the test says so, remembering the deadline it was made with.
    let answer: ((status: IamSyncStatus) => void) | undefined;
    const madeWith: Array<number | undefined> = [];
    const client: MrsClient = stubMrsClient({
      getIamSyncStatus: (_target, options) => {
        madeWith.push(options.deadlineAt);
        return new Promise<IamSyncStatus>((resolve) => (answer = resolve));
      },
    });
    const service = createStatusService({
      client,
      endpoint: 'https://mrs.example',
      defaultProjectId: async () => 'p1',
      cache: policy,
      now: () => clock,
    });
    const settled = <T>(promise: Promise<T>) => {
      const state: { value?: T; error?: unknown; done: boolean } = { done: false };
      promise.then(
        (value) => Object.assign(state, { value, done: true }),
        (error: unknown) => Object.assign(state, { error, done: true }),
      );
      return state;
    };

    // A: a slow call with a long deadline; B: the same cluster, joining it, with a short one.
    const a = settled(service.getStatus({ clusterId: 'c1' }, { credentials, deadlineAt: clock + 60_000 }));
    await jest.advanceTimersByTimeAsync(0);
    const b = settled(service.getStatus({ clusterId: 'c1' }, { credentials, deadlineAt: clock + 1000 }));
    await jest.advanceTimersByTimeAsync(0);
    expect(madeWith).toEqual([clock + 60_000]);

    await jest.advanceTimersByTimeAsync(999);
    expect(a.done).toBe(false);
    expect(b.done).toBe(false);

    await jest.advanceTimersByTimeAsync(1);
    expect(b.done).toBe(true);
    expect(b.error).toBeInstanceOf(UpstreamTimeout);
    expect(b.error).toMatchObject({ name: 'UpstreamTimeout', message: expect.stringContaining('invocation deadline') });
    expect(a.done).toBe(false);

    // The call B left goes on for A, who gets the answer; it was the one MRS call made.
    answer?.({ isSynchronizing: true, requestId: 'slow-1' });
    await jest.advanceTimersByTimeAsync(0);
    expect(a.error).toBeUndefined();
    expect(a.value).toMatchObject({ clusterId: 'c1', isSynchronizing: true, upstreamRequestId: 'slow-1', cache: { status: 'miss' } });
    expect(madeWith).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('status service with a shared tier', () => {
  function fakeShared() {
    const store = new Map<string, CacheEntry>();
    const shared: SharedTier = {
      get: async (key) => store.get(key),
      set: async (key, entry) => void store.set(key, entry),
      delete: async (key) => void store.delete(key),
      close: async () => undefined,
    };
    return { shared, store };
  }

  it('writes answers through, keyed by endpoint, project and cluster', async () => {
    const { shared, store } = fakeShared();
    const s = setUp({ shared });
    await s.get();
    expect([...store.keys()]).toEqual(['mrs-iam-sync:https://mrs.example:p1:c1']);
  });

  it("answers from another instance's entry without calling MRS", async () => {
    const { shared } = fakeShared();
    const first = setUp({ shared });
    const second = setUp({ shared });
    await first.get();
    expect(await second.get()).toMatchObject({ cache: { status: 'hit' } });
    expect(second.calls()).toBe(0);
  });
});
