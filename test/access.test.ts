import { checkAccess } from '../lib/access/policy';
import { loadConfig } from '../lib/config';
import { ClusterNotAllowed, ConfigurationError, ProjectNotAllowed } from '../lib/errors';
import { httpEvent } from './fixtures/events';
import { stubbedStatusHandler } from './fixtures/stub-handler';

const own = async () => 'p1';
const access = (clusters?: string[], projects: string[] = []) => ({ allowedClusterIds: clusters, allowedProjectIds: projects });

describe('access policy', () => {
  it('allows every cluster of the configured project when no list is set', async () => {
    await expect(checkAccess({ clusterId: 'anything' }, access(), own)).resolves.toBeUndefined();
  });

  it('takes exact ids and prefix* patterns', async () => {
    const policy = access(['prod-7', 'team-a-*']);
    await expect(checkAccess({ clusterId: 'prod-7' }, policy, own)).resolves.toBeUndefined();
    await expect(checkAccess({ clusterId: 'team-a-etl' }, policy, own)).resolves.toBeUndefined();
    await expect(checkAccess({ clusterId: 'team-a-' }, policy, own)).resolves.toBeUndefined();
    for (const refused of ['prod-70', 'prod-', 'team-b-etl', 'Team-a-etl', 'xteam-a-etl']) {
      await expect(checkAccess({ clusterId: refused }, policy, own)).rejects.toThrow(ClusterNotAllowed);
    }
  });

  it('lets a caller name only the configured project or an allowed one', async () => {
    await expect(checkAccess({ clusterId: 'c', projectId: 'p1' }, access(), own)).resolves.toBeUndefined();
    await expect(checkAccess({ clusterId: 'c', projectId: 'p2' }, access([], ['p2']), own)).rejects.toThrow(ClusterNotAllowed);
    await expect(checkAccess({ clusterId: 'c', projectId: 'p2' }, access(undefined, ['p2']), own)).resolves.toBeUndefined();
    await expect(checkAccess({ clusterId: 'c', projectId: 'p3' }, access(undefined, ['p2']), own)).rejects.toThrow(ProjectNotAllowed);
  });

  it('never lists the allowed values in its message', async () => {
    await expect(checkAccess({ clusterId: 'x' }, access(['secret-cluster']), own)).rejects.toMatchObject({
      name: 'ClusterNotAllowed',
      message: expect.not.stringContaining('secret-cluster'),
    });
  });

  it.each([['a/b'], ['*x'], ['a**'], ['a'.repeat(65)]])('refuses the pattern %s at start-up', (pattern) => {
    expect(() => loadConfig({ MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p', ALLOWED_CLUSTER_IDS: `ok,${pattern}` })).toThrow(
      ConfigurationError,
    );
  });
});

describe('the status function and the allow lists', () => {
  const env = { ALLOWED_CLUSTER_IDS: 'demo-*', ALLOWED_PROJECT_IDS: 'otherproject' };

  it('answers 403 ClusterNotAllowed without calling MRS', async () => {
    const { handler, calls } = stubbedStatusHandler({ env });
    const response = (await handler(httpEvent('functiongraph-apig', 'prod-1'), {})) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body).error.code).toBe('ClusterNotAllowed');
    await expect(handler({ cluster_id: 'prod-1' }, {})).rejects.toMatchObject({ name: 'ClusterNotAllowed' });
    expect(calls).toHaveLength(0);
  });

  it('asks MRS for an allowed project a caller names, and refuses any other', async () => {
    const { handler, calls } = stubbedStatusHandler({ env });
    await handler({ cluster_id: 'demo-1', project_id: 'otherproject' }, {});
    await handler(httpEvent('aws-http-v2', 'demo-2', { query: { project_id: 'otherproject' } }), {});
    await handler({ cluster_id: 'demo-3' }, {});
    expect(calls.map((c) => c.projectId)).toEqual(['otherproject', 'otherproject', 'p1']);
    const refused = (await handler(httpEvent('aws-http-v2', 'demo-2', { query: { project_id: 'notallowed' } }), {})) as {
      statusCode: number;
    };
    expect(refused.statusCode).toBe(403);
    await expect(handler({ cluster_id: 'demo-1', project_id: 'bad/project' }, {})).rejects.toMatchObject({ name: 'InvalidRequest' });
    expect(calls).toHaveLength(3);
  });
});
