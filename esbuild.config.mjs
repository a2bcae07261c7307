// Builds one minified CommonJS bundle per file in functions/: dist/<name>/index.js,
// deployed with the handler string `index.handler` (FunctionGraph) or `index.handler` (Lambda).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The SDK's signer needs one lodash function and one moment call; loading both libraries
 * would cost about 35 ms of every cold start. Only imports made by the signer module are
 * redirected (see lib/huawei/signer-shims/README.md).
 */
export const signerShims = {
  name: 'signer-shims',
  setup(build) {
    build.onResolve({ filter: /^(lodash|moment)$/ }, (args) =>
      /huaweicloud-sdk-core[\\/]auth[\\/]AKSKSigner\.js$/.test(args.importer)
        ? { path: join(root, 'lib', 'huawei', 'signer-shims', `${args.path}.ts`) }
        : undefined,
    );
  },
};

/**
 * Modules split out of each function's bundle into a file beside it, by the specifier that
 * lib/composition/lazy.ts (the one place that loads them) requires them with. A deployment
 * that does not need one never even parses it at cold start. Only modules that throw none of
 * the adapter's error classes may be split: a chunk has its own copies of every class it
 * bundles, and `instanceof` would not know them (the IAM project look-up stays inline,
 * required lazily, for that reason).
 */
export const LAZY_CHUNKS = {
  '../cache/redis': { file: 'redis-tier.js', source: join('lib', 'cache', 'redis.ts') },
};
const LAZY_IMPORTER = /[\\/]lib[\\/]composition[\\/]lazy\.ts$/;
const lazyChunksApart = {
  name: 'lazy-chunks-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\.\// }, (args) => {
      const chunk = LAZY_CHUNKS[args.path];
      return chunk !== undefined && LAZY_IMPORTER.test(args.importer) ? { path: `./${chunk.file}`, external: true } : undefined;
    });
  },
};

/** How everything here is bundled for Node 20: one CommonJS file, as FunctionGraph and Lambda load it. */
export const NODE_BUNDLE = { bundle: true, platform: 'node', target: 'node20', format: 'cjs' };

/** The deployed functions, minified; the local tools and benchmarks reuse these settings where they compare. */
// keepNames: tools report `error.constructor.name` (serverless-offline does); minified, it would be a letter.
export const FUNCTION_BUNDLE = { ...NODE_BUNDLE, minify: true, keepNames: true, sourcemap: false };

const common = { ...FUNCTION_BUNDLE, write: false };

/** Each file is written whole, then renamed into place, so a test or server reading it never sees half a bundle. */
function writeAtomically(result) {
  for (const { path, contents } of result.outputFiles) {
    mkdirSync(dirname(path), { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, contents);
    renameSync(partial, path);
  }
  return result;
}

export const functionNames = readdirSync(join(root, 'functions'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => basename(file, '.ts'));

/** Builds every function; returns the size in bytes of each file written, by its path from the repository root. */
export async function buildFunctions({ quiet = false } = {}) {
  const sizes = {};
  const logLevel = quiet ? 'error' : 'warning';
  for (const name of functionNames) {
    const results = await Promise.all([
      build({ ...common, entryPoints: [join(root, 'functions', `${name}.ts`)], outfile: join(root, 'dist', name, 'index.js'), plugins: [signerShims, lazyChunksApart], logLevel }),
      ...Object.values(LAZY_CHUNKS).map((chunk) =>
        build({ ...common, entryPoints: [join(root, chunk.source)], outfile: join(root, 'dist', name, chunk.file), logLevel }),
      ),
    ]);
    for (const result of results) {
      for (const output of writeAtomically(result).outputFiles) sizes[relative(root, output.path)] = output.contents.byteLength;
    }
  }
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await buildFunctions();
  for (const [path, bytes] of Object.entries(sizes)) console.log(`${path}  ${(bytes / 1024).toFixed(1)} KiB`);
}
