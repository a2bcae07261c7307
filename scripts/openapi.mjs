// `npm run openapi -- [--config deploy/functiongraph.example.json] [--out <file>] ...`: writes the
// OpenAPI 3.0 document of one deployment (default dist/openapi/<deployment>.json) from the route
// table the functions and the local gateway use (lib/http-routes.ts); see tools/openapi/.
//
// The tool is TypeScript, bundled on the fly (./load-tool.mjs), with the npm packages left external.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { functionNames } from '../esbuild.config.mjs';
import { loadTool, root } from './load-tool.mjs';

const tool = await loadTool('openapi', { entryPoints: [join(root, 'tools', 'openapi', 'cli.ts')], packages: 'external' });
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
process.exitCode = tool.runOpenApi({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  knownFunctions: functionNames,
  version,
  io: { out: (line) => console.log(line), err: (line) => console.error(line) },
});
