/**
 * The status function's sibling reads over a stub client: `is-synchronous` and `users` over
 * HTTP and as direct events (`operation`), each cached under its own key (a read of one
 * never answers another; the second read of the same is a hit), an unknown operation
 * refused, and "no such cluster" on each read.
 */
import { functionParts } from '../../lib/composition/parts';
import { loadConfig } from '../../lib/config';
import { ClusterNotFound } from '../../lib/errors';
import { createLogger } from '../../lib/log';
import type { MrsClient } from '../../lib/mrs/client';
import { createStatusHandler } from '../../lib/status/handler';
import { functionGraphContext, HTTP_SHAPES, httpEvent } from '../fixtures/events';
import { stubMrsClient } from '../fixtures/mrs-client';

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const missing = (clusterId: string) =>
  new ClusterNotFound(`no cluster ${clusterId}`, { upstream: { httpStatus: 404, errorCode: '12000003' } });

function stubbedReads(env: Record<string, string> = {}) {
  const calls: string[] = [];
  const client: MrsClient = stubMrsClient({
    async getIamSyncStatus({ clusterId }) {
      calls.push(`status ${clusterId}`);
      if (clusterId === 'gone') throw missing(clusterId);
      return { isSynchronizing: false, requestId: 's' };
    },
    async getIamSyncCompletion({ clusterId }) {
      calls.push(`completion ${clusterId}`);
      if (clusterId === 'gone') throw missing(clusterId);
      return { isSynchronous: true, requestId: 'c' };
    },
    async getSyncedNames({ clusterId }) {
      calls.push(`names ${clusterId}`);
      if (clusterId === 'gone') throw missing(clusterId);
      return { userNames: ['alice'], groupNames: ['analysts'], requestId: 'n' };
    },
  });
  const handler = createStatusHandler(() =>
    functionParts(loadConfig({ MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p1', STATUS_CACHE_TTL_SECONDS: '300', ...env }), {
      client,
      log: createLogger({ level: 'error', write: () => {} }),
    }),
  );
  return { handler: handler as (event: unknown, context: unknown) => Promise<unknown>, calls };
}

describe.each(HTTP_SHAPES)('HTTP (%s)', (shape) => {
  it('GET /clusters/{id}/iam-sync/is-synchronous answers {cluster_id, is_synchronous, checked_at, cache}', async () => {
    const s = stubbedReads();
    const response = (await s.handler(
      httpEvent(shape, 'c1', { path: '/clusters/c1/iam-sync/is-synchronous' }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      cluster_id: 'c1',
      is_synchronous: true,
      checked_at: expect.stringMatching(ISO_8601),
      cache: { status: 'miss', age_seconds: 0 },
    });
    expect(s.calls).toEqual(['completion c1']);
  });

  it('GET /clusters/{id}/iam-sync/users answers {cluster_id, user_names, group_names, checked_at, cache}', async () => {
    const s = stubbedReads();
    const response = (await s.handler(
      httpEvent(shape, 'c1', { path: '/prod/clusters/c1/iam-sync/users/', withoutPathParameters: true }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      cluster_id: 'c1',
      user_names: ['alice'],
      group_names: ['analysts'],
      checked_at: expect.stringMatching(ISO_8601),
      cache: { status: 'miss', age_seconds: 0 },
    });
    expect(s.calls).toEqual(['names c1']);
  });

  it.each(['/iam-sync/is-synchronous', '/iam-sync/users'])('answers %s of a missing cluster with 404 ClusterNotFound', async (suffix) => {
    const s = stubbedReads();
    const response = (await s.handler(httpEvent(shape, 'gone', { path: `/clusters/gone${suffix}` }), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error.code).toBe('ClusterNotFound');
  });

  it.each(['/iam-sync/is-synchronous', '/iam-sync/users'])('answers POST on %s with 405', async (suffix) => {
    const s = stubbedReads();
    const response = (await s.handler(
      httpEvent(shape, 'c1', { method: 'POST', path: `/clusters/c1${suffix}` }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(405);
    expect(s.calls).toEqual([]);
  });
});

describe('direct events', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['is_synchronous', { is_synchronous: true }, 'completion c1'],
    ['synced_users', { user_names: ['alice'], group_names: ['analysts'] }, 'names c1'],
    ['status', { is_synchronizing: false }, 'status c1'],
  ])('operation %s answers its fields', async (operation, fields, call) => {
    const s = stubbedReads();
    await expect(s.handler({ cluster_id: 'c1', operation }, {})).resolves.toEqual({
      cluster_id: 'c1',
      ...fields,
      checked_at: expect.stringMatching(ISO_8601),
      cache: { status: 'miss', age_seconds: 0 },
    });
    expect(s.calls).toEqual([call]);
  });

  it('no operation is the status, as before', async () => {
    const s = stubbedReads();
    await expect(s.handler({ cluster_id: 'c1' }, {})).resolves.toMatchObject({ is_synchronizing: false });
    expect(s.calls).toEqual(['status c1']);
  });

  it.each([['sync'], ['synced-names'], ['completion'], ['IS_SYNCHRONOUS'], [42], [null], [{}]])(
    'operation %j is InvalidRequest, and MRS is not asked',
    async (operation) => {
      const s = stubbedReads();
      await expect(s.handler({ cluster_id: 'c1', operation }, {})).rejects.toMatchObject({ name: 'InvalidRequest', statusCode: 400 });
      expect(s.calls).toEqual([]);
    },
  );

  it.each(['is_synchronous', 'synced_users', 'status'])('operation %s of a missing cluster is ClusterNotFound', async (operation) => {
    const s = stubbedReads();
    await expect(s.handler({ cluster_id: 'gone', operation }, {})).rejects.toMatchObject({ name: 'ClusterNotFound', statusCode: 404 });
  });
});

describe('each read cached under its own key', () => {
  it('a read of one never answers another; the second read of each is a hit', async () => {
    const s = stubbedReads();
    const first = await Promise.all(
      ['status', 'is_synchronous', 'synced_users'].map((operation) => s.handler({ cluster_id: 'c1', operation }, {})),
    );
    expect(first).toEqual([
      expect.objectContaining({ is_synchronizing: false, cache: expect.objectContaining({ status: 'miss' }) }),
      expect.objectContaining({ is_synchronous: true, cache: expect.objectContaining({ status: 'miss' }) }),
      expect.objectContaining({ user_names: ['alice'], cache: expect.objectContaining({ status: 'miss' }) }),
    ]);
    const again = await Promise.all(
      ['status', 'is_synchronous', 'synced_users'].map((operation) => s.handler({ cluster_id: 'c1', operation }, {})),
    );
    expect(again).toEqual([
      expect.objectContaining({ is_synchronizing: false, cache: expect.objectContaining({ status: 'hit' }) }),
      expect.objectContaining({ is_synchronous: true, cache: expect.objectContaining({ status: 'hit' }) }),
      expect.objectContaining({ user_names: ['alice'], group_names: ['analysts'], cache: expect.objectContaining({ status: 'hit' }) }),
    ]);
    expect(s.calls.sort()).toEqual(['completion c1', 'names c1', 'status c1']);
  });

  it('a cached status does not answer is-synchronous (and the other way round), one after the other', async () => {
    const s = stubbedReads();
    await s.handler({ cluster_id: 'c1', operation: 'is_synchronous' }, {});
    await expect(s.handler({ cluster_id: 'c1' }, {})).resolves.toMatchObject({ is_synchronizing: false, cache: { status: 'miss' } });
    await expect(s.handler({ cluster_id: 'c1', operation: 'synced_users' }, {})).resolves.toMatchObject({
      user_names: ['alice'],
      cache: { status: 'miss' },
    });
    expect(s.calls).toEqual(['completion c1', 'status c1', 'names c1']);
  });

  it('a hit over HTTP says X-Cache: HIT', async () => {
    const s = stubbedReads();
    const event = httpEvent('aws-http-v2', 'c1', { path: '/clusters/c1/iam-sync/users' });
    await s.handler(event, {});
    const response = (await s.handler(event, {})) as HttpAnswer;
    expect(response.headers['X-Cache']).toBe('HIT');
    expect(s.calls).toEqual(['names c1']);
  });

  it('"no such cluster" is remembered per read, briefly, and never answers another cluster', async () => {
    const s = stubbedReads();
    await expect(s.handler({ cluster_id: 'gone', operation: 'synced_users' }, {})).rejects.toThrow(ClusterNotFound);
    await expect(s.handler({ cluster_id: 'gone', operation: 'synced_users' }, {})).rejects.toThrow(ClusterNotFound);
    await expect(s.handler({ cluster_id: 'c1', operation: 'synced_users' }, {})).resolves.toMatchObject({ user_names: ['alice'] });
    expect(s.calls).toEqual(['names gone', 'names c1']);
  });
});
