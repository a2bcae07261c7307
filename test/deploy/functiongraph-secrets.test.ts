/**
 * No secret in any output of the deploy tool: run as a child process (as a user runs it), with
 * temporary credentials (AK, SK and security token), against a stand-in made to fail. The SDK's
 * own logger prints a failed request's Authorization and X-Security-Token headers to stdout
 * (first test: the control, the SDK used directly); the deploy tool silences it, and redacts
 * what services echo back (APIG names an unknown access key in its 401).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FunctionGraphStandIn } from '../../emulator/functiongraph';
import { exampleConfig, PROJECT_ID, REDIS_URL, root, standIn, type Workspace, workspace } from './functiongraph-helpers';

const run = promisify(execFile);
const ACCESS_KEY = 'TEMPACCESSKEYFORLEAKTEST';
const SECRET_KEY = 'temp-secret-key-for-leak-test-not-real';
const TOKEN = 'temp-security-token-for-leak-test-not-real-0123456789';

interface Outcome {
  code: number;
  output: string;
}

async function deployProcess(args: string[], env: Record<string, string>): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/functiongraph.mjs', 'deploy', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 60_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function expectNoSecret(output: string, fg: FunctionGraphStandIn, extra: string[] = []): void {
  const signatures = fg.calls
    .map((c) => /Signature=([0-9a-f]+)/.exec(c.authorization ?? '')?.[1])
    .filter((s): s is string => s !== undefined);
  expect(signatures.length).toBeGreaterThan(0);
  for (const secret of [ACCESS_KEY, SECRET_KEY, TOKEN, ...signatures, ...extra]) expect(output).not.toContain(secret);
  expect(output).not.toMatch(/Signature=[0-9a-f]{16}/);
  expect(output).not.toMatch(/x-security-token/i);
}

describe('deploy:functiongraph never prints a secret', () => {
  let ws: Workspace;
  let fg: FunctionGraphStandIn;
  let configPath: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ws = workspace();
    fg = await standIn({ credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY, securityToken: TOKEN }] });
    configPath = ws.writeConfig(exampleConfig());
    env = {
      FUNCTIONGRAPH_ENDPOINT: fg.url,
      HUAWEICLOUD_SDK_AK: ACCESS_KEY,
      HUAWEICLOUD_SDK_SK: SECRET_KEY,
      HUAWEICLOUD_SDK_SECURITY_TOKEN: TOKEN,
      IAM_SYNC_REDIS_URL: REDIS_URL,
    };
  });
  afterAll(async () => {
    await fg.close();
    ws.remove();
  });
  beforeEach(() => fg.resetCalls());

  it('control: the SDK by itself prints the token and the signature of a failed request', async () => {
    fg.failNext('listFunctions', { status: 500 });
    const script = `
      const { FunctionGraphClient } = require('@huaweicloud/huaweicloud-sdk-functiongraph');
      const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core');
      const c = FunctionGraphClient.newBuilder().withEndpoint(process.env.FUNCTIONGRAPH_ENDPOINT)
        .withCredential(new BasicCredentials().withAk(process.env.HUAWEICLOUD_SDK_AK).withSk(process.env.HUAWEICLOUD_SDK_SK)
          .withSecurityToken(process.env.HUAWEICLOUD_SDK_SECURITY_TOKEN).withProjectId('${PROJECT_ID}')).build();
      c.listFunctions({}).catch(() => undefined);`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
    const signature = /Signature=([0-9a-f]+)/.exec(fg.calls[0].authorization ?? '')?.[1] as string;
    expect(stdout).toContain(TOKEN);
    expect(stdout).toContain(signature);
  }, 60_000);

  it('a 500 in the middle of an apply: the failure is reported, no secret', async () => {
    fg.failNext('createFunction', { status: 500 }, 2);
    const outcome = await deployProcess(['--config', configPath, '--packages', ws.packagesDir, '--apply'], env);
    expect(outcome.code).toBe(1);
    expect(outcome.output).toContain('createFunction failed: HTTP 500 FSS.0500: Injected HTTP 500 failure.');
    expect(outcome.output).toContain('Done (4):');
    expectNoSecret(outcome.output, fg, ['redis-password-not-real']);
  }, 60_000);

  it('with DEBUG=DEBUG (every SDK logger at debug, request headers logged) and a 401 refusal: no secret', async () => {
    fg.failNext('listFunctions', {
      status: 401,
      body: { error_code: 'APIGW.0301', error_msg: `Incorrect IAM authentication information: ak ${ACCESS_KEY} not exist` },
    });
    const outcome = await deployProcess(['--config', configPath, '--packages', ws.packagesDir], { ...env, DEBUG: 'DEBUG' });
    expect(outcome.code).toBe(1);
    expect(outcome.output).toContain(
      'listFunctions failed: HTTP 401 APIGW.0301: Incorrect IAM authentication information: ak *** not exist',
    );
    expect(outcome.output).toContain('FunctionGraph refused the credentials');
    expectNoSecret(outcome.output, fg);
  }, 60_000);

  it('a successful apply and plan print no secret either', async () => {
    const outcome = await deployProcess(['--config', configPath, '--packages', ws.packagesDir, '--apply'], { ...env, DEBUG: 'DEBUG' });
    expect(outcome.code).toBe(0);
    expect(fg.calls.every((c) => c.verification.ok)).toBe(true);
    expectNoSecret(outcome.output, fg, ['redis-password-not-real']);
  }, 60_000);
});
