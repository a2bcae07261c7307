// What the npm scripts share: a TypeScript tool (deploy/functiongraph/cli.ts, tools/openapi/,
// the dev servers) bundled on the fly into dist/tools/ with esbuild (already a dev dependency)
// rather than run through a TypeScript loader, so `npm ci` is all a script needs; then loaded.
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_BUNDLE } from '../esbuild.config.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles `source` (esbuild's `entryPoints` or `stdin`, and any option of the tool's own, such
 * as `packages: 'external'`) into dist/tools/<name>.cjs and requires it. CommonJS, because the
 * tools require() the function bundles.
 */
export async function loadTool(name, source) {
  const outfile = join(root, 'dist', 'tools', `${name}.cjs`);
  const result = await build({ ...source, outfile, ...NODE_BUNDLE, write: false, logLevel: 'error' });
  // Whole, then renamed: two runs at once never load half a file.
  mkdirSync(dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.partial`;
  writeFileSync(partial, result.outputFiles[0].contents);
  renameSync(partial, outfile);
  return createRequire(import.meta.url)(outfile);
}
