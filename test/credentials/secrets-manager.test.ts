/**
 * The AWS Secrets Manager credential source on a virtual clock and a scripted reader: first
 * use, the TTL, shared reads, the re-read after MRS refused the keys (once per refused pair),
 * failed re-reads keeping the keys read before, the named errors, and its place in the chain.
 */
import { credentialProviderFor } from '../../lib/credentials/chain';
import { createSecretsManagerSource, FAILED_REREAD_PAUSE_MS, parseSecret, readFailure } from '../../lib/credentials/secrets-manager';
import type { ReadSecret, SecretRead } from '../../lib/credentials/secrets-manager-read';
import { ConfigurationError, UpstreamUnavailable } from '../../lib/errors';
import { createLogger, scrubSecrets } from '../../lib/log';
import { functionGraphContext } from '../fixtures/events';

const SECRET_ID = 'prod/huawei/mrs-iam-sync';
const TTL_MS = 300_000;
const pair = (n: number) => ({ access_key: `SMACCESSKEY0000000${n}`, secret_key: `sm-secret-key-${n}`.padEnd(40, 'x') });
const asCredentials = (n: number) => ({ accessKey: pair(n).access_key, secretKey: pair(n).secret_key });
const found = (value: unknown): SecretRead => ({ ok: true, secretString: JSON.stringify(value), versionId: 'v' });
const refusal = (code: string, httpStatus?: number, fault?: 'client' | 'server'): Extract<SecretRead, { ok: false }> => ({
  ok: false,
  code,
  httpStatus,
  fault,
  awsMessage: undefined,
});

function scripted(answers: Array<SecretRead | Error>, options: { ttlMs?: number } = {}) {
  let clock = Date.parse('2026-11-30T00:00:00Z');
  const ids: string[] = [];
  const lines: string[] = [];
  const read: ReadSecret = async (secretId) => {
    ids.push(secretId);
    await new Promise((resolve) => setTimeout(resolve, 2));
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    return next as SecretRead;
  };
  let loads = 0;
  const source = createSecretsManagerSource({
    secretId: SECRET_ID,
    ttlMs: options.ttlMs ?? TTL_MS,
    reader: () => {
      loads += 1;
      return read;
    },
    log: createLogger({ level: 'debug', write: (line) => lines.push(line) }),
    now: () => clock,
  });
  return { source, reads: () => ids.length, ids, loads: () => loads, lines, advance: (ms: number) => (clock += ms) };
}

