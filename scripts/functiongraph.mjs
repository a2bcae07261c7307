// `npm run package:functiongraph [-- --out <dir>]`: builds the functions and writes one
// deterministic zip per function, dist/functiongraph/<function>.zip.
// `npm run deploy:functiongraph -- --config <file> [--apply] [--packages <dir>]`: packages first
// (unless --packages names zips already built), then plans, or with --apply deploys (deploy/functiongraph/).
//
// The tool is TypeScript, bundled on the fly (./load-tool.mjs).
import { join, resolve } from 'node:path';
import { buildFunctions, functionNames, LAZY_CHUNKS } from '../esbuild.config.mjs';
import { loadTool, root } from './load-tool.mjs';

const distDir = join(root, 'dist');
const defaultPackagesDir = join(distDir, 'functiongraph');
const chunkFiles = Object.values(LAZY_CHUNKS).map((chunk) => chunk.file);

/** Builds every function and writes the zips; returns their folder. */
async function packageAll(tool, outDir) {
  await buildFunctions({ quiet: true });
  tool.packageCommand({ distDir, outDir, names: functionNames, chunkFiles });
  return outDir;
}

function optionValue(args, name) {
  const i = args.indexOf(name);
  if (i !== -1) return args[i + 1];
  const inline = args.find((arg) => arg.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

const [command, ...args] = process.argv.slice(2);
// The npm packages left external, so the SDK loads as installed.
const tool = await loadTool('functiongraph', { entryPoints: [join(root, 'deploy', 'functiongraph', 'cli.ts')], packages: 'external' });
if (command === 'package') {
  const out = optionValue(args, '--out');
  await packageAll(tool, out === undefined ? defaultPackagesDir : resolve(out));
  process.exitCode = 0;
} else if (command === 'deploy') {
  if (optionValue(args, '--packages') === undefined) await packageAll(tool, defaultPackagesDir);
  process.exitCode = await tool.deployCommand({ argv: args, knownFunctions: functionNames, defaultPackagesDir });
} else {
  console.error('Usage: node scripts/functiongraph.mjs package [--out <dir>] | deploy --config <file> [--apply] [--packages <dir>]');
  process.exitCode = 2;
}
