// Builds one minified CommonJS bundle per file in functions/: dist/<name>/index.js,
// deployed with the handler string `index.handler` (FunctionGraph) or `index.handler` (Lambda).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** The SDK's signer module, the only one whose imports and text the shims below touch. */
const SIGNER_MODULE = /huaweicloud-sdk-core[\\/]auth[\\/]AKSKSigner\.js$/;
const SHIMS = join(root, 'lib', 'huawei', 'signer-shims');

/**
 * `buildCanonicalHeaders` sorts header names with `localeCompare`, and the first
 * `localeCompare` in a process initialises ICU collation (about 8 ms of the first answer).
 * This is the one line replaced: the comparator in lib/huawei/signer-shims/header-order.ts
 * answers what `localeCompare` answers, without ICU for the names the adapter signs.
 */
export const HEADER_SORT = 'headers.sort((a, b) => a.key.toLocaleLowerCase().localeCompare(b.key.toLocaleLowerCase()));';
const SHIMMED_HEADER_SORT =
  'headers.sort((a, b) => __signerHeaderOrder.compareHeaderNames(a.key.toLocaleLowerCase(), b.key.toLocaleLowerCase()));';

/** `source` with `from` replaced by `to`; throws, failing the build, unless `from` is there exactly once (an upgrade changed the module). */
export function replaceExactlyOnce(source, from, to, file) {
  const found = source.split(from).length - 1;
  if (found !== 1) {
    throw new Error(
      `expected ${JSON.stringify(from)} exactly once in ${file}, found it ${found} times: the package changed; review esbuild.config.mjs`,
    );
  }
  return source.replace(from, () => to);
}

/** The signer's text with its header sort replaced by the shim's comparator. */
export function shimHeaderSort(source, file = 'AKSKSigner.js') {
  // `var`, appended: hoisted, and assigned long before the first request is signed.
  return `${replaceExactlyOnce(source, HEADER_SORT, SHIMMED_HEADER_SORT, file)}\nvar __signerHeaderOrder = require(${JSON.stringify(join(SHIMS, 'header-order.ts'))});\n`;
}

/**
 * The SDK's signer needs one lodash function and one moment call; loading both libraries
 * would cost about 35 ms of every cold start. Its first `url.parse` costs about 1 ms more.
 * Only imports made by the signer module are redirected, and only its header sort is
 * rewritten (see lib/huawei/signer-shims/README.md). The bench turns the header sort
 * (`headerOrder: false`: `localeCompare` stays) or the url shim off to measure what each saves.
 */
