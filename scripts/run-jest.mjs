// Runs jest (arguments pass through) and ends with the plain line CI reads:
// `N passed, N failed, N skipped`, counted from jest's JSON report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
const folder = mkdtempSync(join(tmpdir(), 'jest-report-'));
const report = join(folder, 'report.json');
const run = spawnSync(process.execPath, [jest, '--json', `--outputFile=${report}`, ...process.argv.slice(2)], { stdio: 'inherit' });

let summary;
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = results.numPendingTests + results.numTodoTests;
  // A suite that fails to load counts no test; count it as a failure so it cannot pass unseen.
  const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  summary = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
} catch {
  summary = '0 passed, 1 failed';
  console.error('jest wrote no report; see its output above.');
}
rmSync(folder, { recursive: true, force: true });
console.log(summary);
process.exit(run.status ?? 1);
