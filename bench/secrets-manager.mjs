// The cold-start cost of the Secrets Manager credentials path (Lambda): the status bundle with
// its Huawei keys in the environment beside the same bundle with HUAWEICLOUD_CREDENTIALS_SECRET_ID,
// whose first invocation loads the AWS SDK chunk (secrets-manager.js) and reads the secret from
// a loopback GetSecretValue stand-in before it calls the MRS emulator. Fresh processes,
// interleaved; the load (require) and the first answer, and the chunk's own load.
// `node bench/secrets-manager.mjs`, or as the last section of `npm run bench`.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildFunctions, NODE_BUNDLE } from '../esbuild.config.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const scratch = join(root, '.bench', 'secrets-manager');
const RUNS = 20;
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const HUAWEI = { accessKey: 'BENCHSMACCESSKEY0001', secretKey: 'bench-sm-secret-key-not-real-000000000001' };
const AWS_KEYS = { accessKeyId: 'AKIABENCHFAKE0000001', secretAccessKey: 'bench-aws-secret-access-key-not-real-0001' };
const SECRET_NAME = 'bench/huawei';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One cold invocation in a fresh process (bench/cold-invocation.cjs); its figures. */
function coldInvocation(file, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench', 'cold-invocation.cjs'), file, 'demo-idle'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let figures = '';
    let errors = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.stdio[3].on('data', (chunk) => (figures += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(figures)) : reject(new Error(`cold invocation exited ${code}:\n${errors}`)),
    );
  });
}

const LOAD_SCRIPT = 'const s = process.hrtime.bigint(); require(process.argv[1]); console.log(Number(process.hrtime.bigint() - s) / 1e6);';
const loadMs = (file, env) => Number(execFileSync(process.execPath, ['-e', LOAD_SCRIPT, file], { env, encoding: 'utf8' }).trim());

/** Builds what it measures into .bench/ (never dist/), runs it, prints a markdown table; returns the figures. */
export async function benchSecretsManager({ runs = RUNS } = {}) {
  mkdirSync(scratch, { recursive: true });
  await buildFunctions({ quiet: true, outdir: join(scratch, 'deployed'), names: ['iam-sync-status'] });
  const bundle = join(scratch, 'deployed', 'iam-sync-status', 'index.js');
  const chunk = join(scratch, 'deployed', 'iam-sync-status', 'secrets-manager.js');
  const servers = join(scratch, 'servers.cjs');
  await build({
    ...NODE_BUNDLE,
    stdin: {
      contents:
        "export { startEmulator } from './emulator/server'; export { startSecretsManagerStandIn } from './emulator/secrets-manager';",
      resolveDir: root,
      loader: 'ts',
    },
    outfile: servers,
    logLevel: 'error',
  });
  const { startEmulator, startSecretsManagerStandIn } = createRequire(import.meta.url)(servers);
  const emulator = await startEmulator({ projectId: PROJECT, credentials: [HUAWEI], clusters: { 'demo-idle': false } });
  const standIn = await startSecretsManagerStandIn({
    region: 'eu-west-1',
    credentials: AWS_KEYS,
    secrets: { [SECRET_NAME]: JSON.stringify({ access_key: HUAWEI.accessKey, secret_key: HUAWEI.secretKey }) },
  });
  const home = join(scratch, 'home');
  const base = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    MRS_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    STATUS_CACHE_TTL_SECONDS: '0',
  };
  const variants = {
    environmentKeys: { ...base, HUAWEICLOUD_SDK_AK: HUAWEI.accessKey, HUAWEICLOUD_SDK_SK: HUAWEI.secretKey },
    secretsManager: {
      ...base,
      HUAWEICLOUD_CREDENTIALS_SECRET_ID: SECRET_NAME,
      // What Lambda gives every function: its region and its role's keys.
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: AWS_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AWS_KEYS.secretAccessKey,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  };
  try {
    const names = Object.keys(variants);
    const samples = Object.fromEntries(names.map((name) => [name, { loadMs: [], answerMs: [], cpuMs: [], rssBytes: [] }]));
    const chunkLoadMs = [];
    for (const name of names) await coldInvocation(bundle, variants[name]);
    for (let round = 0; round < runs; round += 1) {
      for (let i = 0; i < names.length; i += 1) {
        const name = names[(round + i) % names.length];
        const readsBefore = standIn.reads(SECRET_NAME);
        const mrsBefore = emulator.requests.length;
        const run = await coldInvocation(bundle, variants[name]);
        assert.equal(run.answer.is_synchronizing, false, `${name}: wrong answer ${JSON.stringify(run.answer)}`);
        assert.equal(emulator.requests.length - mrsBefore, 1, `${name}: expected one MRS request`);
        assert.ok(emulator.requests.at(-1).verification.ok, `${name}: MRS refused the signature`);
        assert.equal(standIn.reads(SECRET_NAME) - readsBefore, name === 'secretsManager' ? 1 : 0, `${name}: secret reads`);
        for (const key of Object.keys(samples[name])) samples[name][key].push(run[key]);
      }
      chunkLoadMs.push(loadMs(chunk, variants.secretsManager));
    }
    const figure = (name, key) => median(samples[name][key]);
    const results = {
      node: process.version,
      runs,
      bytes: { index: statSync(bundle).size, chunk: statSync(chunk).size },
      chunkLoadMs: median(chunkLoadMs),
      ...Object.fromEntries(
        names.map((name) => [name, Object.fromEntries(Object.keys(samples[name]).map((key) => [key, figure(name, key)]))]),
      ),
    };
    const row = (label, name) =>
      `| ${label} | ${results[name].loadMs.toFixed(1)} | ${results[name].answerMs.toFixed(1)} | ${results[name].cpuMs.toFixed(0)} | ${(results[name].rssBytes / 2 ** 20).toFixed(1)} |`;
    console.log(
      `\n### Secrets Manager credentials path (Lambda), status bundle, ${runs} cold processes each, medians (Node ${process.version})\n`,
    );
    console.log('| credentials | load (ms) | first answer (ms) | CPU (ms) | RSS (MiB) |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(row('HUAWEICLOUD_SDK_AK/SK in the environment', 'environmentKeys'));
    console.log(row('HUAWEICLOUD_CREDENTIALS_SECRET_ID (AWS SDK chunk + GetSecretValue on loopback)', 'secretsManager'));
    console.log(
      `\nThe chunk (secrets-manager.js, ${(results.bytes.chunk / 1024).toFixed(0)} KiB beside a ${(results.bytes.index / 1024).toFixed(0)} KiB index.js) loads in ` +
        `${results.chunkLoadMs.toFixed(1)} ms on its own; the secret path adds ${(results.secretsManager.answerMs - results.environmentKeys.answerMs).toFixed(1)} ms ` +
        `to the first answer (the stand-in answers at once: a real Secrets Manager adds its round trip) and ` +
        `${(results.secretsManager.loadMs - results.environmentKeys.loadMs).toFixed(1)} ms to the load (none expected: the chunk is required at first use).`,
    );
    writeFileSync(join(scratch, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    return results;
  } finally {
    await Promise.all([emulator.close(), standIn.close()]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchSecretsManager();
  process.exit(0);
}
