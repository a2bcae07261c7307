/**
 * The header-order shim where it could go wrong: under locales that tailor letters (it must
 * fall back to localeCompare there), and in the build (the esbuild plugin must fail loudly
 * when the SDK's text changes, and must have replaced the sort in what is deployed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const root = resolve(__dirname, '..', '..');
const SDK_SIGNER = require.resolve('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');

let folder: string;
let shim: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'mrs-header-order-'));
  shim = join(folder, 'header-order.js');
  buildSync({
    entryPoints: [join(root, 'lib', 'huawei', 'signer-shims', 'header-order.ts')],
    outfile: shim,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'error',
  });
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** In a fresh process with `env` (ICU reads the locale once): the shortcut's verdict, and every pair it orders unlike localeCompare. */
function runUnderLocale(env: Record<string, string>): { shortcut: boolean; mismatches: string[]; collator: string } {
  const script = `
    const { compareHeaderNames, collatesInRootOrder } = require(${JSON.stringify(shim)});
    const shortcut = collatesInRootOrder();
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-';
    // Pairs locales tailor: Danish aa after z, Lithuanian y after i, Czech ch after h, Estonian z after s.
    const pairs = [['aa', 'z'], ['y', 'j'], ['ch', 'i'], ['ch', 'h'], ['z', 't'], ['x-aa', 'x-z'], ['v', 'w']];
    for (const a of alphabet) for (const b of alphabet) pairs.push([a, b], ['x-' + a + 'a', 'x-' + b]);
    const mismatches = pairs.filter(([a, b]) => compareHeaderNames(a, b) !== a.localeCompare(b)).map((pair) => pair.join(' vs '));
    console.log(JSON.stringify({ shortcut, mismatches, collator: new Intl.Collator().resolvedOptions().locale }));`;
  const cleanEnv = { PATH: process.env.PATH ?? '', ...env };
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: cleanEnv, encoding: 'utf8' })) as ReturnType<
    typeof runUnderLocale
  >;
}

describe('compareHeaderNames in a fresh process', () => {
  it.each([
    [{}, true],
    [{ LANG: 'C.UTF-8' }, true],
    [{ LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'da_DK.UTF-8' }, false],
    [{ LC_ALL: 'lt_LT.UTF-8' }, false],
    [{ LC_MESSAGES: 'cs_CZ.UTF-8' }, false],
    [{ LANG: 'et_EE.UTF-8' }, false],
    [{ LANG: 'en_US.UTF-8', LC_ALL: 'da_DK.UTF-8' }, false],
  ])('with %j answers as localeCompare (shortcut taken: %s)', (env, shortcut) => {
    const result = runUnderLocale(env);
    expect(result.mismatches).toEqual([]);
    expect(result.shortcut).toBe(shortcut);
  });

  it('meets locales where code-point order would be wrong, so the fallback is needed', () => {
    // If ICU stopped reading these variables, the cases above would prove nothing.
    const danish = runUnderLocale({ LANG: 'da_DK.UTF-8' });
    expect(danish.collator).toBe('da-DK');
    expect(
      execFileSync(process.execPath, ['-p', "'aa'.localeCompare('z')"], { env: { LANG: 'da_DK.UTF-8' }, encoding: 'utf8' }).trim(),
    ).toBe('1');
  });
});

describe('the signer-shims esbuild plugin', () => {
  const config = (body: string) =>
    execFileSync(process.execPath, ['--input-type=module', '-e', `import * as config from './esbuild.config.mjs';\n${body}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    });

  it('replaces the one localeCompare sort in the SDK signer it knows', () => {
    const source = readFileSync(SDK_SIGNER, 'utf8');
    expect(source.split('localeCompare').length - 1).toBe(1);
    const out = config(`
      const { readFileSync } = await import('node:fs');
      const shimmed = config.shimHeaderSort(readFileSync(${JSON.stringify(SDK_SIGNER)}, 'utf8'));
      console.log(JSON.stringify({ localeCompare: shimmed.includes('localeCompare'), shim: shimmed.includes('compareHeaderNames(a.key.toLocaleLowerCase(), b.key.toLocaleLowerCase())') }));`);
    expect(JSON.parse(out)).toEqual({ localeCompare: false, shim: true });
  });

  it('fails the build loudly when the SDK no longer has that exact line', () => {
    const changed = readFileSync(SDK_SIGNER, 'utf8').replace(
      'a.key.toLocaleLowerCase().localeCompare(b.key.toLocaleLowerCase())',
      'compare(a.key, b.key)',
    );
    expect(() => config(`config.shimHeaderSort(${JSON.stringify(changed)});`)).toThrow(/expected .*exactly once.* found it 0 times/s);
    expect(() =>
      config(`config.shimHeaderSort(${JSON.stringify(`${readFileSync(SDK_SIGNER, 'utf8')}\n${readFileSync(SDK_SIGNER, 'utf8')}`)});`),
    ).toThrow(/found it 2 times/);
  });

  it('sorts with the shim in the deployed status bundle, whose one localeCompare is the fallback', () => {
    const text = config(`
      const { build } = await import('esbuild');
      const result = await build({ ...config.FUNCTION_BUNDLE, entryPoints: ['functions/iam-sync-status.ts'], plugins: config.FUNCTION_PLUGINS, write: false, outfile: 'x/index.js', logLevel: 'error' });
      process.stdout.write(result.outputFiles.find((file) => file.path.endsWith('index.js')).text);`);
    expect(text.split('localeCompare(').length - 1).toBe(1);
    expect(text).toMatch(/\.compareHeaderNames\(\w+\.key\.toLocaleLowerCase\(\),\w+\.key\.toLocaleLowerCase\(\)\)/);
  });
});
