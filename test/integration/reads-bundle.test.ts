/**
 * The built status bundle's sibling reads against the emulator's IAM-sync lifecycle:
 * `is-synchronous` and `users` over HTTP and as direct events, before a sync and after the
 * emulator finishes one started by the built start bundle; each cached under its own key;
 * an unknown operation refused; ClusterNotFound on each read.
 */
import { DEFAULT_IAM_GROUPS, DEFAULT_IAM_USERS } from '../../emulator/mrs';
import { type Emulator, startEmulator } from '../../emulator/server';
import { functionGraphContext, HTTP_SHAPES, httpEvent } from '../fixtures/events';
import { coldStart, type Handler } from '../fixtures/load-bundle';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const KEYS = { accessKey: 'READSACCESSKEY000001', secretKey: 'reads-secret-key-00000000000000000000001' };
const COMPLETION_ROUTE = '/v2/{project_id}/clusters/{cluster_id}/iam-sync/is-synchronous';
const NAMES_ROUTE = '/v2/{project_id}/clusters/{cluster_id}/iam-sync-user';
const STATUS_ROUTE = '/v2/{project_id}/clusters/{cluster_id}/iam-sync';
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

let emulator: Emulator;
let clusterCount = 0;
const printed: string[] = [];

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
  emulator = await startEmulator({ projectId: PROJECT, credentials: [KEYS], clusters: {}, iamSync: { durationMs: 3_600_000 } });
});
afterEach(() => emulator.reset());
afterAll(async () => {
  await emulator.close();
  jest.restoreAllMocks();
});

function newCluster(): string {
  clusterCount += 1;
  const id = `reads-${clusterCount}`;
  emulator.setCluster(id, false);
  return id;
}

function environment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MRS_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    HUAWEICLOUD_SDK_AK: KEYS.accessKey,
    HUAWEICLOUD_SDK_SK: KEYS.secretKey,
    MRS_TIMEOUT_MS: '2000',
    MRS_MAX_ATTEMPTS: '1',
    STATUS_CACHE_TTL_SECONDS: '300',
    ...extra,
  };
}

const reads = (): Handler => coldStart('iam-sync-status', environment());
const context = () => functionGraphContext();
const httpRead = async (handler: Handler, shape: (typeof HTTP_SHAPES)[number], clusterId: string, suffix: string) => {
  const response = (await handler(httpEvent(shape, clusterId, { path: `/clusters/${clusterId}${suffix}` }), context())) as HttpAnswer;
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
};

/** Starts a sync through the built start bundle, as a workflow would, then has the emulator end it. */
async function syncAndFinish(clusterId: string, request: Record<string, unknown>): Promise<void> {
  const start = coldStart('iam-sync-start', environment({ IAM_SYNC_START_ENABLED: 'true' }));
  await expect(start({ cluster_id: clusterId, ...request }, context())).resolves.toMatchObject({ started: true });
  expect(emulator.iamSync.finish(clusterId)).toBe(true);
}

describe.each(HTTP_SHAPES)('HTTP (%s), through the lifecycle', (shape) => {
  it('is-synchronous: false before any sync, true once one has finished', async () => {
    const cluster = newCluster();
    const before = await httpRead(reads(), shape, cluster, '/iam-sync/is-synchronous');
    expect(before.statusCode).toBe(200);
    expect(before.json).toEqual({
      cluster_id: cluster,
      is_synchronous: false,
      checked_at: expect.stringMatching(ISO_8601),
      cache: { status: 'miss', age_seconds: 0 },
    });
    expect(before.headers['X-Cache']).toBe('MISS');
    await syncAndFinish(cluster, { user_names: ['alice'] });
    const after = await httpRead(reads(), shape, cluster, '/iam-sync/is-synchronous');
    expect(after.json).toMatchObject({ cluster_id: cluster, is_synchronous: true });
  });

  it('users: none before, the synced names after', async () => {
    const cluster = newCluster();
    const before = await httpRead(reads(), shape, cluster, '/iam-sync/users');
    expect(before.statusCode).toBe(200);
    expect(before.json).toEqual({
      cluster_id: cluster,
      user_names: [],
      group_names: [],
      checked_at: expect.stringMatching(ISO_8601),
      cache: { status: 'miss', age_seconds: 0 },
    });
    await syncAndFinish(cluster, { user_names: ['alice'], group_names: ['analysts'] });
    const after = await httpRead(reads(), shape, cluster, '/iam-sync/users');
    expect(after.json).toMatchObject({ cluster_id: cluster, user_names: ['alice'], group_names: ['analysts'] });
  });

  it.each(['/iam-sync/is-synchronous', '/iam-sync/users'])('%s of a missing cluster: 404 ClusterNotFound', async (suffix) => {
    const response = await httpRead(reads(), shape, 'no-such-cluster', suffix);
    expect(response.statusCode).toBe(404);
    expect((response.json.error as { code: string }).code).toBe('ClusterNotFound');
  });
});

