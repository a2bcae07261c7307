/**
 * The fault matrix: the built status bundle, with its retries on, against every failure
 * MRS or the network can produce. Each row asserts the final answer, the exact number of
 * attempts that reached MRS, and that the answer came inside the invocation's deadline.
 * Every row runs in a fresh instance (its own circuit breaker and retry budget); caching is
 * off so that each invocation reaches MRS; and no secret may appear in anything printed.
 */
import dns from 'node:dns';
import { METADATA_PATH, startEmulator, type Emulator, type Fault } from '../../emulator/server';
import { functionGraphContext } from '../fixtures/events';
import { coldStart } from '../fixtures/load-bundle';
import { captureOutput } from '../fixtures/test-process';
import { fakeDateOnly, fakeTimers, settled, until } from '../fixtures/settling';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const KEYS = { accessKey: 'MATRIXACCESSKEY00001', secretKey: 'matrix-secret-key-00000000000000000000001' };
const REMAINING_MS = 4000;
const MARGIN_MS = 300;
const TIMEOUT_MS = 400;

let emulator: Emulator;
const printed: string[] = [];
const secrets = new Set<string>([KEYS.accessKey, KEYS.secretKey]);

beforeAll(async () => {
  captureOutput(printed);
  emulator = await startEmulator({ projectId: PROJECT, credentials: [KEYS], clusters: { c1: true } });
});
afterEach(() => {
  jest.useRealTimers();
  emulator.reset();
});
afterAll(async () => {
  await emulator.close();
  jest.restoreAllMocks();
});

const env = (overrides: Record<string, string> = {}) => ({
  MRS_ENDPOINT: emulator.url,
  MRS_PROJECT_ID: PROJECT,
  HUAWEICLOUD_SDK_AK: KEYS.accessKey,
  HUAWEICLOUD_SDK_SK: KEYS.secretKey,
  MRS_TIMEOUT_MS: String(TIMEOUT_MS),
  DEADLINE_MARGIN_MS: String(MARGIN_MS),
  STATUS_CACHE_TTL_SECONDS: '0',
  ...overrides,
});

/** Invokes a fresh instance once with the platform's deadline, and times the answer. */
async function invoke(environment: Record<string, string>) {
  const handler = coldStart('iam-sync-status', environment);
  const started = Date.now();
  const outcome = await handler({ cluster_id: 'c1' }, functionGraphContext({ remainingMs: REMAINING_MS })).then(
    (answer) => ({ answer, error: undefined as Error | undefined }),
    (error: Error) => ({ answer: undefined, error }),
  );
  return { ...outcome, elapsedMs: Date.now() - started };
}

type Row = [label: string, fault: Fault, expected: string, attempts: number];

