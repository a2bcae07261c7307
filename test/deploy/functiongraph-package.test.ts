/**
 * FunctionGraph packages: the zip writer's format (read back by its own reader, which checks
 * every size and CRC) and `npm run package:functiongraph`'s output: deterministic bytes, exactly
 * index.js and the lazily loaded chunk at the root, the built files unchanged.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32Table, createZip, FILE_MODE, FIXED_DOS_DATE, FIXED_DOS_TIME, readZip } from '../../deploy/functiongraph/zip';

const root = resolve(__dirname, '..', '..');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const FUNCTIONS = readdirSync(join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

describe('zip writer', () => {
  const files = [
    { name: 'redis-tier.js', data: Buffer.from('module.exports = 2;\n'.repeat(50)) },
    { name: 'index.js', data: Buffer.from('exports.handler = async () => 1;\n') },
    { name: 'lib/empty.txt', data: Buffer.alloc(0) },
  ];

  it('writes entries sorted by name, with fixed timestamps and mode, that read back byte for byte', () => {
    const entries = readZip(createZip(files));
    expect(entries.map((e) => e.name)).toEqual(['index.js', 'lib/empty.txt', 'redis-tier.js']);
    for (const entry of entries) {
      expect(entry.data.equals(files.find((f) => f.name === entry.name)?.data as Buffer)).toBe(true);
      expect(entry).toMatchObject({ method: 8, mode: FILE_MODE, dosDate: FIXED_DOS_DATE, dosTime: FIXED_DOS_TIME });
    }
  });

  it('gives the same bytes for the same files in any order', () => {
    expect(sha256(createZip(files))).toBe(sha256(createZip([...files].reverse())));
  });

  it('refuses names that would unpack outside the code root, and duplicates', () => {
    for (const name of ['../x.js', '/abs.js', 'a//b.js', 'dir/', 'a\\b.js', '']) {
      expect(() => createZip([{ name, data: Buffer.from('x') }])).toThrow(RangeError);
    }
    expect(() => createZip([files[1], files[1]])).toThrow(/twice/);
  });

  it('its table CRC-32 agrees with node:zlib', () => {
    const { crc32 } = require('node:zlib') as { crc32?: (data: Uint8Array) => number };
    for (const size of [0, 1, 7, 1000, 65_537]) {
      const data = randomBytes(size);
      if (crc32 !== undefined) expect(crc32Table(data)).toBe(crc32(data) >>> 0);
    }
    expect(crc32Table(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('the reader refuses a corrupted archive', () => {
    const zip = createZip(files);
    const corrupted = Buffer.from(zip);
    corrupted[40] ^= 0xff; // inside index.js's compressed data
    expect(() => readZip(corrupted)).toThrow();
    expect(() => readZip(Buffer.from('not a zip'))).toThrow(/end of central directory/);
  });
});

describe('npm run package:functiongraph', () => {
  const outs: string[] = [];
  afterAll(() => {
    for (const dir of outs) rmSync(dir, { recursive: true, force: true });
  });

  function packageInto(): string {
    const out = mkdtempSync(join(tmpdir(), 'fg-package-'));
    outs.push(out);
    execFileSync(process.execPath, ['scripts/functiongraph.mjs', 'package', '--out', out], { cwd: root, stdio: 'pipe' });
    return out;
  }

  it('builds twice into identical zips, each holding exactly index.js and the lazily loaded chunks (credential-sources.js, oidc-sts.js, redis-tier.js, secrets-manager.js) as built', () => {
    const first = packageInto();
    const second = packageInto();
    expect(readdirSync(first).sort()).toEqual(FUNCTIONS.map((name) => `${name}.zip`));
    for (const name of FUNCTIONS) {
      const a = readFileSync(join(first, `${name}.zip`));
      const b = readFileSync(join(second, `${name}.zip`));
      expect(sha256(a)).toBe(sha256(b));
      const entries = readZip(a);
      expect(entries.map((e) => e.name)).toEqual([
        'credential-sources.js',
        'index.js',
        'oidc-sts.js',
        'redis-tier.js',
        'secrets-manager.js',
      ]);
      for (const entry of entries) expect(entry.data.equals(readFileSync(join(root, 'dist', name, entry.name)))).toBe(true);
    }
  }, 60_000);
});
