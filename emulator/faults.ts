/**
 * The failure modes a client of MRS must survive, and the queue that hands them out.
 * Faults are consumed in the order they were injected, so a test can script a sequence
 * ("503, then a reset, then the real answer").
 */

export type Fault =
  | { kind: 'status'; status: number; body?: string | object; headers?: Record<string, string> }
  /** Wait, then give the normal answer. */
  | { kind: 'delay'; ms: number }
  /** Destroy the socket without answering. */
  | { kind: 'reset' }
  /** Send the headers and part of the body, then destroy the socket. */
  | { kind: 'reset-mid-body' }
  /** Accept and never answer (until the emulator closes). */
  | { kind: 'hang' }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed-json' }
  /** 200 with JSON lacking `is_synchronizing`. */
  | { kind: 'missing-field' };

export interface FaultOptions {
  /** How many requests the fault answers; default 1, `Infinity` for all until cleared. */
  times?: number;
  /** Only requests for this cluster; default any API request. */
  clusterId?: string;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
  clusterId: string | undefined;
}

/** The admin API's view of one queued fault (JSON has no Infinity, hence the string). */
export type FaultSnapshot = Fault & { remaining: number | 'Infinity'; cluster_id?: string };

export class FaultQueue {
  private queue: QueuedFault[] = [];

  add(fault: Fault, options: FaultOptions = {}): void {
    const times = options.times ?? 1;
    if (!isValidTimes(times)) throw new RangeError(`times must be a positive integer or Infinity, got ${times}`);
    const problem = faultProblem(fault);
    if (problem !== null) throw new RangeError(problem);
    this.queue.push({ fault, remaining: times, clusterId: options.clusterId });
  }

  /** The first fault that applies to a request for `clusterId` (undefined: not a cluster route), used up once. */
  take(clusterId: string | undefined): Fault | undefined {
    const index = this.queue.findIndex((q) => q.clusterId === undefined || q.clusterId === clusterId);
    if (index === -1) return undefined;
    const queued = this.queue[index];
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.queue.splice(index, 1);
    return queued.fault;
  }

  clear(): void {
    this.queue = [];
  }

  snapshot(): FaultSnapshot[] {
    return this.queue.map((q) => ({
      ...q.fault,
      remaining: q.remaining === Infinity ? 'Infinity' : q.remaining,
      ...(q.clusterId === undefined ? {} : { cluster_id: q.clusterId }),
    }));
  }
}

