import { credentialProviderFor } from '../../lib/credentials/chain';
import { createEcsMetadataSource, REFRESH_BEFORE_EXPIRY_MS } from '../../lib/credentials/ecs-metadata';
import { UpstreamUnavailable } from '../../lib/errors';
import { createProjectLookup } from '../../lib/iam/project-lookup';
import { TransportError, type OutboundResponse, type Send } from '../../lib/huawei/transport';
import { functionGraphContext } from '../fixtures/events';

const HOUR = 3_600_000;
const securityKey = (n: number, expiresAt: number): OutboundResponse => ({
  status: 200,
  headers: {},
  body: JSON.stringify({
    credential: { access: `AK${n}`, secret: `SK${n}`, securitytoken: `TOKEN${n}`, expires_at: new Date(expiresAt).toISOString() },
  }),
});

function metadata(answers: Array<OutboundResponse | Error>) {
  let clock = Date.parse('2026-11-28T00:00:00Z');
  let calls = 0;
  const send: Send = async () => {
    calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    return next as OutboundResponse;
  };
  const source = createEcsMetadataSource({ url: 'http://127.0.0.1:1/openstack/latest/securitykey', send, now: () => clock });
  return { source, calls: () => calls, advance: (ms: number) => (clock += ms), now: () => clock };
}

describe('ECS metadata credentials', () => {
  it('keeps the credentials until five minutes before they expire, then refreshes them', async () => {
    const start = Date.parse('2026-11-28T00:00:00Z');
    const m = metadata([securityKey(1, start + HOUR), securityKey(2, start + 2 * HOUR)]);
    expect(await m.source.get()).toEqual({ accessKey: 'AK1', secretKey: 'SK1', securityToken: 'TOKEN1' });
    m.advance(HOUR - REFRESH_BEFORE_EXPIRY_MS - 1);
    expect((await m.source.get()).accessKey).toBe('AK1');
    expect(m.calls()).toBe(1);
    m.advance(1);
    expect((await m.source.get()).accessKey).toBe('AK2');
    expect(m.calls()).toBe(2);
  });

  it('shares one request among concurrent refreshes', async () => {
    const m = metadata([securityKey(1, Date.parse('2026-11-28T01:00:00Z'))]);
    const all = await Promise.all(Array.from({ length: 20 }, () => m.source.get()));
    expect(new Set(all.map((c) => c.accessKey))).toEqual(new Set(['AK1']));
    expect(m.calls()).toBe(1);
  });

  it('keeps the old credentials when a refresh fails, until they really expire', async () => {
    const start = Date.parse('2026-11-28T00:00:00Z');
    const m = metadata([securityKey(1, start + HOUR), new TransportError('timeout', 'slow')]);
    await m.source.get();
    m.advance(HOUR - 60_000);
    expect((await m.source.get()).accessKey).toBe('AK1');
    m.advance(60_000);
    await expect(m.source.get()).rejects.toThrow(UpstreamUnavailable);
  });

  it.each([
    ['does not answer', new TransportError('network', 'connect ECONNREFUSED', 'ECONNREFUSED', false)],
    ['times out', new TransportError('timeout', 'slow')],
    ['answers 500', { status: 500, headers: {}, body: '' }],
    ['answers 503', { status: 503, headers: {}, body: '' }],
  ])(
    'treats a metadata service that %s as a passing outage (retryable UpstreamUnavailable), not a configuration error',
    async (_label, answer) => {
      const m = metadata([answer]);
      await expect(m.source.get()).rejects.toMatchObject({ name: 'UpstreamUnavailable', statusCode: 502 });
    },
  );

  it.each([
    ['an error status', { status: 404, headers: {}, body: '' }],
    ['garbage', { status: 200, headers: {}, body: 'not json' }],
    [
      'a credential without a token',
      { status: 200, headers: {}, body: '{"credential":{"access":"a","secret":"s","expires_at":"2030-01-01T00:00:00Z"}}' },
    ],
  ])('says plainly that there are no credentials when the service answers %s', async (_label, answer) => {
    const m = metadata([answer]);
    await expect(m.source.get()).rejects.toThrow(/No credentials to call MRS with.*metadata service/);
  });

  it('renews on demand, after MRS refused the credentials', async () => {
    const m = metadata([securityKey(1, Date.parse('2026-11-28T05:00:00Z')), securityKey(2, Date.parse('2026-11-28T05:00:00Z'))]);
    await m.source.get();
    expect((await m.source.renew())?.accessKey).toBe('AK2');
    expect((await m.source.get()).accessKey).toBe('AK2');
  });

  it('comes after the FunctionGraph agency and the environment in the chain', async () => {
    const m = metadata([securityKey(9, Date.parse('2026-11-28T05:00:00Z'))]);
    const agency = { ak: 'AGENCYAK', sk: 'AGENCYSK', token: 'T' };
    expect(
      (await credentialProviderFor(functionGraphContext({ agency }), { accessKey: 'ENV', secretKey: 'ENVSK' }, m.source).get()).accessKey,
    ).toBe('AGENCYAK');
    expect((await credentialProviderFor(functionGraphContext(), { accessKey: 'ENV', secretKey: 'ENVSK' }, m.source).get()).accessKey).toBe(
      'ENV',
    );
    expect((await credentialProviderFor(functionGraphContext(), undefined, m.source).get()).accessKey).toBe('AK9');
  });
});

describe('IAM project look-up', () => {
  function iam(answers: Array<OutboundResponse | Error>) {
    const urls: string[] = [];
    const send: Send = async (request) => {
      urls.push(request.url.href);
      const next = answers.length > 1 ? answers.shift() : answers[0];
      if (next instanceof Error) throw next;
      return next as OutboundResponse;
    };
    const lookUp = createProjectLookup({
      iamEndpoint: 'https://iam.myhuaweicloud.com',
      region: 'cn-north-4',
      requestTimeoutMs: 1000,
      send,
    });
    const call = { credentials: { get: async () => ({ accessKey: 'AK', secretKey: 'SK' }), renew: async () => undefined } };
    return { lookUp: () => lookUp(call), urls };
  }
  const projects = (list: unknown) => ({ status: 200, headers: {}, body: JSON.stringify({ projects: list }) });

  it('asks IAM once per cold start for the project named after the region', async () => {
    const i = iam([
      projects([
        { id: 'other0', name: 'cn-north-4_sub' },
        { id: 'abc123', name: 'cn-north-4' },
      ]),
    ]);
    expect(await Promise.all([i.lookUp(), i.lookUp()])).toEqual(['abc123', 'abc123']);
    expect(await i.lookUp()).toBe('abc123');
    expect(i.urls).toEqual(['https://iam.myhuaweicloud.com/v3/projects?name=cn-north-4']);
  });

  it('asks again after a failure', async () => {
    const i = iam([{ status: 503, headers: {}, body: '' }, projects([{ id: 'abc123', name: 'cn-north-4' }])]);
    await expect(i.lookUp()).rejects.toMatchObject({ name: 'UpstreamUnavailable' });
    expect(await i.lookUp()).toBe('abc123');
  });

  it('says to set MRS_PROJECT_ID when IAM has no such project or refuses', async () => {
    await expect(iam([projects([])]).lookUp()).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('MRS_PROJECT_ID'),
    });
    await expect(iam([{ status: 403, headers: {}, body: '' }]).lookUp()).rejects.toMatchObject({ name: 'ConfigurationError' });
    await expect(iam([projects([{ id: 'not/valid', name: 'cn-north-4' }])]).lookUp()).rejects.toMatchObject({ name: 'ConfigurationError' });
  });
});