describe('direct events, through the lifecycle', () => {
  it('is_synchronous and synced_users before and after a full sync the emulator finishes', async () => {
    const cluster = newCluster();
    const handler = reads();
    await expect(handler({ cluster_id: cluster, operation: 'is_synchronous' }, context())).resolves.toEqual({
      cluster_id: cluster,
      is_synchronous: false,
      checked_at: expect.stringMatching(ISO_8601),
      cache: { status: 'miss', age_seconds: 0 },
    });
    await expect(handler({ cluster_id: cluster, operation: 'synced_users' }, context())).resolves.toMatchObject({
      user_names: [],
      group_names: [],
    });
    await syncAndFinish(cluster, { is_all_sync: true });
    await expect(handler({ cluster_id: cluster, operation: 'is_synchronous', fresh: true }, context())).resolves.toMatchObject({
      is_synchronous: true,
    });
    const names = (await handler({ cluster_id: cluster, operation: 'synced_users', fresh: true }, context())) as {
      user_names: string[];
      group_names: string[];
    };
    expect([...names.user_names].sort()).toEqual([...DEFAULT_IAM_USERS].sort());
    expect([...names.group_names].sort()).toEqual([...DEFAULT_IAM_GROUPS].sort());
  });

  it.each(['is_synchronous', 'synced_users'])('operation %s of a missing cluster: ClusterNotFound', async (operation) => {
    await expect(reads()({ cluster_id: 'no-such-cluster', operation }, context())).rejects.toMatchObject({
      name: 'ClusterNotFound',
      statusCode: 404,
    });
  });

  it.each([['is-synchronous'], ['users'], ['start'], [7]])('operation %j: InvalidRequest, MRS not asked', async (operation) => {
    await expect(reads()({ cluster_id: newCluster(), operation }, context())).rejects.toMatchObject({
      name: 'InvalidRequest',
      statusCode: 400,
    });
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('each read cached under its own key', () => {
  it('a read of one does not answer another; the second read of the same is a HIT, without an MRS request', async () => {
    const cluster = newCluster();
    const handler = reads();
    await expect(handler({ cluster_id: cluster }, context())).resolves.toMatchObject({
      is_synchronizing: false,
      cache: { status: 'miss' },
    });
    await expect(handler({ cluster_id: cluster, operation: 'is_synchronous' }, context())).resolves.toMatchObject({
      is_synchronous: false,
      cache: { status: 'miss' },
    });
    await expect(handler({ cluster_id: cluster, operation: 'synced_users' }, context())).resolves.toMatchObject({
      user_names: [],
      cache: { status: 'miss' },
    });
    const counts = () => [
      emulator.countRequests('GET', STATUS_ROUTE),
      emulator.countRequests('GET', COMPLETION_ROUTE),
      emulator.countRequests('GET', NAMES_ROUTE),
    ];
    expect(counts()).toEqual([1, 1, 1]);
    await expect(handler({ cluster_id: cluster, operation: 'is_synchronous' }, context())).resolves.toMatchObject({
      is_synchronous: false,
      cache: { status: 'hit' },
    });
    await expect(handler({ cluster_id: cluster, operation: 'synced_users' }, context())).resolves.toMatchObject({
      user_names: [],
      cache: { status: 'hit' },
    });
    const http = await httpRead(handler, 'aws-http-v2', cluster, '/iam-sync/users');
    expect(http.headers['X-Cache']).toBe('HIT');
    expect(counts()).toEqual([1, 1, 1]);
  });
});
