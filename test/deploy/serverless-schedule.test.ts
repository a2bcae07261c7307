/**
 * The Lambda stack's refresh schedule is enabled only when REFRESH_CLUSTER_IDS names
 * clusters: packaged offline with the pinned Serverless Framework, as `npm run package` does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const serverless = join(root, 'node_modules', 'serverless', 'bin', 'serverless.js');

function scheduleStates(refreshClusterIds: string | undefined): string[] {
  const folder = mkdtempSync(join(tmpdir(), 'sls-package-'));
  try {
    const env: Record<string, string | undefined> = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
    if (refreshClusterIds === undefined) delete env.REFRESH_CLUSTER_IDS;
    else env.REFRESH_CLUSTER_IDS = refreshClusterIds;
    execFileSync(process.execPath, [serverless, 'package', '--package', folder], { cwd: root, env, stdio: 'pipe' });
    const template = JSON.parse(readFileSync(join(folder, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { State?: string } }>;
    };
    return Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::Events::Rule')
      .map((rule) => rule.Properties.State ?? 'ENABLED');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

describe('serverless.yml refresh schedule', () => {
  it.each([
    ['unset', undefined, ['DISABLED']],
    ['blank', '  ', ['DISABLED']],
    ['naming clusters', 'c1,c2', ['ENABLED']],
  ])(
    'with REFRESH_CLUSTER_IDS %s is %j',
    (_label, value, states) => {
      expect(scheduleStates(value)).toEqual(states);
    },
    60_000,
  );
});
