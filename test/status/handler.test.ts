import { ClusterNotFound, UpstreamThrottled } from '../../lib/errors';
import { functionGraphContext, HTTP_SHAPES, httpEvent, INVALID_CLUSTER_IDS } from '../fixtures/events';
import { stubbedStatusHandler } from '../fixtures/stub-handler';
import { fakeDateOnly } from '../fixtures/settling';

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(HTTP_SHAPES)('HTTP trigger: %s', (shape) => {
  it('answers 200 with the status as JSON', async () => {
    const { handler, calls } = stubbedStatusHandler();
    const response = (await handler(httpEvent(shape, 'demo-syncing'), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(response.isBase64Encoded).toBe(false);
    expect(response.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(response.headers['X-Request-Id']).toBe('fg-request-1');
    const body = JSON.parse(response.body);
    expect(body).toEqual({
      cluster_id: 'demo-syncing',
      is_synchronizing: true,
      checked_at: expect.stringMatching(ISO_8601),
      cache: { status: 'miss', age_seconds: 0 },
    });
    expect(response.headers).toMatchObject({ 'Cache-Control': expect.stringMatching(/^max-age=[45]$/), Age: '0', 'X-Cache': 'MISS' });
    expect(calls.map((c) => c.clusterId)).toEqual(['demo-syncing']);
  });

  it('takes the cluster id from the path when the gateway gives no path parameters', async () => {
    const { handler, calls } = stubbedStatusHandler();
    const response = (await handler(
      httpEvent(shape, 'c-1', { withoutPathParameters: true, path: '/prod/clusters/c-1/iam-sync' }),
      {},
    )) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(calls.map((c) => c.clusterId)).toEqual(['c-1']);
  });

  it.each(['POST', 'DELETE', 'PUT', 'HEAD'])('answers %s with 405 and Allow', async (method) => {
    const { handler, calls } = stubbedStatusHandler();
    const response = (await handler(httpEvent(shape, 'c1', { method }), {})) as HttpAnswer;
    expect(response.statusCode).toBe(405);
    expect(response.headers.Allow).toBe('GET');
    expect(JSON.parse(response.body).error.code).toBe('MethodNotAllowed');
    expect(calls).toHaveLength(0);
  });

  it('answers 404 for another path', async () => {
    const { handler } = stubbedStatusHandler();
    const response = (await handler(httpEvent(shape, 'c1', { withoutPathParameters: true, path: '/clusters/c1' }), {})) as HttpAnswer;
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error.code).toBe('RouteNotFound');
  });

  it.each(INVALID_CLUSTER_IDS.filter((id): id is string => typeof id === 'string').map((id) => [id]))(
    'answers 400 InvalidRequest for cluster id %j without calling MRS',
    async (id) => {
      const { handler, calls } = stubbedStatusHandler();
      const response = (await handler(httpEvent(shape, id), {})) as HttpAnswer;
      expect(response.statusCode).toBe(400);
      const { error } = JSON.parse(response.body);
      expect(error.code).toBe('InvalidRequest');
      expect(error.request_id).toBe(response.headers['X-Request-Id']);
      expect(response.body).not.toMatch(/<script>/);
      expect(calls).toHaveLength(0);
    },
  );

  it('renders upstream errors with their status, name and no-store', async () => {
    const { handler } = stubbedStatusHandler({
      answer: () => new UpstreamThrottled('MRS is throttling requests.', { retryAfterSeconds: 9, upstream: { requestId: 'up-1' } }),
    });
    const response = (await handler(httpEvent(shape, 'c1'), {})) as HttpAnswer;
    expect(response.statusCode).toBe(503);
    expect(response.headers['Retry-After']).toBe('9');
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(JSON.parse(response.body).error).toEqual({
      code: 'UpstreamThrottled',
      message: 'MRS is throttling requests. (X-Request-Id up-1)',
      request_id: expect.any(String),
    });
  });
});

describe('HTTP path decoding', () => {
  it.each([['/clusters/a%2Fb/iam-sync'], ['/clusters/%2e%2e/iam-sync'], ['/clusters/%E0%A4%A/iam-sync'], ['/clusters//iam-sync']])(
    'refuses %s with 400 and no upstream call',
    async (path) => {
      const { handler, calls } = stubbedStatusHandler();
      const response = (await handler(httpEvent('lambda-function-url', 'x', { path }), {})) as HttpAnswer;
      expect(response.statusCode).toBe(400);
      expect(calls).toHaveLength(0);
    },
  );
});

describe('direct and workflow invocation', () => {
  it.each([[{ cluster_id: 'demo-idle' }], [{ clusterId: 'demo-idle' }], [{ cluster_id: 'demo-idle', clusterId: 'demo-idle', extra: 1 }]])(
    'returns the status object for %j',
    async (event) => {
      const { handler } = stubbedStatusHandler();
      await expect(handler(event, {})).resolves.toEqual({
        cluster_id: 'demo-idle',
        is_synchronizing: false,
        checked_at: expect.stringMatching(ISO_8601),
        cache: { status: 'miss', age_seconds: 0 },
      });
    },
  );

  it('throws named errors that Step Functions and flows can match', async () => {
    const { handler } = stubbedStatusHandler({ answer: () => new ClusterNotFound('MRS has no cluster "gone".') });
    await expect(handler({ cluster_id: 'gone' }, {})).rejects.toMatchObject({ name: 'ClusterNotFound', statusCode: 404 });
  });

  it.each(INVALID_CLUSTER_IDS.map((id) => [id]))('throws InvalidRequest for cluster_id %j without calling MRS', async (id) => {
    const { handler, calls } = stubbedStatusHandler();
    await expect(handler({ cluster_id: id }, {})).rejects.toMatchObject({ name: 'InvalidRequest' });
    expect(calls).toHaveLength(0);
  });

  it('refuses two different ids', async () => {
    const { handler } = stubbedStatusHandler();
    await expect(handler({ cluster_id: 'a', clusterId: 'b' }, {})).rejects.toThrow(/both cluster_id and clusterId/);
  });

  it.each([
    [null],
    [undefined],
    ['demo-idle'],
    [42],
    [[{ cluster_id: 'x' }]],
    [{}],
    [{ version: 'v1.0', trigger_type: 'TIMER', user_event: 'x' }],
  ])('refuses the event %j, naming the accepted shapes', async (event) => {
    const { handler, calls } = stubbedStatusHandler();
    await expect(handler(event, {})).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringContaining('GET /clusters/{cluster_id}/iam-sync'),
    });
    expect(calls).toHaveLength(0);
  });

  it('hides the text of unexpected failures behind InternalError', async () => {
    const { handler, logs } = stubbedStatusHandler({
      answer: () => {
        throw new TypeError('x is undefined at secret place');
      },
    });
    const error = await handler({ cluster_id: 'c1' }, {}).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'InternalError', statusCode: 500 });
    expect((error as Error).message).not.toContain('secret place');
    expect(logs.join('\n')).toContain('x is undefined at secret place');
  });
});

