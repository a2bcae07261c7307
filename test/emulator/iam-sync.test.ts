/**
 * The emulator's IAM-sync lifecycle, through real HTTP signed with sdk-core's own signer:
 * ListClusterSyncTaskStatus, ListClusterSyncStatus, ShowSyncIamUser, UpdateSyncIamUser and
 * CancelSyncIamUser, the sync's end on the emulator's injected clock (and, once, in wall
 * time), and the admin API that drives them.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../emulator/server';
import { json, type Reply, send } from '../fixtures/http-client';
import { jsonBody, sdkSign } from './helpers';

const PROJECT = 'aaaabbbbccccdddd0000111122223333';
const KEY = { accessKey: 'IAMSYNCTESTAK0000001', secretKey: 'iam-sync-test-secret' };
const DURATION_MS = 60_000;
const STATUS_ROUTE = '/v2/{project_id}/clusters/{cluster_id}/iam-sync';
/** What sdk-core sends with a JSON body. */
const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
const IN_PROGRESS = (id: string) => ({
  error_code: '12000154',
  error_msg: `IAM synchronization is in progress and cannot be triggered again in the same cluster. Cluster ID: ${id}`,
});
const INVALID = { error_code: '12000002', error_msg: 'The parameter is invalid.' };

/** The emulator's clock: near the real one, since X-Sdk-Date is signed in real time and must be within 15 minutes. */
let clock = Date.now();
let emulator: Emulator;

function options(overrides: Partial<EmulatorOptions> = {}): EmulatorOptions {
  return {
    projectId: PROJECT,
    credentials: [KEY],
    clusters: { 'c-idle': false, 'c-other': false },
    now: () => clock,
    iamSync: { durationMs: DURATION_MS, iamUsers: ['alice', 'bob'], iamGroups: ['analysts'] },
    ...overrides,
  };
}

beforeEach(async () => {
  clock = Date.now();
  emulator = await startEmulator(options());
});
afterEach(() => emulator.close());

interface CallOptions {
  method?: string;
  clusterId?: string;
  /** Signed as sdk-core signs a JSON body, and sent as JSON.stringify(data). */
  data?: unknown;
  /** Sent and signed as it is, instead of `data` (the way a client that signs its own bytes does). */
  text?: string;
  /** Sent instead of what was signed. */
  tampered?: string;
  contentType?: string;
  on?: Emulator;
}

/** A request the way sdk-core makes it: Content-Type and X-Project-Id signed along. */
function mrs(suffix: string, o: CallOptions = {}): Promise<Reply> {
  const target = o.on ?? emulator;
  const url = `${target.url}/v2/${PROJECT}/clusters/${o.clusterId ?? 'c-idle'}/${suffix}`;
  const method = o.method ?? 'GET';
  const signed: Record<string, string> = { 'Content-Type': o.contentType ?? JSON_CONTENT_TYPE, 'X-Project-Id': PROJECT };
  // sdk-core signs the hash this header gives instead of hashing `data`; the emulator still hashes the bytes it receives.
  if (o.text !== undefined) signed['X-Sdk-Content-Sha256'] = createHash('sha256').update(o.text).digest('hex');
  const headers = sdkSign(url, { ...KEY, method, data: o.data, headers: signed });
  const body = o.tampered ?? o.text ?? (o.data === undefined ? undefined : jsonBody(o.data));
  // Content-Length by hand: node's client sends a DELETE's body without one (and without chunking), which no server can frame.
  return send(url, {
    method,
    headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) },
    ...(body === undefined ? {} : { body }),
  });
}

const startSync = (data: unknown, o: CallOptions = {}) => mrs('iam-sync-user', { method: 'POST', data, ...o });
const cancelSync = (data: unknown, o: CallOptions = {}) => mrs('iam-sync-user', { method: 'DELETE', data, ...o });
const isSynchronizing = async (o: CallOptions = {}) => json(await mrs('iam-sync', o));
const isSynchronous = async (o: CallOptions = {}) => json(await mrs('iam-sync/is-synchronous', o));
const syncedNames = async (o: CallOptions = {}) => json(await mrs('iam-sync-user', o));

