// `npm run bench`: the status function beside a naive baseline (bench/baseline-handler.ts,
// the SDK's full client), in one run: bundle size, module load time, warm invocation cost
// (uncached, memory-tier hit, Redis-tier hit) and upstream calls for a burst of lookups.
// Prints markdown tables for the README and writes the figures to .bench/results.json.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildFunctions, FUNCTION_BUNDLE } from '../esbuild.config.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const scratch = join(root, '.bench');
const requireFile = createRequire(import.meta.url);

const STATUS_FUNCTION = 'iam-sync-status';
const LOAD_RUNS = 25;
const WARM_UP_CALLS = 2_000;
const TIMED_CALLS = 20_000;
const BURST = { lookups: 1_000, clusters: 10, mrsLatencyMs: 20 };
const GOALS = { maxStatusBytes: 200_000, minLoadSpeedup: 3, maxHitToUncached: 2 };

/** A valid configuration, so no bundle fails its cold start. */
const BENCH_ENV = {
  MRS_ENDPOINT: 'http://127.0.0.1:9',
  MRS_PROJECT_ID: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  HUAWEICLOUD_SDK_AK: 'BENCHACCESSKEY000000',
  HUAWEICLOUD_SDK_SK: 'bench-secret-key-not-real-0000000000000000',
};
const UNCACHED = { STATUS_CACHE_TTL_SECONDS: '0' };
const CACHED = { STATUS_CACHE_TTL_SECONDS: '3600' };

/** FunctionGraph's context methods, so each call reads its request id and deadline as in production. */
const CONTEXT = { getRequestID: () => 'bench-request', getRemainingTimeInMilliSeconds: () => 30_000 };
const directEvent = (clusterId = 'demo-idle') => ({ cluster_id: clusterId });
const HTTP_EVENT = {
  httpMethod: 'GET',
  path: '/clusters/demo-idle/iam-sync',
  pathParameters: { cluster_id: 'demo-idle' },
  headers: {},
  queryStringParameters: null,
  isBase64Encoded: false,
  body: null,
  requestContext: { apiId: 'x', requestId: 'r', stage: 'RELEASE' },
};

/** The settings esbuild.config.mjs uses for the functions, so sizes and load times compare fairly. */
async function bundle(entry, outfile) {
  await build({
    entryPoints: [join(root, 'bench', entry)],
    outfile,
    ...FUNCTION_BUNDLE,
    // The SDK's ClientBuilder has a dynamic require esbuild warns about; the baseline never reaches it.
    logLevel: 'error',
  });
  return outfile;
}

// Only the require is timed, not node's own start-up, which is the same for all.
const LOAD_SCRIPT =
  'const start = process.hrtime.bigint(); require(process.argv[1]); console.log(Number(process.hrtime.bigint() - start) / 1e6);';

/**
 * Load times in ms, one fresh process per run, alternating variants so machine noise hits
 * all. The environment is the variant's own and a scratch home: sdk-core's ClientBuilder
 * writes ~/.huaweicloud/application_id, which should not land in the user's home. One
 * untimed run of each first, so none pays alone for a cold disk cache or for that file.
 */
function measureLoads(variants) {
  const home = join(scratch, 'home');
  const loadOnce = ({ file, env }) => {
    const out = execFileSync(process.execPath, ['-e', LOAD_SCRIPT, file], { env: { ...env, HOME: home, USERPROFILE: home }, encoding: 'utf8' }).trim();
    // Anything besides the number (a cold-start error log, say) would mean the bundle did not load cleanly.
    assert.match(out, /^\d+(\.\d+)?$/, `unexpected output loading ${file}:\n${out}`);
    return Number(out);
  };
  const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (const variant of Object.values(variants)) loadOnce(variant);
  for (let run = 0; run < LOAD_RUNS; run += 1) {
    for (const [name, variant] of Object.entries(variants)) samples[name].push(loadOnce(variant));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, { ...summarize(values), samples: values }]));
}

