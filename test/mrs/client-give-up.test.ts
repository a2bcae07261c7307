/**
 * The MRS client says in the log why it gave up, every time it does: one `MRS call gave up`
 * line with `give_up` (not-retryable, attempts-exhausted, deadline, breaker-open,
 * retry-budget) and the history of its attempts (`outcome` of each, `wait_ms` after each
 * wait). Breaker transitions and credential renewals are logged once each; a credential
 * source that is briefly down (UpstreamUnavailable) is retried within the attempts and is
 * not MRS failing, so the breaker does not count it.
 */
import type { Credentials } from '../../lib/credentials/types';
import {
  ClusterNotFound,
  ConfigurationError,
  UpstreamAuthFailed,
  UpstreamRejected,
  UpstreamThrottled,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../../lib/errors';
import { TransportError, type OutboundResponse } from '../../lib/huawei/transport';
import { createLogger } from '../../lib/log';
import { ok, scriptedMrsClient, status } from '../fixtures/scripted-mrs-client';
import type { MrsClientOptions } from '../../lib/mrs/client';
import { RETRY_BUDGET } from '../../lib/mrs/retry-budget';

const KEYS: Credentials = { accessKey: 'AKGIVEUP0000', secretKey: 'SKGIVEUP000000000' };
const provider = (get: Credentials = KEYS, renewed?: Credentials) => ({
  get: jest.fn(async () => get),
  renew: jest.fn(async () => renewed),
});
const target = { projectId: 'p1', clusterId: 'c1' };

type Line = Record<string, unknown> & { level: string; message: string };

/** A client on a fake clock, whose sleeps advance the clock, over a scripted transport (as in client.test.ts). */
function setUp(script: Array<OutboundResponse | Error>, overrides: Partial<MrsClientOptions> = {}) {
  const s = scriptedMrsClient(script, overrides);
  const gaveUp = () => s.lines.filter((line) => line.message === 'MRS call gave up');
  const withMessage = (prefix: string) => s.lines.filter((line) => line.message.startsWith(prefix));
  return { ...s, gaveUp, withMessage };
}

describe('MRS client: the give-up line, at the default info level', () => {
  it.each([
    ['a plain 400 (12000002)', status(400, { error_code: '12000002', error_msg: 'bad parameter' }), UpstreamRejected, 'http 400 12000002'],
    ['a 403', status(403, { error_code: 'APIGW.0302', error_msg: 'not authorized' }), UpstreamAuthFailed, 'http 403 APIGW.0302'],
    ['a 404 (no such cluster)', status(404, { error_code: 'MRS.0404', error_msg: 'no cluster' }), ClusterNotFound, 'http 404 MRS.0404'],
  ])('%s: one try, give_up not-retryable, with its outcome', async (_label, answer, type, outcome) => {
    const s = setUp([answer]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(type);
    expect(s.calls).toHaveLength(1);
    expect(s.gaveUp()).toHaveLength(1);
    expect(s.gaveUp()[0]).toMatchObject({
      level: 'warn',
      operation: 'ListClusterSyncTaskStatus',
      cluster_id: 'c1',
      give_up: 'not-retryable',
      attempts: [{ attempt: 1, outcome }],
      error: { name: new type('x').name },
    });
    expect(s.gaveUp()[0]?.attempts).toEqual([{ attempt: 1, outcome }]);
  });

  it('503 three times: give_up attempts-exhausted, every attempt and every wait in the history', async () => {
    const s = setUp([status(503)]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamUnavailable);
    expect(s.gaveUp()).toHaveLength(1);
    expect(s.gaveUp()[0]).toMatchObject({
      give_up: 'attempts-exhausted',
      error: { name: 'UpstreamUnavailable' },
      upstream: { httpStatus: 503 },
    });
    expect(s.gaveUp()[0]?.attempts).toEqual([
      { attempt: 1, outcome: 'http 503', wait_ms: 50 },
      { attempt: 2, outcome: 'http 503', wait_ms: 100 },
      { attempt: 3, outcome: 'http 503' },
    ]);
  });

  it('names each kind of failure: http with its code, timeout, network with its code', async () => {
    const s = setUp([
      status(429, { error_code: 'APIGW.0308', error_msg: 'throttled' }),
      new TransportError('timeout', 'slow'),
      new TransportError('network', 'reset', 'ECONNRESET'),
    ]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamUnavailable);
    expect(s.gaveUp()).toHaveLength(1);
    expect(s.gaveUp()[0]?.give_up).toBe('attempts-exhausted');
    expect(s.gaveUp()[0]?.attempts).toEqual([
      { attempt: 1, outcome: 'http 429 APIGW.0308', wait_ms: 250 },
      { attempt: 2, outcome: 'timeout', wait_ms: 100 },
      { attempt: 3, outcome: 'network ECONNRESET' },
    ]);
  });

  it('no time left before the first attempt: give_up deadline, nothing sent, no history', async () => {
    const s = setUp([ok()]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider(), deadlineAt: s.now() })).rejects.toThrow(UpstreamTimeout);
    expect(s.calls).toHaveLength(0);
    expect(s.gaveUp()).toHaveLength(1);
    expect(s.gaveUp()[0]).toMatchObject({ give_up: 'deadline', attempts: [], error: { name: 'UpstreamTimeout' } });
  });

  it('no time for the next wait: give_up deadline after the attempt, without a wait', async () => {
    const s = setUp([status(429, {}, { 'retry-after': '3' })]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider(), deadlineAt: s.now() + 2000 })).rejects.toThrow(
      UpstreamThrottled,
    );
    expect(s.sleeps).toEqual([]);
    expect(s.gaveUp()).toHaveLength(1);
    expect(s.gaveUp()[0]).toMatchObject({ give_up: 'deadline', error: { name: 'UpstreamThrottled' } });
    expect(s.gaveUp()[0]?.attempts).toEqual([{ attempt: 1, outcome: 'http 429' }]);
  });

  it('the breaker refuses: give_up breaker-open, nothing sent', async () => {
    const s = setUp([status(503)], { maxAttempts: 1, breaker: { failureThreshold: 2, cooldownMs: 10_000 } });
    for (let i = 0; i < 2; i += 1)
      await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamUnavailable);
    expect(s.gaveUp().map((line) => line.give_up)).toEqual(['attempts-exhausted', 'attempts-exhausted']);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamUnavailable);
    expect(s.calls).toHaveLength(2);
    expect(s.gaveUp()).toHaveLength(3);
    expect(s.gaveUp()[2]).toMatchObject({ give_up: 'breaker-open', attempts: [], error: { name: 'UpstreamUnavailable' } });
  });

  it('the breaker opens between attempts: give_up breaker-open, with the attempt that opened it', async () => {
    const s = setUp([status(503)], { breaker: { failureThreshold: 1, cooldownMs: 10_000 } });
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamUnavailable);
    expect(s.calls).toHaveLength(1);
    expect(s.gaveUp()).toHaveLength(1);
    expect(s.gaveUp()[0]?.give_up).toBe('breaker-open');
    expect(s.gaveUp()[0]?.attempts).toEqual([{ attempt: 1, outcome: 'http 503' }]);
  });

  it('the retry budget runs dry: give_up retry-budget, once it cannot pay for a retry', async () => {
    const s = setUp([status(503)], { breaker: { failureThreshold: 1_000_000, cooldownMs: 1 } });
    // Each failing call spends two retries; the budget pays for this many calls.
    const paidCalls = RETRY_BUDGET.capacity / (2 * RETRY_BUDGET.retryCost);
    for (let i = 0; i < paidCalls + 2; i += 1) await s.client.getIamSyncStatus(target, { credentials: provider() }).catch(() => undefined);
    const reasons = s.gaveUp().map((line) => line.give_up);
    expect(reasons).toHaveLength(paidCalls + 2);
    expect(reasons.slice(0, paidCalls).every((reason) => reason === 'attempts-exhausted')).toBe(true);
    expect(reasons.slice(paidCalls)).toEqual(['retry-budget', 'retry-budget']);
    expect(s.gaveUp()[paidCalls]?.attempts).toEqual([{ attempt: 1, outcome: 'http 503' }]);
  });

  it('logs nothing of the kind when the call succeeds, even after retries; then once per later give-up', async () => {
    const s = setUp([status(503), ok(), status(400, { error_code: '12000002' })]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).resolves.toMatchObject({ isSynchronizing: true });
    expect(s.gaveUp()).toHaveLength(0);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamRejected);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamRejected);
    expect(s.gaveUp().map((line) => line.give_up)).toEqual(['not-retryable', 'not-retryable']);
  });

  it("logs on the call's own logger when it brings one", async () => {
    const s = setUp([status(400, { error_code: '12000002' })]);
    const own: Line[] = [];
    const log = createLogger({ level: 'info', write: (line) => own.push(JSON.parse(line) as Line), fields: { request_id: 'inv-1' } });
    await expect(s.client.getIamSyncStatus(target, { credentials: provider(), log })).rejects.toThrow(UpstreamRejected);
    expect(own.filter((line) => line.message === 'MRS call gave up')).toEqual([
      expect.objectContaining({ request_id: 'inv-1', give_up: 'not-retryable' }),
    ]);
    expect(s.gaveUp()).toHaveLength(0);
  });
});