function admin(method: string, path: string, body?: unknown): Promise<Reply> {
  return send(`${emulator.url}/_emulator${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

function expectAccepted(reply: Reply): void {
  expect(reply.status).toBe(202);
  expect(reply.headers['content-type']).toBe('application/json');
  expect(json(reply)).toEqual({ state: 'synchronizing' });
}

describe('a cluster that never synced', () => {
  it('is not synchronizing, not synchronous, and has no synced users or groups', async () => {
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
    const synchronous = await mrs('iam-sync/is-synchronous');
    expect(synchronous.status).toBe(200);
    expect(json(synchronous)).toEqual({ is_synchronous: false });
    const names = await mrs('iam-sync-user');
    expect(names.status).toBe(200);
    expect(json(names)).toEqual({ user_names: [], group_names: [] });
  });
});

describe('POST .../iam-sync-user (UpdateSyncIamUser)', () => {
  it('answers 202, runs for the configured time on the emulator clock, then the cluster is synchronous with every known user and group', async () => {
    expectAccepted(await startSync({ is_all_sync: true }));
    expect(await isSynchronizing()).toEqual({ is_synchronizing: true });
    // Nothing is applied before the end.
    expect(await isSynchronous()).toEqual({ is_synchronous: false });
    expect(await syncedNames()).toEqual({ user_names: [], group_names: [] });

    clock += DURATION_MS - 1;
    expect(await isSynchronizing()).toEqual({ is_synchronizing: true });
    clock += 1;
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
    expect(await isSynchronous()).toEqual({ is_synchronous: true });
    expect(await syncedNames()).toEqual({ user_names: ['alice', 'bob'], group_names: ['analysts'] });
    // Only this cluster.
    expect(await isSynchronous({ clusterId: 'c-other' })).toEqual({ is_synchronous: false });
  });

  it('refuses a second sync while one runs: HTTP 500 12000154 naming the cluster; another cluster may start', async () => {
    expectAccepted(await startSync({ is_all_sync: true }));
    const again = await startSync({ user_names: ['carol'] });
    expect(again.status).toBe(500);
    expect(json(again)).toEqual(IN_PROGRESS('c-idle'));
    expectAccepted(await startSync({ is_all_sync: true }, { clusterId: 'c-other' }));

    clock += DURATION_MS;
    // The refused sync's names were never added; a new sync may start now.
    expect(await syncedNames()).toEqual({ user_names: ['alice', 'bob'], group_names: ['analysts'] });
    expectAccepted(await startSync({ user_names: ['carol'] }));
  });

  it('adds named users and groups to those already synced, unknown names included, each once', async () => {
    expectAccepted(await startSync({ user_names: ['alice', 'stranger', 'alice'], group_names: ['no-such-group'] }));
    clock += DURATION_MS;
    expect(await syncedNames()).toEqual({ user_names: ['alice', 'stranger'], group_names: ['no-such-group'] });
    expectAccepted(await startSync({ is_all_sync: true, user_names: ['dave'] }));
    clock += DURATION_MS;
    expect(await syncedNames()).toEqual({ user_names: ['alice', 'stranger', 'bob', 'dave'], group_names: ['no-such-group', 'analysts'] });
  });

  it('accepts a body naming nothing: the sync adds nothing but leaves the cluster synchronous', async () => {
    expectAccepted(await startSync({}));
    expect(await isSynchronizing()).toEqual({ is_synchronizing: true });
    clock += DURATION_MS;
    expect(await isSynchronous()).toEqual({ is_synchronous: true });
    expect(await syncedNames()).toEqual({ user_names: [], group_names: [] });
  });

  it.each<[string, CallOptions]>([
    ['a body that is not JSON', { text: '{is_all_sync: true' }],
    ['no body at all', { text: '' }],
    ['JSON null', { text: 'null' }],
    ['a JSON array', { data: [{ is_all_sync: true }] }],
    ['a JSON string', { data: 'is_all_sync' }],
    ['is_all_sync as a string', { data: { is_all_sync: 'true' } }],
    ['is_all_sync null', { data: { is_all_sync: null } }],
    ['user_names as a string', { data: { user_names: 'alice' } }],
    ['a number among user_names', { data: { user_names: ['alice', 7] } }],
    ['an empty group name', { data: { group_names: [''] } }],
    ['1001 user names', { data: { user_names: Array.from({ length: 1001 }, (_, i) => `u${i}`) } }],
    ['a text/plain content type', { data: { is_all_sync: true }, contentType: 'text/plain' }],
  ])('answers 400 12000002 to %s, and starts nothing', async (_label, o) => {
    const reply = await mrs('iam-sync-user', { method: 'POST', ...o });
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual(INVALID);
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
    expect(emulator.requests[0].verification.ok).toBe(true);
  });

  it('checks the cluster before the body: an unknown cluster -> 400 12000003', async () => {
    const reply = await startSync('not an object', { clusterId: 'c-missing' });
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual({ error_code: '12000003', error_msg: 'The cluster does not exist.' });
  });
});

describe('the signature covers the JSON body', () => {
  it('accepts the body sdk-core signed (the hash of JSON.stringify(data))', async () => {
    expectAccepted(await startSync({ is_all_sync: false, user_names: ['alice'] }));
    expect(emulator.requests[0].verification).toEqual({ ok: true, accessKey: KEY.accessKey });
  });

  it.each([
    ['POST', '{"is_all_sync":true}'],
    ['DELETE', '{"user_names":["bob"]}'],
  ])('refuses a %s whose body was changed after signing: 401 APIGW.0301, and nothing changes', async (method, tampered) => {
    await emulator.iamSync.patch('c-idle', { userNames: ['alice', 'bob'] });
    const reply = await mrs('iam-sync-user', { method, data: { user_names: ['alice'] }, tampered });
    expect(reply.status).toBe(401);
    expect(json(reply)).toMatchObject({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
    });
    expect(emulator.requests[0].verification).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
    expect(await syncedNames()).toEqual({ user_names: ['alice', 'bob'], group_names: [] });
  });

  it('refuses a body other than the one whose hash X-Sdk-Content-Sha256 declares (the header does not stand in for the body)', async () => {
    const reply = await mrs('iam-sync-user', { method: 'POST', text: '{"user_names":["alice"]}', tampered: '{"is_all_sync":true}' });
    expect(reply.status).toBe(401);
    expect(emulator.requests[0].verification).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
  });

  it('refuses a body sent with a signature made without one', async () => {
    const reply = await mrs('iam-sync-user', { method: 'POST', data: undefined, tampered: '{"is_all_sync":true}' });
    expect(reply.status).toBe(401);
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
  });
});

describe('DELETE .../iam-sync-user (CancelSyncIamUser)', () => {
  it('removes the named users and groups at once, answers 202, and starts no sync', async () => {
    emulator.iamSync.patch('c-idle', { userNames: ['alice', 'bob', 'carol'], groupNames: ['analysts', 'admins'] });
    expectAccepted(await cancelSync({ user_names: ['bob', 'nobody'], group_names: ['admins'] }));
    expect(await syncedNames()).toEqual({ user_names: ['alice', 'carol'], group_names: ['analysts'] });
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
  });

  it('is not refused during a sync, and does not end it', async () => {
    emulator.iamSync.patch('c-idle', { userNames: ['carol'] });
    expectAccepted(await startSync({ user_names: ['alice'] }));
    expectAccepted(await cancelSync({ user_names: ['carol'] }));
    expect(await isSynchronizing()).toEqual({ is_synchronizing: true });
    clock += DURATION_MS;
    expect(await syncedNames()).toEqual({ user_names: ['alice'], group_names: [] });
  });

  it.each<[string, CallOptions]>([
    ['a body that is not JSON', { text: 'user_names=bob' }],
    ['group_names as an object', { data: { group_names: { admins: true } } }],
  ])('answers 400 12000002 to %s', async (_label, o) => {
    emulator.iamSync.patch('c-idle', { userNames: ['bob'] });
    const reply = await mrs('iam-sync-user', { method: 'DELETE', ...o });
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual(INVALID);
    expect(await syncedNames()).toEqual({ user_names: ['bob'], group_names: [] });
  });
});

describe('routing of the IAM-sync APIs', () => {
  it.each([
    ['POST', 'iam-sync/is-synchronous'],
    ['PUT', 'iam-sync-user'],
    ['DELETE', 'iam-sync'],
  ])('%s .../%s -> 404 APIGW.0101 "The API does not exist."', async (method, suffix) => {
    const reply = await mrs(suffix, { method, data: {} });
    expect(reply.status).toBe(404);
    expect(json(reply)).toMatchObject({ error_code: 'APIGW.0101', error_msg: 'The API does not exist.' });
  });

  it.each(['iam-sync/is-synchronous', 'iam-sync-user'])('GET .../%s for an unknown cluster -> 400 12000003', async (suffix) => {
    const reply = await mrs(suffix, { clusterId: 'c-missing' });
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual({ error_code: '12000003', error_msg: 'The cluster does not exist.' });
  });

  it('queued faults for a cluster apply to the new routes too', async () => {
    emulator.injectFault({ kind: 'status', status: 503 }, { clusterId: 'c-idle' });
    expect((await startSync({ is_all_sync: true })).status).toBe(503);
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
  });
});

describe('the sync duration', () => {
  it('is 10 s by default', async () => {
    const plain = await startEmulator({ ...options(), iamSync: undefined });
    try {
      expectAccepted(await startSync({ is_all_sync: true }, { on: plain }));
      clock += 9_999;
      expect(await isSynchronizing({ on: plain })).toEqual({ is_synchronizing: true });
      clock += 1;
      expect(await isSynchronizing({ on: plain })).toEqual({ is_synchronizing: false });
      // The demo's IAM users and groups.
      expect(await syncedNames({ on: plain })).toEqual({
        user_names: ['demo-user-alice', 'demo-user-bob'],
        group_names: ['demo-group-analysts', 'demo-group-admins'],
      });
    } finally {
      await plain.close();
    }
  });

  it('PUT /_emulator/iam-sync sets it for every cluster; it applies to syncs started afterwards', async () => {
    expectAccepted(await startSync({}, { clusterId: 'c-other' }));
    const reply = await admin('PUT', '/iam-sync', { duration_ms: 500 });
    expect(reply.status).toBe(200);
    expect(json(reply)).toMatchObject({ iam_sync: { duration_ms: 500 } });
    expectAccepted(await startSync({}));
    clock += 500;
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
    expect(await isSynchronizing({ clusterId: 'c-other' })).toEqual({ is_synchronizing: true });
  });

  it('PUT /_emulator/clusters/{id}/iam-sync sets it for one cluster; null goes back to the emulator-wide one', async () => {
    expect((await admin('PUT', '/clusters/c-idle/iam-sync', { duration_ms: 0 })).status).toBe(200);
    expectAccepted(await startSync({}));
    expectAccepted(await startSync({}, { clusterId: 'c-other' }));
    // A zero-length sync has ended by the next request.
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
    expect(await isSynchronizing({ clusterId: 'c-other' })).toEqual({ is_synchronizing: true });

    const reply = await admin('PUT', '/clusters/c-idle/iam-sync', { duration_ms: null });
    expect(json(reply)).toMatchObject({ iam_sync: { clusters: { 'c-idle': { duration_ms: null } } } });
    expectAccepted(await startSync({}));
    expect(await isSynchronizing()).toEqual({ is_synchronizing: true });
  });

  it('ends in wall time without an injected clock (no timer: decided at the next request)', async () => {
    const real = await startEmulator({ ...options(), now: undefined, iamSync: { durationMs: 150 } });
    try {
      expectAccepted(await startSync({ is_all_sync: true }, { on: real }));
      expect(await isSynchronizing({ on: real })).toEqual({ is_synchronizing: true });
      await sleep(200);
      expect(await isSynchronizing({ on: real })).toEqual({ is_synchronizing: false });
      expect(await isSynchronous({ on: real })).toEqual({ is_synchronous: true });
    } finally {
      await real.close();
    }
  });
});

describe('admin API for the IAM sync', () => {
  it('GET /_emulator/state shows a running sync with its start, end and what it will add', async () => {
    const startedAt = clock;
    expectAccepted(await startSync({ is_all_sync: true, group_names: ['ops'] }));
    clock += 1_000;
    const state = json(await admin('GET', '/state')) as { clusters: unknown; iam_sync: unknown };
    expect(state.clusters).toEqual({ 'c-idle': true, 'c-other': false });
    expect(state.iam_sync).toEqual({
      duration_ms: DURATION_MS,
      iam_users: ['alice', 'bob'],
      iam_groups: ['analysts'],
      clusters: {
        'c-idle': {
          is_synchronizing: true,
          is_synchronous: false,
          user_names: [],
          group_names: [],
          duration_ms: null,
          manual: false,
          task: {
            started_at: new Date(startedAt).toISOString(),
            ends_at: new Date(startedAt + DURATION_MS).toISOString(),
            remaining_ms: DURATION_MS - 1_000,
            is_all_sync: true,
            user_names: [],
            group_names: ['ops'],
          },
        },
        'c-other': {
          is_synchronizing: false,
          is_synchronous: false,
          user_names: [],
          group_names: [],
          duration_ms: null,
          manual: false,
          task: null,
        },
      },
    });
    // The state itself settles a sync whose time has come.
    clock += DURATION_MS;
    expect(json(await admin('GET', '/state'))).toMatchObject({
      clusters: { 'c-idle': false },
      iam_sync: {
        clusters: { 'c-idle': { is_synchronous: true, user_names: ['alice', 'bob'], group_names: ['analysts', 'ops'], task: null } },
      },
    });
  });

  it('POST /_emulator/clusters/{id}/iam-sync/finish ends the running sync at once, applying it', async () => {
    expectAccepted(await startSync({ user_names: ['alice'] }));
    const reply = await admin('POST', '/clusters/c-idle/iam-sync/finish');
    expect(reply.status).toBe(200);
    expect(json(reply)).toMatchObject({
      clusters: { 'c-idle': false },
      iam_sync: { clusters: { 'c-idle': { is_synchronous: true, task: null } } },
    });
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
    expect(await syncedNames()).toEqual({ user_names: ['alice'], group_names: [] });
  });

  it('POST .../finish with no sync running -> 409; for an unknown cluster -> 404; another method -> 405', async () => {
    const idle = await admin('POST', '/clusters/c-idle/iam-sync/finish');
    expect(idle.status).toBe(409);
    expect(json(idle)).toEqual({ error: expect.stringContaining('no IAM sync is running') });
    expect((await admin('POST', '/clusters/c-missing/iam-sync/finish')).status).toBe(404);
    // A sync whose time has passed has ended, even if no request has looked since.
    expectAccepted(await startSync({}, { clusterId: 'c-other' }));
    clock += DURATION_MS;
    expect((await admin('POST', '/clusters/c-other/iam-sync/finish')).status).toBe(409);
    const get = await admin('GET', '/clusters/c-idle/iam-sync/finish');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('PUT /_emulator/clusters/{id}/iam-sync sets is_synchronous and the synced names, which the API then reports', async () => {
    const reply = await admin('PUT', '/clusters/c-idle/iam-sync', { is_synchronous: true, user_names: ['x'], group_names: ['g'] });
    expect(reply.status).toBe(200);
    expect(await isSynchronous()).toEqual({ is_synchronous: true });
    expect(await syncedNames()).toEqual({ user_names: ['x'], group_names: ['g'] });
    await admin('PUT', '/clusters/c-idle/iam-sync', { is_synchronous: false });
    expect(await isSynchronous()).toEqual({ is_synchronous: false });
    // Fields not given stay.
    expect(await syncedNames()).toEqual({ user_names: ['x'], group_names: ['g'] });
  });

  it.each<[string, string, unknown, number, string]>([
    ['/clusters/c-idle/iam-sync', 'PUT', '{', 400, 'expected a JSON object'],
    ['/clusters/c-idle/iam-sync', 'PUT', {}, 400, 'at least one of'],
    ['/clusters/c-idle/iam-sync', 'PUT', { is_synchronous: 'yes' }, 400, 'is_synchronous'],
    ['/clusters/c-idle/iam-sync', 'PUT', { user_names: 'alice' }, 400, 'user_names'],
    ['/clusters/c-idle/iam-sync', 'PUT', { group_names: [''] }, 400, 'group_names'],
    ['/clusters/c-idle/iam-sync', 'PUT', { duration_ms: -1 }, 400, 'duration_ms'],
    ['/clusters/c-idle/iam-sync', 'PUT', { is_synchronizing: true }, 400, 'unknown field "is_synchronizing"'],
    ['/clusters/c-missing/iam-sync', 'PUT', { is_synchronous: true }, 404, 'no cluster "c-missing"'],
    ['/clusters/c-idle/iam-sync', 'GET', undefined, 405, 'PUT'],
    ['/iam-sync', 'PUT', { duration_ms: 1.5 }, 400, 'duration_ms'],
    ['/iam-sync', 'PUT', { duration_ms: '100' }, 400, 'duration_ms'],
    ['/iam-sync', 'PUT', { iam_users: [7] }, 400, 'iam_users'],
    ['/iam-sync', 'PUT', { iam_groups: [''] }, 400, 'iam_groups'],
    ['/iam-sync', 'PUT', { iam_users: 'erin' }, 400, 'iam_users'],
    ['/iam-sync', 'PUT', [], 400, 'expected a JSON object'],
    ['/iam-sync', 'GET', undefined, 405, 'PUT'],
  ])('%s %s %j -> %d naming the problem, and nothing changes', async (path, method, body, status, message) => {
    const before = (await admin('GET', '/state')).body;
    const reply = await admin(method, path, body);
    expect(reply.status).toBe(status);
    expect(json(reply)).toEqual({ error: expect.stringContaining(message) });
    expect((await admin('GET', '/state')).body).toBe(before);
  });

  it('PUT /_emulator/iam-sync sets the IAM users and groups a full sync adds', async () => {
    const reply = await admin('PUT', '/iam-sync', { iam_users: ['erin'], iam_groups: [] });
    expect(json(reply)).toMatchObject({ iam_sync: { iam_users: ['erin'], iam_groups: [] } });
    expectAccepted(await startSync({ is_all_sync: true }));
    expect((await admin('POST', '/clusters/c-idle/iam-sync/finish')).status).toBe(200);
    expect(await syncedNames()).toEqual({ user_names: ['erin'], group_names: [] });
  });
});

describe('the manual flip PUT /_emulator/clusters/{id} {"is_synchronizing": ...}', () => {
  it('true: a sync without an end, refusing POST with 12000154; false ends it without making the cluster synchronous', async () => {
    await admin('PUT', '/clusters/c-idle', { is_synchronizing: true });
    clock += 10 * DURATION_MS;
    expect(await isSynchronizing()).toEqual({ is_synchronizing: true });
    const refused = await startSync({ is_all_sync: true });
    expect(refused.status).toBe(500);
    expect(json(refused)).toEqual(IN_PROGRESS('c-idle'));
    await admin('PUT', '/clusters/c-idle', { is_synchronizing: false });
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
    expect(await isSynchronous()).toEqual({ is_synchronous: false });
  });

  it('false during a sync started with POST finishes that sync', async () => {
    expectAccepted(await startSync({ user_names: ['alice'] }));
    await admin('PUT', '/clusters/c-idle', { is_synchronizing: false });
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
    expect(await syncedNames()).toEqual({ user_names: ['alice'], group_names: [] });
  });

  it('POST .../finish also ends a manual flip', async () => {
    emulator.setCluster('c-idle', true);
    expect((await admin('POST', '/clusters/c-idle/iam-sync/finish')).status).toBe(200);
    expect(await isSynchronizing()).toEqual({ is_synchronizing: false });
  });

  it('keeps the synced names of an existing cluster', async () => {
    emulator.iamSync.patch('c-idle', { isSynchronous: true, userNames: ['alice'] });
    emulator.setCluster('c-idle', true);
    expect(await isSynchronous()).toEqual({ is_synchronous: true });
    expect(await syncedNames()).toEqual({ user_names: ['alice'], group_names: [] });
  });
});

describe('counting requests by route (what a waiter costs)', () => {
  it('records each request with its method and route template; countRequests and state.requests.by_route count them', async () => {
    expectAccepted(await startSync({ is_all_sync: true }));
    for (let i = 0; i < 3; i += 1) await isSynchronizing();
    await isSynchronous();
    await mrs('nope');
    expect(emulator.requests.map((r) => [r.method, r.route])).toEqual([
      ['POST', '/v2/{project_id}/clusters/{cluster_id}/iam-sync-user'],
      ['GET', STATUS_ROUTE],
      ['GET', STATUS_ROUTE],
      ['GET', STATUS_ROUTE],
      ['GET', '/v2/{project_id}/clusters/{cluster_id}/iam-sync/is-synchronous'],
      ['GET', undefined],
    ]);
    expect(emulator.countRequests('GET', STATUS_ROUTE)).toBe(3);
    expect(emulator.countRequests('POST', STATUS_ROUTE)).toBe(0);
    expect(json(await admin('GET', '/state'))).toMatchObject({
      requests: {
        total: 6,
        by_route: {
          'POST /v2/{project_id}/clusters/{cluster_id}/iam-sync-user': 1,
          [`GET ${STATUS_ROUTE}`]: 3,
          'GET /v2/{project_id}/clusters/{cluster_id}/iam-sync/is-synchronous': 1,
          'GET (no route)': 1,
        },
      },
    });
  });

  it('DELETE /_emulator/requests starts the counts again; the clusters stay', async () => {
    expectAccepted(await startSync({}));
    const reply = await admin('DELETE', '/requests');
    expect(reply.status).toBe(200);
    expect(json(reply)).toMatchObject({ clusters: { 'c-idle': true }, requests: { total: 0, by_route: {}, recent: [] } });
    expect(emulator.requests).toEqual([]);
    expect((await admin('GET', '/requests')).status).toBe(405);
  });
});