describe('the secret source', () => {
  it('reads nothing and loads no AWS client until first use', () => {
    const s = scripted([found(pair(1))]);
    expect(s.loads()).toBe(0);
    expect(s.reads()).toBe(0);
  });

  it('reads the secret at first use and keeps the keys for the TTL, then reads it again', async () => {
    const s = scripted([found(pair(1)), found(pair(2))]);
    expect(await s.source.get()).toEqual(asCredentials(1));
    s.advance(TTL_MS - 1);
    expect(await s.source.get()).toEqual(asCredentials(1));
    expect(s.reads()).toBe(1);
    s.advance(1);
    expect(await s.source.get()).toEqual(asCredentials(2));
    expect(s.reads()).toBe(2);
    expect(s.ids).toEqual([SECRET_ID, SECRET_ID]);
    expect(s.loads()).toBe(1);
  });

  it('with a TTL of 0 reads the secret at every use', async () => {
    const s = scripted([found(pair(1))], { ttlMs: 0 });
    await s.source.get();
    await s.source.get();
    expect(s.reads()).toBe(2);
  });

  it('shares one read among concurrent first uses', async () => {
    const s = scripted([found(pair(1))]);
    const all = await Promise.all(Array.from({ length: 25 }, () => s.source.get()));
    expect(new Set(all.map((c) => c.accessKey))).toEqual(new Set([pair(1).access_key]));
    expect(s.reads()).toBe(1);
  });

  it('passes security_token on, for temporary keys', async () => {
    const s = scripted([found({ ...pair(1), security_token: 'temporary-token-0001' })]);
    expect(await s.source.get()).toEqual({ ...asCredentials(1), securityToken: 'temporary-token-0001' });
  });

  it('reads again at once when MRS refused the keys, and gives the rotated pair', async () => {
    const s = scripted([found(pair(1)), found(pair(2))]);
    const used = await s.source.get();
    expect(await s.source.renew(used)).toEqual(asCredentials(2));
    expect(s.reads()).toBe(2);
    // The rotated pair is kept for a TTL from this read.
    s.advance(TTL_MS - 1);
    expect(await s.source.get()).toEqual(asCredentials(2));
    expect(s.reads()).toBe(2);
  });

  it('shares one re-read among invocations refused together, and gives a late one the newer pair without reading', async () => {
    const s = scripted([found(pair(1)), found(pair(2))]);
    const used = await s.source.get();
    const renewed = await Promise.all(Array.from({ length: 10 }, () => s.source.renew(used)));
    expect(new Set(renewed.map((c) => c?.accessKey))).toEqual(new Set([pair(2).access_key]));
    expect(s.reads()).toBe(2);
    expect(await s.source.renew(used)).toEqual(asCredentials(2));
    expect(s.reads()).toBe(2);
  });

  it('when the secret still holds the refused pair, lets the refusal stand and reads it only once per TTL for that pair', async () => {
    const s = scripted([found(pair(1))]);
    const used = await s.source.get();
    expect(await s.source.renew(used)).toBeUndefined();
    expect(await s.source.renew(used)).toBeUndefined();
    expect(s.reads()).toBe(2);
    expect(s.lines.join('\n')).toMatch(/still holds them/);
    s.advance(TTL_MS);
    expect(await s.source.renew(used)).toBeUndefined();
    expect(s.reads()).toBe(3);
  });

  it('keeps the keys read before when a read after the TTL fails, and pauses before trying again', async () => {
    const s = scripted([found(pair(1)), refusal('ThrottlingException', 400, 'client'), found(pair(2))]);
    await s.source.get();
    s.advance(TTL_MS);
    expect(await s.source.get()).toEqual(asCredentials(1));
    expect(s.reads()).toBe(2);
    s.advance(FAILED_REREAD_PAUSE_MS - 1);
    expect(await s.source.get()).toEqual(asCredentials(1));
    expect(s.reads()).toBe(2);
    s.advance(1);
    expect(await s.source.get()).toEqual(asCredentials(2));
    expect(s.reads()).toBe(3);
    expect(s.lines.join('\n')).toMatch(/could not be read again; using the keys read before/);
  });

  it('throws the named error when the first read fails', async () => {
    const s = scripted([refusal('ResourceNotFoundException', 400, 'client')]);
    const error = await s.source.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /no secret "prod\/huawei\/mrs-iam-sync" \(ResourceNotFoundException\).*check HUAWEICLOUD_CREDENTIALS_SECRET_ID/,
    );
    expect(s.lines.join('\n')).toMatch(/"aws_error":"ResourceNotFoundException"/);
  });

  it('reports a package without the reader chunk as a ConfigurationError that says to redeploy', async () => {
    const source = createSecretsManagerSource({
      secretId: SECRET_ID,
      ttlMs: TTL_MS,
      reader: () => {
        throw Object.assign(new Error("Cannot find module './secrets-manager.js'"), { code: 'MODULE_NOT_FOUND' });
      },
    });
    await expect(source.get()).rejects.toThrow(/secrets-manager\.js, beside index\.js\) could not be loaded; redeploy/);
  });
});