/** Microseconds per awaited call, after a warm-up so the JIT has settled. `call(i)` gets the call's index. */
async function timeCalls(call) {
  for (let i = 0; i < WARM_UP_CALLS; i += 1) await call(i);
  const micros = [];
  for (let i = 0; i < TIMED_CALLS; i += 1) {
    const start = process.hrtime.bigint();
    await call(i);
    micros.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  return summarize(micros);
}

/** Timing an error path, or a miss where a hit is meant, by mistake would be worse than no figure. */
async function expectAnswer(handler, event, cacheStatus) {
  const answer = await handler(event, CONTEXT);
  const body = answer.statusCode === undefined ? answer : (assert.equal(answer.statusCode, 200), JSON.parse(answer.body));
  assert.equal(body.is_synchronizing, false);
  assert.equal(body.cache.status, cacheStatus, `expected a cache ${cacheStatus}`);
}

async function measureWarm(warmBundle, redisUrl) {
  const { createBenchHandler, stubbedGetIamSyncStatus } = requireFile(warmBundle);
  const uncached = createBenchHandler({ ...BENCH_ENV, ...UNCACHED });
  const cached = createBenchHandler({ ...BENCH_ENV, ...CACHED });
  await expectAnswer(uncached, directEvent(), 'miss');
  await expectAnswer(uncached, HTTP_EVENT, 'miss');
  await expectAnswer(cached, directEvent(), 'miss');
  await expectAnswer(cached, directEvent(), 'hit');
  await expectAnswer(cached, HTTP_EVENT, 'hit');
  const figures = {
    bare: await timeCalls(() => stubbedGetIamSyncStatus()),
    uncachedDirect: await timeCalls(() => uncached(directEvent(), CONTEXT)),
    uncachedHttp: await timeCalls(() => uncached(HTTP_EVENT, CONTEXT)),
    memoryHitDirect: await timeCalls(() => cached(directEvent(), CONTEXT)),
    memoryHitHttp: await timeCalls(() => cached(HTTP_EVENT, CONTEXT)),
  };
  if (redisUrl !== undefined) {
    // A memory tier of one entry and two clusters in turn: every lookup misses memory and hits Redis.
    const viaRedis = createBenchHandler({ ...BENCH_ENV, ...CACHED, REDIS_URL: redisUrl, STATUS_CACHE_MAX_ENTRIES: '1' });
    const clusters = ['redis-a', 'redis-b'];
    for (const id of clusters) await expectAnswer(viaRedis, directEvent(id), 'miss');
    for (const id of clusters) await expectAnswer(viaRedis, directEvent(id), 'hit');
    const misses = { before: 0 };
    figures.redisHitDirect = await timeCalls((i) => viaRedis(directEvent(clusters[i % 2]), CONTEXT).then((a) => (misses.before += a.cache.status === 'hit' ? 0 : 1)));
    assert.equal(misses.before, 0, 'every timed Redis-tier lookup must be a hit');
  }
  return figures;
}

/**
 * The burst: BURST.lookups concurrent direct invocations over BURST.clusters clusters, cold
 * cache, against the emulator answering after BURST.mrsLatencyMs. Counts what reached MRS.
 */
async function measureBurst(fleetBundle, bundles) {
  const { startEmulator } = requireFile(fleetBundle);
  const clusterIds = Array.from({ length: BURST.clusters }, (_, i) => `burst-${i}`);
  const emulator = await startEmulator({
    projectId: BENCH_ENV.MRS_PROJECT_ID,
    credentials: [{ accessKey: BENCH_ENV.HUAWEICLOUD_SDK_AK, secretKey: BENCH_ENV.HUAWEICLOUD_SDK_SK }],
    clusters: Object.fromEntries(clusterIds.map((id) => [id, false])),
  });
  try {
    Object.assign(process.env, BENCH_ENV, { MRS_ENDPOINT: emulator.url, LOG_LEVEL: 'error' });
    const counts = {};
    for (const [name, file] of Object.entries(bundles)) {
      const { handler } = requireFile(file);
      emulator.reset();
      emulator.injectFault({ kind: 'delay', ms: BURST.mrsLatencyMs }, { times: Infinity });
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: BURST.lookups }, (_, i) => handler(directEvent(clusterIds[i % BURST.clusters]), {})));
      assert.ok(answers.every((answer) => answer.is_synchronizing === false));
      counts[name] = { upstreamCalls: emulator.requests.length, wallMs: performance.now() - started };
    }
    return counts;
  } finally {
    await emulator.close();
  }
}

