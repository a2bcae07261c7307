/**
 * The fallback credential sources (Secrets Manager, OIDC federation, ECS metadata) live in
 * credential-sources.js beside each bundle, loaded only when an invocation has neither the
 * agency's nor the environment's keys. The chunk uses its bundle's error classes (so answers
 * keep their names) and is evaluated once per bundle that loads it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { coldStart } from '../fixtures/load-bundle';

const root = resolve(__dirname, '..', '..');
const bundle = resolve(root, 'dist', 'iam-sync-status', 'index.js');
const BASE = { MRS_ENDPOINT: 'http://127.0.0.1:9', MRS_PROJECT_ID: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', LOG_LEVEL: 'error' };

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

it('the bundle requires the chunk from beside itself and carries none of the sources', () => {
  const main = readFileSync(bundle, 'utf8');
  expect(main).toContain('require("./credential-sources.js")');
  expect(main).not.toContain('HUAWEICLOUD_ID_TOKEN_FILE:');
  expect(main).not.toContain('node:fs/promises');
  const chunk = readFileSync(resolve(root, 'dist', 'iam-sync-status', 'credential-sources.js'), 'utf8');
  expect(chunk).toContain('X-Subject-Token');
  // No copies of the bundle's error classes or logger: they come from the bundle.
  expect(chunk).not.toMatch(/class \w+ extends Error/);
});

it('a cold start that signs with the environment keys loads neither the chunk nor node:fs/promises', () => {
  const script = `require(${JSON.stringify(bundle)});
    const loaded = Object.keys(require.cache).some((file) => file.endsWith('credential-sources.js'));
    process.stdout.write(JSON.stringify({ loaded, fsPromises: process.moduleLoadList.includes('NativeModule fs/promises') }));`;
  const out = execFileSync(process.execPath, ['-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      ...BASE,
      HUAWEICLOUD_SDK_AK: 'AK000000000000000000',
      HUAWEICLOUD_SDK_SK: 'sk-not-real-000000000000',
    },
    encoding: 'utf8',
  });
  expect(JSON.parse(out)).toEqual({ loaded: false, fsPromises: false });
});

it('without keys, each bundle asks the metadata service through its own evaluation of the chunk, and its errors keep their names', async () => {
  const env = { ...BASE, ECS_METADATA_URL: `http://127.0.0.1:${await closedPort()}/openstack/latest/securitykey`, MRS_MAX_ATTEMPTS: '1' };
  for (let instance = 0; instance < 2; instance += 1) {
    const handler = coldStart('iam-sync-status', env);
    const error = await handler({ cluster_id: 'demo-idle' }, {}).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    // A copy of the class would not be recognised: the bundle would throw InternalError ("failed unexpectedly") instead.
    expect(error).toMatchObject({ name: 'UpstreamUnavailable', message: expect.stringMatching(/metadata/i) });
  }
});
