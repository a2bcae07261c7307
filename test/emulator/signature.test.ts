import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  computeSignature,
  parseAuthorization,
  parseSdkDate,
  sha256Hex,
  stringToSign,
  type VerifierCredential,
  type VerifyInput,
  verifyRequest,
} from '../../emulator/signature';
import { sdkSign } from './helpers';

// The official worked example from Huawei's signing guide (huawei-cloud-facts.md).
const EXAMPLE = {
  ak: 'QTWAOYTTINDUT2QVKYUC',
  sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
  date: '20191115T033655Z',
  path: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs',
  // Deliberately out of order: the verifier must sort.
  query: 'marker=13551d6b-755d-4757-b956-536f674975c0&limit=2',
  headers: { 'Content-Type': 'application/json', Host: 'service.region.example.com', 'X-Sdk-Date': '20191115T033655Z' },
  signedHeaders: ['content-type', 'host', 'x-sdk-date'],
  canonicalSha256: 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
  signature: '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
};
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('the official worked example', () => {
  const canonical = canonicalRequest({
    method: 'GET',
    path: EXAMPLE.path,
    query: EXAMPLE.query,
    headers: EXAMPLE.headers,
    signedHeaders: EXAMPLE.signedHeaders,
    bodySha256Hex: sha256Hex(''),
  });

  it('has the documented canonical request hash', () => {
    expect(canonical).toBe(
      [
        'GET',
        '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
        'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
        'content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n',
        'content-type;host;x-sdk-date',
        EMPTY_SHA256,
      ].join('\n'),
    );
    expect(sha256Hex(canonical)).toBe(EXAMPLE.canonicalSha256);
  });

  it('has the documented signature', () => {
    expect(stringToSign(EXAMPLE.date, canonical)).toBe(`SDK-HMAC-SHA256\n${EXAMPLE.date}\n${EXAMPLE.canonicalSha256}`);
    expect(computeSignature(EXAMPLE.sk, stringToSign(EXAMPLE.date, canonical))).toBe(EXAMPLE.signature);
  });

  const input = (signature: string, extra: Record<string, string> = {}): VerifyInput => ({
    method: 'GET',
    path: EXAMPLE.path,
    query: EXAMPLE.query,
    headers: {
      ...EXAMPLE.headers,
      Authorization: `SDK-HMAC-SHA256 Access=${EXAMPLE.ak}, SignedHeaders=content-type;host;x-sdk-date, Signature=${signature}`,
      ...extra,
    },
    body: new Uint8Array(),
  });
  const context = (credential: VerifierCredential | undefined, nowMs = Date.UTC(2019, 10, 15, 3, 36, 55)) => ({
    findCredential: (ak: string) => (ak === EXAMPLE.ak ? credential : undefined),
    nowMs,
    maxClockSkewSeconds: 900,
  });

  it('verifies as a whole request', () => {
    expect(verifyRequest(input(EXAMPLE.signature), context({ secretKey: EXAMPLE.sk }))).toEqual({ ok: true, accessKey: EXAMPLE.ak });
  });

  it('rejects a signature with one changed character', () => {
    const tampered = `${EXAMPLE.signature.slice(0, -1)}f`;
    expect(verifyRequest(input(tampered), context({ secretKey: EXAMPLE.sk }))).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('rejects the right signature under another secret key', () => {
    expect(verifyRequest(input(EXAMPLE.signature), context({ secretKey: `${EXAMPLE.sk}x` }))).toMatchObject({
      reason: 'signature-mismatch',
    });
  });

  it('rejects a changed signed header value and a changed query value', () => {
    const ctx = context({ secretKey: EXAMPLE.sk });
    expect(verifyRequest(input(EXAMPLE.signature, { Host: 'other.example.com' }), ctx)).toMatchObject({ reason: 'signature-mismatch' });
    expect(verifyRequest({ ...input(EXAMPLE.signature), query: 'limit=3&marker=13551d6b-755d-4757-b956-536f674975c0' }, ctx)).toMatchObject(
      {
        reason: 'signature-mismatch',
      },
    );
  });

  it('ignores headers that are not signed', () => {
    expect(verifyRequest(input(EXAMPLE.signature, { 'User-Agent': 'anything' }), context({ secretKey: EXAMPLE.sk })).ok).toBe(true);
  });

  it('applies the clock skew limit both ways, at exactly 900 s and beyond', () => {
    const signedAt = Date.UTC(2019, 10, 15, 3, 36, 55);
    const credential = { secretKey: EXAMPLE.sk };
    expect(verifyRequest(input(EXAMPLE.signature), context(credential, signedAt + 900_000)).ok).toBe(true);
    expect(verifyRequest(input(EXAMPLE.signature), context(credential, signedAt - 900_000)).ok).toBe(true);
    expect(verifyRequest(input(EXAMPLE.signature), context(credential, signedAt + 901_000))).toMatchObject({ reason: 'date-skewed' });
    expect(verifyRequest(input(EXAMPLE.signature), context(credential, signedAt - 901_000))).toMatchObject({ reason: 'date-skewed' });
  });

  it('reports the earlier failures before checking the signature', () => {
    const ctx = context({ secretKey: EXAMPLE.sk });
    const { Authorization: _unused, ...unsigned } = input(EXAMPLE.signature).headers as Record<string, string>;
    expect(verifyRequest({ ...input(EXAMPLE.signature), headers: unsigned }, ctx)).toEqual({ ok: false, reason: 'authorization-missing' });
    expect(verifyRequest(input(EXAMPLE.signature, { Authorization: 'Bearer abc' }), ctx)).toEqual({
      ok: false,
      reason: 'authorization-malformed',
    });
    expect(verifyRequest(input(EXAMPLE.signature), context(undefined))).toEqual({
      ok: false,
      reason: 'unknown-access-key',
      accessKey: EXAMPLE.ak,
    });
    expect(verifyRequest(input(EXAMPLE.signature, { 'X-Sdk-Date': '2019-11-15T03:36:55Z' }), ctx)).toMatchObject({
      reason: 'date-malformed',
    });
    const { 'X-Sdk-Date': _date, ...undated } = EXAMPLE.headers;
    const withoutDate = {
      ...input(EXAMPLE.signature),
      headers: { ...undated, Authorization: input(EXAMPLE.signature).headers.Authorization },
    };
    expect(verifyRequest(withoutDate, ctx)).toMatchObject({ reason: 'date-missing' });
    const { Host: _host, ...hostless } = input(EXAMPLE.signature).headers as Record<string, string>;
    expect(verifyRequest({ ...input(EXAMPLE.signature), headers: hostless }, ctx)).toEqual({
      ok: false,
      reason: 'signed-header-missing',
      accessKey: EXAMPLE.ak,
      header: 'host',
    });
  });
});

describe('temporary keys', () => {
  const sk = 'temporary-secret';
  const token = 'the-security-token';
  const date = '20240102T030405Z';
  const nowMs = Date.UTC(2024, 0, 2, 3, 4, 5);
  const sign = (headers: Record<string, string>, signedHeaders: string[]): VerifyInput => {
    const canonical = canonicalRequest({ method: 'GET', path: '/x', query: '', headers, signedHeaders, bodySha256Hex: EMPTY_SHA256 });
    const signature = computeSignature(sk, stringToSign(date, canonical));
    return {
      method: 'GET',
      path: '/x',
      query: '',
      headers: {
        ...headers,
        authorization: `SDK-HMAC-SHA256 Access=TMP, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
      },
      body: new Uint8Array(),
    };
  };
  const ctx = { findCredential: () => ({ secretKey: sk, securityToken: token }), nowMs, maxClockSkewSeconds: 900 };

  it('accepts the right token among the signed headers', () => {
    expect(verifyRequest(sign({ 'x-sdk-date': date, 'x-security-token': token }, ['x-sdk-date', 'x-security-token']), ctx).ok).toBe(true);
  });

  it('requires the token', () => {
    expect(verifyRequest(sign({ 'x-sdk-date': date }, ['x-sdk-date']), ctx)).toMatchObject({ reason: 'token-missing' });
  });

  it('requires the same token', () => {
    const input = sign({ 'x-sdk-date': date, 'x-security-token': `${token}x` }, ['x-sdk-date', 'x-security-token']);
    expect(verifyRequest(input, ctx)).toMatchObject({ reason: 'token-mismatch' });
  });

  it('requires the token to be signed', () => {
    const input = sign({ 'x-sdk-date': date }, ['x-sdk-date']);
    const withToken = { ...input, headers: { ...input.headers, 'x-security-token': token } };
    expect(verifyRequest(withToken, ctx)).toMatchObject({ reason: 'token-not-signed' });
  });

  it('does not ask a permanent key for a token', () => {
    const permanent = { ...ctx, findCredential: () => ({ secretKey: sk }) };
    expect(verifyRequest(sign({ 'x-sdk-date': date }, ['x-sdk-date']), permanent).ok).toBe(true);
  });
});

describe('canonicalUri', () => {
  it.each([
    ['/v2/p/clusters/c/iam-sync', '/v2/p/clusters/c/iam-sync/'],
    ['/', '/'],
    ['', '/'],
    ['/already/slashed/', '/already/slashed/'],
    // Decoded then re-encoded: unreserved escapes collapse, lowercase hex becomes uppercase.
    ['/a%2db/%7Ex', '/a-b/~x/'],
    ['/caf%c3%a9', '/caf%C3%A9/'],
    // Sent bare by a lax client, still encoded canonically.
    ["/a!b*c'(d)", '/a%21b%2Ac%27%28d%29/'],
    // An encoded slash stays inside its segment.
    ['/a%2Fb', '/a%2Fb/'],
    // A malformed escape is kept (and its % encoded) instead of throwing.
    ['/bad%zz', '/bad%25zz/'],
  ])('%s -> %s', (raw, canonical) => {
    expect(canonicalUri(raw)).toBe(canonical);
  });
});

describe('canonicalQueryString', () => {
  it.each([
    ['', ''],
    ['b=2&a=1', 'a=1&b=2'],
    ['a=2&a=1', 'a=1&a=2'],
    ['flag', 'flag='],
    ['q=a%20b&r=%7e', 'q=a%20b&r=~'],
    ['q=a+b', 'q=a%2Bb'],
    ['x=1&&y=2', 'x=1&y=2'],
  ])('%s -> %s', (raw, canonical) => {
    expect(canonicalQueryString(raw)).toBe(canonical);
  });
});

describe('parseAuthorization', () => {
  it('parses the SDK format', () => {
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=ABCdef01')).toEqual({
      access: 'AK1',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: 'abcdef01',
    });
  });

  it.each([
    [undefined],
    [''],
    ['Bearer token'],
    ['SDK-HMAC-SHA1 Access=AK1, SignedHeaders=host, Signature=ab'],
    ['SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host'],
    ['SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=ab'],
    ['SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;;x, Signature=ab'],
    ['SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=not-hex'],
    ['SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=ab, Extra=1'],
  ])('rejects %p', (header) => {
    expect(parseAuthorization(header)).toBeNull();
  });
});

describe('parseSdkDate', () => {
  it('reads UTC basic format', () => {
    expect(parseSdkDate('20191115T033655Z')).toBe(Date.UTC(2019, 10, 15, 3, 36, 55));
  });

  it.each(['20191115T033655', '2019-11-15T03:36:55Z', '20191332T000000Z', '20190229T000000Z', '20191115T246000Z', ''])(
    'rejects %p',
    (value) => {
      expect(parseSdkDate(value)).toBeNull();
    },
  );
});

describe('a JSON body, signed as sdk-core signs it', () => {
  const key = { accessKey: 'BODYTESTAK0000000001', secretKey: 'body-test-secret' };
  const url = 'http://127.0.0.1:1/v2/p/clusters/c/iam-sync-user';
  const data = { is_all_sync: false, user_names: ['alice'] };

  function verifyBody(method: string, body: string, signedData: unknown = data) {
    const headers = sdkSign(url, { ...key, method, data: signedData, headers: { 'Content-Type': 'application/json;charset=UTF-8' } });
    return verifyRequest(
      { method, path: '/v2/p/clusters/c/iam-sync-user', query: '', headers, body: Buffer.from(body) },
      {
        findCredential: (ak) => (ak === key.accessKey ? { secretKey: key.secretKey } : undefined),
        nowMs: Date.now(),
        maxClockSkewSeconds: 900,
      },
    );
  }

  it.each(['POST', 'DELETE'])('%s: the hash of JSON.stringify(data) verifies', (method) => {
    expect(verifyBody(method, JSON.stringify(data))).toEqual({ ok: true, accessKey: key.accessKey });
  });

  it.each([
    ['a changed value', '{"is_all_sync":true,"user_names":["alice"]}'],
    ['the same JSON with a space', '{"is_all_sync": false,"user_names":["alice"]}'],
    ['no body', ''],
  ])('POST: %s does not verify', (_label, body) => {
    expect(verifyBody('POST', body)).toEqual({ ok: false, reason: 'signature-mismatch', accessKey: key.accessKey });
  });

  it('a body sent with a signature made for none does not verify', () => {
    expect(verifyBody('POST', '{}', undefined)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });
});
