/**
 * The bundles are minified without esbuild's keepNames (it costs every cold start about 2 ms):
 * the classes whose names tools report (`error.constructor.name`; serverless-offline does)
 * name themselves (lib/errors.ts, lib/huawei/transport.ts). Checked three ways: every class
 * lib/errors.ts declares is in its naming list (parsed from the source); lib/errors.ts built
 * alone with the production settings keeps every exported class's name; and each BUILT
 * bundle's own error classes, taken from the bundle as it hands them to its
 * credential-sources.js chunk, keep theirs, as does the error a cold invocation throws.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const errorsSource = readFileSync(join(root, 'lib', 'errors.ts'), 'utf8');
const declared = [...errorsSource.matchAll(/^export (?:abstract )?class (\w+)/gm)].map((match) => match[1]);

/** `new X(...)` for any class of lib/errors.ts: MethodNotAllowed takes (method, allow), the others (message, options). */
const ARGS = ['GET', ['GET']] as const;

it('lib/errors.ts names every class it declares, and nothing else', () => {
  const list = /for \(const \[name, type\] of Object\.entries\(\{([^}]*)\}\)\)/.exec(errorsSource);
  expect(list).not.toBeNull();
  const named = (list?.[1] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  expect(declared.length).toBeGreaterThan(20);
  expect([...named].sort()).toEqual([...declared].sort());
});

it('no class anywhere in lib/ extends Error unnamed, except ones that never leave their module', () => {
  const unnamed: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && !file.endsWith(join('lib', 'errors.ts'))) {
        const text = readFileSync(file, 'utf8');
        for (const [, name] of text.matchAll(/class (\w+) extends \w*Error\b/g)) {
          if (!text.includes(`Object.defineProperty(${name}, 'name', { value: '${name}' })`))
            unnamed.push(`${file.slice(root.length + 1)}: ${name}`);
        }
      }
    }
  };
  walk(join(root, 'lib'));
  // lib/mrs/client.ts's CredentialFailure marks a failure inside the client and is unwrapped there.
  expect(unnamed).toEqual(['lib/mrs/client.ts: CredentialFailure']);
});

it('lib/errors.ts built alone with the production settings keeps every class name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'error-names-'));
  try {
    const outfile = join(dir, 'errors.js');
    // esbuild.config.mjs is an ES module with top-level await: imported by a node of its own, not by jest.
    const builder = `import { build } from 'esbuild'; import { FUNCTION_BUNDLE } from ${JSON.stringify(join(root, 'esbuild.config.mjs'))};
      if (FUNCTION_BUNDLE.minify !== true) throw new Error('the functions are no longer minified');
      await build({ ...FUNCTION_BUNDLE, entryPoints: [${JSON.stringify(join(root, 'lib', 'errors.ts'))}], outfile: ${JSON.stringify(outfile)}, logLevel: 'error' });`;
    execFileSync(process.execPath, ['--input-type=module', '-e', builder], { cwd: root, stdio: 'inherit' });
    const text = readFileSync(outfile, 'utf8');
    // Minified for real: the class identifiers are gone from the text, only the names given remain.
    expect(text).not.toMatch(/class InvalidRequest\b/);
    const script = `const m = require(${JSON.stringify(outfile)});
      process.stdout.write(JSON.stringify(Object.entries(m).filter(([, v]) => typeof v === 'function' && /^class\\b/.test(Function.prototype.toString.call(v)))
        .map(([key, X]) => [key, X.name, X === m.AdapterError ? key : new X(...${JSON.stringify(ARGS)}).name])));`;
    const classes = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as [string, string, string][];
    expect(classes.map(([key]) => key).sort()).toEqual([...declared].sort());
    for (const [key, constructorName, instanceName] of classes) expect([constructorName, instanceName]).toEqual([key, key]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * In a fresh process: loads the bundle, catching the error classes it hands to its
 * credential-sources.js chunk (the chunk is loaded because no keys are set), and answers one
 * direct event, which fails (the metadata service is a closed port).
 */
const PROBE = `
const Module = require('node:module');
const bundle = process.argv[1];
let errors;
const load = Module._load;
Module._load = function (request) {
  const loaded = load.apply(this, arguments);
  if (request === './credential-sources.js' && typeof loaded === 'function') return (modules) => ((errors = modules.errors), loaded(modules));
  return loaded;
};
const context = { getRequestID: () => 'names', getRemainingTimeInMilliSeconds: () => 3000 };
const started = Date.now();
const { handler } = require(bundle);
handler({ cluster_id: 'demo-idle', is_all_sync: true }, context).then(() => undefined, (e) => e).then((thrown) => {
  const classes = errors && Object.entries(errors)
    .filter(([, v]) => typeof v === 'function' && /^class\\b/.test(Function.prototype.toString.call(v)))
    .map(([key, X]) => [key, X.name, X === errors.AdapterError ? key : new X(...${JSON.stringify(ARGS)}).name]);
  const describe = (e) => e && { name: e.name, constructorName: e.constructor.name };
  require('node:fs').writeSync(3, JSON.stringify({ thrown: describe(thrown), cause: describe(thrown && thrown.cause), took: Date.now() - started, classes }));
  process.exit(0);
});`;

const functionNames = readdirSync(join(root, 'functions'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''));

it.each(functionNames)('dist/%s: every error class of the built bundle keeps its name, as does the error it throws', async (name) => {
  const env = {
    PATH: process.env.PATH ?? '',
    MRS_ENDPOINT: 'http://127.0.0.1:9',
    MRS_PROJECT_ID: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    ECS_METADATA_URL: `http://127.0.0.1:${await closedPort()}/openstack/latest/securitykey`,
    MRS_MAX_ATTEMPTS: '1',
    IAM_SYNC_START_ENABLED: 'true',
    REFRESH_CLUSTER_IDS: 'demo-idle',
    LOG_LEVEL: 'error',
  };
  // fd 3 carries the findings; stdout is the function's log.
  const run = spawnSync(process.execPath, ['-e', PROBE, join(root, 'dist', name, 'index.js')], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  expect(run.status).toBe(0);
  const probe = JSON.parse(run.output[3] ?? '') as {
    thrown?: { name: string; constructorName: string };
    cause?: { name: string; constructorName: string };
    classes?: [string, string, string][];
  };
  expect(probe.classes?.map(([key]) => key).sort()).toEqual([...declared].sort());
  for (const [key, constructorName, instanceName] of probe.classes ?? []) expect([constructorName, instanceName]).toEqual([key, key]);
  if (probe.thrown) expect(probe.thrown.constructorName).toBe(probe.thrown.name);
  if (probe.cause) expect(probe.cause.constructorName).toBe(probe.cause.name);
});
