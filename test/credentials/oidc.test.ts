/**
 * The OIDC federation credential source on a virtual clock against a scripted IAM: what it
 * sends (the ID token as a Bearer, the unscoped token as X-Auth-Token, duration_seconds), the
 * keys kept until five minutes before they expire, one exchange shared by concurrent uses, a
 * failed refresh keeping the old keys until they expire, renewal after a refusal, the token
 * file re-read at every exchange, each failure's named error, its place in the chain and its
 * settings; and no token or key in any message or log line.
 */
import { randomUUID } from 'node:crypto';
import { createSigningKey, signJwt } from '../../emulator/jwt';
import { loadConfig } from '../../lib/config';
import { credentialProviderFor } from '../../lib/credentials/chain';
import {
  createOidcFederationSource,
  type IdTokenSource,
  idTokenFromFile,
  idTokenFromSts,
  RENEWED_KEYS_GRACE_MS,
} from '../../lib/credentials/oidc';
import type { ReadWebIdentityToken } from '../../lib/credentials/oidc-sts-read';
import { ConfigurationError, UpstreamUnavailable } from '../../lib/errors';
import type { OutboundRequest, OutboundResponse, Send } from '../../lib/huawei/transport';
import { TransportError } from '../../lib/huawei/transport';
import { createLogger } from '../../lib/log';

const IAM = 'https://iam.example.test';
const IDP = 'aws-lambda-idp';
const ISSUER = 'https://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.tokens.sts.global.api.aws';
const AUDIENCE = 'urn:huaweicloud:iam:mrs';
const ROLE = 'arn:aws:iam::123456789012:role/mrs-status';
const START = Date.parse('2026-11-30T00:00:00Z');
const HOUR = 3600_000;
/** What the issue asks: keys are kept until five minutes before they expire. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
const key = createSigningKey('kid-1');
const token = (claims: Record<string, unknown> = {}, at = START) =>
  signJwt(key, { iss: ISSUER, aud: AUDIENCE, sub: ROLE, iat: at / 1000, exp: at / 1000 + 300, ...claims });

type Answer = Partial<OutboundResponse> | Error;

/** A scripted IAM: each step answers its queue's next entry (the last repeats), or by default a success. */
function scriptedIam(clock: { now: number }) {
  const sent: OutboundRequest[] = [];
  const issued: Array<{ access: string; secret: string; securitytoken: string }> = [];
  const auth: Answer[] = [];
  const keys: Answer[] = [];
  let lifetimeMs = HOUR;
  const next = (queue: Answer[]) => (queue.length > 1 ? queue.shift() : queue[0]);
  const send: Send = async (request) => {
    sent.push(request);
    await new Promise((resolve) => setTimeout(resolve, 2));
    const isAuth = request.url.pathname.endsWith('/protocols/oidc/auth');
    const scripted = next(isAuth ? auth : keys);
    if (scripted instanceof Error) throw scripted;
    if (scripted !== undefined) return { status: 200, headers: {}, body: '', ...scripted };
    if (isAuth) return { status: 201, headers: { 'x-subject-token': `MIIunscoped-${sent.length}` }, body: '{"token":{}}' };
    const n = issued.length + 1;
    const credential = {
      access: `TMPACCESSKEY${String(n).padStart(8, '0')}`,
      secret: `temporary-secret-${n}`.padEnd(40, 's'),
      securitytoken: `gQtemporary-token-${n}`.padEnd(60, 't'),
    };
    issued.push(credential);
    const expires = new Date(clock.now + lifetimeMs).toISOString().replace('Z', '000Z');
    return { status: 201, headers: {}, body: JSON.stringify({ credential: { ...credential, expires_at: expires } }) };
  };
  return { send, sent, issued, auth, keys, setLifetime: (ms: number) => (lifetimeMs = ms) };
}

