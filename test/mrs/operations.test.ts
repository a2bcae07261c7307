/**
 * The IAM-sync operations on the MRS client's retry engine, over a scripted transport: the
 * reads (ListClusterSyncStatus, ShowSyncIamUser) are retried like the status; the start
 * (UpdateSyncIamUser, a POST that is not idempotent) is sent again only when MRS provably
 * did not act (429, the gateway's throttling code, a connection refused before sending), and
 * otherwise answers SyncStartOutcomeUnknown after exactly one request.
 */
import type { Credentials } from '../../lib/credentials/types';
import {
  ClusterNotFound,
  IamSyncInProgress,
  SyncStartOutcomeUnknown,
  UpstreamRejected,
  UpstreamThrottled,
  UpstreamUnavailable,
} from '../../lib/errors';
import { type OutboundResponse, TransportError } from '../../lib/huawei/transport';
import { scriptedMrsClient } from '../fixtures/scripted-mrs-client';
import type { MrsClientOptions } from '../../lib/mrs/client';

const KEYS: Credentials = { accessKey: 'AKOPERATIONS0001', secretKey: 'SKOPERATIONS000000000001' };
const provider = () => ({ get: async () => KEYS, renew: jest.fn(async () => undefined) });
const target = { projectId: 'p1', clusterId: 'c1' };
const json = (code: number, body: unknown, headers: Record<string, string> = {}): OutboundResponse => ({
  status: code,
  headers: { 'x-request-id': 'req-0001', ...headers },
  body: JSON.stringify(body),
});
const started = () => json(202, { state: 'synchronizing' });
const refused = () => new TransportError('network', 'connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED', false);
const unresolvable = () => new TransportError('network', 'getaddrinfo ENOTFOUND mrs', 'ENOTFOUND', false);

/** A client on a fake clock whose sleeps advance it, over a transport that answers from `script` in order (the last repeats). */
function setUp(script: Array<OutboundResponse | Error>, overrides: Partial<MrsClientOptions> = {}) {
  const { client, requests, sleeps, lines } = scriptedMrsClient(
    script,
    { breaker: { failureThreshold: 100, cooldownMs: 10_000 }, ...overrides },
    { clock: 5_000_000, level: 'debug' },
  );
  return { client, calls: requests, sleeps, lines };
}

const startAll = (s: ReturnType<typeof setUp>) => s.client.startIamSync(target, { isAllSync: true }, { credentials: provider() });
const outcome = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as Error }),
  );

describe('UpdateSyncIamUser: the request', () => {
  it('POSTs the JSON body, signed, to .../iam-sync-user and reads state and request id from the 202', async () => {
    const s = setUp([started()]);
    await expect(s.client.startIamSync(target, { userNames: ['alice'], groupNames: ['g1'] }, { credentials: provider() })).resolves.toEqual(
      {
        state: 'synchronizing',
        requestId: 'req-0001',
      },
    );
    expect(s.calls).toHaveLength(1);
    const [request] = s.calls;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe('https://mrs.cn-north-4.myhuaweicloud.com/v2/p1/clusters/c1/iam-sync-user');
    expect(JSON.parse(request?.body ?? '')).toEqual({ user_names: ['alice'], group_names: ['g1'] });
    expect(request?.headers.Authorization).toMatch(/^SDK-HMAC-SHA256 Access=AKOPERATIONS0001, /);
  });

  it('sends is_all_sync alone for a full sync', async () => {
    const s = setUp([started()]);
    await startAll(s);
    expect(JSON.parse(s.calls[0]?.body ?? '')).toEqual({ is_all_sync: true });
  });
});

