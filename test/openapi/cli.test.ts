/**
 * `npm run openapi`: the document written per deployment (named after the config, or
 * --deployment; --out elsewhere), the URNs from the config, placeholders without one, warnings
 * when the config's APIG routes differ from the table, usage and config errors; and the script
 * itself, bundled on the fly, writing a document the validator accepts.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXIT_OK, EXIT_USAGE, runOpenApi } from '../../tools/openapi/cli';
import type { OpenApiDocument } from '../../tools/openapi/document';
import { EXAMPLE_CONFIG, KNOWN_FUNCTIONS, ROOT } from './helpers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  copyFileSync(join(ROOT, EXAMPLE_CONFIG), join(dir, 'prod.json'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runOpenApi({
    argv,
    cwd: dir,
    knownFunctions: KNOWN_FUNCTIONS,
    version: '0.1.0',
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
  });
  return { code, out, err };
}
const read = (path: string) => JSON.parse(readFileSync(join(dir, path), 'utf8')) as OpenApiDocument;
const urns = (doc: OpenApiDocument) =>
  Object.values(doc.paths).flatMap((methods) =>
    Object.values(methods).map(
      (op) => (op['x-apigateway-backend'] as { functionEndpoints: { 'function-urn': string } }).functionEndpoints['function-urn'],
    ),
  );

it('writes dist/openapi/<deployment>.json, the deployment named after the config, with its URNs', () => {
  const { code, out, err } = run(['--config', 'prod.json']);
  expect([code, err]).toEqual([EXIT_OK, []]);
  expect(out).toEqual([expect.stringContaining('dist/openapi/prod.json: OpenAPI 3.0.3, 4 paths, 5 operations (prod, APIG auth IAM)')]);
  const doc = read('dist/openapi/prod.json');
  expect(doc.info).toMatchObject({ title: 'MRS IAM sync adapter (prod)', version: '0.1.0' });
  expect(new Set(urns(doc))).toEqual(
    new Set(
      ['iam-sync-status', 'iam-sync-start', 'iam-sync-wait'].map(
        (fn) => `urn:fss:cn-north-4:0a1b2c3d4e5f60718293a4b5c6d7e8f9:function:mrs-iam-sync:${fn}:latest`,
      ),
    ),
  );
});

it('--deployment, --out, --function-version and AWS options', () => {
  const { code } = run([
    '--config=prod.json',
    '--deployment',
    'eu',
    '--out',
    'api/eu.json',
    '--function-version',
    'v2',
    '--aws-region',
    'eu-west-1',
    '--aws-account-id',
    '123456789012',
    '--stage',
    'prod',
  ]);
  expect(code).toBe(EXIT_OK);
  const doc = read('api/eu.json');
  expect(doc.info).toMatchObject({ title: 'MRS IAM sync adapter (eu)' });
  const op = doc.paths['/clusters/{cluster_id}/iam-sync'].post;
  expect(op['x-apigateway-backend']).toMatchObject({
    functionEndpoints: { 'function-urn': expect.stringMatching(/:iam-sync-start:v2$/), version: 'v2' },
  });
  expect(op['x-amazon-apigateway-integration']).toMatchObject({
    uri: 'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mrs-iam-sync-adapter-prod-iamSyncStart/invocations',
  });
});

it('documents only the functions the config deploys, and warns about APIG routes that differ from the table', () => {
  const config = JSON.parse(readFileSync(join(dir, 'prod.json'), 'utf8'));
  delete config.functions['iam-sync-start'];
  config.functions['iam-sync-wait'].routes = [{ method: 'POST', path: '/clusters/{cluster_id}/iam-sync/wait' }];
  config.apig.auth = 'APP';
  writeFileSync(join(dir, 'reads.json'), JSON.stringify(config));
  const { code, err } = run(['--config', 'reads.json']);
  expect(code).toBe(EXIT_OK);
  expect(err).toEqual([
    expect.stringMatching(
      /^Warning: reads\.json routes POST \/clusters\/\{cluster_id\}\/iam-sync\/wait to iam-sync-wait, which does not serve it/,
    ),
    expect.stringMatching(/^Warning: reads\.json does not route GET \/clusters\/\{cluster_id\}\/iam-sync\/wait to iam-sync-wait/),
  ]);
  const doc = read('dist/openapi/reads.json');
  expect(doc.paths['/clusters/{cluster_id}/iam-sync'].post).toBeUndefined();
  expect(doc.paths['/clusters/{cluster_id}/iam-sync'].get.security).toEqual([{ 'apig-auth-app': [] }]);
});

it('without a config: placeholders, and a warning saying so', () => {
  const { code, err } = run([]);
  expect(code).toBe(EXIT_OK);
  expect(err).toEqual([expect.stringContaining('No --config')]);
  expect(urns(read('dist/openapi/local.json'))).toContain('urn:fss:<region>:<project_id>:function:<package>:iam-sync-status:latest');
});

it('needs no secret: encrypted_environment values read from the environment are not read', () => {
  delete process.env.IAM_SYNC_REDIS_URL;
  expect(run(['--config', 'prod.json']).code).toBe(EXIT_OK);
});

it.each([
  [['--nope'], 'Unknown argument "--nope".'],
  [['--config'], '--config needs a value.'],
  [['--auth', 'BASIC'], '--auth must be IAM, APP or NONE.'],
  [
    ['--lambda-arn', 'iam-sync-refresh=arn:aws:lambda:eu-west-1:123456789012:function:x'],
    expect.stringContaining('--lambda-arn takes <function>=<arn>'),
  ],
  [['--lambda-arn', 'iam-sync-status=not-an-arn'], expect.stringContaining('needs a Lambda function ARN')],
  [['--deployment', '../x'], expect.stringContaining('--deployment must be')],
])('usage error %j', (argv, message) => {
  const { code, err } = run(argv);
  expect(code).toBe(EXIT_USAGE);
  expect(err[0]).toEqual(message);
  expect(existsSync(join(dir, 'dist'))).toBe(false);
});

it('a bad config is one error listing its problems, and nothing is written', () => {
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ region: 'nowhere', functions: {} }));
  const { code, err } = run(['--config', 'bad.json']);
  expect(code).toBe(EXIT_USAGE);
  expect(err.join('\n')).toMatch(/The deploy config bad\.json has \d+ problems/);
  expect(run(['--config', 'missing.json']).err[0]).toContain('the file cannot be read');
  expect(existsSync(join(dir, 'dist'))).toBe(false);
});

it('npm run openapi (scripts/openapi.mjs) writes a document the validator accepts', async () => {
  const out = join(dir, 'doc.json');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'scripts', 'openapi.mjs'), '--config', join(ROOT, EXAMPLE_CONFIG), '--out', out],
    {
      cwd: ROOT,
    },
  );
  expect(stdout).toContain(`${out}: OpenAPI 3.0.3, 4 paths, 5 operations (functiongraph.example, APIG auth IAM)`);
  await expect(SwaggerParser.validate(out)).resolves.toMatchObject({ openapi: '3.0.3' });
}, 60_000);