function setUp(options: { tokens?: Array<string | Error>; durationSeconds?: number; source?: IdTokenSource } = {}) {
  const clock = { now: START };
  const iam = scriptedIam(clock);
  const lines: string[] = [];
  const tokens = options.tokens ?? [token()];
  let reads = 0;
  const tokenSource: IdTokenSource = {
    description: 'the test token',
    kind: 'test',
    expiryHint: 'write a fresh token',
    read: async () => {
      reads += 1;
      const next = tokens.length > 1 ? tokens.shift() : tokens[0];
      if (next instanceof Error) throw next;
      return next as string;
    },
  };
  const source = createOidcFederationSource({
    idpId: IDP,
    iamEndpoint: IAM,
    durationSeconds: options.durationSeconds ?? 3600,
    tokenSource: options.source ?? tokenSource,
    send: iam.send,
    requestTimeoutMs: 1000,
    log: createLogger({ level: 'debug', write: (line) => lines.push(line) }),
    now: () => clock.now,
  });
  const advance = (ms: number) => (clock.now += ms);
  const keyOf = (n: number) => ({
    accessKey: iam.issued[n - 1]?.access,
    secretKey: iam.issued[n - 1]?.secret,
    securityToken: iam.issued[n - 1]?.securitytoken,
  });
  const exchanges = () => iam.sent.filter((r) => r.url.pathname.endsWith('/auth')).length;
  return { source, iam, lines, advance, keyOf, exchanges, reads: () => reads, clock };
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => Promise.reject(new Error('expected a failure')),
    (error: unknown) => error as Error,
  );

