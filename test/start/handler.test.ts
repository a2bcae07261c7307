/**
 * The start function's handler over a stub MRS client (no network): off by default; the
 * status read fresh before the POST; if_running fail/skip, and MRS's own 12000154 the same
 * way; every invalid request refused before MRS is asked; the HTTP route (JSON body, Base64
 * as FunctionGraph APIG sends it, the Idempotency-Key header, 413, 405); idempotency with
 * Powertools' semantics; the cached answers dropped after a start.
 */
import { functionParts, type FunctionParts } from '../../lib/composition/parts';
import { loadConfig } from '../../lib/config';
import { type AdapterError, IamSyncInProgress, SyncStartOutcomeUnknown, UpstreamUnavailable } from '../../lib/errors';
import { createLogger } from '../../lib/log';
import type { IamSyncRequest, IamSyncStarted, MrsClient } from '../../lib/mrs/client';
import { createStartHandler } from '../../lib/start/handler';
import { functionGraphContext, HTTP_SHAPES, type HttpShape, httpEvent } from '../fixtures/events';
import { stubMrsClient } from '../fixtures/mrs-client';

const NOW = Date.parse('2026-11-30T08:00:00.000Z');
const credentials = { get: async () => ({ accessKey: 'a', secretKey: 'b' }), renew: async () => undefined };

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

type StartReply = IamSyncStarted | AdapterError | Promise<IamSyncStarted>;

/** A start handler on a stub client: `running` is what the status read says, `reply` what the POST answers. */
function stubbedStart(
  options: { env?: Record<string, string>; running?: () => boolean; reply?: () => StartReply; now?: () => number } = {},
) {
  const posts: Array<{ clusterId: string; request: IamSyncRequest }> = [];
  const statusReads: string[] = [];
  const logs: string[] = [];
  let running = options.running ?? (() => false);
  const client: MrsClient = stubMrsClient({
    async getIamSyncStatus({ clusterId }) {
      statusReads.push(clusterId);
      return { isSynchronizing: running(), requestId: 'status-req' };
    },
    async startIamSync({ clusterId }, request) {
      posts.push({ clusterId, request });
      const reply = options.reply?.() ?? { state: 'synchronizing', requestId: 'post-req' };
      if (reply instanceof Error) throw reply;
      const answer = await reply;
      running = () => true;
      return answer;
    },
  });
  let parts: FunctionParts | undefined;
  const handler = createStartHandler(
    () => {
      const config = loadConfig({ MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p1', IAM_SYNC_START_ENABLED: 'true', ...options.env });
      parts = functionParts(config, { client, log: createLogger({ level: 'debug', write: (line) => logs.push(line) }) });
      return parts;
    },
    options.now ?? (() => NOW),
  );
  return {
    handler: handler as (event: unknown, context: unknown) => Promise<unknown>,
    posts,
    statusReads,
    logs,
    parts: () => parts as FunctionParts,
    setRunning: (value: boolean) => (running = () => value),
  };
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value: value as Record<string, unknown>, error: undefined }),
    (error: AdapterError) => ({ value: undefined, error }),
  );

/** POST /clusters/{id}/iam-sync with a JSON body, as each gateway passes it (FunctionGraph APIG Base64-encodes it). */
function postEvent(
  shape: HttpShape,
  clusterId: string,
  body: unknown,
  options: { headers?: Record<string, string>; method?: string; raw?: string } = {},
) {
  const text = options.raw ?? JSON.stringify(body);
  const event = httpEvent(shape, clusterId, {
    method: options.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
  });
  return shape === 'functiongraph-apig'
    ? { ...event, body: Buffer.from(text).toString('base64'), isBase64Encoded: true }
    : { ...event, body: text, isBase64Encoded: false };
}

