// `npm run bench`: the status function beside a naive baseline (bench/baseline-handler.ts,
// the SDK's full client), in one run: bundle size, module load time (error class names: esbuild's
// keepNames, the deployed naming, none), a whole cold invocation over TLS beside a bare floor (bench/floor-handler.ts)
// and beside builds without each cold-start change, what each module adds to the bundle,
// warm invocation cost (uncached, memory-tier hit, Redis-tier hit), upstream calls for a
// burst of lookups, and the waiters' MRS calls and answer times over a timed sync
// (bench/waiters.mjs). Prints markdown tables for the README and writes the figures to
// .bench/results.json.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { selfSignedCert } from './tls-cert.mjs';
import {
  buildFunctions,
  FUNCTION_BUNDLE,
  FUNCTION_PLUGINS,
  lazyChunksApartPlugin,
  signerShims,
  signerShimsPlugin,
} from '../esbuild.config.mjs';
import { measureWaiters, printWaiters, waiterVerdicts } from './waiters.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const scratch = join(root, '.bench');
const requireFile = createRequire(import.meta.url);

const STATUS_FUNCTION = 'iam-sync-status';
const WAIT_FUNCTION = 'iam-sync-wait';
const LOAD_RUNS = 25;
const COLD_RUNS = 40;
const WARM_UP_CALLS = 2_000;
const TIMED_CALLS = 20_000;
const BURST = { lookups: 1_000, clusters: 10, mrsLatencyMs: 20 };
const GOALS = { maxStatusBytes: 200_000, minLoadSpeedup: 3, maxHitToUncached: 2, maxColdToFloor: 1.5 };

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
    const out = execFileSync(process.execPath, ['-e', LOAD_SCRIPT, file], {
      env: { ...env, HOME: home, USERPROFILE: home },
      encoding: 'utf8',
    }).trim();
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

const COLD_SCRIPT = join(root, 'bench', 'cold-invocation.cjs');
const COLD_CLUSTER = 'demo-idle';

/** One fresh process (bench/cold-invocation.cjs): load `file`, answer one direct event; its timings and RSS. */
function coldInvocation(file, env) {
  const home = join(scratch, 'home');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COLD_SCRIPT, file, COLD_CLUSTER], {
      env: { ...env, HOME: home, USERPROFILE: home },
      // stdout and stderr are the function's own (its log lines): drained, not shown; fd 3 carries the figures.
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let figures = '';
    let errors = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.stdio[3].on('data', (chunk) => (figures += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(figures)) : reject(new Error(`cold invocation of ${file} exited ${code}:\n${errors}`)),
    );
  });
}

/**
 * Whole cold invocations against the emulator (variants: a bundle file, or `{ file, env }` with extra variables) (verifying every signature): COLD_RUNS fresh
 * processes per variant, interleaved, the order rotated each round so no variant always runs
 * first. One untimed run of each first. Every run must get the right answer from exactly one
 * request the emulator accepted; a refused signature (the floor's included) fails the bench.
 */
