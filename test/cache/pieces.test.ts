import { decodeEntry, encodeEntry, type CacheEntry } from '../../lib/cache/entry';
import { createMemoryTier } from '../../lib/cache/memory';
import { createSingleFlight } from '../../lib/cache/single-flight';

const entry = (checkedAt: number, overrides: Partial<CacheEntry> = {}): CacheEntry => ({
  value: { kind: 'status', isSynchronizing: true },
  checkedAt,
  freshUntil: checkedAt + 5000,
  keepUntil: checkedAt + 60_000,
  upstreamRequestId: 'r1',
  ...overrides,
});

describe('memory tier', () => {
  it('evicts the least recently used entry beyond its bound', () => {
    const memory = createMemoryTier(2);
    memory.set('a', entry(0));
    memory.set('b', entry(0));
    memory.get('a', 1); // a is now the most recently used
    memory.set('c', entry(0));
    expect(memory.get('b', 1)).toBeUndefined();
    expect(memory.get('a', 1)).toBeDefined();
    expect(memory.get('c', 1)).toBeDefined();
    expect(memory.size).toBe(2);
  });

  it('drops entries past keepUntil, and keeps expired ones until then', () => {
    const memory = createMemoryTier(10);
    memory.set('a', entry(0));
    expect(memory.get('a', 30_000)?.checkedAt).toBe(0);
    expect(memory.get('a', 60_000)).toBeUndefined();
    expect(memory.size).toBe(0);
  });
});

describe('cache entry encoding', () => {
  it('round-trips both kinds of value', () => {
    const status = entry(1000);
    const notFound = entry(1000, { value: { kind: 'not-found' }, keepUntil: 3000, freshUntil: 3000, upstreamRequestId: undefined });
    expect(decodeEntry(encodeEntry(status))).toEqual(status);
    expect(decodeEntry(encodeEntry(notFound))).toEqual(notFound);
  });

  it.each([
    ['not JSON', 'garbage'],
    ['another version', JSON.stringify({ ...entry(1), v: 2 })],
    ['no version', JSON.stringify(entry(1))],
    ['a string as the value', JSON.stringify({ ...entry(1), v: 1, value: { kind: 'status', isSynchronizing: 'true' } })],
    ['an unknown kind', JSON.stringify({ ...entry(1), v: 1, value: { kind: 'maybe' } })],
    ['a negative time', JSON.stringify({ ...entry(1), v: 1, checkedAt: -1 })],
    ['keepUntil before freshUntil', JSON.stringify({ ...entry(1), v: 1, keepUntil: 0 })],
    ['null', 'null'],
    ['an array', '[1,2]'],
  ])('reads %s as a miss', (_label, text) => {
    expect(decodeEntry(text)).toBeUndefined();
  });
});

describe('single flight', () => {
  it('shares one call among concurrent callers, answer or error', async () => {
    const flights = createSingleFlight<number>();
    let calls = 0;
    let release!: (value: number) => void;
    const call = () => {
      calls += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const answers = Promise.all([1, 2, 3].map(() => flights.run('k', { now: 0 }, call)));
    await Promise.resolve();
    release(42);
    expect(await answers).toEqual([42, 42, 42]);
    expect(calls).toBe(1);
    expect(flights.inFlight).toBe(0);

    const failing = () => {
      calls += 1;
      return Promise.reject(new Error('boom'));
    };
    const outcomes = await Promise.allSettled([flights.run('k', { now: 1 }, failing), flights.run('k', { now: 1 }, failing)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(2);
  });

  it('lets a fresh caller join only a call that started after it arrived', async () => {
    const flights = createSingleFlight<string>();
    const started: string[] = [];
    const call = (name: string) => () => {
      started.push(name);
      return new Promise<string>((resolve) => setTimeout(() => resolve(name), 10));
    };
    const old = flights.run('k', { now: 100 }, call('old'));
    const fresh = flights.run('k', { now: 200, notStartedBefore: 200 }, call('fresh'));
    const joinsFresh = flights.run('k', { now: 210, notStartedBefore: 150 }, call('never'));
    const plain = flights.run('k', { now: 220 }, call('never'));
    expect(await Promise.all([old, fresh, joinsFresh, plain])).toEqual(['old', 'fresh', 'fresh', 'fresh']);
    expect(started).toEqual(['old', 'fresh']);
  });

  it('keys calls apart', async () => {
    const flights = createSingleFlight<string>();
    const answers = await Promise.all(['a', 'b'].map((key) => flights.run(key, { now: 0 }, async () => key)));
    expect(answers).toEqual(['a', 'b']);
  });
});
