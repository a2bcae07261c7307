/**
 * The emulator's IAM OIDC federation over HTTP: the ID token verified against the provider's
 * registered JWKS (signature, key id, issuer, audience, expiry), the provider id and protocol,
 * the mapping rule, the unscoped token in X-Subject-Token, temporary keys that the emulated MRS
 * accepts with their security token (and refuses without it, once expired, once revoked), and
 * the admin controls: exchange counts, revocation, key lifetime, a new signing key.
 */
import { type Emulator, startEmulator } from '../../emulator/server';
import { createSigningKey, jwksOf, signJwt } from '../../emulator/jwt';
import { sdkSign } from './helpers';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const ISSUER = 'https://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.tokens.sts.global.api.aws';
const AUDIENCE = 'urn:huaweicloud:iam:mrs';
const ROLE = 'arn:aws:iam::123456789012:role/mrs-status';
const key = createSigningKey('kid-1');
const other = createSigningKey('kid-2');
let clock = Date.now();
let emulator: Emulator;

const idToken = (claims: Record<string, unknown> = {}, signingKey = key, header: Record<string, unknown> = {}) =>
  signJwt(
    signingKey,
    { iss: ISSUER, aud: AUDIENCE, sub: ROLE, iat: Math.floor(clock / 1000), exp: Math.floor(clock / 1000) + 300, ...claims },
    header,
  );

beforeAll(async () => {
  emulator = await startEmulator({
    projectId: PROJECT,
    credentials: [],
    clusters: { 'demo-idle': false },
    now: () => clock,
    // The tests move the emulator's clock past keys' expiry; the SDK signer dates requests by the real one.
    maxClockSkewSeconds: 86_400,
    federation: {
      identityProviders: {
        'aws-idp': { issuer: ISSUER, clientId: AUDIENCE, signingKey: JSON.stringify(jwksOf(key)), mapping: { sub: ROLE } },
      },
    },
  });
});
afterAll(() => emulator.close());

async function post(path: string, headers: Record<string, string>, body = '{}') {
  const response = await fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    subjectToken: response.headers.get('x-subject-token'),
    body: (await response.json()) as Record<string, any>,
  };
}
const authPath = (idp = 'aws-idp', protocol = 'oidc') => `/v3/OS-FEDERATION/identity_providers/${idp}/protocols/${protocol}/auth`;
const exchange = (token: string, idp?: string) => post(authPath(idp), { Authorization: `Bearer ${token}` });
const temporaryKeys = (unscoped: string, duration?: number) =>
  post(
    '/v3.0/OS-CREDENTIAL/securitytokens',
    { 'X-Auth-Token': unscoped },
    JSON.stringify({ auth: { identity: { methods: ['token'], token: duration === undefined ? {} : { duration_seconds: duration } } } }),
  );