/** A redis-server of the bench's own on a free loopback port, when one is installed. */
async function startRedis() {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 200 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG'; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

/** Nearest-rank percentiles. */
function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  return { runs: sorted.length, min: sorted[0], p10: at(0.1), median: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) };
}

function printReport(r) {
  const kib = (bytes) => `${bytes.toLocaleString('en-US')} B (${(bytes / 1024).toFixed(1)} KiB)`;
  const ms = (x) => x.toFixed(2);
  const us = (x) => `${x.toFixed(1)} µs`;
  const verdict = (ok) => (ok ? '**PASS**' : '**FAIL**');
  const { status, statusWithRedis, baseline } = r.loadMs;
  console.log(`Node ${r.node} on ${r.cpu} (${r.platform})`);
  console.log(`Load time: require() of the bundle in a fresh node process, ${LOAD_RUNS} runs each, interleaved.\n`);
  console.log('| | status bundle | status bundle, REDIS_URL set | naive baseline (sdk-core client) | baseline / status | goal | result |');
  console.log('|---|---:|---:|---:|---:|---|---|');
  console.log(`| bundle size (index.js) | ${kib(r.bytes.status)} | (same file) | ${kib(r.bytes.baseline)} | ${(r.bytes.baseline / r.bytes.status).toFixed(1)}x | status at most 200 KB (${GOALS.maxStatusBytes.toLocaleString('en-US')} B) | ${verdict(r.pass.size)} |`);
  console.log(`| redis-tier.js beside it, required only with REDIS_URL | | ${kib(r.bytes.statusRedisTier)} | | | | |`);
  console.log(`| load time, median | ${ms(status.median)} ms | ${ms(statusWithRedis.median)} ms | ${ms(baseline.median)} ms | ${r.loadSpeedup.toFixed(1)}x | status at least ${GOALS.minLoadSpeedup}x faster | ${verdict(r.pass.load)} |`);
  console.log(`| load time, p10 / p90 | ${ms(status.p10)} / ${ms(status.p90)} ms | ${ms(statusWithRedis.p10)} / ${ms(statusWithRedis.p90)} ms | ${ms(baseline.p10)} / ${ms(baseline.p90)} ms | | | |`);
  console.log(`| load time, min / max | ${ms(status.min)} / ${ms(status.max)} ms | ${ms(statusWithRedis.min)} / ${ms(statusWithRedis.max)} ms | ${ms(baseline.min)} / ${ms(baseline.max)} ms | | | |`);

  const w = r.warmMicros;
  console.log(`\nWarm invocation through the whole middleware stack, stubbed MRS client: ${TIMED_CALLS.toLocaleString('en-US')} sequential awaited calls each, after ${WARM_UP_CALLS.toLocaleString('en-US')} warm-up calls.\n`);
  console.log('| warm call | median | p99 |');
  console.log('|---|---:|---:|');
  console.log(`| bare async function returning the stub's answer | ${us(w.bare.median)} | ${us(w.bare.p99)} |`);
  console.log(`| status handler, cache off, direct event | ${us(w.uncachedDirect.median)} | ${us(w.uncachedDirect.p99)} |`);
  console.log(`| status handler, cache off, APIG HTTP event | ${us(w.uncachedHttp.median)} | ${us(w.uncachedHttp.p99)} |`);
  console.log(`| status handler, memory-tier hit, direct event | ${us(w.memoryHitDirect.median)} | ${us(w.memoryHitDirect.p99)} |`);
  console.log(`| status handler, memory-tier hit, APIG HTTP event | ${us(w.memoryHitHttp.median)} | ${us(w.memoryHitHttp.p99)} |`);
  console.log(
    w.redisHitDirect
      ? `| status handler, Redis-tier hit (loopback redis-server), direct event | ${us(w.redisHitDirect.median)} | ${us(w.redisHitDirect.p99)} |`
      : '| status handler, Redis-tier hit | not measured: redis-server is not installed | |',
  );
  console.log(`\nMemory-tier hit / cache-off invocation (direct, medians): ${r.hitToUncached.toFixed(2)}x; goal at most ${GOALS.maxHitToUncached}x: ${verdict(r.pass.hitCost)}`);

  const b = r.burst;
  console.log(`\nBurst: ${BURST.lookups.toLocaleString('en-US')} concurrent direct invocations over ${BURST.clusters} clusters, cold cache, emulator answering after ${BURST.mrsLatencyMs} ms.\n`);
  console.log('| handler | upstream MRS calls | wall time |');
  console.log('|---|---:|---:|');
  console.log(`| status bundle (cache, single flight) | ${b.status.upstreamCalls} | ${ms(b.status.wallMs)} ms |`);
  console.log(`| naive baseline (no cache) | ${b.baseline.upstreamCalls} | ${ms(b.baseline.wallMs)} ms |`);
  console.log(`\nGoal: exactly ${BURST.clusters} upstream calls: ${verdict(r.pass.burst)}`);
}

