// `npm run bench`: the status function's bundle size, module load time and warm invocation
// cost, beside a naive baseline (bench/baseline-handler.ts, the SDK's full client), in one run.
// Prints a markdown table for the README and writes the figures to .bench/results.json.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildFunctions } from '../esbuild.config.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const scratch = join(root, '.bench');

const STATUS_FUNCTION = 'iam-sync-status';
const LOAD_RUNS = 25;
const WARM_UP_CALLS = 2_000;
const TIMED_CALLS = 20_000;
const GOALS = { maxStatusBytes: 200_000, minLoadSpeedup: 3 };

/** A valid configuration, so neither bundle fails its cold start; nothing is sent to the endpoint. */
const BENCH_ENV = {
  MRS_ENDPOINT: 'http://127.0.0.1:9',
  MRS_PROJECT_ID: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  HUAWEICLOUD_SDK_AK: 'BENCHACCESSKEY000000',
  HUAWEICLOUD_SDK_SK: 'bench-secret-key-not-real-0000000000000000',
};

/** FunctionGraph's context methods, so each call reads its request id and deadline as in production. */
const CONTEXT = { getRequestID: () => 'bench-request', getRemainingTimeInMilliSeconds: () => 30_000 };
const DIRECT_EVENT = { cluster_id: 'demo-idle' };
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
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    // The SDK's ClientBuilder has a dynamic require esbuild warns about; the baseline never reaches it.
    logLevel: 'error',
  });
  return outfile;
}

// Only the require is timed, not node's own start-up, which is the same for both.
const LOAD_SCRIPT =
  'const start = process.hrtime.bigint(); require(process.argv[1]); console.log(Number(process.hrtime.bigint() - start) / 1e6);';

/**
 * Load times in ms, one fresh process per run, alternating bundles so machine noise hits both.
 * The environment is only BENCH_ENV and a scratch home: sdk-core's ClientBuilder writes
 * ~/.huaweicloud/application_id, which should not land in the user's home. One untimed run
 * of each first, so neither pays alone for a cold disk cache or for creating that file.
 */
function measureLoads(bundles) {
  const home = join(scratch, 'home');
  const env = { ...BENCH_ENV, HOME: home, USERPROFILE: home };
  const loadOnce = (file) => {
    const out = execFileSync(process.execPath, ['-e', LOAD_SCRIPT, file], { env, encoding: 'utf8' }).trim();
    // Anything besides the number (a cold-start error log, say) would mean the bundle did not load cleanly.
    assert.match(out, /^\d+(\.\d+)?$/, `unexpected output loading ${file}:\n${out}`);
    return Number(out);
  };
  const samples = Object.fromEntries(Object.keys(bundles).map((name) => [name, []]));
  for (const file of Object.values(bundles)) loadOnce(file);
  for (let run = 0; run < LOAD_RUNS; run += 1) {
    for (const [name, file] of Object.entries(bundles)) samples[name].push(loadOnce(file));
  }
  return samples;
}

/** Microseconds per awaited call, after a warm-up so the JIT has settled. */
async function timeCalls(call) {
  for (let i = 0; i < WARM_UP_CALLS; i += 1) await call();
  const micros = [];
  for (let i = 0; i < TIMED_CALLS; i += 1) {
    const start = process.hrtime.bigint();
    await call();
    micros.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  return micros;
}

async function measureWarm(warmBundle) {
  const { createBenchHandler, stubbedGetIamSyncStatus } = createRequire(import.meta.url)(warmBundle);
  const handler = createBenchHandler(BENCH_ENV);
  // Timing an error path by mistake would be worse than no figure at all.
  assert.equal((await handler(DIRECT_EVENT, CONTEXT)).is_synchronizing, false);
  assert.equal((await handler(HTTP_EVENT, CONTEXT)).statusCode, 200);
  return {
    bare: summarize(await timeCalls(() => stubbedGetIamSyncStatus())),
    direct: summarize(await timeCalls(() => handler(DIRECT_EVENT, CONTEXT))),
    http: summarize(await timeCalls(() => handler(HTTP_EVENT, CONTEXT))),
  };
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
  const { status, baseline } = r.loadMs;
  console.log(`Node ${r.node} on ${r.cpu} (${r.platform})`);
  console.log(`Load time: require() of the bundle in a fresh node process, ${LOAD_RUNS} runs each, interleaved.\n`);
  console.log('| | status bundle | naive baseline (sdk-core client) | baseline / status | goal | result |');
  console.log('|---|---:|---:|---:|---|---|');
  console.log(`| bundle size | ${kib(r.bytes.status)} | ${kib(r.bytes.baseline)} | ${(r.bytes.baseline / r.bytes.status).toFixed(1)}x | status at most 200 KB (${GOALS.maxStatusBytes.toLocaleString('en-US')} B) | ${verdict(r.pass.size)} |`);
  console.log(`| load time, median | ${ms(status.median)} ms | ${ms(baseline.median)} ms | ${r.loadSpeedup.toFixed(1)}x | status at least ${GOALS.minLoadSpeedup}x faster | ${verdict(r.pass.load)} |`);
  console.log(`| load time, p10 / p90 | ${ms(status.p10)} / ${ms(status.p90)} ms | ${ms(baseline.p10)} / ${ms(baseline.p90)} ms | | | |`);
  console.log(`| load time, min / max | ${ms(status.min)} / ${ms(status.max)} ms | ${ms(baseline.min)} / ${ms(baseline.max)} ms | | | |`);
  console.log(`\nWarm invocation, stubbed MRS client: ${TIMED_CALLS.toLocaleString('en-US')} sequential awaited calls each, after ${WARM_UP_CALLS.toLocaleString('en-US')} warm-up calls.\n`);
  console.log('| warm call | median | p99 |');
  console.log('|---|---:|---:|');
  console.log(`| bare async function returning the stub's answer | ${us(r.warmMicros.bare.median)} | ${us(r.warmMicros.bare.p99)} |`);
  console.log(`| status handler, direct event | ${us(r.warmMicros.direct.median)} | ${us(r.warmMicros.direct.p99)} |`);
  console.log(`| status handler, APIG HTTP event | ${us(r.warmMicros.http.median)} | ${us(r.warmMicros.http.p99)} |`);
}

mkdirSync(scratch, { recursive: true });
const sizes = await buildFunctions({ quiet: true });
const bundles = {
  status: join(root, 'dist', STATUS_FUNCTION, 'index.js'),
  baseline: await bundle('baseline-handler.ts', join(scratch, 'baseline', 'index.js')),
};
const warmBundle = await bundle('warm-entry.ts', join(scratch, 'warm-entry.js'));

const loadSamples = measureLoads(bundles);
const loadMs = {
  status: { ...summarize(loadSamples.status), samples: loadSamples.status },
  baseline: { ...summarize(loadSamples.baseline), samples: loadSamples.baseline },
};
const results = {
  node: process.version,
  cpu: os.cpus()[0].model,
  platform: `${os.platform()} ${os.arch()}`,
  date: new Date().toISOString(),
  goals: GOALS,
  bytes: { status: sizes[STATUS_FUNCTION], baseline: statSync(bundles.baseline).size },
  loadMs,
  loadSpeedup: loadMs.baseline.median / loadMs.status.median,
  warmMicros: await measureWarm(warmBundle),
};
results.pass = {
  size: results.bytes.status <= GOALS.maxStatusBytes,
  load: results.loadSpeedup >= GOALS.minLoadSpeedup,
};

printReport(results);
writeFileSync(join(scratch, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nRaw figures: .bench/results.json');