describe('UpdateSyncIamUser: retried only when MRS provably did not act', () => {
  it.each([
    ['429', () => json(429, { error_code: 'APIG.0308', error_msg: 'slow down' }, { 'retry-after': '0' })],
    ['the gateway throttling code APIGW.0308 (on a 503)', () => json(503, { error_code: 'APIGW.0308', error_msg: 'throttled' })],
    ['the gateway throttling code APIGW.0308 (on a 500)', () => json(500, { error_code: 'APIGW.0308', error_msg: 'throttled' })],
    ['a connection refused before sending', refused],
    ['a host that did not resolve', unresolvable],
  ])('retries %s and starts the sync on the next attempt', async (_label, failure) => {
    const s = setUp([failure(), started()]);
    await expect(startAll(s)).resolves.toMatchObject({ state: 'synchronizing' });
    expect(s.calls).toHaveLength(2);
    expect(s.sleeps).toHaveLength(1);
  });

  it('gives up on repeated throttling with UpstreamThrottled (nothing was sent to MRS), not SyncStartOutcomeUnknown', async () => {
    const s = setUp([json(429, {}, { 'retry-after': '0' })]);
    await expect(startAll(s)).rejects.toThrow(UpstreamThrottled);
    expect(s.calls).toHaveLength(3);
  });

  it('gives up on repeated refusals with UpstreamUnavailable (nothing was sent), after the attempt limit', async () => {
    const s = setUp([refused()]);
    const { error } = await outcome(startAll(s));
    expect(error).toBeInstanceOf(UpstreamUnavailable);
    expect(error).not.toBeInstanceOf(SyncStartOutcomeUnknown);
    expect(s.calls).toHaveLength(3);
  });

  it.each([
    ['a timeout', () => new TransportError('timeout', 'no complete answer within 3000 ms')],
    [
      'a reset in the middle of the answer',
      () => new TransportError('network', 'connection closed in the middle of the answer', 'ECONNRESET'),
    ],
    ['a reset (socket hang up) after sending', () => new TransportError('network', 'socket hang up', 'ECONNRESET')],
    ['HTTP 500', () => json(500, { error_code: 'MRS.0001', error_msg: 'internal' })],
    ['HTTP 502', () => json(502, { error_code: 'APIGW.0201', error_msg: 'bad gateway' })],
    ['HTTP 503', () => json(503, { error_code: 'MRS.0503', error_msg: 'unavailable' })],
    ['a 202 without a state', () => json(202, {})],
  ])('after %s once the request went out: exactly one request and SyncStartOutcomeUnknown', async (_label, failure) => {
    const s = setUp([failure(), started()]);
    const { error } = await outcome(startAll(s));
    expect(error).toBeInstanceOf(SyncStartOutcomeUnknown);
    expect(error?.name).toBe('SyncStartOutcomeUnknown');
    expect((error as SyncStartOutcomeUnknown).statusCode).toBe(502);
    expect(error?.message).toMatch(/read the cluster's IAM sync status before starting another/);
    expect(error?.message).toMatch(/not sent again/);
    expect(s.calls).toHaveLength(1);
    expect(s.sleeps).toEqual([]);
    const gaveUp = s.lines.find((line) => line.message === 'MRS call gave up');
    expect(gaveUp).toMatchObject({ operation: 'UpdateSyncIamUser', give_up: 'not-retryable', error: { name: 'SyncStartOutcomeUnknown' } });
  });

  it('a throttled attempt, then a 503 after sending: two requests, then SyncStartOutcomeUnknown', async () => {
    const s = setUp([json(429, {}, { 'retry-after': '0' }), json(503, {}), started()]);
    await expect(startAll(s)).rejects.toThrow(SyncStartOutcomeUnknown);
    expect(s.calls).toHaveLength(2);
  });

  it("MRS's 500 with 12000154 is IamSyncInProgress (409), after one request", async () => {
    const s = setUp([json(500, { error_code: '12000154', error_msg: 'The cluster is synchronizing.' }), started()]);
    const { error } = await outcome(startAll(s));
    expect(error).toBeInstanceOf(IamSyncInProgress);
    expect((error as IamSyncInProgress).statusCode).toBe(409);
    expect(error?.message).toContain('MRS error_code 12000154');
    expect(s.calls).toHaveLength(1);
  });

  it.each([
    ['404: no such cluster', json(404, { error_code: '12000003', error_msg: 'no cluster' }), ClusterNotFound],
    ['400: rejected', json(400, { error_code: '12000002', error_msg: 'bad' }), UpstreamRejected],
  ])('maps %s as any operation does, after one request', async (_label, answer, type) => {
    const s = setUp([answer, started()]);
    await expect(startAll(s)).rejects.toThrow(type);
    expect(s.calls).toHaveLength(1);
  });
});

describe('the reads are retried as before', () => {
  it.each([
    ['503', () => json(503, {})],
    ['500', () => json(500, {})],
    ['a timeout', () => new TransportError('timeout', 'slow')],
    ['a reset', () => new TransportError('network', 'reset', 'ECONNRESET')],
  ])('ListClusterSyncStatus retries %s and answers is_synchronous', async (_label, failure) => {
    const s = setUp([failure(), json(200, { is_synchronous: true })]);
    await expect(s.client.getIamSyncCompletion(target, { credentials: provider() })).resolves.toEqual({
      isSynchronous: true,
      requestId: 'req-0001',
    });
    expect(s.calls).toHaveLength(2);
    expect(s.calls.every((call) => call.method === 'GET' && call.url.pathname === '/v2/p1/clusters/c1/iam-sync/is-synchronous')).toBe(true);
  });

  it.each([
    ['503', () => json(503, {})],
    ['a timeout', () => new TransportError('timeout', 'slow')],
  ])('ShowSyncIamUser retries %s and answers the names', async (_label, failure) => {
    const s = setUp([failure(), failure(), json(200, { user_names: ['alice'], group_names: ['g1', 'g2'] })]);
    await expect(s.client.getSyncedNames(target, { credentials: provider() })).resolves.toEqual({
      userNames: ['alice'],
      groupNames: ['g1', 'g2'],
      requestId: 'req-0001',
    });
    expect(s.calls).toHaveLength(3);
    expect(s.calls.every((call) => call.method === 'GET' && call.url.pathname === '/v2/p1/clusters/c1/iam-sync-user')).toBe(true);
  });

  it('a read that keeps failing ends as the transient error itself, never SyncStartOutcomeUnknown', async () => {
    const s = setUp([json(503, {})]);
    const { error } = await outcome(s.client.getIamSyncCompletion(target, { credentials: provider() }));
    expect(error).toBeInstanceOf(UpstreamUnavailable);
    expect(error).not.toBeInstanceOf(SyncStartOutcomeUnknown);
    expect(s.calls).toHaveLength(3);
  });

  it.each([
    ['is_synchronous missing', () => json(200, {})],
    ['user_names not a list of strings', () => json(200, { user_names: [1], group_names: [] })],
  ])('reads strictly: %s is UpstreamUnavailable', async (label, answer) => {
    const s = setUp([answer()]);
    const read = label.startsWith('is_')
      ? s.client.getIamSyncCompletion(target, { credentials: provider() })
      : s.client.getSyncedNames(target, { credentials: provider() });
    await expect(read).rejects.toThrow(UpstreamUnavailable);
  });
});