mkdirSync(scratch, { recursive: true });
const sizes = await buildFunctions({ quiet: true });
const statusBundle = join(root, 'dist', STATUS_FUNCTION, 'index.js');
const baselineBundle = await bundle('baseline-handler.ts', join(scratch, 'baseline', 'index.js'));
const warmBundle = await bundle('warm-entry.ts', join(scratch, 'warm-entry.js'));
const fleetBundle = await bundle('fleet-entry.ts', join(scratch, 'fleet-entry.js'));
const redis = await startRedis();

try {
  const loadMs = measureLoads({
    status: { file: statusBundle, env: BENCH_ENV },
    // The client connects in the background; a refused port costs the load nothing more than a live one.
    statusWithRedis: { file: statusBundle, env: { ...BENCH_ENV, REDIS_URL: redis?.url ?? 'redis://127.0.0.1:9' } },
    baseline: { file: baselineBundle, env: BENCH_ENV },
  });
  const warmMicros = await measureWarm(warmBundle, redis?.url);
  const burst = await measureBurst(fleetBundle, { status: statusBundle, baseline: baselineBundle });
  const results = {
    node: process.version,
    cpu: os.cpus()[0].model,
    platform: `${os.platform()} ${os.arch()}`,
    date: new Date().toISOString(),
    goals: GOALS,
    bytes: {
      status: sizes[`dist/${STATUS_FUNCTION}/index.js`],
      statusRedisTier: sizes[`dist/${STATUS_FUNCTION}/redis-tier.js`],
      baseline: statSync(baselineBundle).size,
    },
    loadMs,
    loadSpeedup: loadMs.baseline.median / loadMs.status.median,
    warmMicros,
    hitToUncached: warmMicros.memoryHitDirect.median / warmMicros.uncachedDirect.median,
    burst,
  };
  results.pass = {
    size: results.bytes.status <= GOALS.maxStatusBytes,
    load: results.loadSpeedup >= GOALS.minLoadSpeedup,
    hitCost: results.hitToUncached <= GOALS.maxHitToUncached,
    burst: burst.status.upstreamCalls === BURST.clusters,
  };
  printReport(results);
  writeFileSync(join(scratch, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nRaw figures: .bench/results.json');
} finally {
  redis?.stop();
}
// The bundles' keep-alive and Redis connections are not the bench's to wait for.
process.exit(0);
