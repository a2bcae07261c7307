/// <reference path="./autocannon.d.ts" />
/**
 * The load test's core, shared by `npm run load` (load/run.mjs, full scale) and its jest
 * test (tiny scale). The servers (emulator with random faults, gateway, status function)
 * run in a child process built from load/servers.ts; autocannon drives the gateway from
 * this one; then the figures are summed up and checked.
 */
import autocannon from 'autocannon';
import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import { type ChaosProfile, type Fault, seededRandom } from '../emulator/faults';
import type { ServerFigures, ServersMessage, ServersOptions } from './servers';

export interface LoadOptions {
  /** load/servers.ts, bundled as CommonJS. */
  serversScript: string;
  /** Holds the built `iam-sync-status/index.js` (normally dist/). */
  functionsDir: string;
  /** Receives the servers' output, mostly the function's log lines (one per invocation at the default level). */
  logFile: string;
  clusters: number;
  connections: number;
  requests: number;
  /** Share of requests sent with `?fresh=true`, 0..1. */
  freshShare: number;
  chaos: ChaosProfile;
  /** Seeds which cluster each request asks about and whether it is fresh. */
  seed: number;
  /** Hard limit for the whole run; at this point autocannon is stopped and the run fails. */
  timeoutMs: number;
}

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export interface LoadReport {
  options: Omit<LoadOptions, 'serversScript' | 'functionsDir' | 'logFile'>;
  environment: { node: string; cpu: string; cpus: number };
  answered: number;
  fresh: number;
  durationMs: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  byStatus: Record<string, number>;
  /** Non-200 answers by `"<status> <error.code>"`. */
  errorCodes: Record<string, number>;
  /** 200 answers by X-Cache. */
  cache: Record<string, number>;
  /** ?fresh=true requests answered from the cache; must stay 0. */
  freshHits: number;
  /** 200 answers whose cluster or is_synchronizing is not the emulator's; must stay 0. */
  wrongAnswers: number;
  client: { errors: number; timeouts: number; stoppedByTimeout: boolean };
  servers: ServerFigures & { injectedTotal: number };
  checks: Check[];
  pass: boolean;
  /** autocannon's own result, for anything the summary leaves out. */
  autocannon: autocannon.Result;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** autocannon's per-request timeout: above the gateway's own 10 s, so a slow answer shows as its 504, not a client timeout. */
const REQUEST_TIMEOUT_SECONDS = 15;
const ALLOWED_ERRORS = ['502 UpstreamUnavailable', '503 UpstreamThrottled', '504 UpstreamTimeout'];
const CACHE_STATES = ['HIT', 'MISS', 'STALE'];

/** Every third cluster synchronizing, so a mixed-up cache entry shows as a wrong answer. */
export function makeClusters(count: number): Record<string, boolean> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`load-${String(i).padStart(3, '0')}`, i % 3 === 0]));
}

