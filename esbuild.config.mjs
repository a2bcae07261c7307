// Builds one minified CommonJS bundle per file in functions/: dist/<name>/index.js,
// deployed with the handler string `index.handler` (FunctionGraph) or `index.handler` (Lambda).
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The SDK's signer needs one lodash function and one moment call; loading both libraries
 * would cost about 35 ms of every cold start. Only imports made by the signer module are
 * redirected (see lib/mrs/signer-shims/README.md).
 */
export const signerShims = {
  name: 'signer-shims',
  setup(build) {
    build.onResolve({ filter: /^(lodash|moment)$/ }, (args) =>
      /huaweicloud-sdk-core[\\/]auth[\\/]AKSKSigner\.js$/.test(args.importer)
        ? { path: join(root, 'lib', 'mrs', 'signer-shims', `${args.path}.ts`) }
        : undefined,
    );
  },
};

export const functionNames = readdirSync(join(root, 'functions'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => basename(file, '.ts'));

export async function buildFunctions({ quiet = false } = {}) {
  const sizes = {};
  for (const name of functionNames) {
    const outfile = join(root, 'dist', name, 'index.js');
    const result = await build({
      entryPoints: [join(root, 'functions', `${name}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      sourcemap: false,
      metafile: true,
      plugins: [signerShims],
      logLevel: quiet ? 'error' : 'warning',
    });
    sizes[name] = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
  }
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await buildFunctions();
  for (const [name, bytes] of Object.entries(sizes)) {
    console.log(`dist/${name}/index.js  ${(bytes / 1024).toFixed(1)} KiB`);
  }
}