describe('the exchange', () => {
  it('exchanges nothing until first use', () => {
    const s = setUp();
    expect(s.iam.sent).toHaveLength(0);
    expect(s.reads()).toBe(0);
  });

  it('sends the ID token as a Bearer to the oidc protocol of the IdP, then the unscoped token for temporary keys of the configured duration', async () => {
    const s = setUp({ durationSeconds: 7200 });
    const jwt = token();
    const credentials = await s.source.get();
    expect(credentials).toEqual(s.keyOf(1));
    const [auth, keys] = s.iam.sent as [OutboundRequest, OutboundRequest];
    expect(auth.method).toBe('POST');
    expect(auth.url.href).toBe(`${IAM}/v3/OS-FEDERATION/identity_providers/${IDP}/protocols/oidc/auth`);
    expect(auth.headers.Authorization).toBe(`Bearer ${jwt}`);
    expect(keys.method).toBe('POST');
    expect(keys.url.href).toBe(`${IAM}/v3.0/OS-CREDENTIAL/securitytokens`);
    expect(keys.headers['X-Auth-Token']).toBe('MIIunscoped-1');
    expect(keys.headers.Authorization).toBeUndefined();
    expect(JSON.parse(keys.body as string)).toEqual({ auth: { identity: { methods: ['token'], token: { duration_seconds: 7200 } } } });
  });

  it('keeps the keys until five minutes before they expire, then exchanges a freshly read token for new ones before use', async () => {
    const s = setUp();
    await s.source.get();
    s.advance(HOUR - REFRESH_BEFORE_EXPIRY_MS - 1);
    expect(await s.source.get()).toEqual(s.keyOf(1));
    expect(s.exchanges()).toBe(1);
    s.advance(1);
    expect(await s.source.get()).toEqual(s.keyOf(2));
    expect(s.exchanges()).toBe(2);
    expect(s.reads()).toBe(2);
    expect(s.lines.join('\n')).toMatch(/"reason":"near-expiry"/);
  });

  it('shares one exchange among concurrent first uses, and among concurrent refreshes', async () => {
    const s = setUp();
    const first = await Promise.all(Array.from({ length: 20 }, () => s.source.get()));
    expect(new Set(first.map((c) => c.accessKey))).toEqual(new Set([s.keyOf(1).accessKey]));
    expect(s.exchanges()).toBe(1);
    s.advance(HOUR - REFRESH_BEFORE_EXPIRY_MS);
    const second = await Promise.all(Array.from({ length: 20 }, () => s.source.get()));
    expect(new Set(second.map((c) => c.accessKey))).toEqual(new Set([s.keyOf(2).accessKey]));
    expect(s.exchanges()).toBe(2);
    expect(s.iam.sent).toHaveLength(4);
  });

  it('keeps the old keys when a refresh fails, until they really expire; then reports the failure', async () => {
    const s = setUp();
    await s.source.get();
    s.iam.auth.push({ status: 503, body: '{}' });
    s.advance(HOUR - REFRESH_BEFORE_EXPIRY_MS);
    expect(await s.source.get()).toEqual(s.keyOf(1));
    expect(s.lines.join('\n')).toMatch(/could not refresh the temporary credentials; using the ones held until they expire/);
    s.advance(REFRESH_BEFORE_EXPIRY_MS - 1);
    expect(await s.source.get()).toEqual(s.keyOf(1));
    s.advance(1);
    const error = await errorOf(s.source.get());
    expect(error).toBeInstanceOf(UpstreamUnavailable);
    expect(error.message).toMatch(/^OIDC federation, step 2 .*IAM failed \(HTTP 503\)/);
  });

  it('renews at once when MRS refused the keys; concurrent renewals share one exchange; a late one gets the newer keys without one', async () => {
    const s = setUp();
    const used = await s.source.get();
    const renewed = await Promise.all(Array.from({ length: 10 }, () => s.source.renew(used)));
    expect(new Set(renewed.map((c) => c?.accessKey))).toEqual(new Set([s.keyOf(2).accessKey]));
    expect(s.exchanges()).toBe(2);
    expect(await s.source.renew(used)).toEqual(s.keyOf(2));
    expect(s.exchanges()).toBe(2);
    expect(await s.source.get()).toEqual(s.keyOf(2));
  });

  it('lets the refusal stand when MRS refuses keys a renewal just gave, for a minute', async () => {
    const s = setUp();
    const used = await s.source.get();
    const renewed = await s.source.renew(used);
    expect(await s.source.renew(renewed)).toBeUndefined();
    expect(s.exchanges()).toBe(2);
    expect(s.lines.join('\n')).toMatch(/check the identity provider mapping/);
    s.advance(RENEWED_KEYS_GRACE_MS);
    expect(await s.source.renew(renewed)).toEqual(s.keyOf(3));
  });

  it('parses IAM expires_at with microseconds', async () => {
    const s = setUp();
    s.iam.setLifetime(REFRESH_BEFORE_EXPIRY_MS + 1000);
    await s.source.get();
    s.advance(999);
    await s.source.get();
    expect(s.exchanges()).toBe(1);
    s.advance(1);
    await s.source.get();
    expect(s.exchanges()).toBe(2);
  });
});

