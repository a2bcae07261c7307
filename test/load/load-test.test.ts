/**
 * The load test's machinery at a tiny scale (`npm run load` runs it at full scale): the
 * servers in a child process, autocannon against the gateway, the figures and the checks.
 */
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatReport, type LoadOptions, runLoadTest } from '../../load/load-test';

const root = join(__dirname, '..', '..');
let scratch: string;
let base: LoadOptions;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'load-test-'));
  const serversScript = join(scratch, 'servers.cjs');
  // As load/run.mjs builds it; the functions in dist/ come from jest's global setup.
  buildSync({
    entryPoints: [join(root, 'load', 'servers.ts')],
    outfile: serversScript,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'error',
  });
  base = {
    serversScript,
    functionsDir: join(root, 'dist'),
    logFile: join(scratch, 'servers.log'),
    clusters: 5,
    connections: 10,
    requests: 200,
    freshShare: 0.2,
    chaos: {
      latencyMs: { min: 1, max: 5 },
      faultRate: 0.2,
      faults: [
        { kind: 'status', status: 503 },
        { kind: 'status', status: 500 },
        { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
        { kind: 'reset' },
      ],
      seed: 3,
    },
    seed: 3,
    timeoutMs: 20_000,
  };
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

it('drives the gateway through injected faults, counts what happened, and passes its checks', async () => {
  const report = await runLoadTest(base);
  expect(report.checks.filter((check) => !check.pass)).toEqual([]);
  expect(report.pass).toBe(true);
  expect(report.answered).toBe(200);
  expect(sum(report.byStatus)).toBe(200);
  expect(sum(report.cache)).toBe(report.byStatus['200']);
  expect(report.fresh).toBeGreaterThan(0);
  expect(report.servers.upstreamCalls).toBeGreaterThan(0);
  expect(report.servers.injectedTotal).toBeGreaterThan(0);
  expect(report.servers.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
  expect(report.latencyMs.max).toBeGreaterThanOrEqual(report.latencyMs.p50);
  const text = formatReport(report);
  expect(text).toContain('| requests answered | 200 of 200');
  expect(text).toMatch(/\nResult: PASS$/);
}, 30_000);

it('passes when MRS keeps failing and the function answers with its upstream errors', async () => {
  const report = await runLoadTest({
    ...base,
    requests: 50,
    freshShare: 1,
    chaos: {
      faultRate: 1,
      faults: [
        { kind: 'status', status: 503 },
        { kind: 'status', status: 429 },
      ],
      seed: 1,
    },
  });
  expect(report.byStatus['200']).toBeUndefined();
  expect(Object.keys(report.errorCodes)).toEqual(expect.arrayContaining(['502 UpstreamUnavailable']));
  expect(Object.keys(report.errorCodes).every((key) => ['502 UpstreamUnavailable', '503 UpstreamThrottled'].includes(key))).toBe(true);
  expect(report.pass).toBe(true);
}, 30_000);

it('fails when an answer other than the allowed upstream errors surfaces', async () => {
  // Every MRS call answered 404: the function's ClusterNotFound is right for that, but it is not an injected outage.
  const report = await runLoadTest({
    ...base,
    requests: 50,
    freshShare: 1,
    chaos: { faultRate: 1, faults: [{ kind: 'status', status: 404 }], seed: 1 },
  });
  expect(report.errorCodes).toEqual({ '404 ClusterNotFound': 50 });
  expect(report.pass).toBe(false);
  expect(formatReport(report)).toMatch(/^FAIL every non-200 answer .*\(unexpected: 404 ClusterNotFound\)$/m);
}, 30_000);