export function signerShimsPlugin({ headerOrder = true, url = true } = {}) {
  const modules = new RegExp(`^(lodash|moment${url ? '|url' : ''})$`);
  return {
    name: headerOrder && url ? 'signer-shims' : `signer-shims${headerOrder ? '' : '-without-header-order'}${url ? '' : '-without-url'}`,
    setup(build) {
      build.onResolve({ filter: modules }, (args) =>
        SIGNER_MODULE.test(args.importer) ? { path: join(SHIMS, `${args.path}.ts`) } : undefined,
      );
      if (!headerOrder) return;
      build.onLoad({ filter: SIGNER_MODULE }, async (args) => ({
        contents: shimHeaderSort(await readFile(args.path, 'utf8'), args.path),
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}
export const signerShims = signerShimsPlugin();

/**
 * @middy/core imports `node:stream/web` at the top for one `instanceof ReadableStream` in its
 * streamed-response path, which these functions never take (no `streamifyResponse`): loading
 * it costs every cold start a few milliseconds. It is required where it is used instead.
 */
export const MIDDY_STREAM_WEB_IMPORT = 'import { ReadableStream } from "node:stream/web";\n';
export const MIDDY_STREAM_WEB_USE = 'handlerBody instanceof ReadableStream';
export const middyWebStreamsLazily = {
  name: 'middy-web-streams-lazily',
  setup(build) {
    build.onLoad({ filter: /[\\/]@middy[\\/]core[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const withoutImport = replaceExactlyOnce(source, MIDDY_STREAM_WEB_IMPORT, '', args.path);
      return {
        contents: replaceExactlyOnce(
          withoutImport,
          MIDDY_STREAM_WEB_USE,
          'handlerBody instanceof require("node:stream/web").ReadableStream',
          args.path,
        ),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * Modules split out of each function's bundle into a file beside it, by the specifier that
 * lib/composition/lazy.ts (the one place that loads them) requires them with. A deployment
 * that does not need one never even parses it at cold start. A chunk has its own copies of
 * every module it bundles, so `instanceof` would not know its copies of the adapter's error
 * classes, and secrets it registered with its own lib/log.ts would not be scrubbed: a chunk
 * that throws those errors or registers secrets is built `fromMainBundle`, taking those
 * modules (MAIN_BUNDLE_MODULES) from the bundle that loaded it. (The IAM project look-up
 * stays in the bundle, imported: it is small and signs with the bundle's signer.)
 */
export const LAZY_CHUNKS = {
  '../cache/redis': { file: 'redis-tier.js', source: join('lib', 'cache', 'redis.ts') },
  // The AWS SDK's Secrets Manager client: only with HUAWEICLOUD_CREDENTIALS_SECRET_ID (Lambda).
  '../credentials/secrets-manager-read': { file: 'secrets-manager.js', source: join('lib', 'credentials', 'secrets-manager-read.ts') },
  // The AWS SDK's STS client: only with HUAWEICLOUD_ID_TOKEN_AUDIENCE (OIDC federation from a Lambda role).
  '../credentials/oidc-sts-read': { file: 'oidc-sts.js', source: join('lib', 'credentials', 'oidc-sts-read.ts') },
  // The fallback credential sources (Secrets Manager, OIDC federation, ECS metadata): only when an invocation has neither the agency's nor the environment's keys.
  './credential-sources': {
    file: 'credential-sources.js',
    source: join('lib', 'composition', 'credential-sources.ts'),
    fromMainBundle: true,
  },
};

/**
 * The main bundle's modules a `fromMainBundle` chunk uses instead of copies, by source file,
 * under the names lib/composition/lazy.ts (loadCredentialSources) hands them over with. Such a
 * chunk's file exports a function of those modules that evaluates the chunk for the bundle
 * calling it, so that two bundles in one process (tests load many) never share one's classes.
 */
export const MAIN_BUNDLE_MODULES = {
  [join(root, 'lib', 'errors.ts')]: 'errors',
  [join(root, 'lib', 'log.ts')]: 'log',
  [join(root, 'lib', 'huawei', 'response.ts')]: 'huawei/response',
};
const MAIN_BUNDLE_PARAMETER = '__mainBundleModules';
const fromMainBundle = {
  name: 'from-main-bundle',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = join(args.resolveDir, args.path);
      const name = MAIN_BUNDLE_MODULES[`${file}.ts`] ?? MAIN_BUNDLE_MODULES[file];
      return name === undefined ? undefined : { path: name, namespace: 'main-bundle' };
    });
    build.onLoad({ filter: /.*/, namespace: 'main-bundle' }, (args) => ({
      contents: `module.exports = ${MAIN_BUNDLE_PARAMETER}[${JSON.stringify(args.path)}];\n`,
      loader: 'js',
    }));
  },
};
/** A `fromMainBundle` chunk's text, as the function of the main bundle's modules that its file exports. */
function asFunctionOfMainBundle(text) {
  return `"use strict";module.exports=function(${MAIN_BUNDLE_PARAMETER}){var module={exports:{}},exports=module.exports;\n${text}\nreturn module.exports};\n`;
}
const LAZY_IMPORTER = /[\\/]lib[\\/]composition[\\/]lazy\.ts$/;
/** The bench builds the functions with some chunks `inline` (bundled as before) to measure what splitting each saves. */
export function lazyChunksApartPlugin({ inline = [] } = {}) {
  return {
    name: inline.length === 0 ? 'lazy-chunks-apart' : `lazy-chunks-apart-except-${inline.join('-')}`,
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const chunk = LAZY_CHUNKS[args.path];
        return chunk !== undefined && !inline.includes(args.path) && LAZY_IMPORTER.test(args.importer)
          ? { path: `./${chunk.file}`, external: true }
          : undefined;
      });
    },
  };
}
const lazyChunksApart = lazyChunksApartPlugin();

/** How everything here is bundled for Node 20: one CommonJS file, as FunctionGraph and Lambda load it. */
export const NODE_BUNDLE = { bundle: true, platform: 'node', target: 'node20', format: 'cjs' };

/** The deployed functions, minified; the local tools and benchmarks reuse these settings where they compare. */
// No keepNames: it wraps every named function and class in `__name(...)` at load (about 2 ms of a
// cold start, measured by the bench). The classes whose names tools report (`error.constructor.name`,
// serverless-offline does) name themselves instead: lib/errors.ts and lib/huawei/transport.ts.
export const FUNCTION_BUNDLE = { ...NODE_BUNDLE, minify: true, sourcemap: false };

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

/** The plugins every function is built with. */
export const FUNCTION_PLUGINS = [signerShims, middyWebStreamsLazily, lazyChunksApart];

/**
 * Builds every function; returns the size in bytes of each file written, by its path from the
 * repository root. The bench builds variants elsewhere (`outdir`) with settings or plugins changed,
 * and may ask for a few functions only (`names`).
 */
export async function buildFunctions({
  quiet = false,
  outdir = join(root, 'dist'),
  options = {},
  plugins = FUNCTION_PLUGINS,
  names = functionNames,
} = {}) {
  const sizes = {};
  const logLevel = quiet ? 'error' : 'warning';
  for (const name of names) {
    const results = await Promise.all([
      build({
        ...common,
        ...options,
        entryPoints: [join(root, 'functions', `${name}.ts`)],
        outfile: join(outdir, name, 'index.js'),
        plugins,
        logLevel,
      }),
      ...Object.values(LAZY_CHUNKS).map((chunk) =>
        build({
          ...common,
          ...options,
          entryPoints: [join(root, chunk.source)],
          outfile: join(outdir, name, chunk.file),
          plugins: chunk.fromMainBundle ? [fromMainBundle] : [],
          logLevel,
        }).then((result) =>
          chunk.fromMainBundle
            ? {
                ...result,
                outputFiles: result.outputFiles.map(({ path, text }) => ({ path, contents: Buffer.from(asFunctionOfMainBundle(text)) })),
              }
            : result,
        ),
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