async function measureCold(fleetBundle, variants) {
  const { startEmulator } = requireFile(fleetBundle);
  // Over TLS, as production MRS is https only: every variant loads node:https and shakes hands.
  const tls = selfSignedCert(join(scratch, 'tls'));
  const emulator = await startEmulator({
    tls: { key: tls.key, cert: tls.cert },
    projectId: BENCH_ENV.MRS_PROJECT_ID,
    credentials: [{ accessKey: BENCH_ENV.HUAWEICLOUD_SDK_AK, secretKey: BENCH_ENV.HUAWEICLOUD_SDK_SK }],
    clusters: { [COLD_CLUSTER]: false },
  });
  try {
    assert.match(emulator.url, /^https:\/\/127\.0\.0\.1:/);
    // Trusted, never verification turned off: node reads NODE_EXTRA_CA_CERTS once, at process start.
    const env = { ...BENCH_ENV, MRS_ENDPOINT: emulator.url, NODE_EXTRA_CA_CERTS: tls.certFile, PATH: process.env.PATH ?? '' };
    const once = async (name) => {
      const before = emulator.requests.length;
      const variant = typeof variants[name] === 'string' ? { file: variants[name] } : variants[name];
      const run = await coldInvocation(variant.file, { ...env, ...variant.env });
      const requests = emulator.requests.slice(before);
      assert.equal(requests.length, 1, `${name}: expected one request to the emulator, saw ${requests.length}`);
      assert.ok(requests[0].verification.ok, `${name}: the emulator refused the signature (${JSON.stringify(requests[0].verification)})`);
      assert.equal(requests[0].status, 200, `${name}: the emulator answered ${requests[0].status}`);
      assert.equal(run.answer.cluster_id, COLD_CLUSTER, `${name}: wrong answer ${JSON.stringify(run.answer)}`);
      assert.equal(run.answer.is_synchronizing, false, `${name}: wrong answer ${JSON.stringify(run.answer)}`);
      return run;
    };
    const names = Object.keys(variants);
    for (const name of names) await once(name);
    const runs = Object.fromEntries(names.map((name) => [name, []]));
    for (let round = 0; round < COLD_RUNS; round += 1) {
      for (let i = 0; i < names.length; i += 1) {
        const name = names[(round + i) % names.length];
        runs[name].push(await once(name));
      }
    }
    return Object.fromEntries(
      Object.entries(runs).map(([name, list]) => [
        name,
        {
          loadMs: summarize(list.map((run) => run.loadMs)),
          answerMs: summarize(list.map((run) => run.answerMs)),
          invokeMs: summarize(list.map((run) => run.answerMs - run.loadMs)),
          cpuMs: summarize(list.map((run) => run.cpuMs)),
          // Each round's first answer over the floor's in the same round: runs moments apart share the machine's load.
          ...(runs.floor && { answerToFloorInRound: summarize(list.map((run, round) => run.answerMs / runs.floor[round].answerMs)) }),
          rssBytes: summarize(list.map((run) => run.rssBytes)),
        },
      ]),
    );
  } finally {
    await emulator.close();
  }
}

