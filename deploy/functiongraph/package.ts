/**
 * `npm run package:functiongraph`: one zip per built function, `dist/functiongraph/<name>.zip`,
 * holding the function's `index.js` at the root and the lazily loaded chunks beside it
 * (`redis-tier.js`), as FunctionGraph unpacks a `code_type: "zip"` package into its code root
 * and runs `index.handler`. The bytes are deterministic (see zip.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createZip } from './zip';

export interface PackageOptions {
  /** Where the build put each function: `<distDir>/<name>/index.js`. */
  readonly distDir: string;
  /** Where the zips go. */
  readonly outDir: string;
  readonly names: readonly string[];
  /** The lazily loaded chunk files built beside each index.js (esbuild.config.mjs LAZY_CHUNKS). */
  readonly chunkFiles: readonly string[];
}

export interface FunctionPackage {
  readonly name: string;
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly sha512: string;
  readonly entries: readonly string[];
}

/** The files of one function's package, as the build left them; throws naming what is missing. */
export function packageEntries(distDir: string, name: string, chunkFiles: readonly string[]): Array<{ name: string; data: Buffer }> {
  const files = ['index.js', ...chunkFiles];
  const missing = files.filter((file) => !existsSync(join(distDir, name, file)));
  if (missing.length > 0) {
    throw new Error(`${name}: ${missing.map((file) => join(distDir, name, file)).join(', ')} not found; run npm run build first.`);
  }
  return files.map((file) => ({ name: file, data: readFileSync(join(distDir, name, file)) }));
}

export function describePackage(name: string, path: string, zip: Buffer, entries: readonly string[]): FunctionPackage {
  return {
    name,
    path,
    bytes: zip.length,
    sha256: createHash('sha256').update(zip).digest('hex'),
    sha512: createHash('sha512').update(zip).digest('hex'),
    entries: [...entries].sort(),
  };
}

/** Writes every function's zip (whole, then renamed into place) and describes each. */
export function writePackages(options: PackageOptions): FunctionPackage[] {
  mkdirSync(options.outDir, { recursive: true });
  return options.names.map((name) => {
    const entries = packageEntries(options.distDir, name, options.chunkFiles);
    const zip = createZip(entries);
    const path = join(options.outDir, `${name}.zip`);
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, zip);
    renameSync(partial, path);
    return describePackage(
      name,
      path,
      zip,
      entries.map((entry) => entry.name),
    );
  });
}