describe('named errors', () => {
  it('an unknown identity provider (404): names the step and HUAWEICLOUD_IDP_ID', async () => {
    const s = setUp();
    s.iam.auth.push({
      status: 404,
      body: JSON.stringify({ error: { code: 404, title: 'Not Found', message: `Could not find Identity Provider: ${IDP}.` } }),
    });
    const error = await errorOf(s.source.get());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(
      /^OIDC federation, step 2 \(exchanging the ID token from the test token with Huawei IAM, identity provider HUAWEICLOUD_IDP_ID "aws-lambda-idp"\): IAM has no such identity provider with the protocol oidc \(HTTP 404\)\. Check HUAWEICLOUD_IDP_ID/,
    );
    expect(s.iam.sent).toHaveLength(1);
  });

  it('an expired token (401): says when it expired and what to check for its source', async () => {
    const s = setUp({ tokens: [token({ exp: START / 1000 - 90 })] });
    s.iam.auth.push({ status: 401, body: '{"error":{"code":401,"title":"Unauthorized","message":"The ID token has expired."}}' });
    const error = await errorOf(s.source.get());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(
      /IAM rejected the ID token \(HTTP 401\): it expired at 2026-11-29T23:58:30.000Z \(exp\), 90 s ago\. Write a fresh token\./,
    );
    expect(s.lines.join('\n')).toMatch(/"iam_message":"The ID token has expired\."/);
  });

  it('a token IAM rejects otherwise (401): lists the provider settings to compare with the token, audience and key id included', async () => {
    const s = setUp({ tokens: [token({ aud: 'wrong-audience' })] });
    s.iam.auth.push({ status: 401, body: '{}' });
    const error = await errorOf(s.source.get());
    expect(error.message).toMatch(
      /idp_url must equal its issuer "https:\/\/0f1e2d3c-[^"]+\.tokens\.sts\.global\.api\.aws", client_id its audience "wrong-audience", and signing_key a JWKS holding its key "kid-1"/,
    );
    expect(s.lines.join('\n')).toMatch(new RegExp(`"sub":"${ROLE}"`));
  });

  it('no mapping rule matches (403): names the mapping', async () => {
    const s = setUp();
    s.iam.auth.push({ status: 403, body: '{}' });
    const error = await errorOf(s.source.get());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(
      /IAM accepted the ID token but the provider's mapping gives it no access \(HTTP 403\)\. Check the identity conversion rules/,
    );
  });

  it('temporary keys refused: a bad duration (400), the mapping (403), IAM failing (500)', async () => {
    for (const [status, type, message] of [
      [400, ConfigurationError, /step 3 .*Check HUAWEICLOUD_FEDERATED_DURATION_SECONDS/],
      [403, ConfigurationError, /step 3 .*mapping gives it no access/],
      [500, UpstreamUnavailable, /step 3 .*IAM failed \(HTTP 500\)/],
    ] as Array<[number, typeof ConfigurationError, RegExp]>) {
      const s = setUp();
      s.iam.keys.push({ status, body: '{}' });
      const error = await errorOf(s.source.get());
      expect(error).toBeInstanceOf(type);
      expect(error.message).toMatch(message);
    }
  });

  it('IAM unreachable, or answering without the token or the credential: UpstreamUnavailable', async () => {
    const unreachable = setUp();
    unreachable.iam.auth.push(new TransportError('network', 'connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED', false));
    expect((await errorOf(unreachable.source.get())).message).toMatch(
      /IAM \(https:\/\/iam\.example\.test\) did not answer \(connect ECONNREFUSED.*check IAM_ENDPOINT/,
    );
    const noToken = setUp();
    noToken.iam.auth.push({ status: 201, body: '{}' });
    expect(await errorOf(noToken.source.get())).toMatchObject({
      name: 'UpstreamUnavailable',
      message: expect.stringMatching(/answered without X-Subject-Token/),
    });
    const noCredential = setUp();
    noCredential.iam.keys.push({ status: 201, body: '{"credential":{"access":"A"}}' });
    expect((await errorOf(noCredential.source.get())).message).toMatch(/step 3 .*answered without a usable credential/);
  });

  it('a token source that fails: its error, and IAM not asked', async () => {
    const s = setUp({ tokens: [new ConfigurationError('OIDC federation, step 1 (the ID token from somewhere): broken.')] });
    await expect(s.source.get()).rejects.toThrow(/step 1/);
    expect(s.iam.sent).toHaveLength(0);
  });

  it.each([
    ['a token file', (jwt: string) => idTokenFromFile('/var/run/token', async () => jwt)],
    [
      'AWS STS',
      (jwt: string) => idTokenFromSts({ audience: AUDIENCE, reader: () => async () => ({ ok: true, token: jwt, expiration: undefined }) }),
    ],
  ])('with %s, carries no token or key in any message or log line, even when IAM echoes them', async (_what, makeSource) => {
    const outputs: string[] = [];
    const jwt = token({ aud: 'wrong-audience', jti: randomUUID() });
    const sourceFor = () => makeSource(jwt);
    const unscoped = `MIIleaked${randomUUID()}`;
    for (const status of [401, 403, 404, 500]) {
      const s = setUp({ source: sourceFor() });
      s.iam.auth.push({
        status,
        headers: { 'x-subject-token': unscoped },
        body: JSON.stringify({ error: { message: `echo ${jwt} ${unscoped}` } }),
      });
      outputs.push((await errorOf(s.source.get())).message, ...s.lines);
    }
    const ok = setUp({ source: sourceFor() });
    const credentials = await ok.source.get();
    ok.advance(HOUR - REFRESH_BEFORE_EXPIRY_MS);
    ok.iam.keys.push({ status: 500, body: JSON.stringify({ error_msg: `echo ${credentials.secretKey} ${credentials.securityToken}` }) });
    await ok.source.get();
    outputs.push(...ok.lines);
    const everything = outputs.join('\n');
    expect(everything).toMatch(/step 2/);
    expect(everything).toMatch(/"step":"exchange".*"iam_message":"echo \[REDACTED\] \[REDACTED\]"/);
    expect(everything).toMatch(/"step":"temporary-keys".*"iam_message":"echo \[REDACTED\] \[REDACTED\]"/);
    // Parts too: a token cut short in a message still carries its payload.
    const [, payload, signature] = jwt.split('.') as [string, string, string];
    for (const secret of [
      jwt,
      payload.slice(0, 40),
      signature.slice(0, 40),
      unscoped,
      credentials.secretKey,
      credentials.securityToken as string,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('the token sources', () => {
  it('a file: re-read at every exchange, trimmed', async () => {
    const contents = [`${token({ jti: 'a' })}\n`, `  ${token({ jti: 'b' })}  `];
    const paths: string[] = [];
    const source = idTokenFromFile('/var/run/secrets/tokens/huawei', async (path) => {
      paths.push(path);
      return contents.shift() as string;
    });
    expect(await source.read()).toBe(token({ jti: 'a' }));
    expect(await source.read()).toBe(token({ jti: 'b' }));
    expect(paths).toEqual(['/var/run/secrets/tokens/huawei', '/var/run/secrets/tokens/huawei']);
  });

  it.each([
    [
      'missing',
      Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }),
      /the file does not exist\. Check HUAWEICLOUD_ID_TOKEN_FILE and, in Kubernetes, the pod's projected serviceAccountToken volume/,
    ],
    ['unreadable', Object.assign(new Error('EACCES'), { code: 'EACCES' }), /cannot be read by the function \(permission denied\)/],
    ['empty', '  \n', /the file is empty/],
    ['not a JWT', 'hello world', /does not hold a JWT/],
  ])('a file %s: ConfigurationError naming step 1 and the file', async (_what, content, message) => {
    const source = idTokenFromFile('/var/run/secrets/tokens/huawei', async () => {
      if (content instanceof Error) throw content;
      return content;
    });
    const error = await errorOf(source.read());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(
      /^OIDC federation, step 1 \(the ID token from the file HUAWEICLOUD_ID_TOKEN_FILE "\/var\/run\/secrets\/tokens\/huawei"\): /,
    );
    expect(error.message).toMatch(message);
  });

  it('AWS STS: asks for the configured audience, RS256 (the chunk), 300 s, loading the chunk once', async () => {
    const requests: unknown[] = [];
    let loads = 0;
    const read: ReadWebIdentityToken = async (request) => {
      requests.push(request);
      return { ok: true, token: token(), expiration: undefined };
    };
    const source = idTokenFromSts({
      audience: AUDIENCE,
      reader: () => {
        loads += 1;
        return read;
      },
    });
    expect(loads).toBe(0);
    await source.read();
    await source.read();
    expect(requests).toEqual([
      { audience: AUDIENCE, durationSeconds: 300 },
      { audience: AUDIENCE, durationSeconds: 300 },
    ]);
    expect(loads).toBe(1);
  });

  it('AWS STS: a package without the chunk says to redeploy', async () => {
    const source = idTokenFromSts({
      audience: AUDIENCE,
      reader: () => {
        throw Object.assign(new Error("Cannot find module './oidc-sts.js'"), { code: 'MODULE_NOT_FOUND' });
      },
    });
    await expect(source.read()).rejects.toThrow(/oidc-sts\.js, beside index\.js\) could not be loaded; redeploy/);
  });
});

describe('its place in the chain and its settings', () => {
  it('comes after the environment keys, and is what the chain answers with when there are none', async () => {
    const s = setUp();
    const envKeys = { accessKey: 'ENVACCESSKEY00000001', secretKey: 'env-secret' };
    expect(await credentialProviderFor({}, envKeys, s.source).get()).toEqual(envKeys);
    expect(s.exchanges()).toBe(0);
    const chain = credentialProviderFor({}, undefined, s.source);
    const used = await chain.get();
    expect(used).toEqual(s.keyOf(1));
    expect(await chain.renew()).toEqual(s.keyOf(2));
  });

  const base = { MRS_ENDPOINT: 'https://mrs.example.test', MRS_PROJECT_ID: 'p1' };

  it('reads HUAWEICLOUD_IDP_ID with a file or an audience, and the duration (default 3600)', () => {
    expect(loadConfig({ ...base, HUAWEICLOUD_IDP_ID: 'k8s-idp', HUAWEICLOUD_ID_TOKEN_FILE: '/var/run/token' }).federation).toEqual({
      idpId: 'k8s-idp',
      tokenSource: { kind: 'file', path: '/var/run/token' },
      durationSeconds: 3600,
    });
    expect(
      loadConfig({
        ...base,
        HUAWEICLOUD_IDP_ID: 'aws',
        HUAWEICLOUD_ID_TOKEN_AUDIENCE: AUDIENCE,
        HUAWEICLOUD_FEDERATED_DURATION_SECONDS: '900',
        IAM_ENDPOINT: 'http://127.0.0.1:8080',
      }),
    ).toMatchObject({
      federation: { idpId: 'aws', tokenSource: { kind: 'aws-sts', audience: AUDIENCE }, durationSeconds: 900 },
      iamEndpoint: 'http://127.0.0.1:8080',
    });
    expect(loadConfig(base).federation).toBeUndefined();
    expect(
      loadConfig({ ...base, MRS_ENDPOINT: '', MRS_REGION: 'eu-de', HUAWEICLOUD_IDP_ID: 'aws', HUAWEICLOUD_ID_TOKEN_AUDIENCE: 'a' })
        .iamEndpoint,
    ).toBe('https://iam.eu-de.otc.t-systems.com');
  });

  it.each([
    [{ HUAWEICLOUD_IDP_ID: 'aws' }, /needs exactly one ID token source/],
    [
      { HUAWEICLOUD_IDP_ID: 'aws', HUAWEICLOUD_ID_TOKEN_FILE: '/t', HUAWEICLOUD_ID_TOKEN_AUDIENCE: 'a' },
      /needs exactly one ID token source/,
    ],
    [{ HUAWEICLOUD_ID_TOKEN_FILE: '/t' }, /without HUAWEICLOUD_IDP_ID/],
    [{ HUAWEICLOUD_IDP_ID: 'a b', HUAWEICLOUD_ID_TOKEN_FILE: '/t' }, /HUAWEICLOUD_IDP_ID "a b" is not an identity provider id/],
    [
      { HUAWEICLOUD_IDP_ID: 'aws', HUAWEICLOUD_ID_TOKEN_FILE: '/t', HUAWEICLOUD_FEDERATED_DURATION_SECONDS: '600' },
      /HUAWEICLOUD_FEDERATED_DURATION_SECONDS must be a whole number from 900 to 86400/,
    ],
    [{ HUAWEICLOUD_IDP_ID: 'aws', HUAWEICLOUD_ID_TOKEN_FILE: '/t', HUAWEICLOUD_CREDENTIALS_SECRET_ID: 's' }, /not both/],
  ])('refuses %p', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