/** Bytes of the status bundle's output by where the code comes from (esbuild's metafile), largest first. */
async function moduleBytes() {
  const result = await build({
    ...FUNCTION_BUNDLE,
    entryPoints: [join(root, 'functions', `${STATUS_FUNCTION}.ts`)],
    outfile: join(scratch, 'metafile', 'index.js'),
    plugins: FUNCTION_PLUGINS,
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const [output] = Object.values(result.metafile.outputs);
  const groups = {};
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const path = relative(root, input.replace(/^[a-z-]+:/, ''));
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const group = pkg ? pkg[1] : path.startsWith('lib/') ? path.split('/').slice(0, 2).join('/') : path;
    groups[group] = (groups[group] ?? 0) + bytesInOutput;
  }
  return Object.fromEntries(Object.entries(groups).sort((a, b) => b[1] - a[1]));
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
    figures.redisHitDirect = await timeCalls((i) =>
      viaRedis(directEvent(clusters[i % 2]), CONTEXT).then((a) => (misses.before += a.cache.status === 'hit' ? 0 : 1)),
    );
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
      const answers = await Promise.all(
        Array.from({ length: BURST.lookups }, (_, i) => handler(directEvent(clusterIds[i % BURST.clusters]), {})),
      );
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
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
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
  console.log(
    `| bundle size (index.js) | ${kib(r.bytes.status)} | (same file) | ${kib(r.bytes.baseline)} | ${(r.bytes.baseline / r.bytes.status).toFixed(1)}x | status at most 200 KB (${GOALS.maxStatusBytes.toLocaleString('en-US')} B) | ${verdict(r.pass.size)} |`,
  );
  console.log(`| redis-tier.js beside it, required only with REDIS_URL | | ${kib(r.bytes.statusRedisTier)} | | | | |`);
  console.log(
    `| load time, median | ${ms(status.median)} ms | ${ms(statusWithRedis.median)} ms | ${ms(baseline.median)} ms | ${r.loadSpeedup.toFixed(1)}x | status at least ${GOALS.minLoadSpeedup}x faster | ${verdict(r.pass.load)} |`,
  );
  console.log(
    `| load time, p10 / p90 | ${ms(status.p10)} / ${ms(status.p90)} ms | ${ms(statusWithRedis.p10)} / ${ms(statusWithRedis.p90)} ms | ${ms(baseline.p10)} / ${ms(baseline.p90)} ms | | | |`,
  );
  console.log(
    `| load time, min / max | ${ms(status.min)} / ${ms(status.max)} ms | ${ms(statusWithRedis.min)} / ${ms(statusWithRedis.max)} ms | ${ms(baseline.min)} / ${ms(baseline.max)} ms | | | |`,
  );

  printNames(r);
  printCold(r);
  printRest(r);
}

/** Error class names: esbuild's keepNames on everything, against naming only the classes tools report (as deployed), against none. */
function printNames(r) {
  const kib = (bytes) => `${bytes.toLocaleString('en-US')} B (${(bytes / 1024).toFixed(1)} KiB)`;
  const ms = (x) => x.toFixed(2);
  const signed = (x, digits, unit) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}${unit}`;
  const l = r.loadMs;
  const c = r.cold;
  console.log(
    `\nError class names (\`error.constructor.name\`, which serverless-offline reports): esbuild's keepNames wraps every named function and class in \`__name(...)\` at load; the deployed bundle names only its error classes (lib/errors.ts, TransportError). Load times from the same interleaved runs, first answers from the cold runs below.\n`,
  );
  console.log(
    '| status bundle | bundle size | load, median | first answer, median (below) | CPU time, median | first answer vs targeted |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  const line = (label, bytes, load, cold) =>
    console.log(
      `| ${label} | ${kib(bytes)} | ${ms(load.median)} ms | ${ms(cold.answerMs.median)} ms | ${ms(cold.cpuMs.median)} ms | ${cold === c.status ? '' : signed(cold.answerMs.median - c.status.answerMs.median, 2, ' ms')} |`,
    );
  line('keepNames on everything (before)', r.bytes.statusGlobalKeepNames, l.statusGlobalKeepNames, c.statusGlobalKeepNames);
  line('error classes named (as deployed)', r.bytes.status, l.status, c.status);
  line('no names (minified letters: not deployable)', r.bytes.statusNoNames, l.statusNoNames, c.statusNoNames);
}

function printCold(r) {
  const kib = (bytes) => `${bytes.toLocaleString('en-US')} B (${(bytes / 1024).toFixed(1)} KiB)`;
  const ms = (x) => x.toFixed(2);
  const verdict = (ok) => (ok ? '**PASS**' : '**FAIL**');
  const signed = (x, digits, unit) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}${unit}`;
  const c = r.cold;
  const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
  console.log(
    `\nWhole cold invocation: a fresh node process requires the bundle and answers one direct event (\`{"cluster_id": "${COLD_CLUSTER}"}\`) from the emulator on loopback, which verifies every signature; ${COLD_RUNS} runs each, interleaved, medians. Times count from just before the require (node's own start-up, the same for all, is left out). The emulator serves TLS here (a throwaway self-signed certificate made with openssl into .bench/, trusted through NODE_EXTRA_CA_CERTS), as production MRS is https only: **every variant, floor included, loads \`node:https\` and does a TLS handshake with the emulator.** The floor is bench/floor-handler.ts: no framework, no SDK, no cache, no retries, \`node:crypto\` signing and one \`node:https\` request.\n`,
  );
  console.log('| | status bundle | floor (bare handler) | naive baseline (sdk-core client) | status / floor | goal | result |');
  console.log('|---|---:|---:|---:|---:|---|---|');
  console.log(
    `| load (require), median | ${ms(c.status.loadMs.median)} ms | ${ms(c.floor.loadMs.median)} ms | ${ms(c.baseline.loadMs.median)} ms | ${ratio(c.status.loadMs.median, c.floor.loadMs.median)} | | |`,
  );
  console.log(
    `| invocation (handler call to answer), median | ${ms(c.status.invokeMs.median)} ms | ${ms(c.floor.invokeMs.median)} ms | ${ms(c.baseline.invokeMs.median)} ms | ${ratio(c.status.invokeMs.median, c.floor.invokeMs.median)} | | |`,
  );
  console.log(
    `| **first answer** (require to answer), median | ${ms(c.status.answerMs.median)} ms | ${ms(c.floor.answerMs.median)} ms | ${ms(c.baseline.answerMs.median)} ms | ${r.coldToFloor.toFixed(2)}x | at most ${GOALS.maxColdToFloor}x the floor, read both ways | ${verdict(r.pass.cold)} |`,
  );
  console.log(
    `| first answer over the floor's in the same round, median of the ${COLD_RUNS} rounds | ${c.status.answerToFloorInRound.median.toFixed(2)}x | 1.00x | ${c.baseline.answerToFloorInRound.median.toFixed(2)}x | ${r.coldToFloorInRound.toFixed(2)}x | (same goal) | |`,
  );
  console.log(
    `| CPU time (user + system) from require to answer, median | ${ms(c.status.cpuMs.median)} ms | ${ms(c.floor.cpuMs.median)} ms | ${ms(c.baseline.cpuMs.median)} ms | ${ratio(c.status.cpuMs.median, c.floor.cpuMs.median)} | | |`,
  );
  console.log(
    `| first answer, p10 / p90 | ${ms(c.status.answerMs.p10)} / ${ms(c.status.answerMs.p90)} ms | ${ms(c.floor.answerMs.p10)} / ${ms(c.floor.answerMs.p90)} ms | ${ms(c.baseline.answerMs.p10)} / ${ms(c.baseline.answerMs.p90)} ms | | | |`,
  );
  console.log(
    `| RSS after the answer, median | ${mib(c.status.rssBytes.median)} | ${mib(c.floor.rssBytes.median)} | ${mib(c.baseline.rssBytes.median)} | ${signed((c.status.rssBytes.median - c.floor.rssBytes.median) / 1024 / 1024, 1, ' MiB')} | | |`,
  );
  console.log(`| bundle size | ${kib(r.bytes.status)} | ${kib(r.bytes.floor)} | ${kib(r.bytes.baseline)} | | | |`);
  console.log(
    `\nGap to the floor, medians: load ${signed(c.status.loadMs.median - c.floor.loadMs.median, 2, ' ms')}, invocation ${signed(c.status.invokeMs.median - c.floor.invokeMs.median, 2, ' ms')}, first answer ${signed(c.status.answerMs.median - c.floor.answerMs.median, 2, ' ms')}; the 1.5x goal allows ${signed(c.floor.answerMs.median * (GOALS.maxColdToFloor - 1), 2, ' ms')}.`,
  );

  console.log(
    '\nWhat each cold-start change is worth: the status bundle built without it, in the same interleaved cold runs (positive: the change saves that much).\n',
  );
  console.log(
    '| status bundle | bundle size | load, median | first answer, median | CPU time, median | RSS after the answer | first answer saved by the change (medians) | CPU time saved (medians) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const row = (label, v, bytes) =>
    console.log(
      `| ${label} | ${kib(bytes)} | ${ms(v.loadMs.median)} ms | ${ms(v.answerMs.median)} ms | ${ms(v.cpuMs.median)} ms | ${mib(v.rssBytes.median)} | ${v === c.status ? '' : signed(v.answerMs.median - c.status.answerMs.median, 2, ' ms')} | ${v === c.status ? '' : signed(v.cpuMs.median - c.status.cpuMs.median, 2, ' ms')} |`,
    );
  row('as deployed', c.status, r.bytes.status);
  row(
    "without the header-order shim (the SDK's `localeCompare`: ICU collation set up on the first signature)",
    c.statusLocaleCompare,
    r.bytes.statusLocaleCompare,
  );
  row(
    "without deferring @middy/core's `node:stream/web` import (streamed responses only)",
    c.statusMiddyStreamWeb,
    r.bytes.statusMiddyStreamWeb,
  );
  row("without the url shim (the SDK's first `url.parse`)", c.statusUrlParse, r.bytes.statusUrlParse);
  row(
    'without the credential-sources chunk (the Secrets Manager, OIDC and ECS metadata sources bundled inline, still required at first use: their 20 KB parsed at every cold start)',
    c.statusCredentialSourcesInline,
    r.bytes.statusCredentialSourcesInline,
  );
  row(
    'with keepNames on everything instead of naming the error classes (as before)',
    c.statusGlobalKeepNames,
    r.bytes.statusGlobalKeepNames,
  );

  const cc = c.statusCodeCache;
  const quiet = c.statusNoLogLine;
  console.log(
    `\nWhat the remaining gap to the floor (${signed(c.status.answerMs.median - c.floor.answerMs.median, 2, ' ms')} first answer, ${signed(c.status.cpuMs.median - c.floor.cpuMs.median, 2, ' ms')} CPU, medians) is made of: the deployed status bundle under analysis only, same interleaved runs.\n`,
  );
  console.log(
    '| status bundle, analysis | first answer, median | CPU time, median | share of the gap: first answer | share of the gap: CPU | over the floor |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  const part = (label, v) =>
    console.log(
      `| ${label} | ${ms(v.answerMs.median)} ms | ${ms(v.cpuMs.median)} ms | ${signed(c.status.answerMs.median - v.answerMs.median, 2, ' ms')} | ${signed(c.status.cpuMs.median - v.cpuMs.median, 2, ' ms')} | ${ratio(v.answerMs.median, c.floor.answerMs.median)} |`,
    );
  part("loaded through a V8 code cache (bench/code-cache-loader.cjs; never deployed): V8 compiling the bundle's JavaScript", cc);
  part('LOG_LEVEL=error, so the answer writes no log line: logging (formatting, scrubbing, and opening stdout, a pipe here)', quiet);
  console.log(
    '\nWhat neither explains is running more code for the first time than the floor has: configuration, middleware, credentials chain, cache, retries and deadlines, response reading; error class naming is measured above.',
  );
}

/** The sections after the cold invocations: what the bundle is made of, warm calls, the burst and the waiters. */
function printRest(r) {
  const ms = (x) => x.toFixed(2);
  const us = (x) => `${x.toFixed(1)} µs`;
  const verdict = (ok) => (ok ? '**PASS**' : '**FAIL**');

  console.log('\nWhat the status bundle (index.js) is made of, by source (esbuild metafile, minified bytes).\n');
  console.log('| source | bytes |');
  console.log('|---|---:|');
  for (const [source, bytes] of Object.entries(r.statusModuleBytes)) console.log(`| ${source} | ${bytes.toLocaleString('en-US')} |`);

  const w = r.warmMicros;
  console.log(
    `\nWarm invocation through the whole middleware stack, stubbed MRS client: ${TIMED_CALLS.toLocaleString('en-US')} sequential awaited calls each, after ${WARM_UP_CALLS.toLocaleString('en-US')} warm-up calls.\n`,
  );
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
  console.log(
    `\nMemory-tier hit / cache-off invocation (direct, medians): ${r.hitToUncached.toFixed(2)}x; goal at most ${GOALS.maxHitToUncached}x: ${verdict(r.pass.hitCost)}`,
  );

  const b = r.burst;
  console.log(
    `\nBurst: ${BURST.lookups.toLocaleString('en-US')} concurrent direct invocations over ${BURST.clusters} clusters, cold cache, emulator answering after ${BURST.mrsLatencyMs} ms.\n`,
  );
  console.log('| handler | upstream MRS calls | wall time |');
  console.log('|---|---:|---:|');
  console.log(`| status bundle (cache, single flight) | ${b.status.upstreamCalls} | ${ms(b.status.wallMs)} ms |`);
  console.log(`| naive baseline (no cache) | ${b.baseline.upstreamCalls} | ${ms(b.baseline.wallMs)} ms |`);
  console.log(`\nGoal: exactly ${BURST.clusters} upstream calls: ${verdict(r.pass.burst)}`);
  printWaiters(r.waiters, waiterVerdicts(r.waiters));
}

mkdirSync(scratch, { recursive: true });
// Built as deployed, but into the bench's own folder: a build of dist/ by anyone else during the run changes nothing measured here.
const deployed = join(scratch, 'deployed');
const sizes = await buildFunctions({ quiet: true, outdir: deployed, names: [STATUS_FUNCTION, WAIT_FUNCTION] });
const statusBundle = join(deployed, STATUS_FUNCTION, 'index.js');
const baselineBundle = await bundle('baseline-handler.ts', join(scratch, 'baseline', 'index.js'));
const warmBundle = await bundle('warm-entry.ts', join(scratch, 'warm-entry.js'));
const fleetBundle = await bundle('fleet-entry.ts', join(scratch, 'fleet-entry.js'));
const floorBundle = await bundle('floor-handler.ts', join(scratch, 'floor', 'index.js'));
/** The status function built without one setting or cold-start change each, to measure what it costs or saves. */
const statusVariant = async (folder, change) => {
  const variantSizes = await buildFunctions({ quiet: true, outdir: join(scratch, folder), names: [STATUS_FUNCTION], ...change });
  return {
    file: join(scratch, folder, STATUS_FUNCTION, 'index.js'),
    bytes: variantSizes[relative(root, join(scratch, folder, STATUS_FUNCTION, 'index.js'))],
  };
};
/** lib/errors.ts and lib/huawei/transport.ts without their class naming (for the keepNames comparison). */
const withoutTargetedNames = {
  name: 'without-targeted-names',
  setup(b) {
    b.onLoad({ filter: /[\\/]lib[\\/](errors|huawei[\\/]transport)\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const stripped = source
        .replace(
          /\nfor \(const \[name, type\] of Object\.entries\(\{[^}]*\}\)\) \{\n {2}Object\.defineProperty\(type, 'name', \{ value: name \}\);\n\}\n/,
          '\n',
        )
        .replace(/\nObject\.defineProperty\(TransportError, 'name', \{ value: 'TransportError' \}\);\n/, '\n');
      assert.ok(
        !stripped.includes('Object.defineProperty(') || !/'name'/.test(stripped.slice(stripped.indexOf('Object.defineProperty('))),
        `naming left in ${args.path}`,
      );
      assert.notEqual(stripped, source, `no naming found in ${args.path}`);
      return { contents: stripped, loader: 'ts' };
    });
  },
};
const withoutPlugin = (name, replacement) =>
  FUNCTION_PLUGINS.flatMap((plugin) => (plugin.name !== name ? [plugin] : replacement ? [replacement] : []));
assert.ok(FUNCTION_PLUGINS.includes(signerShims));
const variants = {
  // Before: esbuild's keepNames on every function and class, no naming of our own. None: neither (minified names).
  globalKeepNames: await statusVariant('global-keep-names', {
    options: { keepNames: true },
    plugins: [withoutTargetedNames, ...FUNCTION_PLUGINS],
  }),
  noNames: await statusVariant('no-names', { plugins: [withoutTargetedNames, ...FUNCTION_PLUGINS] }),
  localeCompare: await statusVariant('locale-compare', {
    plugins: withoutPlugin('signer-shims', signerShimsPlugin({ headerOrder: false })),
  }),
  middyStreamWeb: await statusVariant('middy-stream-web', { plugins: withoutPlugin('middy-web-streams-lazily') }),
  urlParse: await statusVariant('url-parse', { plugins: withoutPlugin('signer-shims', signerShimsPlugin({ url: false })) }),
  credentialSourcesInline: await statusVariant('credential-sources-inline', {
    plugins: withoutPlugin('lazy-chunks-apart', lazyChunksApartPlugin({ inline: ['./credential-sources'] })),
  }),
};
/** The deployed status bundle loaded through a V8 code cache (bench/code-cache-loader.cjs): what compiling its JavaScript costs. */
const codeCache = join(scratch, 'code-cache');
mkdirSync(codeCache, { recursive: true });
rmSync(join(codeCache, 'v8.cache'), { force: true });
writeFileSync(
  join(codeCache, 'index.js'),
  `module.exports = require(${JSON.stringify(join(root, 'bench', 'code-cache-loader.cjs'))}).load(${JSON.stringify(statusBundle)}, ${JSON.stringify(join(codeCache, 'v8.cache'))});\n`,
);
const redis = await startRedis();

try {
  const loadMs = measureLoads({
    status: { file: statusBundle, env: BENCH_ENV },
    // The client connects in the background; a refused port costs the load nothing more than a live one.
    statusWithRedis: { file: statusBundle, env: { ...BENCH_ENV, REDIS_URL: redis?.url ?? 'redis://127.0.0.1:9' } },
    baseline: { file: baselineBundle, env: BENCH_ENV },
    statusGlobalKeepNames: { file: variants.globalKeepNames.file, env: BENCH_ENV },
    statusNoNames: { file: variants.noNames.file, env: BENCH_ENV },
  });
  const coldMs = await measureCold(fleetBundle, {
    status: statusBundle,
    floor: floorBundle,
    baseline: baselineBundle,
    statusGlobalKeepNames: variants.globalKeepNames.file,
    statusNoNames: variants.noNames.file,
    statusLocaleCompare: variants.localeCompare.file,
    statusMiddyStreamWeb: variants.middyStreamWeb.file,
    statusUrlParse: variants.urlParse.file,
    statusCredentialSourcesInline: variants.credentialSourcesInline.file,
    statusCodeCache: join(codeCache, 'index.js'),
    // The same bundle, its one info line per invocation off: what logging costs the first answer.
    statusNoLogLine: { file: statusBundle, env: { LOG_LEVEL: 'error' } },
  });
  if (process.env.BENCH_COLD_ONLY === '1') {
    // `BENCH_COLD_ONLY=1 npm run bench`: the load times, the naming table and the cold invocations only (a second reading of a borderline run).
    const r = {
      loadMs,
      cold: coldMs,
      bytes: {
        status: sizes[relative(root, statusBundle)],
        floor: statSync(floorBundle).size,
        baseline: statSync(baselineBundle).size,
        ...Object.fromEntries(Object.entries(variants).map(([k, v]) => [`status${k[0].toUpperCase()}${k.slice(1)}`, v.bytes])),
      },
      coldToFloor: coldMs.status.answerMs.median / coldMs.floor.answerMs.median,
      coldToFloorInRound: coldMs.status.answerToFloorInRound.median,
    };
    r.pass = { cold: r.coldToFloor <= GOALS.maxColdToFloor && r.coldToFloorInRound <= GOALS.maxColdToFloor };
    console.log(`Node ${process.version} on ${os.cpus()[0].model}; cold section only.`);
    printNames(r);
    printCold(r);
    writeFileSync(join(scratch, `results-cold-${Date.now()}.json`), `${JSON.stringify(r, null, 2)}\n`);
    process.exit(0);
  }
  const warmMicros = await measureWarm(warmBundle, redis?.url);
  const burst = await measureBurst(fleetBundle, { status: statusBundle, baseline: baselineBundle });
  // Waiters (bench/waiters.mjs): a sync of a set length played by the emulator, about 20 s.
  const waiters = await measureWaiters(fleetBundle, join(deployed, WAIT_FUNCTION, 'index.js'), BENCH_ENV);
  const results = {
    node: process.version,
    cpu: os.cpus()[0].model,
    platform: `${os.platform()} ${os.arch()}`,
    date: new Date().toISOString(),
    goals: GOALS,
    bytes: {
      status: sizes[relative(root, statusBundle)],
      statusRedisTier: sizes[relative(root, join(deployed, STATUS_FUNCTION, 'redis-tier.js'))],
      baseline: statSync(baselineBundle).size,
      floor: statSync(floorBundle).size,
      statusGlobalKeepNames: variants.globalKeepNames.bytes,
      statusNoNames: variants.noNames.bytes,
      statusLocaleCompare: variants.localeCompare.bytes,
      statusMiddyStreamWeb: variants.middyStreamWeb.bytes,
      statusUrlParse: variants.urlParse.bytes,
      statusCredentialSourcesInline: variants.credentialSourcesInline.bytes,
    },
    statusModuleBytes: await moduleBytes(),
    loadMs,
    loadSpeedup: loadMs.baseline.median / loadMs.status.median,
    cold: coldMs,
    coldToFloor: coldMs.status.answerMs.median / coldMs.floor.answerMs.median,
    coldToFloorInRound: coldMs.status.answerToFloorInRound.median,
    warmMicros,
    hitToUncached: warmMicros.memoryHitDirect.median / warmMicros.uncachedDirect.median,
    burst,
    waiters,
  };
  const waiterPass = waiterVerdicts(waiters);
  results.pass = {
    size: results.bytes.status <= GOALS.maxStatusBytes,
    load: results.loadSpeedup >= GOALS.minLoadSpeedup,
    hitCost: results.hitToUncached <= GOALS.maxHitToUncached,
    burst: burst.status.upstreamCalls === BURST.clusters,
    // Both ways of reading the same runs must agree: a ratio that passes one way only is noise, not a pass.
    cold: results.coldToFloor <= GOALS.maxColdToFloor && results.coldToFloorInRound <= GOALS.maxColdToFloor,
    waiterCallsVsSchedule: waiterPass.callsVsSchedule,
    waiterConcurrentCalls: waiterPass.concurrentCalls,
    waiterEndToAnswer: waiterPass.endToAnswer,
  };
  printReport(results);
  writeFileSync(join(scratch, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nRaw figures: .bench/results.json');
} finally {
  redis?.stop();
}
// The Secrets Manager credentials path (Lambda), measured on its own: bench/secrets-manager.mjs.
await (await import('./secrets-manager.mjs')).benchSecretsManager();
// The keyless credential source's cold-start cost (bench/oidc.mjs).
await (await import('./oidc.mjs')).printOidcBench();
// The bundles' keep-alive and Redis connections are not the bench's to wait for.
process.exit(0);