function isValidTimes(times: number): boolean {
  return times === Infinity || (Number.isInteger(times) && times >= 1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a fault cannot be served, or null. Guards both the typed API and JSON from the admin route. */
function faultProblem(fault: Fault): string | null {
  switch (fault.kind) {
    case 'status':
      // 1xx, 204 and 304 cannot carry the body every status fault sends.
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599 || fault.status === 204 || fault.status === 304) {
        return 'status must be an HTTP status that carries a body (200-599, not 204 or 304)';
      }
      if (fault.body !== undefined && typeof fault.body !== 'string' && !isRecord(fault.body) && !Array.isArray(fault.body)) {
        return 'body must be a string or a JSON object';
      }
      if (fault.headers !== undefined && (!isRecord(fault.headers) || Object.values(fault.headers).some((v) => typeof v !== 'string'))) {
        return 'headers must map names to strings';
      }
      return null;
    case 'delay':
      return Number.isFinite(fault.ms) && fault.ms >= 0 ? null : 'ms must be a non-negative number';
    case 'reset':
    case 'reset-mid-body':
    case 'hang':
    case 'malformed-json':
    case 'missing-field':
      return null;
    default:
      return `unknown fault kind ${JSON.stringify((fault as { kind: unknown }).kind)}`;
  }
}

export type ParsedFaultRequest = { ok: true; fault: Fault; options: FaultOptions } | { ok: false; error: string };

/**
 * The admin route's body: a Fault plus optional `times` (a number, or "Infinity") and
 * `cluster_id`, e.g. `{"kind":"status","status":503,"times":2,"cluster_id":"demo-idle"}`.
 */
export function parseFaultRequest(json: unknown): ParsedFaultRequest {
  if (!isRecord(json) || typeof json.kind !== 'string') return { ok: false, error: 'expected a JSON object with a "kind"' };
  const { times, cluster_id: clusterId, ...rest } = json;
  const options: FaultOptions = {};
  if (times !== undefined) {
    if (times === 'Infinity') options.times = Infinity;
    else if (typeof times === 'number') options.times = times;
    else return { ok: false, error: 'times must be a positive integer or "Infinity"' };
  }
  if (clusterId !== undefined) {
    if (typeof clusterId !== 'string') return { ok: false, error: 'cluster_id must be a string' };
    options.clusterId = clusterId;
  }
  const fault = pickFault(rest);
  if (typeof fault === 'string') return { ok: false, error: fault };
  const problem = faultProblem(fault);
  if (problem !== null) return { ok: false, error: problem };
  if (options.times !== undefined && !isValidTimes(options.times)) {
    return { ok: false, error: 'times must be a positive integer or "Infinity"' };
  }
  return { ok: true, fault, options };
}

/** Keeps only the fields each kind defines, so unknown JSON fields are not carried around. */
function pickFault(json: Record<string, unknown>): Fault | string {
  switch (json.kind) {
    case 'status': {
      if (typeof json.status !== 'number') return 'status must be a number';
      const fault: Fault = { kind: 'status', status: json.status };
      if (json.body !== undefined) fault.body = json.body as string | object;
      if (json.headers !== undefined) fault.headers = json.headers as Record<string, string>;
      return fault;
    }
    case 'delay':
      return typeof json.ms === 'number' ? { kind: 'delay', ms: json.ms } : 'ms must be a number';
    case 'reset':
    case 'reset-mid-body':
    case 'hang':
    case 'malformed-json':
    case 'missing-field':
      return { kind: json.kind };
    default:
      return `unknown fault kind ${JSON.stringify(json.kind)}; expected one of status, delay, reset, reset-mid-body, hang, malformed-json, missing-field`;
  }
}

/**
 * What chaos draws from when the profile names no faults, so that a fault rate alone (the
 * README's `{"latency_ms":{"min":20,"max":60},"fault_rate":0.01,"seed":7}`) means something:
 * the mix `npm run load` uses (load/run.mjs), the transient failures a client of MRS must
 * retry: 503, 500, 429 with `Retry-After: 1` (APIG's throttling answer), and a reset connection.
 */
export const DEFAULT_CHAOS_FAULTS: readonly Fault[] = [
  { kind: 'status', status: 503 },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
  { kind: 'reset' },
];

/**
 * A random fault profile for load tests: every API request that no queued fault answers
 * waits `latencyMs`, and a `faultRate` share of them is answered by one of `faults` instead
 * of the service. Queued faults keep precedence, so a scripted sequence stays exact.
 */
export interface ChaosProfile {
  /** Wait before answering: fixed milliseconds, or uniform in [min, max]. Default 0. */
  latencyMs?: number | { min: number; max: number };
  /** Share of requests, 0..1, answered by a fault. Default 0. */
  faultRate?: number;
  /**
   * Picked uniformly for a request chosen by `faultRate`. Default DEFAULT_CHAOS_FAULTS
   * (503, 500, 429 with Retry-After 1, reset); an empty list with a rate above 0 is refused.
   */
  faults?: Fault[];
  /** Same seed, same sequence of latencies and faults, request by request. Default: a random seed. */
  seed?: number;
}

export interface ChaosDraw {
  latencyMs: number;
  fault: Fault | undefined;
}

export class Chaos {
  /** The profile with the faults and seed in use, so a run can be repeated and the state shows what may happen. */
  readonly profile: ChaosProfile & { faults: Fault[]; seed: number };
  private readonly random: () => number;

  constructor(profile: ChaosProfile) {
    const problem = chaosProblem(profile);
    if (problem !== null) throw new RangeError(problem);
    const seed = profile.seed ?? Math.floor(Math.random() * 2 ** 32);
    this.profile = { ...profile, faults: profile.faults ?? [...DEFAULT_CHAOS_FAULTS], seed };
    this.random = seededRandom(seed);
  }

  /** What the next request gets. Always three draws, so a seed's sequence does not depend on the profile's other fields. */
  next(): ChaosDraw {
    const [latencyDraw, rateDraw, pickDraw] = [this.random(), this.random(), this.random()];
    const { latencyMs = 0, faultRate = 0, faults } = this.profile;
    return {
      latencyMs: typeof latencyMs === 'number' ? latencyMs : latencyMs.min + latencyDraw * (latencyMs.max - latencyMs.min),
      fault: rateDraw < faultRate ? faults[Math.floor(pickDraw * faults.length)] : undefined,
    };
  }
}

/** mulberry32: a small, well-mixed 32-bit generator of floats in [0, 1); plenty for test traffic, no dependency. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const isNonNegative = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Why a profile cannot be used, or null. Guards both the typed API and JSON from the admin route. */
function chaosProblem({ latencyMs, faultRate, faults, seed }: ChaosProfile): string | null {
  if (latencyMs !== undefined && !isNonNegative(latencyMs)) {
    const range = isRecord(latencyMs) && isNonNegative(latencyMs.min) && isNonNegative(latencyMs.max) && latencyMs.min <= latencyMs.max;
    if (!range) return 'latency must be a non-negative number of ms or {min, max} with 0 <= min <= max';
  }
  if (faultRate !== undefined && !(isNonNegative(faultRate) && faultRate <= 1)) return 'fault rate must be between 0 and 1';
  if (faults !== undefined && !Array.isArray(faults)) return 'faults must be an array';
  if ((faultRate ?? 0) > 0 && faults?.length === 0)
    return 'a fault rate above 0 needs at least one fault (or no "faults" for the default mix)';
  for (const fault of faults ?? []) {
    const problem = faultProblem(fault);
    if (problem !== null) return `faults: ${problem}`;
  }
  if (seed !== undefined && !Number.isSafeInteger(seed)) return 'seed must be an integer';
  return null;
}

/** The admin API's view of a profile, in its snake_case. */
export function chaosSnapshot(profile: Chaos['profile']): Record<string, unknown> {
  return { latency_ms: profile.latencyMs ?? 0, fault_rate: profile.faultRate ?? 0, faults: profile.faults, seed: profile.seed };
}

export type ParsedChaosRequest = { ok: true; profile: ChaosProfile } | { ok: false; error: string };

const CHAOS_FIELDS = ['latency_ms', 'fault_rate', 'faults', 'seed'];

/**
 * The admin route's body, e.g.
 * `{"latency_ms": {"min": 20, "max": 60}, "fault_rate": 0.01, "faults": [{"kind": "status", "status": 503}], "seed": 7}`;
 * without `faults`, chaos draws from DEFAULT_CHAOS_FAULTS.
 * Unknown fields are refused rather than ignored: a misspelt `faultRate` would otherwise turn chaos silently off.
 */
export function parseChaosRequest(json: unknown): ParsedChaosRequest {
  if (!isRecord(json)) return { ok: false, error: 'expected a JSON object' };
  const unknown = Object.keys(json).find((key) => !CHAOS_FIELDS.includes(key));
  if (unknown !== undefined) return { ok: false, error: `unknown field ${JSON.stringify(unknown)}; expected ${CHAOS_FIELDS.join(', ')}` };
  const { latency_ms: latencyMs, fault_rate: faultRate, faults, seed } = json;
  if (faults !== undefined && !Array.isArray(faults)) return { ok: false, error: 'faults must be an array' };
  const picked: Fault[] = [];
  for (const item of (faults as unknown[] | undefined) ?? []) {
    const fault = isRecord(item) ? pickFault(item) : 'expected a JSON object with a "kind"';
    if (typeof fault === 'string') return { ok: false, error: `faults: ${fault}` };
    picked.push(fault);
  }
  const profile = {
    ...(latencyMs !== undefined && { latencyMs }),
    ...(faultRate !== undefined && { faultRate }),
    ...(faults !== undefined && { faults: picked }),
    ...(seed !== undefined && { seed }),
  } as ChaosProfile;
  const problem = chaosProblem(profile);
  return problem === null ? { ok: true, profile } : { ok: false, error: problem };
}