describe('MRS client: breaker transitions and renewals, logged once each', () => {
  it('logs the breaker opening once and closing once, however many calls it refuses meanwhile', async () => {
    const s = setUp([status(503), status(503), status(503), ok()], {
      maxAttempts: 1,
      breaker: { failureThreshold: 3, cooldownMs: 10_000 },
    });
    for (let i = 0; i < 3; i += 1) await s.client.getIamSyncStatus(target, { credentials: provider() }).catch(() => undefined);
    expect(s.withMessage('MRS circuit breaker opened')).toHaveLength(1);
    expect(s.withMessage('MRS circuit breaker opened')[0]).toMatchObject({ level: 'warn', from: 'closed' });
    for (let i = 0; i < 4; i += 1) await s.client.getIamSyncStatus(target, { credentials: provider() }).catch(() => undefined);
    expect(s.withMessage('MRS circuit breaker opened')).toHaveLength(1);
    expect(s.withMessage('MRS circuit breaker closed')).toHaveLength(0);
    s.advance(10_000);
    for (let i = 0; i < 3; i += 1)
      await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).resolves.toMatchObject({ isSynchronizing: true });
    expect(s.withMessage('MRS circuit breaker opened')).toHaveLength(1);
    expect(s.withMessage('MRS circuit breaker closed')).toHaveLength(1);
    expect(s.withMessage('MRS circuit breaker closed')[0]).toMatchObject({ level: 'info' });
  });

  it('never logs a transition while MRS answers normally', async () => {
    const s = setUp([ok(), status(404), ok()]);
    for (let i = 0; i < 3; i += 1) await s.client.getIamSyncStatus(target, { credentials: provider() }).catch(() => undefined);
    expect(s.withMessage('MRS circuit breaker')).toHaveLength(0);
  });

  it('logs a credential renewal after a 401 once', async () => {
    const renewed = { ...KEYS, accessKey: 'AKRENEWED000', securityToken: 'NEW' };
    const credentials = provider({ ...KEYS, securityToken: 'OLD' }, renewed);
    const s = setUp([status(401, { error_code: 'APIGW.0301', error_msg: 'token expired' }), ok()]);
    await expect(s.client.getIamSyncStatus(target, { credentials })).resolves.toMatchObject({ isSynchronizing: true });
    expect(s.withMessage('credentials renewed')).toHaveLength(1);
    expect(s.withMessage('credentials renewed')[0]).toMatchObject({ level: 'info', operation: 'ListClusterSyncTaskStatus' });
    expect(s.gaveUp()).toHaveLength(0);
  });

  it('logs one renewal even when MRS goes on refusing; the give-up says not-retryable', async () => {
    const credentials = provider(KEYS, { ...KEYS, accessKey: 'AKRENEWED000' });
    const s = setUp([status(401, { error_code: 'APIGW.0301' })]);
    await expect(s.client.getIamSyncStatus(target, { credentials })).rejects.toThrow(UpstreamAuthFailed);
    expect(s.withMessage('credentials renewed')).toHaveLength(1);
    expect(s.gaveUp()).toHaveLength(1);
    expect(s.gaveUp()[0]).toMatchObject({ give_up: 'not-retryable' });
    expect(s.gaveUp()[0]?.attempts).toEqual([
      { attempt: 1, outcome: 'http 401 APIGW.0301' },
      { attempt: 1, outcome: 'http 401 APIGW.0301' },
    ]);
  });

  it('logs no renewal when the source has nothing newer', async () => {
    const s = setUp([status(401, { error_code: 'APIGW.0301' })]);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).rejects.toThrow(UpstreamAuthFailed);
    expect(s.withMessage('credentials renewed')).toHaveLength(0);
  });
});

