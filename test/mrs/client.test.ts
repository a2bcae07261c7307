import type { Credentials } from '../../lib/credentials/types';
import {
  InvalidRequest,
  UpstreamAuthFailed,
  UpstreamRejected,
  UpstreamThrottled,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../../lib/errors';
import { ok, scriptedMrsClient, status } from '../fixtures/scripted-mrs-client';
import type { MrsClientOptions } from '../../lib/mrs/client';
import { RETRY_BUDGET } from '../../lib/mrs/retry-budget';
import { TransportError, type OutboundResponse } from '../../lib/huawei/transport';

const KEYS: Credentials = { accessKey: 'AKEXAMPLE000', secretKey: 'SKEXAMPLE000000' };
const provider = (get: Credentials = KEYS, renewed?: Credentials) => ({ get: async () => get, renew: jest.fn(async () => renewed) });
const target = { projectId: 'p1', clusterId: 'c1' };

/** A client on a fake clock, whose sleeps advance the clock, over a scripted transport. */
const setUp = (script: Array<OutboundResponse | Error>, overrides: Partial<MrsClientOptions> = {}) => scriptedMrsClient(script, overrides);

describe('MRS client: the request', () => {
  it('asks GET /v2/{project}/clusters/{cluster}/iam-sync, signed, with the project header', async () => {
    const s = setUp([ok()]);
    await expect(s.client.getIamSyncStatus({ projectId: 'p1', clusterId: 'c-1_A' }, { credentials: provider() })).resolves.toEqual({
      isSynchronizing: true,
      requestId: 'r1',
    });
    expect(s.calls).toHaveLength(1);
    const { request } = s.calls[0]!;
    expect(request.url.href).toBe('https://mrs.cn-north-4.myhuaweicloud.com/v2/p1/clusters/c-1_A/iam-sync');
    expect(request.headers['X-Project-Id']).toBe('p1');
    expect(request.headers['X-Sdk-Date']).toBe('19700101T001640Z');
    expect(request.headers.Authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=AKEXAMPLE000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers['X-Security-Token']).toBeUndefined();
  });

  it('sends and signs X-Security-Token for temporary credentials', async () => {
    const s = setUp([ok()]);
    await s.client.getIamSyncStatus(target, { credentials: provider({ ...KEYS, securityToken: 'TOKEN' }) });
    expect(s.calls[0]?.request.headers['X-Security-Token']).toBe('TOKEN');
    expect(s.calls[0]?.request.headers.Authorization).toContain('x-sdk-date;x-security-token');
  });

  it.each([
    [{ projectId: 'p1', clusterId: '../clusters' }],
    [{ projectId: 'p-1', clusterId: 'c1' }],
    [{ projectId: 'p1/../x', clusterId: 'c1' }],
  ])('refuses %j itself, whatever its caller checked, and sends nothing', async (bad) => {
    const s = setUp([ok()]);
    await expect(s.client.getIamSyncStatus(bad, { credentials: provider() })).rejects.toThrow(InvalidRequest);
    expect(s.calls).toHaveLength(0);
  });

  it('waits at most the request timeout, and never past the deadline', async () => {
    const s = setUp([ok()]);
    await s.client.getIamSyncStatus(target, { credentials: provider() });
    await s.client.getIamSyncStatus(target, { credentials: provider(), deadlineAt: s.now() + 10_000 });
    await s.client.getIamSyncStatus(target, { credentials: provider(), deadlineAt: s.now() + 1200 });
    expect(s.calls.map((c) => c.timeoutMs)).toEqual([3000, 3000, 1200]);
  });

  it('answers UpstreamTimeout without a request when the deadline has passed', async () => {
    const s = setUp([ok()]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider(), deadlineAt: s.now() })).rejects.toThrow(UpstreamTimeout);
    expect(s.calls).toHaveLength(0);
  });
});

