import lodash from 'lodash';
import realMoment from 'moment';
import { sortBy } from '../../lib/huawei/signer-shims/lodash';
import shimMoment from '../../lib/huawei/signer-shims/moment';
import { collatesInRootOrder, compareHeaderNames } from '../../lib/huawei/signer-shims/header-order';
import shimUrl from '../../lib/huawei/signer-shims/url';
import realUrl from 'node:url';

const FORMAT = 'YYYYMMDDTHHmmss';

describe('signer shims', () => {
  it('sortBy orders header names as lodash does, stably, for the signer iteratee', () => {
    const lower = (name: string) => name.toLocaleLowerCase();
    const names = [
      'X-Sdk-Date',
      'host',
      'Content-Type',
      'X-Project-Id',
      'x-security-token',
      'A',
      'a',
      'B',
      'b',
      'X-SDK-DATE',
      '_x',
      '-y',
      'z9',
      'Z1',
    ];
    for (let i = 0; i < 200; i += 1) {
      const shuffled = [...names].sort(() => Math.random() - 0.5);
      expect(sortBy(shuffled, lower)).toEqual(lodash.sortBy(shuffled, lower));
    }
  });

  it('moment(date).utcOffset(0).format() round-trips X-Sdk-Date values as moment does', () => {
    for (let i = 0; i < 500; i += 1) {
      const date = new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 60 * 365 * 86_400) * 1000);
      const sdkDate = `${date.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
      expect(shimMoment(sdkDate).utcOffset(0).format(FORMAT)).toBe(realMoment(sdkDate).utcOffset(0).format(FORMAT));
    }
  });

  it('moment() without a date formats now', () => {
    const before = realMoment().utcOffset(0).format(FORMAT);
    const shim = shimMoment().utcOffset(0).format(FORMAT);
    const after = realMoment().utcOffset(0).format(FORMAT);
    expect([before, after]).toContain(shim);
  });

  it('refuses what it does not implement instead of guessing', () => {
    expect(() => shimMoment('2019-11-15').utcOffset(0).format(FORMAT)).toThrow(/not YYYYMMDDTHHmmssZ/);
    expect(() => shimMoment().utcOffset(0).format('YYYY')).toThrow(/unsupported date format/);
  });
});

describe('header-order shim: compareHeaderNames', () => {
  // Code-point order equals ICU's only for these characters, in untailored locales; proven here, not assumed.
  const SHORTCUT = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  // What else a header name may hold, to show the fallback answers exactly as localeCompare does.
  const EDGES = ['_', '.', 'A', 'Z', 'X', ' ', '~', 'é', 'å', 'ß', 'ı', 'İ', 'ø', 'ä', '中', '😀', '\u0301', '\u00ad'];

  it('uses the shortcut only for [a-z0-9-] in the root-ordered locale this test runs in', () => {
    expect(collatesInRootOrder()).toBe(true);
  });

  it('orders every pair of [a-z0-9-] names of up to two characters exactly as localeCompare does', () => {
    const names = [''];
    for (const a of SHORTCUT) {
      names.push(a);
      for (const b of SHORTCUT) names.push(a + b);
    }
    let compared = 0;
    for (const a of names) {
      for (const b of names) {
        if (compareHeaderNames(a, b) !== a.localeCompare(b)) throw new Error(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        compared += 1;
      }
    }
    expect(compared).toBe(names.length ** 2);
  });

  it('answers exactly what localeCompare answers for 100,000 generated pairs, edge characters included', () => {
    const random = seededRandom(7);
    const name = () => {
      const length = Math.floor(random() * 12);
      let text = '';
      for (let i = 0; i < length; i += 1) {
        text += random() < 0.9 ? SHORTCUT[Math.floor(random() * SHORTCUT.length)] : EDGES[Math.floor(random() * EDGES.length)];
      }
      return text;
    };
    const real = ['content-type', 'host', 'x-project-id', 'x-sdk-date', 'x-security-token', 'x-sdk-content-sha256'];
    const mismatches: string[] = [];
    for (let i = 0; i < 100_000; i += 1) {
      // Half the pairs share a prefix, the case code-point and collation order could disagree on.
      const a = random() < 0.2 ? real[i % real.length]! : name();
      const b = random() < 0.5 ? a.slice(0, Math.floor(random() * (a.length + 1))) + name() : name();
      if (compareHeaderNames(a, b) !== a.localeCompare(b)) mismatches.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it.each([
    ['-', '_'],
    ['a_', 'a0'],
    ['a-', 'a_'],
    ['X-Sdk-Date', 'x-sdk-date'],
    ['a', 'B'],
    ['é', 'f'],
    ['x-é', 'x-f'],
    ['ı', 'i'],
  ])('falls back to localeCompare for %j vs %j', (a, b) => {
    expect(compareHeaderNames(a, b)).toBe(a.localeCompare(b));
    expect(compareHeaderNames(b, a)).toBe(b.localeCompare(a));
  });

  it("sorts the way the signer sorts the adapter's headers", () => {
    const names = ['x-sdk-date', 'host', 'x-security-token', 'content-type', 'x-project-id'];
    expect([...names].sort(compareHeaderNames)).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it.each([
    [{}, true],
    [{ LANG: 'C' }, true],
    [{ LANG: 'C.UTF-8' }, true],
    [{ LANG: 'POSIX' }, true],
    [{ LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'en_GB' }, true],
    [{ LANG: 'da_DK.UTF-8' }, false],
    [{ LANG: 'en_US.UTF-8', LC_ALL: 'lt_LT.UTF-8' }, false],
    [{ LANG: 'en_US.UTF-8', LC_MESSAGES: 'et_EE' }, false],
    [{ LC_ALL: 'en_US.UTF-8', LANG: 'da_DK' }, true],
    [{ LC_ALL: '' }, false],
    [{ LANG: 'en_US@euro' }, false],
    [{ NODE_ICU_DATA: '/opt/icu' }, false],
    [{ NODE_OPTIONS: '--icu-data-dir=/opt/icu' }, false],
  ])('reads the collation locale from %j as ICU does: shortcut %s', (env, expected) => {
    expect(collatesInRootOrder(env, [])).toBe(expected);
  });

  it('trusts no custom ICU data given on the command line', () => {
    expect(collatesInRootOrder({}, ['--icu-data-dir=/opt/icu'])).toBe(false);
  });
});

/** A small deterministic generator, so that a failure reproduces. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('url shim: parse(endpoint, true)', () => {
  const fields = (parsed: { host: string | null; pathname: string | null }) => ({ host: parsed.host, pathname: parsed.pathname });

  it.each([
    'http://127.0.0.1:9/v2/0a1b/clusters/demo-idle/iam-sync',
    'https://mrs.cn-north-4.myhuaweicloud.com/v2/0a1b/clusters/demo_idle-1/iam-sync',
    'https://mrs.cn-north-4.myhuaweicloud.com/v1/p/vpcs?limit=2&marker=13551d6b-755d',
    'https://iam.myhuaweicloud.com/v3/projects?name=cn-north-4',
    'http://169.254.169.254/openstack/latest/securitykey',
    'https://host.example.com/',
    'https://host.example.com:08443/a%20b/c',
    // What the shim leaves to url.parse: it must agree all the same.
    'https://HOST.example.com/x',
    'http://[::1]:8080/x',
    'http://user:pass@host/x',
    'https://host/a b',
    "https://host/it's",
    'https://host/a|b^c`d{e}',
    'https://host/a\\b',
    'https://host/x#frag',
    'https://host/x?q=a b',
    `https://${'a'.repeat(64)}.example.com/x`,
    `https://${'a'.repeat(63)}.example.com/x`,
    `https://${Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')}/x`,
    'https://xn--bcher-kva.example/x',
    'https://bücher.example/x',
    'https://host:99999999/x',
    'https://host',
    'mailto:x@example.com',
    '',
  ])("gives url.parse(%j, true)'s host and pathname", (url) => {
    expect(fields(shimUrl.parse(url, true))).toEqual(fields(realUrl.parse(url, true)));
  });

  it("reads the adapter's own URLs off the text, without url.parse", () => {
    for (const url of [
      'http://127.0.0.1:9/v2/0a1b/clusters/demo-idle/iam-sync',
      'https://mrs.cn-north-4.myhuaweicloud.com/v2/p/clusters/c/iam-sync?x=1',
    ]) {
      expect(Object.keys(shimUrl.parse(url, true))).toEqual(['host', 'pathname']);
    }
  });

  it('agrees with url.parse on 20,000 generated URLs, WHATWG-serialised and raw', () => {
    const random = seededRandom(11);
    const pick = (alphabet: string, min: number, max: number) =>
      Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const hostChars = 'abcxyz019-.';
    const pathChars = 'abcXYZ019-._~%!$&()*+,;=:@/\' "<>\\^`{|}#?é';
    const mismatches: string[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const host = `${pick(hostChars, 1, 12)}${random() < 0.3 ? `:${pick('0123456789', 0, 6)}` : ''}`;
      const raw = `${random() < 0.5 ? 'https' : 'http'}://${random() < 0.1 ? host.toUpperCase() : host}/${pick(pathChars, 0, 30)}`;
      let whatwg: string | undefined;
      try {
        whatwg = new URL(raw).href;
      } catch {
        whatwg = undefined;
      }
      for (const url of whatwg === undefined ? [raw] : [raw, whatwg]) {
        if (JSON.stringify(fields(shimUrl.parse(url, true))) !== JSON.stringify(fields(realUrl.parse(url, true)))) mismatches.push(url);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
