/**
 * The chaos profile: seeded random latency and faults for the requests no queued fault
 * answers, through the typed API, the emulator and the admin route.
 */
import { Chaos, type ChaosProfile, DEFAULT_CHAOS_FAULTS, parseChaosRequest, seededRandom } from '../../emulator/faults';
import { type Emulator, startEmulator } from '../../emulator/server';
import { json, type Reply, send } from '../fixtures/http-client';
import { sdkSign } from './helpers';

const PROJECT = 'aaaabbbbccccdddd0000111122223333';
const KEY = { accessKey: 'CHAOSTESTAK000000001', secretKey: 'chaos-test-secret' };
const MIX: ChaosProfile['faults'] = [
  { kind: 'status', status: 503 },
  { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
  { kind: 'reset' },
];

function draws(profile: ChaosProfile, count: number) {
  const chaos = new Chaos(profile);
  return Array.from({ length: count }, () => chaos.next());
}

describe('Chaos', () => {
  it('repeats its sequence for a seed, and another seed gives another', () => {
    const profile = { latencyMs: { min: 20, max: 60 }, faultRate: 0.3, faults: MIX, seed: 7 };
    expect(draws(profile, 50)).toEqual(draws(profile, 50));
    expect(draws({ ...profile, seed: 8 }, 50)).not.toEqual(draws(profile, 50));
    expect(new Chaos({}).profile.seed).toEqual(expect.any(Number));
  });

  it('keeps latency in range and hits the fault rate, picking faults uniformly', () => {
    const sample = draws({ latencyMs: { min: 20, max: 60 }, faultRate: 0.2, faults: MIX, seed: 1 }, 30_000);
    expect(sample.every((d) => d.latencyMs >= 20 && d.latencyMs <= 60)).toBe(true);
    const faulted = sample.filter((d) => d.fault !== undefined);
    expect(faulted.length / sample.length).toBeCloseTo(0.2, 1);
    for (const fault of MIX ?? []) {
      expect(faulted.filter((d) => d.fault === fault).length / faulted.length).toBeCloseTo(1 / 3, 1);
    }
  });

  it('takes a fixed latency, and by default adds neither latency nor faults', () => {
    expect(draws({ latencyMs: 5, seed: 3 }, 3).map((d) => d.latencyMs)).toEqual([5, 5, 5]);
    expect(draws({ seed: 3 }, 100).every((d) => d.latencyMs === 0 && d.fault === undefined)).toBe(true);
  });

  it('draws from the load test mix when the profile names no faults', () => {
    const sample = draws({ faultRate: 1, seed: 2 }, 2_000);
    expect(new Set(sample.map((d) => JSON.stringify(d.fault)))).toEqual(new Set(DEFAULT_CHAOS_FAULTS.map((f) => JSON.stringify(f))));
    expect(DEFAULT_CHAOS_FAULTS).toEqual([
      { kind: 'status', status: 503 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
      { kind: 'reset' },
    ]);
  });

  it.each<ChaosProfile>([
    { latencyMs: -1 },
    { latencyMs: { min: 60, max: 20 } },
    { faultRate: 1.5 },
    { faultRate: 0.1, faults: [] },
    { faultRate: 0.1, faults: [{ kind: 'status', status: 99 }] },
    { seed: 1.5 },
  ])('rejects %j', (profile) => {
    expect(() => new Chaos(profile)).toThrow(RangeError);
  });

  it('seededRandom gives floats in [0, 1)', () => {
    const random = seededRandom(42);
    const values = Array.from({ length: 10_000 }, random);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(9_990);
  });
});

describe('parseChaosRequest', () => {
  it('reads the admin JSON', () => {
    expect(parseChaosRequest({ latency_ms: { min: 1, max: 2 }, fault_rate: 0.5, faults: [{ kind: 'reset', extra: 1 }], seed: 9 })).toEqual({
      ok: true,
      profile: { latencyMs: { min: 1, max: 2 }, faultRate: 0.5, faults: [{ kind: 'reset' }], seed: 9 },
    });
    expect(parseChaosRequest({})).toEqual({ ok: true, profile: {} });
  });

  it.each([
    null,
    [],
    { faultRate: 0.1 },
    { faults: 'reset' },
    { faults: [5] },
    { fault_rate: 0.1, faults: [{ kind: 'explode' }] },
    { fault_rate: 2, faults: [{ kind: 'reset' }] },
    { latency_ms: 'slow' },
  ])('rejects %j', (value) => {
    expect(parseChaosRequest(value)).toMatchObject({ ok: false, error: expect.any(String) });
  });
});

describe('an emulator with chaos', () => {
  const emulators: Emulator[] = [];
  afterAll(() => Promise.all(emulators.map((e) => e.close())));

  async function start(chaos?: ChaosProfile): Promise<Emulator> {
    const emulator = await startEmulator({
      projectId: PROJECT,
      credentials: [KEY],
      clusters: { 'c-idle': false },
      ...(chaos && { chaos }),
    });
    emulators.push(emulator);
    return emulator;
  }

  /** The status, or the error code of a request the emulator cut off. */
  function call(emulator: Emulator): Promise<number | string> {
    const url = `${emulator.url}/v2/${PROJECT}/clusters/c-idle/iam-sync`;
    return send(url, { headers: sdkSign(url, KEY) }).then(
      (reply: Reply) => reply.status,
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    );
  }

  async function calls(emulator: Emulator, count: number): Promise<Array<number | string>> {
    const outcomes = [];
    for (let i = 0; i < count; i += 1) outcomes.push(await call(emulator));
    return outcomes;
  }

  it('answers with its faults and records which one answered', async () => {
    const emulator = await start({ faultRate: 1, faults: [{ kind: 'status', status: 503 }] });
    expect(await call(emulator)).toBe(503);
    expect(emulator.requests[0]).toMatchObject({ fault: 'status', status: 503 });
    expect(emulator.requests[0].latencyMs).toBeUndefined();
  });

  it('waits its latency, then answers normally', async () => {
    const emulator = await start({ latencyMs: { min: 80, max: 100 }, seed: 1 });
    const started = Date.now();
    expect(await call(emulator)).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(emulator.requests[0].latencyMs).toBeGreaterThanOrEqual(80);
    expect(emulator.requests[0].fault).toBeUndefined();
  });

  it('gives the same outcomes for the same seed, and reset() starts the sequence again', async () => {
    const profile = { faultRate: 0.5, faults: [{ kind: 'status', status: 500 }, { kind: 'reset' }] as ChaosProfile['faults'], seed: 11 };
    const [a, b] = [await start(profile), await start(profile)];
    const first = await calls(a, 20);
    expect(first).toEqual(expect.arrayContaining([200, 500, 'ECONNRESET']));
    expect(await calls(b, 20)).toEqual(first);
    expect(a.requests.map((r) => r.fault ?? null)).toEqual(first.map((o) => ({ 200: null, 500: 'status', ECONNRESET: 'reset' })[o]));
    a.reset();
    expect(await calls(a, 20)).toEqual(first);

    const unseeded = await start({ ...profile, seed: undefined });
    const drawn = await calls(unseeded, 20);
    unseeded.reset();
    expect(await calls(unseeded, 20)).toEqual(drawn);
  });

  it('leaves queued faults first, and setChaos replaces or ends it', async () => {
    const emulator = await start({ faultRate: 1, faults: [{ kind: 'status', status: 503 }] });
    emulator.injectFault({ kind: 'status', status: 500 });
    expect(await calls(emulator, 2)).toEqual([500, 503]);
    emulator.setChaos({ faultRate: 1, faults: [{ kind: 'status', status: 502 }] });
    expect(await call(emulator)).toBe(502);
    emulator.setChaos(undefined);
    expect(await call(emulator)).toBe(200);
  });

  it('is set, shown and ended through the admin API', async () => {
    const emulator = await start();
    const admin = (method: string, body?: unknown) =>
      send(`${emulator.url}/_emulator/chaos`, {
        method,
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    const put = await admin('PUT', {
      latency_ms: 1,
      fault_rate: 1,
      faults: [{ kind: 'status', status: 429, headers: { 'Retry-After': '1' } }],
      seed: 5,
    });
    expect(put.status).toBe(200);
    expect(json(put)).toMatchObject({
      chaos: { latency_ms: 1, fault_rate: 1, faults: [{ kind: 'status', status: 429, headers: { 'Retry-After': '1' } }], seed: 5 },
    });
    expect(await call(emulator)).toBe(429);

    // The README's example: a fault rate and no fault kinds takes the default mix.
    const readme = await admin('PUT', { latency_ms: { min: 20, max: 60 }, fault_rate: 0.01, seed: 7 });
    expect([readme.status, json(readme)]).toEqual([
      200,
      expect.objectContaining({ chaos: { latency_ms: { min: 20, max: 60 }, fault_rate: 0.01, faults: DEFAULT_CHAOS_FAULTS, seed: 7 } }),
    ]);
    expect(json(await admin('PUT', { fault_rate: 0.01, faults: [] }))).toEqual({
      error: expect.stringContaining('needs at least one fault'),
    });

    const refused = await admin('PUT', { faultRate: 0.5 });
    expect([refused.status, json(refused)]).toEqual([400, { error: expect.stringContaining('unknown field "faultRate"') }]);
    expect(json(await admin('PUT', '{'))).toEqual({ error: 'body is not JSON' });

    expect(json(await admin('DELETE'))).toMatchObject({ chaos: null });
    expect(await call(emulator)).toBe(200);
  });
});