describe('MRS client: a credential source that is briefly down', () => {
  const metadataDown = () =>
    new UpstreamUnavailable("The ECS metadata service, asked for the node agency's credentials, answered HTTP 503.");

  it('is asked again on the next attempt, within the attempt count, and the call succeeds', async () => {
    const get = jest
      .fn<Promise<Credentials>, []>()
      .mockRejectedValueOnce(metadataDown())
      .mockRejectedValueOnce(metadataDown())
      .mockResolvedValue(KEYS);
    const s = setUp([ok()]);
    await expect(s.client.getIamSyncStatus(target, { credentials: { get, renew: jest.fn() } })).resolves.toMatchObject({
      isSynchronizing: true,
    });
    expect(get).toHaveBeenCalledTimes(3);
    expect(s.calls).toHaveLength(1);
    expect(s.sleeps).toEqual([50, 100]);
    expect(s.gaveUp()).toHaveLength(0);
  });

  it('down for every attempt: attempts-exhausted, each outcome "credentials UpstreamUnavailable", nothing sent', async () => {
    const get = jest.fn<Promise<Credentials>, []>().mockRejectedValue(metadataDown());
    const s = setUp([ok()]);
    await expect(s.client.getIamSyncStatus(target, { credentials: { get, renew: jest.fn() } })).rejects.toThrow(UpstreamUnavailable);
    expect(get).toHaveBeenCalledTimes(3);
    expect(s.calls).toHaveLength(0);
    expect(s.gaveUp()).toHaveLength(1);
    expect(s.gaveUp()[0]).toMatchObject({ give_up: 'attempts-exhausted', error: { name: 'UpstreamUnavailable' } });
    expect(s.gaveUp()[0]?.attempts).toEqual([
      { attempt: 1, outcome: 'credentials UpstreamUnavailable', wait_ms: 50 },
      { attempt: 2, outcome: 'credentials UpstreamUnavailable', wait_ms: 100 },
      { attempt: 3, outcome: 'credentials UpstreamUnavailable' },
    ]);
  });

  it('does not count against the breaker: MRS is still asked as soon as credentials come back', async () => {
    const s = setUp([ok()], { maxAttempts: 3, breaker: { failureThreshold: 2, cooldownMs: 10_000 } });
    const down = { get: jest.fn<Promise<Credentials>, []>().mockRejectedValue(metadataDown()), renew: jest.fn() };
    for (let i = 0; i < 3; i += 1)
      await expect(s.client.getIamSyncStatus(target, { credentials: down })).rejects.toThrow(UpstreamUnavailable);
    expect(down.get).toHaveBeenCalledTimes(9);
    expect(s.gaveUp().map((line) => line.give_up)).toEqual(['attempts-exhausted', 'attempts-exhausted', 'attempts-exhausted']);
    expect(s.withMessage('MRS circuit breaker opened')).toHaveLength(0);
    await expect(s.client.getIamSyncStatus(target, { credentials: provider() })).resolves.toMatchObject({ isSynchronizing: true });
    expect(s.calls).toHaveLength(1);
  });

  it('a configuration error from the source is not retried', async () => {
    const get = jest.fn<Promise<Credentials>, []>().mockRejectedValue(new ConfigurationError('no agency'));
    const s = setUp([ok()]);
    await expect(s.client.getIamSyncStatus(target, { credentials: { get, renew: jest.fn() } })).rejects.toThrow(ConfigurationError);
    expect(get).toHaveBeenCalledTimes(1);
    expect(s.gaveUp()[0]).toMatchObject({
      give_up: 'not-retryable',
      attempts: [{ attempt: 1, outcome: 'credentials ConfigurationError' }],
    });
  });
});
