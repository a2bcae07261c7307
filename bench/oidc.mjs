// `node bench/oidc.mjs` (and the last step of `npm run bench`): what the keyless credential
// source costs a cold start. The status bundle answers one direct event in a fresh process
// (bench/cold-invocation.cjs: load, then the first answer) with plain keys
// (HUAWEICLOUD_SDK_AK/SK), with OIDC federation from a token file, and with OIDC federation
// from AWS STS (HUAWEICLOUD_ID_TOKEN_AUDIENCE: the STS client chunk is loaded, a token asked
// of the loopback STS stand-in, exchanged with the emulator's IAM for temporary keys). Variants
// alternate each round so machine noise hits all. Prints a markdown table and writes the
// figures to .bench/oidc.json.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildFunctions, NODE_BUNDLE } from '../esbuild.config.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const scratch = join(root, '.bench', 'oidc');
const requireFile = createRequire(import.meta.url);
const STATUS_FUNCTION = 'iam-sync-status';
const RUNS = Number(process.env.OIDC_BENCH_RUNS ?? 25);
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const CLUSTER = 'bench-cold';
const KEYS = { accessKey: 'BENCHACCESSKEY000000', secretKey: 'bench-secret-key-not-real-0000000000000000' };
const AWS_KEYS = { accessKeyId: 'AKIABENCHSTANDIN0001', secretAccessKey: 'bench-aws-secret-access-key-not-real-0001' };
const ROLE = 'arn:aws:iam::123456789012:role/mrs-iam-sync-status';
const AUDIENCE = 'urn:huaweicloud:iam:mrs-iam-sync';

/** The stand-ins (TypeScript) bundled for node, as bench/run.mjs bundles its emulator entry. */
async function standIns() {
  const entry = join(scratch, 'stand-ins.ts');
  mkdirSync(scratch, { recursive: true });
  writeFileSync(
    entry,
    [
      "export { startEmulator } from '../../emulator/server';",
      "export { startStsStandIn } from '../../emulator/sts';",
      "export { createSigningKey, jwksOf, signJwt } from '../../emulator/jwt';",
    ].join('\n'),
  );
  const outfile = join(scratch, 'stand-ins.js');
  await build({ ...NODE_BUNDLE, entryPoints: [entry], outfile, logLevel: 'error' });
  return requireFile(outfile);
}

function coldInvocation(file, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench', 'cold-invocation.cjs'), file, CLUSTER], {
      env,
      stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
    });
    let figures = '';
    child.stdio[3].on('data', (chunk) => (figures += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(figures)) : reject(new Error(`cold invocation exited ${code}`))));
  });
}

function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0], runs: sorted.length };
}

