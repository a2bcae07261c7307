/**
 * The comparator the SDK signer's `buildCanonicalHeaders` sorts lowercased header names with,
 * `a.localeCompare(b)`, without ICU where that is provably the same answer: the first
 * `localeCompare` in a process initialises ICU collation, about 8 ms of a cold start.
 *
 * For names of lowercase letters, digits and `-` only (every header the adapter signs), the
 * root collation orders exactly as code points do: `-` < `0-9` < `a-z`, a prefix first, and
 * these characters have no secondary or tertiary differences. Locales may tailor letters
 * (Danish sorts `aa` after `z`, Lithuanian `y` right after `i`), so the shortcut is taken only
 * when ICU's default locale, chosen from LC_ALL, else LC_MESSAGES, else LANG, is unset, C,
 * POSIX or English, and ICU's data is Node's own. Anything else (`_`, uppercase, non-ASCII,
 * another locale) is answered by the real `localeCompare`.
 * test/huawei/signer-shims.test.ts checks all of this against `localeCompare` itself.
 */
const CODE_POINT_ORDERED = /^[a-z0-9-]*$/;
const ROOT_ORDERED_LOCALE = /^(C|POSIX|C\.[^@]*|en(_[A-Za-z]{2})?(\.[^@]*)?)$/;

/** ICU reads its locale once, when the process starts: so does this, at the first comparison. */
let rootOrder: boolean | undefined;

export function compareHeaderNames(a: string, b: string): number {
  rootOrder ??= collatesInRootOrder();
  if (rootOrder && CODE_POINT_ORDERED.test(a) && CODE_POINT_ORDERED.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}

/**
 * Whether `localeCompare` uses a collation with no tailoring of `[a-z0-9-]`: read from the
 * environment as ICU reads it. Not configuration (that is lib/config's alone): a fact about
 * the runtime's ICU, which configuration cannot change.
 */
export function collatesInRootOrder(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  if (
    env.NODE_ICU_DATA !== undefined ||
    execArgv.some((arg) => arg.startsWith('--icu-data-dir')) ||
    /--icu-data-dir/.test(env.NODE_OPTIONS ?? '')
  ) {
    return false;
  }
  const locale = env.LC_ALL ?? env.LC_MESSAGES ?? env.LANG;
  return locale === undefined || ROOT_ORDERED_LOCALE.test(locale);
}
