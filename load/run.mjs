// `npm run load`: a load test of the status function behind the local gateway, against the
// MRS emulator with random latency and faults. Builds the functions (dist/) and the load
// test's own TypeScript (.bench/load/), runs it (load/load-test.ts), prints a markdown
// report, writes the figures to .bench/load.json, and exits non-zero when a check fails.
// Everything listens on 127.0.0.1; the run is bounded by its request count and a time limit.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunctions, NODE_BUNDLE } from '../esbuild.config.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, '.bench', 'load');

const SETTINGS = {
  clusters: 50,
  connections: 200,
  requests: 20_000,
  freshShare: 0.1,
  chaos: {
    latencyMs: { min: 20, max: 60 },
    faultRate: 0.01,
    faults: [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
      { kind: 'reset' },
    ],
    // Fixes the sequence of latencies and faults; which request meets which still depends on timing.
    seed: 1,
  },
  seed: 1,
  timeoutMs: 120_000,
};

/** CommonJS, like scripts/start.mjs's tools: the gateway require()s the function bundles. Packages stay in node_modules. */
async function buildLoadTest() {
  await build({
    entryPoints: { 'load-test': join(root, 'load', 'load-test.ts'), servers: join(root, 'load', 'servers.ts') },
    outdir: out,
    outExtension: { '.js': '.cjs' },
    ...NODE_BUNDLE,
    packages: 'external',
    logLevel: 'error',
  });
  return createRequire(import.meta.url)(join(out, 'load-test.cjs'));
}

try {
  mkdirSync(out, { recursive: true });
  await buildFunctions({ quiet: true });
  const { runLoadTest, formatReport } = await buildLoadTest();
  const report = await runLoadTest({
    ...SETTINGS,
    serversScript: join(out, 'servers.cjs'),
    functionsDir: join(root, 'dist'),
    logFile: join(out, 'servers.log'),
  });
  console.log(formatReport(report));
  writeFileSync(join(root, '.bench', 'load.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nFigures: .bench/load.json; the servers' output (the function's log lines): .bench/load/servers.log`);
  process.exitCode = report.pass ? 0 : 1;
} catch (error) {
  console.error(`npm run load failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