describe('MRS client: retries', () => {
  it.each([
    ['503', status(503), UpstreamUnavailable],
    ['a reset', new TransportError('network', 'reset', 'ECONNRESET'), UpstreamUnavailable],
    ['a timeout', new TransportError('timeout', 'slow'), UpstreamTimeout],
    ['a body without is_synchronizing', status(200, {}), UpstreamUnavailable],
  ])('retries %s up to the attempt limit, with jittered backoff', async (_label, failure, type) => {
    const s = setUp([failure]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(type);
    expect(s.calls).toHaveLength(3);
    // Full jitter with random() = 0.5: half of 100 ms, then half of 200 ms.
    expect(s.sleeps).toEqual([50, 100]);
  });

  it('succeeds on a later attempt', async () => {
    const s = setUp([status(500), status(502), ok(false)]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).resolves.toMatchObject({ isSynchronizing: false });
    expect(s.calls).toHaveLength(3);
  });

  it('waits longer when throttled, and as long as Retry-After says (capped at 5 s)', async () => {
    const throttled = setUp([status(429)]);
    await expect(throttled.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamThrottled);
    expect(throttled.sleeps).toEqual([250, 500]);
    const told = setUp([status(429, {}, { 'retry-after': '2' }), ok()]);
    await told.client.getIamSyncStatus(target, { credentials: provider() });
    expect(told.sleeps).toEqual([2000]);
    const long = setUp([status(429, {}, { 'retry-after': '60' }), ok()]);
    await long.client.getIamSyncStatus(target, { credentials: provider() });
    expect(long.sleeps).toEqual([5000]);
  });

  it.each([[400], [403], [404], [409]])('never retries HTTP %i', async (code) => {
    const s = setUp([status(code, { error_code: code === 400 ? '12000003' : 'X' })]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow();
    expect(s.calls).toHaveLength(1);
  });

  it('never retries a plain HTTP 400 (not "no such cluster"): one attempt, UpstreamRejected, and says why it gave up', async () => {
    const s = setUp([status(400, { error_code: '12000002', error_msg: 'The request is invalid.' }, { 'x-request-id': 'r400' }), ok()]);
    const failure = s.client.getIamSyncStatus(target, { credentials: provider() });
    await expect(failure).rejects.toThrow(UpstreamRejected);
    await expect(failure).rejects.toMatchObject({ name: 'UpstreamRejected', upstream: { httpStatus: 400, errorCode: '12000002' } });
    expect(s.calls).toHaveLength(1);
    expect(s.sleeps).toEqual([]);
    const gaveUp = s.lines.filter((line) => line.message === 'MRS call gave up');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({
      level: 'warn',
      give_up: 'not-retryable',
      attempts: [{ attempt: 1, outcome: 'http 400 12000002' }],
      error: { name: 'UpstreamRejected' },
      upstream: { httpStatus: 400, errorCode: '12000002', requestId: 'r400', errorMessage: 'The request is invalid.' },
    });
    expect((gaveUp[0]?.attempts as Array<Record<string, unknown>> | undefined)?.[0]).not.toHaveProperty('wait_ms');
  });

  it('does not start an attempt the deadline leaves no room for', async () => {
    const s = setUp([status(429, {}, { 'retry-after': '3' })]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider(), deadlineAt: s.now() + 2000 })).rejects.toThrow(
      UpstreamThrottled,
    );
    expect(s.calls).toHaveLength(1);
    expect(s.sleeps).toEqual([]);
  });

  it('spends a retry budget that a sustained outage empties: then one call per request', async () => {
    const s = setUp([status(503)], { breaker: { failureThreshold: 1_000_000, cooldownMs: 1 } });
    const requests = 150;
    for (let i = 0; i < requests; i += 1) await s.client.getIamSyncStatus(target, { credentials: provider() }).catch(() => undefined);
    const retries = RETRY_BUDGET.capacity / RETRY_BUDGET.retryCost;
    expect(s.calls).toHaveLength(requests + retries);
  });
});

describe('MRS client: credential renewal', () => {
  it('renews refused credentials once and tries again, outside the attempt count', async () => {
    const renewed = { ...KEYS, accessKey: 'AKRENEWED000', securityToken: 'NEW' };
    const credentials = provider({ ...KEYS, securityToken: 'OLD' }, renewed);
    const s = setUp([status(401, { error_code: 'APIGW.0301', error_msg: 'token expired' }), ok()], { maxAttempts: 1 });
    await expect(s.client.getIamSyncStatus(target, { credentials })).resolves.toMatchObject({ isSynchronizing: true });
    expect(credentials.renew).toHaveBeenCalledTimes(1);
    expect(s.calls.map((c) => c.request.headers['X-Security-Token'])).toEqual(['OLD', 'NEW']);
  });

  it('never renews twice, whatever MRS keeps saying', async () => {
    const credentials = provider(KEYS, { ...KEYS, accessKey: 'AKRENEWED000' });
    const s = setUp([status(401, { error_code: 'APIGW.0301' })]);
    await expect(s.client.getIamSyncStatus(target, { credentials })).rejects.toThrow(UpstreamAuthFailed);
    expect(credentials.renew).toHaveBeenCalledTimes(1);
    expect(s.calls).toHaveLength(2);
  });

  it('does not retry when there is nothing newer, nor on 403 (no permission)', async () => {
    const nothingNewer = setUp([status(401)]);
    await expect(nothingNewer.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamAuthFailed);
    expect(nothingNewer.calls).toHaveLength(1);
    const forbidden = provider(KEYS, { ...KEYS, accessKey: 'AKRENEWED000' });
    const denied = setUp([status(403, { error_code: 'APIGW.0302' })]);
    await expect(denied.client.getIamSyncStatus(target, { credentials: forbidden })).rejects.toThrow(UpstreamAuthFailed);
    expect(forbidden.renew).not.toHaveBeenCalled();
  });
});

describe('MRS client: circuit breaker', () => {
  const breaker = { failureThreshold: 3, cooldownMs: 10_000 };

  it('stops calling MRS after consecutive failures, says when to retry, then lets one probe through', async () => {
    const s = setUp([status(503), status(503), status(503), ok()], { maxAttempts: 1, breaker });
    for (let i = 0; i < 3; i += 1)
      await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamUnavailable);
    const refused = await s.client.getIamSyncStatus(target, { credentials: provider() }).catch((e: UpstreamUnavailable) => e);
    expect(refused).toBeInstanceOf(UpstreamUnavailable);
    expect((refused as UpstreamUnavailable).retryAfterSeconds).toBe(10);
    expect(s.calls).toHaveLength(3);
    s.advance(10_000);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).resolves.toMatchObject({ isSynchronizing: true });
    expect(s.calls).toHaveLength(4);
  });

  it('opens again when the probe fails, and stops a call from retrying once it opens', async () => {
    const s = setUp([status(503)], { breaker });
    await s.client.getIamSyncStatus(target, { credentials: provider() }).catch(() => undefined);
    expect(s.calls).toHaveLength(3); // the third failure opened it: no more attempts
    s.advance(10_000);
    await s.client.getIamSyncStatus(target, { credentials: provider() }).catch(() => undefined);
    expect(s.calls).toHaveLength(4); // the probe, and nothing after it
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toMatchObject({ retryAfterSeconds: 10 });
  });

  it('counts an answer such as 404 as MRS being up', async () => {
    const s = setUp([status(503), status(503), status(404), status(503), status(503), ok()], { maxAttempts: 1, breaker });
    for (let i = 0; i < 6; i += 1) await s.client.getIamSyncStatus(target, { credentials: provider() }).catch(() => undefined);
    expect(s.calls).toHaveLength(6);
  });
});