export async function measureOidcColdStart({ runs = RUNS } = {}) {
  const sizes = await buildFunctions({ quiet: true, outdir: join(scratch, 'dist'), names: [STATUS_FUNCTION] });
  const bundle = join(scratch, 'dist', STATUS_FUNCTION, 'index.js');
  const { startEmulator, startStsStandIn, createSigningKey, jwksOf, signJwt } = await standIns();
  const sts = await startStsStandIn({ credentials: AWS_KEYS, roleArn: ROLE, region: 'us-east-1' });
  const clusterKey = createSigningKey('bench-cluster');
  const k8s = {
    issuer: 'https://oidc.bench.example/cluster',
    audience: 'huaweicloud-iam',
    subject: 'system:serviceaccount:mrs:iam-sync-status',
  };
  const emulator = await startEmulator({
    projectId: PROJECT,
    credentials: [KEYS],
    clusters: { [CLUSTER]: false },
    federation: {
      identityProviders: {
        'aws-lambda': { issuer: sts.issuer, clientId: AUDIENCE, signingKey: JSON.stringify(sts.jwks()), mapping: { sub: ROLE } },
        'k8s-cluster': {
          issuer: k8s.issuer,
          clientId: k8s.audience,
          signingKey: JSON.stringify(jwksOf(clusterKey)),
          mapping: { sub: k8s.subject },
        },
      },
    },
  });
  const tokenFile = join(scratch, 'projected-token');
  const now = Math.floor(Date.now() / 1000);
  writeFileSync(tokenFile, signJwt(clusterKey, { iss: k8s.issuer, aud: [k8s.audience], sub: k8s.subject, iat: now, exp: now + 86_400 }));
  const home = join(scratch, 'home');
  const base = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    MRS_ENDPOINT: emulator.url,
    IAM_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    STATUS_CACHE_TTL_SECONDS: '0',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: AWS_KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: AWS_KEYS.secretAccessKey,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const variants = {
    'plain keys': { HUAWEICLOUD_SDK_AK: KEYS.accessKey, HUAWEICLOUD_SDK_SK: KEYS.secretKey },
    'OIDC, token file': { HUAWEICLOUD_IDP_ID: 'k8s-cluster', HUAWEICLOUD_ID_TOKEN_FILE: tokenFile },
    'OIDC, AWS STS': { HUAWEICLOUD_IDP_ID: 'aws-lambda', HUAWEICLOUD_ID_TOKEN_AUDIENCE: AUDIENCE },
  };
  const names = Object.keys(variants);
  try {
    const once = async (name) => {
      const before = { mrs: emulator.requests.length, exchanges: emulator.federation.exchanges().idTokens, sts: sts.tokensIssued() };
      const run = await coldInvocation(bundle, { ...base, ...variants[name] });
      assert.equal(run.answer.is_synchronizing, false, `${name}: wrong answer ${JSON.stringify(run.answer)}`);
      const requests = emulator.requests.slice(before.mrs);
      assert.equal(requests.length, 1, `${name}: expected one MRS request, saw ${requests.length}`);
      assert.equal(requests[0].status, 200, `${name}: MRS answered ${requests[0].status}`);
      const federated = name !== 'plain keys';
      assert.equal(emulator.federation.exchanges().idTokens - before.exchanges, federated ? 1 : 0, `${name}: exchanges`);
      assert.equal(sts.tokensIssued() - before.sts, name === 'OIDC, AWS STS' ? 1 : 0, `${name}: STS tokens`);
      return run;
    };
    for (const name of names) await once(name);
    const runsByName = Object.fromEntries(names.map((name) => [name, []]));
    for (let round = 0; round < runs; round += 1) {
      for (let i = 0; i < names.length; i += 1) {
        const name = names[(round + i) % names.length];
        runsByName[name].push(await once(name));
      }
    }
    const results = Object.fromEntries(
      names.map((name) => [
        name,
        {
          loadMs: summarize(runsByName[name].map((r) => r.loadMs)),
          answerMs: summarize(runsByName[name].map((r) => r.answerMs)),
          invokeMs: summarize(runsByName[name].map((r) => r.answerMs - r.loadMs)),
        },
      ]),
    );
    const stsChunk = Object.entries(sizes).find(([path]) => path.endsWith(join(STATUS_FUNCTION, 'oidc-sts.js')));
    return { node: process.version, date: new Date().toISOString(), runs, stsChunkBytes: stsChunk?.[1], variants: results };
  } finally {
    await Promise.all([emulator.close(), sts.close()]);
  }
}

export function oidcTable(results) {
  const plain = results.variants['plain keys'].answerMs.median;
  const fmt = (ms) => ms.toFixed(1);
  const lines = [
    `### Cold start with keyless credentials (status bundle, ${results.runs} fresh processes each, ${results.node})`,
    '',
    '| credentials | load ms (median) | first answer ms (median) | p90 | invocation after load ms | vs plain keys |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...Object.entries(results.variants).map(
      ([name, v]) =>
        `| ${name} | ${fmt(v.loadMs.median)} | ${fmt(v.answerMs.median)} | ${fmt(v.answerMs.p90)} | ${fmt(v.invokeMs.median)} | ${name === 'plain keys' ? '' : `+${fmt(v.answerMs.median - plain)} ms`} |`,
    ),
    '',
    `The STS client chunk (oidc-sts.js, loaded only with HUAWEICLOUD_ID_TOKEN_AUDIENCE): ${((results.stsChunkBytes ?? 0) / 1024).toFixed(1)} KiB. ` +
      'Federated answers include the token (file read or STS call) and both IAM calls against loopback stand-ins: real network round trips come on top.',
  ];
  return lines.join('\n');
}

/** What bench/run.mjs calls last. */
export async function printOidcBench(options) {
  const results = await measureOidcColdStart(options);
  mkdirSync(join(root, '.bench'), { recursive: true });
  writeFileSync(join(root, '.bench', 'oidc.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${oidcTable(results)}\n\nRaw figures: .bench/oidc.json`);
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await printOidcBench();
  // The emulator's keep-alive connections are not the bench's to wait for.
  process.exit(0);
}