async function statusWith(credentials: { accessKey: string; secretKey: string; securityToken?: string }) {
  const url = `${emulator.url}/v2/${PROJECT}/clusters/demo-idle/iam-sync`;
  const headers = sdkSign(url, {
    ...credentials,
    headers: credentials.securityToken === undefined ? {} : { 'X-Security-Token': credentials.securityToken },
  });
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function newKeys(duration = 3600) {
  const auth = await exchange(idToken());
  expect(auth.status).toBe(201);
  const keys = await temporaryKeys(auth.subjectToken as string, duration);
  expect(keys.status).toBe(201);
  const c = keys.body.credential;
  return {
    accessKey: c.access as string,
    secretKey: c.secret as string,
    securityToken: c.securitytoken as string,
    expiresAt: c.expires_at as string,
  };
}

describe('the ID token exchange', () => {
  it('gives an unscoped token in X-Subject-Token for a token the JWKS, issuer, audience and mapping accept', async () => {
    const before = emulator.federation?.exchanges();
    const auth = await exchange(idToken());
    expect(auth.status).toBe(201);
    expect(auth.subjectToken).toMatch(/^MII/);
    expect(auth.body.token).toMatchObject({
      methods: ['mapped'],
      user: { 'OS-FEDERATION': { identity_provider: { id: 'aws-idp' }, protocol: { id: 'oidc' } } },
    });
    expect(emulator.federation?.exchanges().idTokens).toBe((before?.idTokens ?? 0) + 1);
  });

  it('accepts an audience list holding the client id', async () => {
    expect((await exchange(idToken({ aud: ['other', AUDIENCE] }))).status).toBe(201);
  });

  it.each([
    ['signed by a key the JWKS lacks', () => idToken({}, other), 'unknown-key', /key id is not in the identity provider's signing_key/],
    [
      'signed by another key under the registered kid',
      () => idToken({}, other, { kid: 'kid-1' }),
      'signature',
      /signature does not verify/,
    ],
    ['from another issuer', () => idToken({ iss: 'https://evil.example' }), 'issuer', /issuer does not match/],
    ['for another audience', () => idToken({ aud: 'wrong-audience' }), 'audience', /audience does not match/],
    ['expired', () => idToken({ exp: Math.floor(clock / 1000) - 1 }), 'expired', /has expired/],
    ['not RS256', () => idToken({}, key, { alg: 'HS256' }), 'algorithm', /not signed with RS256/],
    ['not a JWT', () => 'not-a-jwt', 'malformed', /not a well-formed JWT/],
  ])('refuses a token %s with 401', async (_what, make, reason, message) => {
    const answer = await exchange(make());
    expect(answer.status).toBe(401);
    expect(answer.subjectToken).toBeNull();
    expect(answer.body.error.message).toMatch(message);
    expect(emulator.federation?.requests.at(-1)).toEqual({ step: 'id-token', idpId: 'aws-idp', status: 401, reason });
  });

  it('refuses a token whose sub no mapping rule matches with 403', async () => {
    const answer = await exchange(idToken({ sub: 'arn:aws:iam::123456789012:role/another' }));
    expect(answer.status).toBe(403);
    expect(emulator.federation?.requests.at(-1)).toMatchObject({ status: 403, reason: 'mapping' });
  });

  it('answers 404 for an unknown identity provider or a protocol other than oidc, and 401 without a Bearer', async () => {
    expect((await exchange(idToken(), 'no-such-idp')).status).toBe(404);
    expect((await post(authPath('aws-idp', 'saml'), { Authorization: `Bearer ${idToken()}` })).status).toBe(404);
    expect((await post(authPath(), {})).status).toBe(401);
  });
});

describe('temporary keys', () => {
  it('hands out keys for the duration asked, that MRS accepts with their security token only', async () => {
    const keys = await newKeys(7200);
    expect(keys.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(keys.expiresAt)).toBe(clock + 7200_000);
    expect(await statusWith(keys)).toMatchObject({ status: 200, body: { is_synchronizing: false } });
    const withoutToken = await statusWith({ accessKey: keys.accessKey, secretKey: keys.secretKey });
    expect(withoutToken).toMatchObject({ status: 401, body: { error_code: 'APIGW.0301' } });
  });

  it('refuses an unknown unscoped token (401) and a duration out of 900-86400 (400)', async () => {
    expect((await temporaryKeys('MIInot-issued', 3600)).status).toBe(401);
    const auth = await exchange(idToken());
    expect((await temporaryKeys(auth.subjectToken as string, 899)).status).toBe(400);
    expect((await temporaryKeys(auth.subjectToken as string, 86_401)).status).toBe(400);
  });

  it('defaults to 900 s, and the key lifetime the admin API sets wins', async () => {
    const auth = await exchange(idToken());
    expect(Date.parse((await temporaryKeys(auth.subjectToken as string)).body.credential.expires_at)).toBe(clock + 900_000);
    const set = await fetch(`${emulator.url}/_emulator/federation`, { method: 'PUT', body: JSON.stringify({ key_lifetime_seconds: 302 }) });
    expect(set.status).toBe(200);
    try {
      expect(Date.parse((await temporaryKeys(auth.subjectToken as string, 3600)).body.credential.expires_at)).toBe(clock + 302_000);
    } finally {
      await fetch(`${emulator.url}/_emulator/federation`, { method: 'PUT', body: JSON.stringify({ key_lifetime_seconds: null }) });
    }
  });

  it('MRS refuses a key once it has expired', async () => {
    const keys = await newKeys(900);
    expect((await statusWith(keys)).status).toBe(200);
    const saved = clock;
    clock += 900_000;
    try {
      expect((await statusWith(keys)).status).toBe(401);
      expect(emulator.requests.at(-1)?.verification).toMatchObject({ ok: false, reason: 'unknown-access-key' });
    } finally {
      clock = saved;
    }
  });

  it('MRS refuses a key the admin API revoked; the state counts exchanges and lists keys without secrets', async () => {
    const keys = await newKeys();
    expect((await statusWith(keys)).status).toBe(200);
    const revoke = await fetch(`${emulator.url}/_emulator/federation/temporary-keys/${keys.accessKey}`, { method: 'DELETE' });
    expect(revoke.status).toBe(200);
    expect((await statusWith(keys)).status).toBe(401);
    expect((await fetch(`${emulator.url}/_emulator/federation/temporary-keys/NOSUCHKEY`, { method: 'DELETE' })).status).toBe(404);
    const stateText = await (await fetch(`${emulator.url}/_emulator/federation`)).text();
    const state = JSON.parse(stateText);
    expect(state.exchanges.id_tokens).toBe(emulator.federation?.exchanges().idTokens);
    expect(state.exchanges.security_tokens).toBe(emulator.federation?.exchanges().securityTokens);
    expect(state.temporary_keys).toContainEqual(expect.objectContaining({ access: keys.accessKey, state: 'revoked' }));
    expect(stateText).not.toContain(keys.secretKey);
    expect(stateText).not.toContain(keys.securityToken);
  });

  it('a new signing key registered with the provider (after the issuer rotated) is what tokens then verify with', async () => {
    emulator.federation?.setSigningKey('aws-idp', jwksOf(key, other));
    try {
      expect((await exchange(idToken({}, other))).status).toBe(201);
    } finally {
      emulator.federation?.setSigningKey('aws-idp', JSON.stringify(jwksOf(key)));
    }
    expect((await exchange(idToken({}, other))).status).toBe(401);
  });
});