describe('off unless IAM_SYNC_START_ENABLED=true', () => {
  it.each([[{}], [{ IAM_SYNC_START_ENABLED: 'false' }]])(
    'with %j a direct start answers OperationDisabled (403), and MRS is not asked',
    async (env) => {
      const s = stubbedStart({ env: { IAM_SYNC_START_ENABLED: '', ...env } });
      const { error } = await outcome(s.handler({ cluster_id: 'c1', is_all_sync: true }, functionGraphContext()));
      expect(error?.name).toBe('OperationDisabled');
      expect(error?.statusCode).toBe(403);
      expect(error?.message).toMatch(/IAM_SYNC_START_ENABLED/);
      expect(s.statusReads).toEqual([]);
      expect(s.posts).toEqual([]);
    },
  );

  it.each(HTTP_SHAPES)('over HTTP (%s) it answers 403 OperationDisabled, and MRS is not asked', async (shape) => {
    const s = stubbedStart({ env: { IAM_SYNC_START_ENABLED: 'false' } });
    const response = (await s.handler(postEvent(shape, 'c1', { is_all_sync: true }), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body).error.code).toBe('OperationDisabled');
    expect(s.statusReads).toEqual([]);
    expect(s.posts).toEqual([]);
  });
});

describe('a start', () => {
  it('reads the status fresh, posts, and answers started with the state and when', async () => {
    const s = stubbedStart();
    await expect(
      s.handler({ cluster_id: 'c1', user_names: ['alice', 'alice'], group_names: ['g1'] }, functionGraphContext()),
    ).resolves.toEqual({
      cluster_id: 'c1',
      started: true,
      state: 'synchronizing',
      started_at: '2026-11-30T08:00:00.000Z',
    });
    expect(s.statusReads).toEqual(['c1']);
    expect(s.posts).toEqual([{ clusterId: 'c1', request: { userNames: ['alice'], groupNames: ['g1'] } }]);
  });

  it('reads the status fresh even when a cached answer says idle', async () => {
    const s = stubbedStart({ env: { STATUS_CACHE_TTL_SECONDS: '300' } });
    await s.handler({ cluster_id: 'other', is_all_sync: true }, functionGraphContext());
    s.setRunning(false);
    await expect(s.parts().service.getStatus({ clusterId: 'c1' }, { credentials })).resolves.toMatchObject({ isSynchronizing: false });
    s.setRunning(true);
    await expect(s.parts().service.getStatus({ clusterId: 'c1' }, { credentials })).resolves.toMatchObject({
      isSynchronizing: false,
      cache: { status: 'hit' },
    });
    await expect(s.handler({ cluster_id: 'c1', is_all_sync: true, if_running: 'skip' }, functionGraphContext())).resolves.toMatchObject({
      started: false,
    });
    expect(s.posts.map((post) => post.clusterId)).toEqual(['other']);
  });

  it.each(HTTP_SHAPES)('over HTTP (%s): 202 with the answer, not cached', async (shape) => {
    const s = stubbedStart();
    const response = (await s.handler(postEvent(shape, 'c1', { is_all_sync: true }), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(202);
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(JSON.parse(response.body)).toEqual({
      cluster_id: 'c1',
      started: true,
      state: 'synchronizing',
      started_at: '2026-11-30T08:00:00.000Z',
    });
    expect(s.posts).toEqual([{ clusterId: 'c1', request: { isAllSync: true } }]);
  });

  it('drops the cached answers about the cluster: the next status read asks MRS and says true', async () => {
    const s = stubbedStart({ env: { STATUS_CACHE_TTL_SECONDS: '300' } });
    // Another call builds the parts; then the cache is primed with "not running".
    await s.handler({ cluster_id: 'other', is_all_sync: true }, functionGraphContext());
    s.setRunning(false);
    await expect(s.parts().service.getStatus({ clusterId: 'c1' }, { credentials })).resolves.toMatchObject({
      isSynchronizing: false,
      cache: { status: 'miss' },
    });
    await expect(s.parts().service.getStatus({ clusterId: 'c1' }, { credentials })).resolves.toMatchObject({
      isSynchronizing: false,
      cache: { status: 'hit' },
    });
    await s.handler({ cluster_id: 'c1', is_all_sync: true }, functionGraphContext());
    await expect(s.parts().service.getStatus({ clusterId: 'c1' }, { credentials })).resolves.toMatchObject({
      isSynchronizing: true,
      cache: { status: 'miss' },
    });
  });

  it('drops them after a POST whose outcome is unknown too', async () => {
    let fail = false;
    const s = stubbedStart({
      env: { STATUS_CACHE_TTL_SECONDS: '300' },
      reply: () => (fail ? new SyncStartOutcomeUnknown('went out, no answer') : { state: 'synchronizing', requestId: 'r' }),
    });
    await s.handler({ cluster_id: 'other', is_all_sync: true }, functionGraphContext());
    s.setRunning(false);
    await s.parts().service.getStatus({ clusterId: 'c1' }, { credentials });
    fail = true;
    await expect(s.handler({ cluster_id: 'c1', is_all_sync: true }, functionGraphContext())).rejects.toThrow(SyncStartOutcomeUnknown);
    // MRS did start it after all.
    s.setRunning(true);
    await expect(s.parts().service.getStatus({ clusterId: 'c1' }, { credentials })).resolves.toMatchObject({
      isSynchronizing: true,
      cache: { status: 'miss' },
    });
  });
});

describe('a sync already running', () => {
  it('if_running "fail" (the default): IamSyncInProgress (409), and no POST', async () => {
    const s = stubbedStart({ running: () => true });
    const { error } = await outcome(s.handler({ cluster_id: 'c1', is_all_sync: true }, functionGraphContext()));
    expect(error).toBeInstanceOf(IamSyncInProgress);
    expect(error?.statusCode).toBe(409);
    expect(s.posts).toEqual([]);
  });

  it('if_running "skip": started false, reason already-running, and no POST; HTTP 200', async () => {
    const s = stubbedStart({ running: () => true });
    await expect(s.handler({ cluster_id: 'c1', is_all_sync: true, if_running: 'skip' }, functionGraphContext())).resolves.toEqual({
      cluster_id: 'c1',
      started: false,
      reason: 'already-running',
    });
    const response = (await s.handler(
      postEvent('aws-http-v2', 'c1', { is_all_sync: true, if_running: 'skip' }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ cluster_id: 'c1', started: false, reason: 'already-running' });
    expect(s.posts).toEqual([]);
  });

  const fromMrs = () => new IamSyncInProgress('already running', { upstream: { httpStatus: 500, errorCode: '12000154' } });

  it('MRS\'s own 12000154 on the POST (status said idle) is IamSyncInProgress under "fail"', async () => {
    const s = stubbedStart({ reply: fromMrs });
    const { error } = await outcome(s.handler({ cluster_id: 'c1', is_all_sync: true }, functionGraphContext()));
    expect(error?.name).toBe('IamSyncInProgress');
    expect(error?.statusCode).toBe(409);
    expect(s.posts).toHaveLength(1);
  });

  it('MRS\'s own 12000154 on the POST is the skip answer under "skip"', async () => {
    const s = stubbedStart({ reply: fromMrs });
    await expect(s.handler({ cluster_id: 'c1', is_all_sync: true, if_running: 'skip' }, functionGraphContext())).resolves.toEqual({
      cluster_id: 'c1',
      started: false,
      reason: 'already-running',
    });
  });

  it('other POST failures are thrown as they are, whatever if_running says', async () => {
    const s = stubbedStart({ reply: () => new SyncStartOutcomeUnknown('went out') });
    await expect(s.handler({ cluster_id: 'c1', is_all_sync: true, if_running: 'skip' }, functionGraphContext())).rejects.toThrow(
      SyncStartOutcomeUnknown,
    );
  });
});

describe('invalid requests: InvalidRequest, and MRS is not asked', () => {
  const name = (length: number, char = 'u') => char.repeat(length);
  it.each<[string, Record<string, unknown>]>([
    ['nothing to sync', { cluster_id: 'c1' }],
    ['is_all_sync false and no names', { cluster_id: 'c1', is_all_sync: false }],
    ['empty lists', { cluster_id: 'c1', user_names: [], group_names: [] }],
    ['is_all_sync and names', { cluster_id: 'c1', is_all_sync: true, user_names: ['alice'] }],
    ['is_all_sync and a group', { cluster_id: 'c1', is_all_sync: true, group_names: ['g1'] }],
    ['is_all_sync not a boolean', { cluster_id: 'c1', is_all_sync: 'true' }],
    ['a user name of 33 characters', { cluster_id: 'c1', user_names: [name(33)] }],
    ['an empty user name', { cluster_id: 'c1', user_names: [''] }],
    ['a group name of 65 characters', { cluster_id: 'c1', group_names: [name(65, 'g')] }],
    ['an empty group name', { cluster_id: 'c1', group_names: [''] }],
    ['1001 user names', { cluster_id: 'c1', user_names: Array.from({ length: 1001 }, (_v, i) => `u${i}`) }],
    ['1001 group names', { cluster_id: 'c1', group_names: Array.from({ length: 1001 }, (_v, i) => `g${i}`) }],
    ['a number among the names', { cluster_id: 'c1', user_names: ['alice', 42] }],
    ['null among the names', { cluster_id: 'c1', group_names: [null] }],
    ['a name list that is a string', { cluster_id: 'c1', user_names: 'alice' }],
    ['a control character in a name', { cluster_id: 'c1', user_names: ['ali\nce'] }],
    ['no cluster_id', { is_all_sync: true }],
    ['an invalid cluster_id', { cluster_id: '../x', is_all_sync: true }],
    ['if_running neither fail nor skip', { cluster_id: 'c1', is_all_sync: true, if_running: 'wait' }],
    ['an idempotency key with a space', { cluster_id: 'c1', is_all_sync: true, idempotency_key: 'a b' }],
    ['an idempotency key of 257 characters', { cluster_id: 'c1', is_all_sync: true, idempotency_key: 'k'.repeat(257) }],
    ['an idempotency key that is a number', { cluster_id: 'c1', is_all_sync: true, idempotency_key: 7 }],
  ])('%s', async (_label, event) => {
    const s = stubbedStart();
    const { error } = await outcome(s.handler(event, functionGraphContext()));
    expect(error?.name).toBe('InvalidRequest');
    expect(error?.statusCode).toBe(400);
    expect(s.statusReads).toEqual([]);
    expect(s.posts).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a user name of 32 characters and a group name of 64', { user_names: [name(32)], group_names: [name(64, 'g')] }],
    [
      '1000 user names and 1000 group names',
      { user_names: Array.from({ length: 1000 }, (_v, i) => `u${i}`), group_names: Array.from({ length: 1000 }, (_v, i) => `g${i}`) },
    ],
    ['one user name alone', { user_names: ['a'] }],
    ['one group name alone, with is_all_sync false', { is_all_sync: false, group_names: ['g'] }],
  ])('accepts the limits: %s', async (_label, fields) => {
    const s = stubbedStart();
    await expect(s.handler({ cluster_id: 'c1', ...fields }, functionGraphContext())).resolves.toMatchObject({ started: true });
    expect(s.posts).toHaveLength(1);
  });
});

describe('the HTTP route', () => {
  it.each(HTTP_SHAPES)('%s: answers GET with 405 and Allow: POST, and asks MRS nothing', async (shape) => {
    const s = stubbedStart();
    const response = (await s.handler(httpEvent(shape, 'c1', { method: 'GET' }), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(405);
    expect(response.headers.Allow).toBe('POST');
    expect(JSON.parse(response.body).error.code).toBe('MethodNotAllowed');
    expect(s.statusReads).toEqual([]);
  });

  it.each(HTTP_SHAPES)('%s: refuses a body over 256 KiB with 413, unread', async (shape) => {
    const s = stubbedStart();
    const padded = JSON.stringify({ is_all_sync: true, padding: 'x'.repeat(256 * 1024) });
    const response = (await s.handler(postEvent(shape, 'c1', undefined, { raw: padded }), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body).error.code).toBe('PayloadTooLarge');
    expect(s.posts).toEqual([]);
  });

  it('reads a body just under 256 KiB (1000 names of 32 and 1000 of 64 characters fit)', async () => {
    const s = stubbedStart();
    const body = {
      user_names: Array.from({ length: 1000 }, (_v, i) => `${i}`.padStart(32, 'u')),
      group_names: Array.from({ length: 1000 }, (_v, i) => `${i}`.padStart(64, 'g')),
    };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(256 * 1024);
    const response = (await s.handler(postEvent('functiongraph-apig', 'c1', body), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(202);
  });

  it.each<[string, unknown, string | undefined]>([
    ['no body', undefined, ''],
    ['a body that is not JSON', undefined, '{is_all_sync: true'],
    ['a JSON array', ['is_all_sync'], undefined],
    ['a body naming another cluster', { cluster_id: 'c2', is_all_sync: true }, undefined],
    ['a body naming nothing to sync', {}, undefined],
  ])('answers 400 InvalidRequest for %s', async (_label, body, raw) => {
    const s = stubbedStart();
    const response = (await s.handler(
      postEvent('aws-rest-v1', 'c1', body, raw === undefined ? {} : { raw }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe('InvalidRequest');
    expect(s.posts).toEqual([]);
  });

  it('takes the Idempotency-Key header as the key: a second POST with it is a replay', async () => {
    const s = stubbedStart();
    const event = postEvent('functiongraph-apig', 'c1', { is_all_sync: true }, { headers: { 'Idempotency-Key': 'exec-1' } });
    const first = (await s.handler(event, functionGraphContext())) as HttpAnswer;
    const second = (await s.handler(event, functionGraphContext())) as HttpAnswer;
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(JSON.parse(second.body)).toEqual({ ...JSON.parse(first.body), replayed: true });
    expect(s.posts).toHaveLength(1);
    // The same key in the body of a direct call is the same request.
    await expect(
      s.handler({ cluster_id: 'c1', is_all_sync: true, idempotency_key: 'exec-1' }, functionGraphContext()),
    ).resolves.toMatchObject({ replayed: true });
    expect(s.posts).toHaveLength(1);
  });

  it('refuses a header and a body key that differ', async () => {
    const s = stubbedStart();
    const event = postEvent('aws-http-v2', 'c1', { is_all_sync: true, idempotency_key: 'a' }, { headers: { 'Idempotency-Key': 'b' } });
    const response = (await s.handler(event, functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(400);
    expect(s.posts).toEqual([]);
  });
});

describe('idempotency', () => {
  const event = (fields: Record<string, unknown> = {}) => ({
    cluster_id: 'c1',
    user_names: ['alice', 'bob'],
    idempotency_key: 'exec-1',
    ...fields,
  });

  it('a repeat with the same key and request gets the recorded result, replayed, and posts nothing more, though the sync runs', async () => {
    const s = stubbedStart();
    const first = await s.handler(event(), functionGraphContext());
    expect(s.posts).toHaveLength(1);
    // The sync it started is running now: the replay must not answer "already running".
    await expect(s.handler(event({ user_names: ['bob', 'alice'] }), functionGraphContext())).resolves.toEqual({
      ...(first as object),
      replayed: true,
    });
    expect(s.posts).toHaveLength(1);
    expect(s.statusReads).toHaveLength(1);
  });

  it('replays a skip answer as it was', async () => {
    const s = stubbedStart({ running: () => true });
    await s.handler(event({ if_running: 'skip' }), functionGraphContext());
    await expect(s.handler(event({ if_running: 'skip' }), functionGraphContext())).resolves.toEqual({
      cluster_id: 'c1',
      started: false,
      reason: 'already-running',
      replayed: true,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['other names', { user_names: ['alice'] }],
    ['a full sync', { user_names: undefined, is_all_sync: true }],
    ['another cluster', { cluster_id: 'c2' }],
    ['another if_running', { if_running: 'skip' }],
  ])('the same key with %s: IdempotencyKeyMismatch (422), nothing posted', async (_label, change) => {
    const s = stubbedStart();
    await s.handler(event(), functionGraphContext());
    const { error } = await outcome(s.handler(event(change), functionGraphContext()));
    expect(error?.name).toBe('IdempotencyKeyMismatch');
    expect(error?.statusCode).toBe(422);
    expect(s.posts).toHaveLength(1);
  });

  it('a repeat while the first is in flight: IdempotencyInProgress (409); then the first result is replayed', async () => {
    let release: (value: IamSyncStarted) => void = () => {};
    const held = new Promise<IamSyncStarted>((resolve) => (release = resolve));
    const s = stubbedStart({ reply: () => held });
    const first = s.handler(event(), functionGraphContext());
    for (let i = 0; i < 100 && s.posts.length === 0; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(s.posts).toHaveLength(1);
    const { error } = await outcome(s.handler(event(), functionGraphContext()));
    expect(error?.name).toBe('IdempotencyInProgress');
    expect(error?.statusCode).toBe(409);
    release({ state: 'synchronizing', requestId: 'late' });
    await expect(first).resolves.toMatchObject({ started: true });
    await expect(s.handler(event(), functionGraphContext())).resolves.toMatchObject({ started: true, replayed: true });
    expect(s.posts).toHaveLength(1);
  });

  it.each<[string, () => AdapterError]>([
    ['SyncStartOutcomeUnknown', () => new SyncStartOutcomeUnknown('went out')],
    ['UpstreamUnavailable', () => new UpstreamUnavailable('down')],
    ['IamSyncInProgress under "fail"', () => new IamSyncInProgress('running')],
  ])('a first call that failed (%s) leaves no record: the retry posts', async (_label, failure) => {
    let fail = true;
    const s = stubbedStart({ reply: () => (fail ? failure() : { state: 'synchronizing', requestId: 'r' }) });
    await expect(s.handler(event(), functionGraphContext())).rejects.toBeDefined();
    fail = false;
    s.setRunning(false);
    await expect(s.handler(event(), functionGraphContext())).resolves.toEqual({
      cluster_id: 'c1',
      started: true,
      state: 'synchronizing',
      started_at: expect.any(String),
    });
    expect(s.posts).toHaveLength(2);
  });

  it('without a key every call is its own: the second finds the sync running', async () => {
    const s = stubbedStart();
    await s.handler({ cluster_id: 'c1', is_all_sync: true }, functionGraphContext());
    await expect(s.handler({ cluster_id: 'c1', is_all_sync: true }, functionGraphContext())).rejects.toThrow(IamSyncInProgress);
    expect(s.posts).toHaveLength(1);
  });

  it('a record lives IDEMPOTENCY_TTL_SECONDS: with 0 it is not kept, and the repeat is a new request', async () => {
    // The store keeps time by Date.now, so the handler does too here.
    const s = stubbedStart({ env: { IDEMPOTENCY_TTL_SECONDS: '0' }, now: Date.now });
    await s.handler(event(), functionGraphContext());
    await expect(s.handler(event(), functionGraphContext())).rejects.toThrow(IamSyncInProgress);
    expect(s.posts).toHaveLength(1);
    expect(s.statusReads).toHaveLength(2);
  });

  it('different keys are different requests', async () => {
    const s = stubbedStart({ running: () => false });
    await s.handler(event(), functionGraphContext());
    s.setRunning(false);
    await expect(s.handler(event({ idempotency_key: 'exec-2' }), functionGraphContext())).resolves.toMatchObject({ started: true });
    expect(s.posts).toHaveLength(2);
  });
});
