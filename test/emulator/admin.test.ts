import { type Emulator, startEmulator } from '../../emulator/server';
import { json, type Reply, send } from '../fixtures/http-client';
import { REQUEST_ID, sdkSign } from './helpers';

const PROJECT = 'aaaabbbbccccdddd0000111122223333';
const KEY = { accessKey: 'ADMINTESTAK000000001', secretKey: 'admin-test-secret' };
const TEMPORARY = { accessKey: 'ADMINTESTAK000000002', secretKey: 'admin-temp-secret', securityToken: 'admin-temp-token' };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ projectId: PROJECT, credentials: [KEY, TEMPORARY], clusters: { 'c-idle': false } });
});
afterEach(() => {
  emulator.reset();
  emulator.setCluster('c-idle', false);
});
afterAll(() => emulator.close());

function admin(method: string, path: string, body?: unknown): Promise<Reply> {
  return send(`${emulator.url}/_emulator${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
}

function api(clusterId = 'c-idle'): Promise<Reply> {
  const url = `${emulator.url}/v2/${PROJECT}/clusters/${clusterId}/iam-sync`;
  return send(url, { headers: sdkSign(url, KEY) });
}

it('GET /state shows project, clusters, faults and recent requests, without a signature', async () => {
  emulator.injectFault({ kind: 'status', status: 503 }, { times: Infinity, clusterId: 'c-other' });
  await api();
  const reply = await admin('GET', '/state');
  expect(reply.status).toBe(200);
  expect(reply.headers['x-request-id']).toMatch(REQUEST_ID);
  expect(json(reply)).toEqual({
    project_id: PROJECT,
    clusters: { 'c-idle': false },
    iam_sync: {
      duration_ms: 10_000,
      iam_users: ['demo-user-alice', 'demo-user-bob'],
      iam_groups: ['demo-group-analysts', 'demo-group-admins'],
      clusters: {
        'c-idle': {
          is_synchronizing: false,
          is_synchronous: false,
          user_names: [],
          group_names: [],
          duration_ms: null,
          manual: false,
          task: null,
        },
      },
    },
    faults: [{ kind: 'status', status: 503, remaining: 'Infinity', cluster_id: 'c-other' }],
    chaos: null,
    requests: {
      total: 1,
      by_route: { 'GET /v2/{project_id}/clusters/{cluster_id}/iam-sync': 1 },
      recent: [{ method: 'GET', path: `/v2/${PROJECT}/clusters/c-idle/iam-sync`, status: 200, fault: null, auth: 'ok' }],
    },
  });
  // Admin calls are not recorded as API requests.
  expect(emulator.requests).toHaveLength(1);
});

it('GET /state never shows keys, tokens or signatures', async () => {
  const url = `${emulator.url}/v2/${PROJECT}/clusters/c-idle/iam-sync`;
  const headers = sdkSign(url, { ...TEMPORARY, headers: { 'X-Security-Token': TEMPORARY.securityToken } });
  expect((await send(url, { headers })).status).toBe(200);
  const state = (await admin('GET', '/state')).body;
  const signature = /Signature=([0-9a-f]+)/.exec(headers.Authorization)?.[1];
  for (const secret of [TEMPORARY.secretKey, TEMPORARY.securityToken, KEY.secretKey, signature]) {
    expect(typeof secret).toBe('string');
    expect(state).not.toContain(secret);
  }
});

it('PUT /clusters/{id} sets a cluster the API then reports', async () => {
  const reply = await admin('PUT', '/clusters/c-idle', { is_synchronizing: true });
  expect(reply.status).toBe(200);
  expect(json(reply)).toMatchObject({ clusters: { 'c-idle': true } });
  expect(json(await api())).toEqual({ is_synchronizing: true });
  await admin('PUT', '/clusters/c-new', { is_synchronizing: false });
  expect(json(await api('c-new'))).toEqual({ is_synchronizing: false });
});

it.each([
  ['not JSON', '{'],
  ['no field', {}],
  ['a string', { is_synchronizing: 'true' }],
])('PUT /clusters/{id} with %s -> 400', async (_label, body) => {
  const reply = await admin('PUT', '/clusters/c-idle', body);
  expect(reply.status).toBe(400);
  expect(json(reply)).toEqual({ error: expect.stringContaining('is_synchronizing') });
});

it('PUT /clusters/{id} with an id MRS would not accept -> 400', async () => {
  const reply = await admin('PUT', '/clusters/bad%20id', { is_synchronizing: true });
  expect(reply.status).toBe(400);
  expect(json(reply)).toEqual({ error: expect.stringContaining('"bad id"') });
});

it('DELETE /clusters/{id} removes a cluster; unknown ones -> 404', async () => {
  await admin('PUT', '/clusters/c-gone', { is_synchronizing: true });
  expect((await admin('DELETE', '/clusters/c-gone')).status).toBe(200);
  expect(json(await api('c-gone'))).toEqual({ error_code: '12000003', error_msg: 'The cluster does not exist.' });
  expect((await admin('DELETE', '/clusters/c-gone')).status).toBe(404);
});

it('POST /faults injects a fault; DELETE /faults clears them', async () => {
  const posted = await admin('POST', '/faults', { kind: 'status', status: 503, times: 'Infinity' });
  expect(posted.status).toBe(200);
  expect(json(posted)).toMatchObject({ faults: [{ kind: 'status', status: 503, remaining: 'Infinity' }] });
  expect((await api()).status).toBe(503);
  expect((await api()).status).toBe(503);
  // Faults never apply to the admin API itself.
  expect((await admin('GET', '/state')).status).toBe(200);
  const cleared = await admin('DELETE', '/faults');
  expect(json(cleared)).toMatchObject({ faults: [] });
  expect((await api()).status).toBe(200);
});

it('POST /faults honours cluster_id and times', async () => {
  await admin('POST', '/faults', { kind: 'missing-field', cluster_id: 'c-idle', times: 1 });
  expect(json(await api())).toEqual({ is_synchronous: false });
  expect(json(await api())).toEqual({ is_synchronizing: false });
});

it('POST /faults with an invalid fault -> 400 and nothing injected', async () => {
  const reply = await admin('POST', '/faults', { kind: 'explode' });
  expect(reply.status).toBe(400);
  expect(json(reply)).toEqual({ error: expect.stringContaining('unknown fault kind') });
  expect((await admin('POST', '/faults', 'not json')).status).toBe(400);
  expect((await api()).status).toBe(200);
});

it.each([
  ['GET', '/nothing', 404, undefined],
  ['GET', '', 404, undefined],
  ['POST', '/state', 405, 'GET'],
  ['GET', '/clusters/c-idle', 405, 'PUT, DELETE'],
  ['PUT', '/faults', 405, 'POST, DELETE'],
  ['GET', '/chaos', 405, 'PUT, DELETE'],
])('%s /_emulator%s -> %d', async (method, path, status, allow) => {
  const reply = await admin(method, path);
  expect(reply.status).toBe(status);
  expect(reply.headers.allow).toBe(allow);
  expect(json(reply)).toEqual({ error: expect.any(String) });
});