describe('the secret string', () => {
  it.each([
    ['not JSON', 'access_key=SMKEY;secret_key=SMSECRET', /is not JSON/],
    ['a JSON array', JSON.stringify(['SMKEYARRAY1', 'SMSECRETARRAY1']), /is JSON but not an object/],
    ['without secret_key', JSON.stringify({ access_key: 'SMKEYONLY0001' }), /has no non-empty string secret_key:/],
    [
      'without either field',
      JSON.stringify({ ak: 'SMKEYWRONGNAME', sk: 'SMSECRETWRONGNAME' }),
      /has no non-empty string access_key or secret_key:/,
    ],
    ['with an empty access_key', JSON.stringify({ access_key: ' ', secret_key: 'SMSECRETEMPTYAK' }), /has no non-empty string access_key:/],
    [
      'with a numeric security_token',
      JSON.stringify({ access_key: 'SMKEYTOKEN01', secret_key: 'SMSECRETTOKEN01', security_token: 42 }),
      /security_token that is not a non-empty string/,
    ],
  ])('%s is a ConfigurationError naming what to store, never the content', (_what, value, message) => {
    const error = (() => {
      try {
        parseSecret(SECRET_ID, value);
      } catch (e) {
        return e as Error;
      }
      throw new Error('parsed');
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('{"access_key": "...", "secret_key": "..."}');
    for (const fragment of value.match(/SM[A-Z0-9]+/g) ?? []) expect(error.message).not.toContain(fragment);
  });

  it('binary data is a ConfigurationError asking for a string', () => {
    expect(() => parseSecret(SECRET_ID, undefined)).toThrow(/holds binary data, not a string/);
  });

  it('registers the keys and the token for scrubbing before anything can print them', () => {
    const value = { access_key: 'SCRUBMEACCESSKEY0001', secret_key: 'scrub-me-secret-key-0001', security_token: 'scrub-me-token-0001' };
    parseSecret(SECRET_ID, JSON.stringify(value));
    expect(scrubSecrets(`a ${value.access_key} b ${value.secret_key} c ${value.security_token}`)).toBe(
      'a [REDACTED] b [REDACTED] c [REDACTED]',
    );
  });
});

describe('a failed read', () => {
  it.each([
    ['ResourceNotFoundException', 400, 'client', ConfigurationError, /no secret .*check HUAWEICLOUD_CREDENTIALS_SECRET_ID/],
    ['AccessDeniedException', 400, 'client', ConfigurationError, /grant the function's role secretsmanager:GetSecretValue on that secret/],
    ['DecryptionFailure', 400, 'client', ConfigurationError, /kms:Decrypt/],
    ['InvalidRequestException', 400, 'client', ConfigurationError, /marked for deletion/],
    ['InvalidParameterException', 400, 'client', ConfigurationError, /does not accept .* as a secret id/],
    [
      'RegionMissing',
      undefined,
      undefined,
      ConfigurationError,
      /set AWS_REGION, or give HUAWEICLOUD_CREDENTIALS_SECRET_ID as the secret's ARN/,
    ],
    ['UnrecognizedClientException', 400, 'client', ConfigurationError, /function's own AWS credentials .* execution role/],
    ['CredentialsProviderError', undefined, undefined, ConfigurationError, /function's own AWS credentials/],
    ['SomeNewRefusal', 400, 'client', ConfigurationError, /refused to read the secret .*SomeNewRefusal, HTTP 400/],
    ['ThrottlingException', 400, 'client', UpstreamUnavailable, /retry shortly/],
    ['InternalServiceError', 500, 'server', UpstreamUnavailable, /HTTP 500.*retry shortly/],
    ['TimeoutError', undefined, undefined, UpstreamUnavailable, /TimeoutError\): retry shortly/],
  ] as const)('%s is %p', (code, status, fault, type, message) => {
    const error = readFailure(SECRET_ID, refusal(code, status, fault));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
  });
});

describe('its place in the credential chain', () => {
  const secretSource = () => scripted([found(pair(1)), found(pair(2))]);
  const agency = { ak: 'AGENCYAK000000000001', sk: 'agency-sk', token: 'agency-token' };
  const envKeys = { accessKey: 'ENVAK000000000000001', secretKey: 'env-sk' };

  it('comes after the FunctionGraph agency and the environment keys', async () => {
    const s = secretSource();
    expect((await credentialProviderFor(functionGraphContext({ agency }), envKeys, s.source).get()).accessKey).toBe(agency.ak);
    expect((await credentialProviderFor(functionGraphContext(), envKeys, s.source).get()).accessKey).toBe(envKeys.accessKey);
    expect(s.reads()).toBe(0);
    expect((await credentialProviderFor(functionGraphContext(), undefined, s.source).get()).accessKey).toBe(pair(1).access_key);
  });

  it('renews through the secret, naming the pair the invocation signed with', async () => {
    const s = secretSource();
    const renew = jest.spyOn(s.source, 'renew');
    const provider = credentialProviderFor(undefined, undefined, s.source);
    await provider.get();
    expect((await provider.renew())?.accessKey).toBe(pair(2).access_key);
    expect(renew).toHaveBeenCalledWith(asCredentials(1));
  });

  it('answers undefined from renew when the secret has nothing newer', async () => {
    const s = scripted([found(pair(1))]);
    const provider = credentialProviderFor(undefined, undefined, s.source);
    await provider.get();
    expect(await provider.renew()).toBeUndefined();
  });
});
