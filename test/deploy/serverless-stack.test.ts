/**
 * The Lambda stack as `npm run package` writes it, offline, with no AWS credentials and no
 * AWS config files: every function's runtime, route or schedule, timeout and environment,
 * and roles that allow nothing but their own log groups and their own credentials secret.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const serverless = join(root, 'node_modules', 'serverless', 'bin', 'serverless.js');

interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
interface Packaged {
  resources: Record<string, Resource>;
  output: string;
  zips: Record<string, string[]>;
}

function packageStack(settings: Record<string, string>): Packaged {
  const folder = mkdtempSync(join(tmpdir(), 'sls-stack-'));
  try {
    // No AWS credentials or config of any kind: packaging must not need them.
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: folder,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      ...settings,
    };
    const run = spawnSync(process.execPath, [serverless, 'package', '--package', join(folder, 'out')], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    const output = `${run.stdout}${run.stderr}`;
    if (run.status !== 0) throw new Error(`serverless package exited ${run.status}:\n${output}`);
    const template = JSON.parse(readFileSync(join(folder, 'out', 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, Resource>;
    };
    const zips: Record<string, string[]> = {};
    for (const name of ['iamSyncStatus', 'iamSyncStart', 'iamSyncWait', 'iamSyncWaitHttp', 'iamSyncRefresh']) {
      zips[name] = execFileSync('unzip', ['-Z1', join(folder, 'out', `${name}.zip`)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .sort();
    }
    return { resources: template.Resources, output, zips };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const ofType = (p: Packaged, type: string) => Object.entries(p.resources).filter(([, r]) => r.Type === type);
const fn = (p: Packaged, logicalId: string) => p.resources[`${logicalId}LambdaFunction`]?.Properties as Record<string, any>;
const FUNCTIONS = ['IamSyncStatus', 'IamSyncStart', 'IamSyncWait', 'IamSyncWaitHttp', 'IamSyncRefresh'];
const secretArn = (name: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name}-??????`,
});

describe('the packaged Lambda stack', () => {
  let stack: Packaged;
  beforeAll(() => {
    stack = packageStack({ MRS_PROJECT_ID: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', HUAWEICLOUD_CREDENTIALS_SECRET_NAME: 'prod/mrs-read' });
  }, 60_000);

  it('runs every function on nodejs22.x (arm64), warning only that the pinned framework does not list the runtime', () => {
    expect(ofType(stack, 'AWS::Lambda::Function')).toHaveLength(FUNCTIONS.length);
    for (const id of FUNCTIONS) expect(fn(stack, id)).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    const warnings = stack.output.split('\n').filter((line) => /^\s+at '/.test(line));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/at 'provider\.runtime': must be equal to one of the allowed values/);
  });

  it('routes each HTTP path to its function, with payload 2.0', () => {
    const routes = Object.fromEntries(
      ofType(stack, 'AWS::ApiGatewayV2::Route').map(([, route]) => {
        const integration = stack.resources[route.Properties.Target['Fn::Join'][1][1].Ref] as Resource;
        expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
        return [route.Properties.RouteKey, integration.Properties.IntegrationUri['Fn::GetAtt'][0]];
      }),
    );
    expect(routes).toEqual({
      'GET /clusters/{cluster_id}/iam-sync': 'IamSyncStatusLambdaFunction',
      'GET /clusters/{cluster_id}/iam-sync/is-synchronous': 'IamSyncStatusLambdaFunction',
      'GET /clusters/{cluster_id}/iam-sync/users': 'IamSyncStatusLambdaFunction',
      'POST /clusters/{cluster_id}/iam-sync': 'IamSyncStartLambdaFunction',
      'GET /clusters/{cluster_id}/iam-sync/wait': 'IamSyncWaitHttpLambdaFunction',
    });
  });

  it('gives the direct-invocation waiter more than its default max_wait_seconds, and the HTTP one less than the gateway 30 s', () => {
    expect(fn(stack, 'IamSyncWait').Timeout).toBeGreaterThan(600);
    expect(fn(stack, 'IamSyncWait').Timeout).toBeLessThanOrEqual(900);
    expect(fn(stack, 'IamSyncWaitHttp').Timeout).toBeLessThan(30);
    expect(fn(stack, 'IamSyncWait').Handler).toBe(fn(stack, 'IamSyncWaitHttp').Handler);
  });

  it('names the credentials secret in every function, and enables starting syncs in the start function only', () => {
    for (const id of FUNCTIONS) {
      const variables = fn(stack, id).Environment.Variables;
      // The start function signs with its own secret by default: the read functions' keys can never start a sync.
      const secret = id === 'IamSyncStart' ? 'mrs-iam-sync/huawei-start' : 'prod/mrs-read';
      expect(variables).toMatchObject({
        HUAWEICLOUD_CREDENTIALS_SECRET_ID: secret,
        SECRET_CACHE_TTL_SECONDS: '300',
        MRS_PROJECT_ID: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      });
      expect('HUAWEICLOUD_SDK_AK' in variables || 'HUAWEICLOUD_SDK_SK' in variables).toBe(false);
      expect('IAM_SYNC_START_ENABLED' in variables).toBe(id === 'IamSyncStart');
    }
    expect(fn(stack, 'IamSyncStart').Environment.Variables.IAM_SYNC_START_ENABLED).toBe('false');
  });

  it('allows each role only its log groups and secretsmanager:GetSecretValue on its one secret', () => {
    expect(stack.resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = Object.fromEntries(ofType(stack, 'AWS::IAM::Role'));
    expect(Object.keys(roles).sort()).toEqual(['ReadFunctionsRole', 'StartFunctionRole']);
    for (const [name, role] of Object.entries(roles)) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const statements = role.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement);
      for (const statement of statements) expect(statement.Effect).toBe('Allow');
      const secretStatements = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
      const secret = name === 'StartFunctionRole' ? 'mrs-iam-sync/huawei-start' : 'prod/mrs-read';
      expect(secretStatements).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArn(secret) }]);
      const logStatements = statements.filter((s: any) => s !== secretStatements[0]);
      expect(logStatements).toHaveLength(1);
      expect(logStatements[0].Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      const groups = logStatements[0].Resource.map((r: any) => r['Fn::GetAtt'][0]);
      expect(groups).toEqual(
        name === 'StartFunctionRole'
          ? ['IamSyncStartLogGroup']
          : ['IamSyncStatusLogGroup', 'IamSyncWaitLogGroup', 'IamSyncWaitHttpLogGroup', 'IamSyncRefreshLogGroup'],
      );
    }
    for (const id of FUNCTIONS)
      expect(fn(stack, id).Role).toEqual({ 'Fn::GetAtt': [id === 'IamSyncStart' ? 'StartFunctionRole' : 'ReadFunctionsRole', 'Arn'] });
  });

  it('zips each function with its own bundle and the chunks beside it (secrets-manager.js among them), nothing else', () => {
    // index.js and every lazily loaded chunk built beside it (secrets-manager.js among them).
    const folder = (name: string) =>
      readdirSync(join(root, 'dist', name))
        .filter((file) => file.endsWith('.js'))
        .map((file) => `dist/${name}/${file}`)
        .sort();
    expect(folder('iam-sync-status')).toContain('dist/iam-sync-status/secrets-manager.js');
    expect(stack.zips).toEqual({
      iamSyncStatus: folder('iam-sync-status'),
      iamSyncStart: folder('iam-sync-start'),
      iamSyncWait: folder('iam-sync-wait'),
      iamSyncWaitHttp: folder('iam-sync-wait'),
      iamSyncRefresh: folder('iam-sync-refresh'),
    });
  });
});

describe('packaging settings', () => {
  it('gives the start function its own secret, readable by its role only', () => {
    const stack = packageStack({
      HUAWEICLOUD_CREDENTIALS_SECRET_NAME: 'prod/mrs-read',
      HUAWEICLOUD_START_CREDENTIALS_SECRET_NAME: 'prod/mrs-sync',
      IAM_SYNC_START_ENABLED: 'true',
    });
    expect(fn(stack, 'IamSyncStart').Environment.Variables).toMatchObject({
      HUAWEICLOUD_CREDENTIALS_SECRET_ID: 'prod/mrs-sync',
      IAM_SYNC_START_ENABLED: 'true',
    });
    expect(fn(stack, 'IamSyncStatus').Environment.Variables.HUAWEICLOUD_CREDENTIALS_SECRET_ID).toBe('prod/mrs-read');
    const secretOf = (role: string) =>
      (stack.resources[role] as Resource).Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement).find(
        (s: any) => s.Action === 'secretsmanager:GetSecretValue',
      ).Resource;
    expect(secretOf('StartFunctionRole')).toEqual(secretArn('prod/mrs-sync'));
    expect(secretOf('ReadFunctionsRole')).toEqual(secretArn('prod/mrs-read'));
  }, 60_000);

  it('defaults the secret name when none is given', () => {
    const stack = packageStack({});
    expect(fn(stack, 'IamSyncStatus').Environment.Variables.HUAWEICLOUD_CREDENTIALS_SECRET_ID).toBe('mrs-iam-sync/huawei-read');
    // The start function signs with its own keys by default, never the read functions'.
    expect(fn(stack, 'IamSyncStart').Environment.Variables.HUAWEICLOUD_CREDENTIALS_SECRET_ID).toBe('mrs-iam-sync/huawei-start');
  }, 60_000);
});