const table: Row[] = [
  [
    '429 without Retry-After',
    { kind: 'status', status: 429, body: { error_code: 'APIGW.0308', error_msg: 'throttled' } },
    'UpstreamThrottled',
    3,
  ],
  ['429 with Retry-After: 1', { kind: 'status', status: 429, headers: { 'Retry-After': '1' } }, 'UpstreamThrottled', 3],
  ['500', { kind: 'status', status: 500, body: { error_code: 'MRS.0001', error_msg: 'internal' } }, 'UpstreamUnavailable', 3],
  ['502', { kind: 'status', status: 502, body: '' }, 'UpstreamUnavailable', 3],
  ['503', { kind: 'status', status: 503, body: '' }, 'UpstreamUnavailable', 3],
  ['504', { kind: 'status', status: 504, body: 'gateway timeout' }, 'UpstreamUnavailable', 3],
  [
    'HTML from a gateway',
    { kind: 'status', status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', headers: { 'Content-Type': 'text/html' } },
    'UpstreamUnavailable',
    3,
  ],
  ['a reset before the body', { kind: 'reset' }, 'UpstreamUnavailable', 3],
  ['a reset during the body', { kind: 'reset-mid-body' }, 'UpstreamUnavailable', 3],
  ['accept, then never answer', { kind: 'hang' }, 'UpstreamTimeout', 3],
  ['a body that is not JSON', { kind: 'malformed-json' }, 'UpstreamUnavailable', 3],
  ['JSON without is_synchronizing', { kind: 'missing-field' }, 'UpstreamUnavailable', 3],
  [
    '403 without permission',
    { kind: 'status', status: 403, body: { error_code: 'APIGW.0302', error_msg: 'The IAM user is not authorized' } },
    'UpstreamAuthFailed',
    1,
  ],
];

const rows = table.map(([label, fault, expected, attempts]) => ({ label, fault, expected, attempts }));

describe('fault matrix', () => {
  it.each(rows)('$label -> $expected after exactly $attempts attempt(s), inside the deadline', async ({ fault, expected, attempts }) => {
    emulator.injectFault(fault, { times: Infinity });
    const { error, elapsedMs } = await invoke(env());
    expect(error?.name).toBe(expected);
    expect(emulator.requests).toHaveLength(attempts);
    expect(elapsedMs).toBeLessThan(REMAINING_MS - MARGIN_MS + 100);
  });

  it.each(rows.filter(({ expected }) => expected !== 'UpstreamAuthFailed'))(
    '$label once, then the answer: success on the second attempt',
    async ({ fault }) => {
      emulator.injectFault(fault, { times: 1 });
      const { answer, error } = await invoke(env());
      expect(error).toBeUndefined();
      expect(answer).toMatchObject({ cluster_id: 'c1', is_synchronizing: true });
      expect(emulator.requests).toHaveLength(2);
    },
  );

  it('401 with an expired token: renews the credentials from the metadata service, then succeeds', async () => {
    const expired = {
      accessKey: 'ECSACCESSKEY00000001',
      secretKey: 'ecs-secret-key-0000000000000000000000001',
      securityToken: 'expired-token',
    };
    const renewed = { ...expired, securityToken: 'renewed-token' };
    for (const value of [expired.accessKey, expired.secretKey, expired.securityToken, renewed.securityToken]) secrets.add(value);
    // The emulator plays the node's metadata service too: the expired token first, then a renewed one.
    const rotating = await startEmulator({
      projectId: PROJECT,
      credentials: [renewed],
      clusters: { c1: true },
      metadata: { credentials: [expired, renewed] },
    });
    try {
      const { answer, error } = await invoke({
        MRS_ENDPOINT: rotating.url,
        MRS_PROJECT_ID: PROJECT,
        ECS_METADATA_URL: `${rotating.url}${METADATA_PATH}`,
        STATUS_CACHE_TTL_SECONDS: '0',
      });
      expect(error).toBeUndefined();
      expect(answer).toMatchObject({ is_synchronizing: true });
      expect(rotating.requests.map((r) => r.status)).toEqual([401, 200]);
      expect(rotating.requests.map((r) => r.headers['x-security-token'])).toEqual(['expired-token', 'renewed-token']);
    } finally {
      await rotating.close();
    }
  });

  it('a name that does not resolve (DNS failure) -> UpstreamUnavailable, inside the deadline, without asking any real resolver', async () => {
    // The bundle runs in this process and connects through node:net, which reads dns.lookup when
    // it connects: this test's own resolver answers, so nothing leaves loopback. Its marker in
    // the error proves the failure came from here, not from a real resolver.
    const host = 'mrs.does-not-exist.invalid';
    const marker = '(fault-matrix test resolver)';
    const lookup = jest.spyOn(dns, 'lookup').mockImplementation(((hostname: string, ...rest: unknown[]) => {
      const callback = rest[rest.length - 1] as (error: NodeJS.ErrnoException) => void;
      const error: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} ${marker}`), {
        code: 'ENOTFOUND',
        syscall: 'getaddrinfo',
        hostname,
      });
      process.nextTick(callback, error);
    }) as unknown as typeof dns.lookup);
    try {
      const { error, elapsedMs } = await invoke(env({ MRS_ENDPOINT: `https://${host}` }));
      expect(error?.name).toBe('UpstreamUnavailable');
      expect(error?.message).toContain(`ENOTFOUND: getaddrinfo ENOTFOUND ${host} ${marker}`);
      // Every attempt asked this resolver, for that name only: retried as the other network failures are.
      expect(lookup.mock.calls.map(([hostname]) => hostname)).toEqual([host, host, host]);
      expect(elapsedMs).toBeLessThan(REMAINING_MS - MARGIN_MS + 100);
    } finally {
      lookup.mockRestore();
    }
  });

  it('answers UpstreamTimeout itself when the deadline comes, before the platform would kill it', async () => {
    // On jest's clock (the bundle runs in this sandbox, so its timers and Date are these):
    // the answer comes exactly when the remaining time less the margin is up, not a tick
    // before, and long before the 3 s request timeout or the platform's 1000 ms.
    fakeTimers();
    try {
      emulator.injectFault({ kind: 'hang' }, { times: Infinity });
      const handler = coldStart('iam-sync-status', env({ MRS_TIMEOUT_MS: '3000' }));
      const outcome = settled(handler({ cluster_id: 'c1' }, functionGraphContext({ remainingMs: 1000 })));
      await until(() => emulator.requests.length === 1);
      await jest.advanceTimersByTimeAsync(1000 - MARGIN_MS - 1);
      expect(outcome.done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await until(() => outcome.done);
      expect(outcome.error).toMatchObject({ name: 'UpstreamTimeout' });
      // It gave up at the deadline: no second attempt was started.
      expect(emulator.requests).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('opens the circuit after 5 failures: no MRS call, UpstreamUnavailable with Retry-After', async () => {
    emulator.injectFault({ kind: 'status', status: 503, body: '' }, { times: Infinity });
    const handler = coldStart('iam-sync-status', env({ MRS_MAX_ATTEMPTS: '1', MRS_BREAKER_COOLDOWN_SECONDS: '10' }));
    for (let i = 0; i < 5; i += 1) await handler({ cluster_id: 'c1' }, functionGraphContext()).catch(() => undefined);
    expect(emulator.requests).toHaveLength(5);
    const response = (await handler(
      { httpMethod: 'GET', path: '/clusters/c1/iam-sync', pathParameters: { cluster_id: 'c1' }, headers: {} },
      functionGraphContext(),
    )) as {
      statusCode: number;
      headers: Record<string, string>;
    };
    expect(response.statusCode).toBe(502);
    expect(Number(response.headers['Retry-After'])).toBeGreaterThanOrEqual(9);
    expect(emulator.requests).toHaveLength(5);
  });

  it('answers from the stale cache while the circuit is open', async () => {
    // Only the clock is fake: the cached answer outlives its TTL because the test moves Date on, not by sleeping.
    fakeDateOnly();
    const handler = coldStart('iam-sync-status', env({ STATUS_CACHE_TTL_SECONDS: '5', MRS_MAX_ATTEMPTS: '1' }));
    await expect(handler({ cluster_id: 'c1' }, functionGraphContext())).resolves.toMatchObject({ cache: { status: 'miss' } });
    await expect(handler({ cluster_id: 'c1' }, functionGraphContext())).resolves.toMatchObject({ cache: { status: 'hit' } });
    emulator.injectFault({ kind: 'status', status: 503, body: '' }, { times: Infinity });
    jest.setSystemTime(Date.now() + 6000);
    for (let i = 0; i < 5; i += 1) {
      await expect(handler({ cluster_id: 'c1', fresh: true }, functionGraphContext())).resolves.toMatchObject({
        cache: { status: 'stale' },
      });
    }
    const before = emulator.requests.length;
    await expect(handler({ cluster_id: 'c1' }, functionGraphContext())).resolves.toMatchObject({
      is_synchronizing: true,
      cache: { status: 'stale' },
    });
    expect(emulator.requests).toHaveLength(before);
  });
});

describe('secrets across the fault matrix', () => {
  it('no credential, token or signature appeared in anything printed', () => {
    const everything = printed.join('');
    expect(everything.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/Signature=[0-9a-f]{64}/);
  });
});

describe('project discovery', () => {
  it('asks IAM for the project named after the region once per cold start, then MRS in that project', async () => {
    const handler = coldStart('iam-sync-status', {
      MRS_REGION: 'cn-north-4',
      MRS_ENDPOINT: emulator.url,
      IAM_ENDPOINT: emulator.url,
      HUAWEICLOUD_SDK_AK: KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: KEYS.secretKey,
      STATUS_CACHE_TTL_SECONDS: '0',
    });
    await expect(handler({ cluster_id: 'c1' }, functionGraphContext())).resolves.toMatchObject({ is_synchronizing: true });
    await expect(handler({ cluster_id: 'c1' }, functionGraphContext())).resolves.toMatchObject({ is_synchronizing: true });
    expect(emulator.requests.map((r) => `${r.path}${r.query ? `?${r.query}` : ''}`)).toEqual([
      '/v3/projects?name=cn-north-4',
      `/v2/${PROJECT}/clusters/c1/iam-sync`,
      `/v2/${PROJECT}/clusters/c1/iam-sync`,
    ]);
    expect(emulator.requests.every((r) => r.verification.ok)).toBe(true);
  });

  it('says to set MRS_PROJECT_ID when IAM knows no project for the region', async () => {
    const handler = coldStart('iam-sync-status', {
      MRS_REGION: 'ap-southeast-3',
      MRS_ENDPOINT: emulator.url,
      IAM_ENDPOINT: emulator.url,
      HUAWEICLOUD_SDK_AK: KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: KEYS.secretKey,
    });
    await expect(handler({ cluster_id: 'c1' }, functionGraphContext())).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('MRS_PROJECT_ID'),
    });
  });
});