export async function runLoadTest(options: LoadOptions): Promise<LoadReport> {
  const deadline = Date.now() + options.timeoutMs;
  const clusters = makeClusters(options.clusters);
  const child = startServers(options, clusters);
  try {
    const ready = await within(
      nextMessage(child),
      Math.min(READY_TIMEOUT_MS, deadline - Date.now()),
      `the servers did not start; see ${options.logFile}`,
    );
    if (ready.type !== 'ready') throw new Error(`unexpected message from the servers: ${ready.type}`);
    const traffic = await drive(ready.gatewayUrl, clusters, options, deadline);
    // With a callback, a channel already closed is reported to it rather than thrown; the exit then rejects nextMessage.
    child.send('stop', () => undefined);
    const stopped = await within(nextMessage(child), STOP_TIMEOUT_MS, 'the servers did not report their figures');
    if (stopped.type !== 'stopped') throw new Error(`unexpected message from the servers: ${stopped.type}`);
    const { type: _type, ...figures } = stopped;
    return summarize(options, traffic, figures);
  } finally {
    // Our own child: after `stopped` it is exiting anyway; after a failure it must not outlive the run.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function startServers(options: LoadOptions, clusters: Record<string, boolean>): ChildProcess {
  const serversOptions: ServersOptions = { clusters, chaos: options.chaos, functionsDir: options.functionsDir };
  const log = openSync(options.logFile, 'w');
  try {
    return fork(options.serversScript, [JSON.stringify(serversOptions)], {
      // Only PATH: the function's configuration is what the servers set, as on a fresh runtime, never this shell's.
      env: { PATH: process.env.PATH ?? '' },
      execArgv: [],
      stdio: ['ignore', log, log, 'ipc'],
    });
  } finally {
    closeSync(log);
  }
}

function nextMessage(child: ChildProcess): Promise<ServersMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      child.off('exit', onExit);
      resolve(message as ServersMessage);
    };
    const onExit = (code: number | null, signal: string | null) => {
      child.off('message', onMessage);
      reject(new Error(`the servers process exited (${signal ?? code})`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Traffic {
  result: autocannon.Result;
  stoppedByTimeout: boolean;
  answered: number;
  fresh: number;
  durationMs: number;
  byStatus: Record<string, number>;
  errorCodes: Record<string, number>;
  cache: Record<string, number>;
  freshHits: number;
  wrongAnswers: number;
}

const increment = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

function parse(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function drive(url: string, clusters: Record<string, boolean>, options: LoadOptions, deadline: number): Promise<Traffic> {
  const ids = Object.keys(clusters);
  const random = seededRandom(options.seed);
  const t: Omit<Traffic, 'result' | 'durationMs'> = {
    stoppedByTimeout: false,
    answered: 0,
    fresh: 0,
    byStatus: {},
    errorCodes: {},
    cache: {},
    freshHits: 0,
    wrongAnswers: 0,
  };
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;

  // One request template; setupRequest picks its cluster and freshness each time. autocannon
  // gives each connection one context, and with no pipelining it still belongs to the
  // request being answered when onResponse runs.
  const request: autocannon.Request = {
    setupRequest: (template, context) => {
      context.fresh = random() < options.freshShare;
      const id = ids[Math.floor(random() * ids.length)];
      return { ...template, path: `/clusters/${id}/iam-sync${context.fresh ? '?fresh=true' : ''}` };
    },
    onResponse: (status, body, context, headers) => {
      lastAnswerAt = performance.now();
      t.answered += 1;
      if (context.fresh === true) t.fresh += 1;
      increment(t.byStatus, String(status));
      const answer = parse(body);
      if (status !== 200) {
        const error = answer?.error as { code?: unknown } | undefined;
        increment(t.errorCodes, `${status} ${typeof error?.code === 'string' ? error.code : '(no error code)'}`);
        return;
      }
      const xCache = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-cache')?.[1];
      const cacheStatus = typeof xCache === 'string' ? xCache : '(none)';
      increment(t.cache, cacheStatus);
      if (context.fresh === true && cacheStatus === 'HIT') t.freshHits += 1;
      if (answer?.is_synchronizing !== clusters[String(answer?.cluster_id)]) t.wrongAnswers += 1;
    },
  };

  const instance = autocannon({
    url,
    connections: options.connections,
    amount: options.requests,
    timeout: REQUEST_TIMEOUT_SECONDS,
    requests: [request],
  });
  const timer = setTimeout(
    () => {
      t.stoppedByTimeout = true;
      instance.stop();
    },
    Math.max(0, deadline - Date.now()),
  );
  try {
    const result = await instance;
    // autocannon resolves on its next one-second tick; the run really ended with the last answer.
    return { ...t, result, durationMs: lastAnswerAt - startedAt };
  } finally {
    clearTimeout(timer);
  }
}

function summarize(options: LoadOptions, traffic: Traffic, figures: ServerFigures): LoadReport {
  const { serversScript: _s, functionsDir: _f, logFile: _l, ...parameters } = options;
  const { result } = traffic;
  const injectedTotal = Object.values(figures.injected).reduce((sum, n) => sum + n, 0);
  const nonOk = traffic.answered - (traffic.byStatus['200'] ?? 0);
  const unexpected = Object.keys(traffic.errorCodes).filter((key) => !ALLOWED_ERRORS.includes(key));
  const unknownCache = Object.keys(traffic.cache).filter((key) => !CACHE_STATES.includes(key));
  const checks: Check[] = [
    {
      name: `all ${options.requests.toLocaleString('en-US')} requests answered, no connection errors or timeouts`,
      pass: traffic.answered === options.requests && result.errors === 0 && !traffic.stoppedByTimeout,
      detail: `${traffic.answered.toLocaleString('en-US')} answered, ${result.errors} errors, ${result.timeouts} timeouts${traffic.stoppedByTimeout ? `, stopped at the ${options.timeoutMs} ms limit` : ''}`,
    },
    {
      name: `every non-200 answer is one of ${ALLOWED_ERRORS.join(', ')}, and only when faults were injected`,
      pass: unexpected.length === 0 && (nonOk === 0 || injectedTotal > 0),
      detail:
        unexpected.length > 0
          ? `unexpected: ${unexpected.join(', ')}`
          : `${nonOk.toLocaleString('en-US')} non-200, ${injectedTotal.toLocaleString('en-US')} injected faults`,
    },
    {
      name: "every 200 is the cluster's state, with X-Cache HIT, MISS or STALE",
      pass: traffic.wrongAnswers === 0 && unknownCache.length === 0,
      detail: `${traffic.wrongAnswers} wrong answers${unknownCache.length > 0 ? `, X-Cache ${unknownCache.join(', ')}` : ''}`,
    },
    {
      name: 'no ?fresh=true request answered as a cache HIT',
      pass: traffic.freshHits === 0,
      detail: `${traffic.freshHits} of ${traffic.fresh.toLocaleString('en-US')} fresh requests`,
    },
  ];
  return {
    options: parameters,
    environment: { node: process.version, cpu: os.cpus()[0]?.model.trim() ?? 'unknown', cpus: os.cpus().length },
    answered: traffic.answered,
    fresh: traffic.fresh,
    durationMs: traffic.durationMs,
    requestsPerSecond: traffic.answered / (traffic.durationMs / 1000),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    byStatus: traffic.byStatus,
    errorCodes: traffic.errorCodes,
    cache: traffic.cache,
    freshHits: traffic.freshHits,
    wrongAnswers: traffic.wrongAnswers,
    client: { errors: result.errors, timeouts: result.timeouts, stoppedByTimeout: traffic.stoppedByTimeout },
    servers: { ...figures, injectedTotal },
    checks,
    pass: checks.every((check) => check.pass),
    autocannon: result,
  };
}

function describeFault(fault: Fault): string {
  if (fault.kind === 'delay') return `delay ${fault.ms} ms`;
  if (fault.kind !== 'status') return fault.kind;
  const headers = Object.entries(fault.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  return headers.length > 0 ? `${fault.status} (${headers.join(', ')})` : String(fault.status);
}

/** The report as markdown: a sentence on the set-up, the table, then one PASS/FAIL line per check. */
export function formatReport(r: LoadReport): string {
  const n = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const counts = (map: Record<string, number>) => {
    const entries = Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
    return entries.length === 0 ? 'none' : entries.map(([key, count]) => `${key}: ${n(count)}`).join(' · ');
  };
  const { chaos } = r.options;
  const latency =
    chaos.latencyMs === undefined
      ? '0'
      : typeof chaos.latencyMs === 'number'
        ? String(chaos.latencyMs)
        : `${chaos.latencyMs.min}-${chaos.latencyMs.max}`;
  const non200 = Object.fromEntries(Object.entries(r.byStatus).filter(([status]) => status !== '200'));
  return [
    `Load test: ${n(r.options.requests)} requests over ${r.options.connections} connections (autocannon) to the status function behind the local gateway,`,
    `${r.options.clusters} clusters picked at random, ${Math.round(r.options.freshShare * 100)}% with ?fresh=true, caching at its defaults.`,
    `MRS emulator: ${latency} ms latency, ${(chaos.faultRate ?? 0) * 100}% of calls answered by a fault (${(chaos.faults ?? []).map(describeFault).join(', ') || 'none'}), seed ${chaos.seed ?? 'random'}.`,
    `Node ${r.environment.node}, ${r.environment.cpus} x ${r.environment.cpu}.`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| requests answered | ${n(r.answered)} of ${n(r.options.requests)} (${n(r.fresh)} with ?fresh=true) |`,
    `| duration, first request to last answer | ${(r.durationMs / 1000).toFixed(2)} s |`,
    `| throughput | ${n(r.requestsPerSecond)} req/s |`,
    `| latency p50 / p90 / p99 / max | ${[r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.latencyMs.max].map(n).join(' / ')} ms |`,
    `| 200 answers by X-Cache | ${counts(r.cache)} |`,
    `| non-2xx by status | ${counts(non200)} |`,
    `| non-2xx by error code | ${counts(r.errorCodes)} |`,
    `| connection errors / timeouts | ${r.client.errors} / ${r.client.timeouts} |`,
    `| upstream MRS calls (emulator) | ${n(r.servers.upstreamCalls)} |`,
    `| of which answered by an injected fault | ${n(r.servers.injectedTotal)} (${counts(r.servers.injected)}) |`,
    `| peak RSS, servers process | ${(r.servers.peakRssBytes / 2 ** 20).toFixed(1)} MiB |`,
    '',
    `Peak RSS is that of the child process running the gateway, the status function (in-process, as the gateway runs it) and the emulator,`,
    `sampled every ${r.servers.rssSampleMs} ms; autocannon runs in the parent process and is not counted.`,
    '',
    ...r.checks.map((check) => `${check.pass ? 'PASS' : 'FAIL'} ${check.name} (${check.detail})`),
    '',
    `Result: ${r.pass ? 'PASS' : 'FAIL'}`,
  ].join('\n');
}
