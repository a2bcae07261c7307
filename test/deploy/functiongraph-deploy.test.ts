/**
 * The FunctionGraph deploy tool, through the real SDK, against the FunctionGraph stand-in
 * (which verifies every request's signature): plan, first apply, a second apply that writes
 * nothing, code-only and config-only updates, the refresh TIMER, a failure mid-apply, bad config.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FunctionGraphStandIn, WRITE_OPERATIONS } from '../../emulator/functiongraph';
import { createZip, readZip } from '../../deploy/functiongraph/zip';
import {
  ACCESS_KEY,
  deploy,
  exampleConfig,
  FUNCTIONS,
  type Json,
  REDIS_URL,
  SECRET_KEY,
  standIn,
  type Workspace,
  workspace,
} from './functiongraph-helpers';

const ROUTES = 5; // status 3, wait 1, start 1

function envFor(fg: FunctionGraphStandIn): Record<string, string> {
  return { FUNCTIONGRAPH_ENDPOINT: fg.url, HUAWEICLOUD_SDK_AK: ACCESS_KEY, HUAWEICLOUD_SDK_SK: SECRET_KEY, IAM_SYNC_REDIS_URL: REDIS_URL };
}

const writeOps = (fg: FunctionGraphStandIn) => fg.writes.map((w) => `${w.operation} ${w.urn.split(':')[6]}`);

describe('deploy:functiongraph against the stand-in', () => {
  let ws: Workspace;
  let fg: FunctionGraphStandIn;
  let configPath: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ws = workspace();
    fg = await standIn();
    env = envFor(fg);
    configPath = ws.writeConfig(exampleConfig());
  });
  afterAll(async () => {
    await fg.close();
    ws.remove();
  });
  beforeEach(() => fg.resetCalls());

  it('the plan alone makes read calls only and says what it would create', async () => {
    const run = await deploy(['--config', configPath], env, ws.packagesDir);
    expect(run.code).toBe(0);
    expect(fg.writes).toEqual([]);
    expect(fg.calls.every((c) => c.method === 'GET' && c.verification.ok)).toBe(true);
    for (const name of FUNCTIONS) expect(run.out).toContainEqual(expect.stringMatching(new RegExp(`^  ${name}: create \\(zip`)));
    expect(run.out.filter((line) => / {4}trigger (APIG|TIMER).*: create$/.test(line))).toHaveLength(ROUTES);
    expect(run.text).toContain('TIMER Rate 1m: not wanted, REFRESH_CLUSTER_IDS names no clusters.');
    expect(run.out.at(-1)).toBe(
      `Plan only: nothing was changed. Run again with --apply to make these ${FUNCTIONS.length + ROUTES} changes.`,
    );
    expect(fg.functions.size).toBe(0);
  });

  it('the first apply creates every function with its zip, config and routes', async () => {
    const run = await deploy(['--config', configPath, '--apply'], env, ws.packagesDir);
    expect(run.err).toEqual([]);
    expect(run.code).toBe(0);
    expect(fg.calls.every((c) => c.verification.ok)).toBe(true);
    expect(writeOps(fg).filter((op) => op.startsWith('createFunction '))).toHaveLength(FUNCTIONS.length);
    expect(writeOps(fg).filter((op) => op.startsWith('createFunctionTrigger '))).toHaveLength(ROUTES);
    expect(run.out.at(-1)).toBe(`Applied: ${FUNCTIONS.length + ROUTES} changes made.`);

    for (const name of FUNCTIONS) {
      const stored = fg.functions.get(fg.urnFor('mrs-iam-sync', name));
      const zip = readFileSync(join(ws.packagesDir, `${name}.zip`));
      expect(stored?.code.equals(zip)).toBe(true);
      expect(stored?.config).toMatchObject({
        runtime: 'Node.js20.15',
        handler: 'index.handler',
        code_type: 'zip',
        code_filename: `${name}.zip`,
        digest: createHash('sha512').update(zip).digest('hex'),
        xrole: name === 'iam-sync-start' ? 'mrs-iam-sync-start' : 'mrs-iam-sync-read',
      });
      expect(JSON.parse(String(stored?.config.user_data))).toEqual(exampleConfig().functions[name].environment);
    }
    const status = fg.functions.get(fg.urnFor('mrs-iam-sync', 'iam-sync-status'));
    expect(JSON.parse(String(status?.config.encrypted_user_data))).toEqual({ REDIS_URL });
    expect(status?.triggers.map((t) => [t.trigger_type_code, (t.event_data as Json).req_method, (t.event_data as Json).path])).toEqual([
      ['APIG', 'GET', '/clusters/{cluster_id}/iam-sync'],
      ['APIG', 'GET', '/clusters/{cluster_id}/iam-sync/is-synchronous'],
      ['APIG', 'GET', '/clusters/{cluster_id}/iam-sync/users'],
    ]);
    expect(status?.triggers[0].event_data).toMatchObject({
      group_id: '0123456789abcdef0123456789abcdef',
      env_name: 'RELEASE',
      env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID',
      auth: 'IAM',
    });
    expect(fg.functions.get(fg.urnFor('mrs-iam-sync', 'iam-sync-refresh'))?.triggers).toEqual([]);
    // The secret went to FunctionGraph encrypted_user_data, never to the terminal.
    expect(run.text).not.toContain('redis-password-not-real');
  });

  it('a second apply with nothing changed makes no write call and says so', async () => {
    const run = await deploy(['--config', configPath, '--apply'], env, ws.packagesDir);
    expect(run.code).toBe(0);
    expect(fg.writes).toEqual([]);
    expect(fg.calls.filter((c) => c.operation !== undefined && WRITE_OPERATIONS.includes(c.operation))).toEqual([]);
    for (const name of FUNCTIONS) expect(run.out).toContain(`  ${name}: unchanged`);
    expect(run.out.at(-1)).toBe('Nothing to change: everything is up to date; no write call was made.');
  });

  it("changed code updates only that function's code", async () => {
    const path = join(ws.packagesDir, 'iam-sync-status.zip');
    const original = readFileSync(path);
    const entries = readZip(original).map((e) => ({
      name: e.name,
      data: e.name === 'index.js' ? Buffer.concat([e.data, Buffer.from('\n// changed\n')]) : e.data,
    }));
    const changed = createZip(entries);
    writeFileSync(path, changed);
    try {
      const plan = await deploy(['--config', configPath], env, ws.packagesDir);
      expect(plan.out).toContainEqual(
        expect.stringMatching(/^ {2}iam-sync-status: update code \(sha512 [0-9a-f]{12}… -> [0-9a-f]{12}…\)$/),
      );
      expect(plan.out.filter((l) => l.includes('update config'))).toEqual([]);
      const run = await deploy(['--config', configPath, '--apply'], env, ws.packagesDir);
      expect(run.code).toBe(0);
      expect(writeOps(fg)).toEqual(['updateFunctionCode iam-sync-status']);
      expect(fg.writes[0].fields).toEqual(['code_filename', 'code_type', 'func_code']);
      expect(fg.functions.get(fg.urnFor('mrs-iam-sync', 'iam-sync-status'))?.config.digest).toBe(
        createHash('sha512').update(changed).digest('hex'),
      );
    } finally {
      writeFileSync(path, original);
      await deploy(['--config', configPath, '--apply'], env, ws.packagesDir);
    }
  });

  it("a changed environment updates only that function's config, naming the variable but not its value", async () => {
    const config = exampleConfig();
    config.functions['iam-sync-wait'].environment.ALLOWED_CLUSTER_IDS = 'prod-*';
    const path = ws.writeConfig(config, 'changed-env.json');
    const run = await deploy(['--config', path, '--apply'], env, ws.packagesDir);
    expect(run.code).toBe(0);
    expect(writeOps(fg)).toEqual(['updateFunctionConfig iam-sync-wait']);
    expect(run.out).toContain('  iam-sync-wait: update config (user_data: ALLOWED_CLUSTER_IDS)');
    expect(run.text).not.toContain('prod-*');
    expect(JSON.parse(String(fg.functions.get(fg.urnFor('mrs-iam-sync', 'iam-sync-wait'))?.config.user_data)).ALLOWED_CLUSTER_IDS).toBe(
      'prod-*',
    );
  });

  it('a changed secret updates the config without printing it', async () => {
    const run = await deploy(
      ['--config', configPath, '--apply'],
      { ...env, IAM_SYNC_REDIS_URL: 'redis://:rotated-password@127.0.0.1:6380/0' },
      ws.packagesDir,
    );
    expect(run.code).toBe(0);
    expect(writeOps(fg).sort()).toEqual([
      'updateFunctionConfig iam-sync-refresh',
      'updateFunctionConfig iam-sync-start',
      'updateFunctionConfig iam-sync-status',
      'updateFunctionConfig iam-sync-wait',
    ]);
    expect(run.out).toContain('  iam-sync-status: update config (encrypted_user_data: REDIS_URL)');
    expect(run.text).not.toContain('rotated-password');
    fg.resetCalls();
    await deploy(['--config', configPath, '--apply'], env, ws.packagesDir);
    expect(fg.writes).toHaveLength(3);
  });

  it('the refresh function gets its TIMER once REFRESH_CLUSTER_IDS names clusters', async () => {
    const config = exampleConfig();
    config.functions['iam-sync-refresh'].environment.REFRESH_CLUSTER_IDS = 'c1,c2';
    const path = ws.writeConfig(config, 'with-clusters.json');
    const run = await deploy(['--config', path, '--apply'], env, ws.packagesDir);
    expect(run.code).toBe(0);
    expect(writeOps(fg)).toEqual(['updateFunctionConfig iam-sync-refresh', 'createFunctionTrigger iam-sync-refresh']);
    expect(fg.functions.get(fg.urnFor('mrs-iam-sync', 'iam-sync-refresh'))?.triggers[0]).toMatchObject({
      trigger_type_code: 'TIMER',
      event_data: { name: 'iam-sync-refresh-schedule', schedule_type: 'Rate', schedule: '1m' },
    });
    fg.resetCalls();
    const again = await deploy(['--config', path, '--apply'], env, ws.packagesDir);
    expect(fg.writes).toEqual([]);
    expect(again.out).toContain('    trigger TIMER Rate 1m: unchanged');
  });
});

describe('deploy:functiongraph when a call fails mid-apply', () => {
  let ws: Workspace;
  let fg: FunctionGraphStandIn;
  beforeAll(async () => {
    ws = workspace();
    fg = await standIn();
  });
  afterAll(async () => {
    await fg.close();
    ws.remove();
  });

  it('reports the steps done and not done, exits non-zero, and a rerun finishes the rest', async () => {
    const env = envFor(fg);
    const configPath = ws.writeConfig(exampleConfig());
    fg.failNext('createFunctionTrigger', { status: 500, body: { error_code: 'FSS.0500', error_msg: 'Internal error.' } }, 2);
    const run = await deploy(['--config', configPath, '--apply'], env, ws.packagesDir);
    expect(run.code).toBe(1);
    expect(run.err[0]).toMatch(
      /^FAILED step 3\/9: iam-sync-status: create trigger APIG GET \/clusters\/\{cluster_id\}\/iam-sync\/is-synchronous: createFunctionTrigger failed: HTTP 500 FSS\.0500: Internal error\. \(request id [0-9a-f]{32}\)$/,
    );
    expect(run.err).toContain('FunctionGraph failed to answer: run the same command again; steps already done will show as unchanged.');
    const done = run.err.slice(run.err.indexOf('Done (2):') + 1, run.err.indexOf('Not done (7):'));
    expect(done).toEqual([
      '  - iam-sync-status: create function',
      '  - iam-sync-status: create trigger APIG GET /clusters/{cluster_id}/iam-sync',
    ]);
    expect(run.err).toContain('  - iam-sync-status: create trigger APIG GET /clusters/{cluster_id}/iam-sync/is-synchronous');
    expect(run.err).toContain('  - iam-sync-wait: create function');
    expect(writeOps(fg)).toEqual(['createFunction iam-sync-status', 'createFunctionTrigger iam-sync-status']);

    fg.resetCalls();
    const rerun = await deploy(['--config', configPath, '--apply'], env, ws.packagesDir);
    expect(rerun.code).toBe(0);
    expect(writeOps(fg)).toEqual([
      'createFunctionTrigger iam-sync-status',
      'createFunctionTrigger iam-sync-status',
      'createFunction iam-sync-wait',
      'createFunctionTrigger iam-sync-wait',
      'createFunction iam-sync-start',
      'createFunctionTrigger iam-sync-start',
      'createFunction iam-sync-refresh',
    ]);
  });

  it('a failure while reading the state changes nothing and says what to do', async () => {
    fg.resetCalls();
    fg.failNext('listFunctions', {
      status: 403,
      body: { error_code: 'APIGW.0302', error_msg: 'The IAM user is not authorized to access the API.' },
    });
    const run = await deploy(['--config', ws.writeConfig(exampleConfig())], envFor(fg), ws.packagesDir);
    expect(run.code).toBe(1);
    expect(run.err).toEqual([
      expect.stringMatching(
        /^Could not read what FunctionGraph holds: listFunctions failed: HTTP 403 APIGW\.0302: The IAM user is not authorized to access the API\. \(request id [0-9a-f]{32}\)$/,
      ),
      expect.stringContaining('The caller may not do this'),
      'Nothing was changed.',
    ]);
    expect(fg.writes).toEqual([]);
  });
});

describe('deploy:functiongraph with a bad config', () => {
  let ws: Workspace;
  beforeAll(() => {
    ws = workspace();
  });
  afterAll(() => ws.remove());

  it('lists every problem in one error and calls nothing', async () => {
    const config = exampleConfig();
    config.region = 'North China';
    delete config.project_id;
    config.functions['iam-sync-start'].agency = 'mrs-iam-sync-read';
    config.functions['iam-sync-status'].memory_size = 300;
    config.functions['iam-sync-status'].timeout = 1;
    config.functions['iam-sync-wait'].environment.RUNTIME_ROOT = '/x';
    config.functions['iam-sync-wait'].environment.HUAWEICLOUD_SDK_SK = 'plain';
    config.functions['iam-sync-wait'].routes.push({ method: 'FETCH', path: 'no-slash' });
    config.functions['iam-sync-refresh'].timer.schedule = '90m';
    config.functions['iam-sync-refresh'].routes = [];
    config.functions['iam-sync-oops'] = {};
    const path = ws.writeConfig(config);
    // Would fail if anything were called: nothing listens on port 9.
    const run = await deploy(
      ['--config', path],
      { FUNCTIONGRAPH_ENDPOINT: 'http://127.0.0.1:9', HUAWEICLOUD_SDK_AK: 'a1b2c3d4', HUAWEICLOUD_SDK_SK: 'e5f6g7h8' },
      ws.packagesDir,
    );
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err).toHaveLength(1);
    const problems = run.err[0].split('\n').slice(1);
    expect(run.err[0].split('\n')[0]).toBe(`The deploy config ${path} has ${problems.length} problems:`);
    for (const fragment of [
      'region "North China" is not a region id',
      'project_id is required',
      'functions.iam-sync-status.memory_size must be one of',
      'functions.iam-sync-status.timeout must be a whole number',
      'functions.iam-sync-wait.environment.RUNTIME_ROOT is reserved',
      'functions.iam-sync-wait.environment.HUAWEICLOUD_SDK_SK is a secret',
      'functions.iam-sync-wait.routes[1].method must be one of',
      'functions.iam-sync-wait.routes[1].path must be an absolute path',
      'functions.iam-sync-start.agency must differ from the read functions',
      'functions.iam-sync-refresh.timer.schedule "90m" is not a Rate',
      'functions.iam-sync-refresh.routes is not a known setting',
      'functions.iam-sync-oops is not a function this repository builds',
      'functions.iam-sync-status.encrypted_environment.REDIS_URL is read from the environment variable IAM_SYNC_REDIS_URL, which is not set',
    ]) {
      expect(problems).toContainEqual(expect.stringContaining(fragment));
    }
    expect(problems).toHaveLength(3 * 4 + 2 + 3);
  });

  it('says which argument is missing', async () => {
    const run = await deploy([], {}, ws.packagesDir);
    expect(run.code).toBe(2);
    expect(run.err[0]).toBe('--config <file> is required.');
  });
});
