/**
 * The built status bundle, as deployed, against the local MRS emulator: every trigger
 * shape, every upstream failure, every bad input, and no secret in any output. Caching is
 * off here so that every invocation reaches MRS; cache-bundle.test.ts covers the cache.
 */
import { startEmulator, type Emulator, type Fault, type RecordedRequest } from '../../emulator/server';
import { functionGraphContext, HTTP_SHAPES, httpEvent, INVALID_CLUSTER_IDS } from '../fixtures/events';
import { coldStart, type Handler } from '../fixtures/load-bundle';
import { captureOutput } from '../fixtures/test-process';
import { fakeTimers, settled, until } from '../fixtures/settling';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const ENV_KEYS = { accessKey: 'ENVACCESSKEY00000001', secretKey: 'env-secret-key-0000000000000000000000001' };
const AGENCY = {
  accessKey: 'AGENCYACCESSKEY00002',
  secretKey: 'agency-secret-key-00000000000000000000002',
  securityToken: 'agency-token-'.padEnd(300, 'T'),
};
const SECRETS = [ENV_KEYS.accessKey, ENV_KEYS.secretKey, AGENCY.accessKey, AGENCY.secretKey, AGENCY.securityToken];

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

let emulator: Emulator;
let handler: Handler;
const output: string[] = [];
const answers: string[] = [];

const agencyContext = () => ({
  ...functionGraphContext({ agency: { ak: AGENCY.accessKey, sk: AGENCY.secretKey, token: AGENCY.securityToken } }),
});

async function call(event: unknown, context: unknown = functionGraphContext(), instance: Handler = handler): Promise<unknown> {
  try {
    const answer = await instance(event, context);
    answers.push(JSON.stringify(answer));
    return answer;
  } catch (error) {
    answers.push(JSON.stringify({ name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack }));
    throw error;
  }
}

beforeAll(async () => {
  captureOutput(output);
  emulator = await startEmulator({
    projectId: PROJECT,
    credentials: [ENV_KEYS, AGENCY],
    clusters: { 'demo-idle': false, 'demo-syncing': true },
  });
  handler = coldStart('iam-sync-status', environment());
});

/** The instance's environment; a test on jest's clock starts its own instance with it, after faking the timers. */
function environment(): Record<string, string> {
  return {
    MRS_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    HUAWEICLOUD_SDK_AK: ENV_KEYS.accessKey,
    HUAWEICLOUD_SDK_SK: ENV_KEYS.secretKey,
    MRS_TIMEOUT_MS: '400',
    LOG_LEVEL: 'debug',
    STATUS_CACHE_TTL_SECONDS: '0',
    // One attempt per call: this suite checks how each answer maps; fault-matrix.test.ts checks retries.
    MRS_MAX_ATTEMPTS: '1',
    MRS_BREAKER_FAILURES: '1000',
  };
}

/** Every request the emulator recorded, kept before each reset so the secrets check at the end can read their signatures. */
const recorded: RecordedRequest[] = [];

afterEach(() => {
  recorded.push(...emulator.requests);
  emulator.reset();
});

afterAll(async () => {
  await emulator.close();
  jest.restoreAllMocks();
});

describe.each(HTTP_SHAPES)('%s event', (shape) => {
  it.each([
    ['demo-idle', false],
    ['demo-syncing', true],
  ])('answers %s with is_synchronizing %s, from one signed MRS request', async (clusterId, expected) => {
    const response = (await call(httpEvent(shape, clusterId))) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ cluster_id: clusterId, is_synchronizing: expected });
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]).toMatchObject({ method: 'GET', path: `/v2/${PROJECT}/clusters/${clusterId}/iam-sync`, status: 200 });
    expect(emulator.requests[0]?.verification).toMatchObject({ ok: true });
  });

  it('answers an unknown cluster with 404 ClusterNotFound', async () => {
    const response = (await call(httpEvent(shape, 'no-such-cluster'))) as HttpAnswer;
    expect(response.statusCode).toBe(404);
    const { error } = JSON.parse(response.body);
    expect(error.code).toBe('ClusterNotFound');
    expect(error.message).toContain('MRS error_code 12000003');
    expect(error.message).toMatch(/X-Request-Id [0-9a-f]{32}/);
  });

  it.each(INVALID_CLUSTER_IDS.filter((id): id is string => typeof id === 'string').map((id) => [id]))(
    'answers cluster id %j with 400 and sends MRS nothing',
    async (id) => {
      const response = (await call(httpEvent(shape, id))) as HttpAnswer;
      expect(response.statusCode).toBe(400);
      expect(emulator.requests).toHaveLength(0);
    },
  );
});

