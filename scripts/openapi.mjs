// `npm run openapi -- [--config deploy/functiongraph.example.json] [--out <file>] ...`: writes the
// OpenAPI 3.0 document of one deployment (default dist/openapi/<deployment>.json) from the route
// table the functions and the local gateway use (lib/http-routes.ts); see tools/openapi/.
//
// The tool is TypeScript, bundled on the fly into dist/tools/ with esbuild (as scripts/start.mjs
// does), with the npm packages left external.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionNames, NODE_BUNDLE } from '../esbuild.config.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function loadTool() {
  const outfile = join(root, 'dist', 'tools', 'openapi.cjs');
  const result = await build({
    entryPoints: [join(root, 'tools', 'openapi', 'cli.ts')],
    outfile,
    ...NODE_BUNDLE,
    packages: 'external',
    write: false,
    logLevel: 'error',
  });
  // Whole, then renamed: two runs at once never load half a file.
  mkdirSync(dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.partial`;
  writeFileSync(partial, result.outputFiles[0].contents);
  renameSync(partial, outfile);
  return createRequire(import.meta.url)(outfile);
}

const tool = await loadTool();
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
process.exitCode = tool.runOpenApi({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  knownFunctions: functionNames,
  version,
  io: { out: (line) => console.log(line), err: (line) => console.error(line) },
});