describe('credentials and deadline', () => {
  const agency = { ak: 'AGENCYAK', sk: 'AGENCYSK', token: 'AGENCYTOKEN' };

  it("signs with the FunctionGraph agency's credentials first", async () => {
    const { handler, calls } = stubbedStatusHandler({ env: { HUAWEICLOUD_SDK_AK: 'ENVAK', HUAWEICLOUD_SDK_SK: 'ENVSK' } });
    await handler({ cluster_id: 'c1' }, functionGraphContext({ agency }));
    await expect(calls[0]?.options.credentials.get()).resolves.toEqual({
      accessKey: 'AGENCYAK',
      secretKey: 'AGENCYSK',
      securityToken: 'AGENCYTOKEN',
    });
  });

  it('falls back to the environment when the function has no agency', async () => {
    const { handler, calls } = stubbedStatusHandler({ env: { HUAWEICLOUD_SDK_AK: 'ENVAK', HUAWEICLOUD_SDK_SK: 'ENVSK' } });
    await handler({ cluster_id: 'c1' }, functionGraphContext());
    await expect(calls[0]?.options.credentials.get()).resolves.toEqual({ accessKey: 'ENVAK', secretKey: 'ENVSK' });
  });

  it('never takes credentials from the event', async () => {
    const { handler, calls } = stubbedStatusHandler();
    const event = { cluster_id: 'c1', accessKey: 'EVIL', secretKey: 'EVIL', headers: { 'x-cff-security-access-key': 'EVIL' } };
    await handler(event, {});
    await expect(calls[0]?.options.credentials.get()).rejects.toThrow(/No credentials to call MRS with/);
  });

  it('passes the deadline: remaining time less the margin', async () => {
    // Date stands still (timers stay real): the deadline is exact, not within a window.
    fakeDateOnly(1_700_000_000_000);
    try {
      const { handler, calls } = stubbedStatusHandler({ env: { DEADLINE_MARGIN_MS: '250' } });
      await handler({ cluster_id: 'c1' }, functionGraphContext({ remainingMs: 2000 }));
      expect(calls[0]?.options.deadlineAt).toBe(1_700_000_000_000 + 2000 - 250);
    } finally {
      jest.useRealTimers();
    }
  });

  it("reads Lambda's context too", async () => {
    const { handler, calls } = stubbedStatusHandler();
    const response = (await handler(httpEvent('aws-http-v2', 'c1'), {
      awsRequestId: 'lambda-1',
      getRemainingTimeInMillis: () => 5000,
    })) as { headers: Record<string, string> };
    expect(response.headers['X-Request-Id']).toBe('lambda-1');
    expect(calls[0]?.options.deadlineAt).toBeDefined();
  });
});

describe('cold start failures', () => {
  it("answers every invocation with the ConfigurationError, in the caller's shape, and logs it to stdout", async () => {
    const printed: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
    const { handler } = stubbedStatusHandler({ env: { MRS_PROJECT_ID: 'not valid!' } });
    const response = (await handler(httpEvent('functiongraph-apig', 'c1'), {})) as HttpAnswer;
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body).error.code).toBe('ConfigurationError');
    await expect(handler({ cluster_id: 'c1' }, {})).rejects.toMatchObject({ name: 'ConfigurationError' });
    spy.mockRestore();
    expect(JSON.parse(printed[0] ?? '{}')).toMatchObject({
      level: 'error',
      message: 'cold start failed',
      error: { name: 'ConfigurationError' },
    });
  });
});

describe('logging', () => {
  it('writes one JSON line per invocation with the request id and outcome', async () => {
    const { handler, logs } = stubbedStatusHandler();
    await handler(httpEvent('functiongraph-apig', 'c1'), functionGraphContext());
    await handler({ cluster_id: 'bad/id' }, functionGraphContext()).catch(() => undefined);
    const lines = logs.map((line) => JSON.parse(line));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', message: 'answered', request_id: 'fg-request-1', status: 200 }),
      expect.objectContaining({
        level: 'warn',
        message: 'failed',
        request_id: 'fg-request-1',
        error: expect.objectContaining({ name: 'InvalidRequest' }),
      }),
    ]);
  });
});