describe('direct and workflow invocation', () => {
  it('returns the answer for cluster_id and clusterId', async () => {
    await expect(call({ cluster_id: 'demo-syncing' })).resolves.toMatchObject({ cluster_id: 'demo-syncing', is_synchronizing: true });
    await expect(call({ clusterId: 'demo-idle' })).resolves.toMatchObject({ cluster_id: 'demo-idle', is_synchronizing: false });
  });

  it("signs with the FunctionGraph agency's temporary credentials and token when it has them", async () => {
    await expect(call({ cluster_id: 'demo-idle' }, agencyContext())).resolves.toMatchObject({ is_synchronizing: false });
    const [request] = emulator.requests;
    expect(request?.verification).toMatchObject({ ok: true });
    expect(request?.headers.authorization).toContain(`Access=${AGENCY.accessKey}`);
    expect(request?.headers['x-security-token']).toBe(AGENCY.securityToken);
  });

  it.each(INVALID_CLUSTER_IDS.map((id) => [id]))('throws InvalidRequest for %j and sends MRS nothing', async (id) => {
    await expect(call({ cluster_id: id })).rejects.toMatchObject({ name: 'InvalidRequest' });
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('upstream failures', () => {
  const cases: Array<[string, Fault, string, number]> = [
    [
      '401 from the gateway',
      { kind: 'status', status: 401, body: { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information' } },
      'UpstreamAuthFailed',
      502,
    ],
    [
      '403 without permission',
      { kind: 'status', status: 403, body: { error_code: 'APIGW.0302', error_msg: 'forbidden' } },
      'UpstreamAuthFailed',
      502,
    ],
    [
      '429 throttled',
      { kind: 'status', status: 429, body: { error_code: 'APIGW.0308', error_msg: 'throttled' }, headers: { 'Retry-After': '3' } },
      'UpstreamThrottled',
      503,
    ],
    ['500', { kind: 'status', status: 500, body: { error_code: 'MRS.0001', error_msg: 'internal' } }, 'UpstreamUnavailable', 502],
    ['502 HTML from a gateway', { kind: 'status', status: 502, body: '<html><body>Bad Gateway</body></html>' }, 'UpstreamUnavailable', 502],
    ['503', { kind: 'status', status: 503, body: '' }, 'UpstreamUnavailable', 502],
    ['504', { kind: 'status', status: 504, body: 'upstream timed out' }, 'UpstreamUnavailable', 502],
    ['a reset before the answer', { kind: 'reset' }, 'UpstreamUnavailable', 502],
    ['a reset during the body', { kind: 'reset-mid-body' }, 'UpstreamUnavailable', 502],
    ['a body that is not JSON', { kind: 'malformed-json' }, 'UpstreamUnavailable', 502],
    ['JSON without is_synchronizing', { kind: 'missing-field' }, 'UpstreamUnavailable', 502],
    ['no answer at all', { kind: 'hang' }, 'UpstreamTimeout', 504],
    ['an answer after the timeout', { kind: 'delay', ms: 1000 }, 'UpstreamTimeout', 504],
  ];

  it.each(cases)('%s -> %s, over HTTP and to workflows', async (_label, fault, name, status) => {
    emulator.injectFault(fault, { times: 2 });
    const response = (await call(httpEvent('functiongraph-apig', 'demo-idle'))) as HttpAnswer;
    const thrown = await call({ cluster_id: 'demo-idle' }).catch((error: unknown) => error);
    expect(thrown).toMatchObject({ name });
    if (name === 'UpstreamTimeout') {
      // Cut off by the 400 ms request timeout (the deadline, 10 s away, would say so otherwise), in both shapes.
      expect((thrown as Error).message).toContain('no complete answer within 400 ms');
      expect(JSON.parse(response.body).error.message).toContain('no complete answer within 400 ms');
    }
    expect(response.statusCode).toBe(status);
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(JSON.parse(response.body).error.code).toBe(name);
    if (name === 'UpstreamThrottled') expect(response.headers['Retry-After']).toBe('3');
    expect(emulator.requests).toHaveLength(2);
  });

  it('gives up when the invocation has no time left, without calling MRS', async () => {
    await expect(call({ cluster_id: 'demo-idle' }, functionGraphContext({ remainingMs: 100 }))).rejects.toMatchObject({
      name: 'UpstreamTimeout',
    });
    expect(emulator.requests).toHaveLength(0);
  });

  it('stops waiting at the invocation deadline when it is nearer than the request timeout', async () => {
    // On jest's clock, which the bundle (loaded in this sandbox) shares.
    fakeTimers();
    try {
      // A fresh instance, so that its clock (captured when it starts) is jest's too.
      const onJestClock = coldStart('iam-sync-status', environment());
      emulator.injectFault({ kind: 'hang' });
      // 450 ms left, less the 300 ms default margin: 150 ms to wait, not the 400 ms timeout.
      const outcome = settled(call({ cluster_id: 'demo-idle' }, functionGraphContext({ remainingMs: 450 }), onJestClock));
      await until(() => emulator.requests.length === 1);
      await jest.advanceTimersByTimeAsync(149);
      expect(outcome.done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await until(() => outcome.done);
      expect(outcome.error).toMatchObject({ name: 'UpstreamTimeout' });
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('credentials MRS refuses', () => {
  it('maps a project the credentials do not own to UpstreamAuthFailed', async () => {
    const other = coldStart('iam-sync-status', {
      MRS_ENDPOINT: emulator.url,
      MRS_PROJECT_ID: 'ffffffffffffffffffffffffffffffff',
      HUAWEICLOUD_SDK_AK: ENV_KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: ENV_KEYS.secretKey,
    });
    await expect(other({ cluster_id: 'demo-idle' }, {})).rejects.toMatchObject({
      name: 'UpstreamAuthFailed',
      message: expect.stringContaining('APIGW.03'),
    });
  });

  it('maps a wrong secret key to UpstreamAuthFailed', async () => {
    const wrong = coldStart('iam-sync-status', {
      MRS_ENDPOINT: emulator.url,
      MRS_PROJECT_ID: PROJECT,
      HUAWEICLOUD_SDK_AK: ENV_KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: 'wrong-secret-key-000000000000000000000009',
    });
    await expect(wrong({ cluster_id: 'demo-idle' }, {})).rejects.toMatchObject({ name: 'UpstreamAuthFailed' });
    expect(emulator.requests[0]?.verification).toMatchObject({ ok: false });
  });

  it('maps a clock more than 15 minutes off to UpstreamAuthFailed', async () => {
    const future = await startEmulator({
      projectId: PROJECT,
      credentials: [ENV_KEYS],
      clusters: { c1: false },
      now: () => Date.now() + 16 * 60_000,
    });
    try {
      const skewed = coldStart('iam-sync-status', {
        MRS_ENDPOINT: future.url,
        MRS_PROJECT_ID: PROJECT,
        HUAWEICLOUD_SDK_AK: ENV_KEYS.accessKey,
        HUAWEICLOUD_SDK_SK: ENV_KEYS.secretKey,
      });
      await expect(skewed({ cluster_id: 'c1' }, {})).rejects.toMatchObject({ name: 'UpstreamAuthFailed' });
    } finally {
      await future.close();
    }
  });
});

describe('secrets', () => {
  it('no credential, token or signature reached any log line, response or thrown error', () => {
    // Read before this test's own afterEach: the requests of every earlier test, as recorded before each reset.
    const requests = [...recorded, ...emulator.requests];
    expect(requests.length).toBeGreaterThan(40);
    const signatures = requests.map((r) => /Signature=([0-9a-f]{64})$/.exec(String(r.headers.authorization))?.[1]);
    // Every request the bundle sent was signed: none is skipped for want of a signature.
    expect(signatures.filter((s) => s === undefined)).toEqual([]);
    const everything = [...output, ...answers].join('\n');
    expect(output.length).toBeGreaterThan(50);
    for (const secret of [...SECRETS, ...(signatures as string[])]) expect(everything).not.toContain(secret);
  });
});
