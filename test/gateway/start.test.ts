/**
 * `npm start` end to end: the real build, the demo emulator and the gateway in a child
 * process, as a developer runs it on a fresh clone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { json, send } from '../fixtures/http-client';

const root = join(__dirname, '..', '..');
const START_TIMEOUT_MS = 30_000;

/** The parent's environment minus anything that would make the script call real MRS. */
function demoEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  for (const name of Object.keys(env)) {
    if (/^(MRS_|HUAWEICLOUD_SDK_|RUNTIME_)/.test(name)) delete env[name];
  }
  return env;
}

function waitForUrl(child: ChildProcess, output: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no gateway URL within ${START_TIMEOUT_MS} ms:\n${output.text}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output.text += chunk.toString('utf8');
      const url = /Gateway listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.text)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`start.mjs exited with ${code} before listening:\n${output.text}`));
    });
  });
}

describe('npm start (scripts/start.mjs)', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    // Only if the test failed before its own SIGINT.
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('builds, serves the demo clusters through the gateway, and exits 0 on SIGINT', async () => {
    child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
      cwd: root,
      env: demoEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { text: '' };
    const url = await waitForUrl(child, output);
    const exited = once(child, 'exit');

    for (const [clusterId, expected] of [
      ['demo-idle', false],
      ['demo-syncing', true],
    ] as const) {
      const reply = await send(`${url}/clusters/${clusterId}/iam-sync`);
      expect(reply.status).toBe(200);
      const body = json(reply) as Record<string, unknown>;
      // The contract's fields; the function may add others (such as its cache status).
      expect(body).toMatchObject({ cluster_id: clusterId, is_synchronizing: expected, checked_at: expect.any(String) });
      expect(Number.isNaN(Date.parse(body.checked_at as string))).toBe(false);
    }
    expect(output.text).toContain(`curl ${url}/clusters/demo-idle/iam-sync`);

    child.kill('SIGINT');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 60_000);
});
