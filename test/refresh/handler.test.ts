import { ClusterNotFound, UpstreamUnavailable } from '../../lib/errors';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/log';
import type { MrsClient } from '../../lib/mrs/client';
import { mapWithConcurrency } from '../../lib/refresh/pool';
import { createRefreshHandler } from '../../lib/refresh/handler';
import { functionParts } from '../../lib/composition/parts';
import { stubMrsClient } from '../fixtures/mrs-client';

const timer = (userEvent = '') => ({
  version: 'v1.0',
  time: '2026-11-28T12:00:00+08:00',
  trigger_type: 'TIMER',
  trigger_name: 'warm',
  user_event: userEvent,
});
const eventBridge = {
  version: '0',
  id: 'e1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '1',
  time: '2026-11-28T04:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: {},
};

function setUp(env: Record<string, string> = {}, answer: (clusterId: string) => boolean | Error = () => false) {
  const asked: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const client: MrsClient = stubMrsClient({
    async getIamSyncStatus({ clusterId }) {
      asked.push(clusterId);
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      const outcome = answer(clusterId);
      if (outcome instanceof Error) throw outcome;
      return { isSynchronizing: outcome, requestId: 'r' };
    },
  });
  const logs: string[] = [];
  const handler = createRefreshHandler(() =>
    functionParts(loadConfig({ MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p1', ...env }), {
      client,
      log: createLogger({ level: 'info', write: (l) => logs.push(l) }),
    }),
  ) as (event: unknown, context: unknown) => Promise<unknown>;
  return { handler, asked, logs, peak: () => peak };
}

describe('refresh function', () => {
  it('refreshes REFRESH_CLUSTER_IDS on a FunctionGraph timer, a few at a time', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const s = setUp({ REFRESH_CLUSTER_IDS: ids.join(', '), REFRESH_CONCURRENCY: '3' }, (id) => id === 'c4');
    const report = (await s.handler(timer(), {})) as { refreshed: number; failed: number; results: Array<Record<string, unknown>> };
    expect(report.refreshed).toBe(10);
    expect(report.failed).toBe(0);
    expect(report.results.map((r) => r.cluster_id)).toEqual(ids);
    expect(report.results[4]).toMatchObject({ outcome: 'refreshed', is_synchronizing: true });
    expect(s.peak()).toBe(3);
  });

  it("takes the clusters from the timer's user event, as a list or an object", async () => {
    const s = setUp({ REFRESH_CLUSTER_IDS: 'configured' });
    await s.handler(timer('["a","b","a"]'), {});
    await s.handler(timer('{"cluster_ids":["c"]}'), {});
    expect(s.asked).toEqual(['a', 'b', 'c']);
  });

  it('runs from an EventBridge schedule and from a direct invocation', async () => {
    const s = setUp({ REFRESH_CLUSTER_IDS: 'x' });
    await s.handler(eventBridge, {});
    await s.handler({ cluster_ids: ['y'] }, {});
    await s.handler({}, {});
    expect(s.asked).toEqual(['x', 'y', 'x']);
  });

  it('reports a failing cluster and carries on with the others', async () => {
    const s = setUp({ REFRESH_CLUSTER_IDS: 'ok1,gone,down,ok2' }, (id) =>
      id === 'gone' ? new ClusterNotFound('no such cluster') : id === 'down' ? new UpstreamUnavailable('MRS failed') : false,
    );
    const report = await s.handler(timer(), {});
    expect(report).toEqual({
      refreshed: 2,
      failed: 2,
      results: [
        expect.objectContaining({ cluster_id: 'ok1', outcome: 'refreshed' }),
        { cluster_id: 'gone', outcome: 'failed', error: { code: 'ClusterNotFound', message: 'no such cluster' } },
        { cluster_id: 'down', outcome: 'failed', error: { code: 'UpstreamUnavailable', message: 'MRS failed' } },
        expect.objectContaining({ cluster_id: 'ok2', outcome: 'refreshed' }),
      ],
    });
    expect(s.logs.some((line) => line.includes('clusters not refreshed'))).toBe(true);
  });

  it('never reports a stale answer as refreshed', async () => {
    let down = false;
    const s = setUp({ REFRESH_CLUSTER_IDS: 'c1' }, () => (down ? new UpstreamUnavailable('MRS failed') : false));
    await s.handler(timer(), {});
    down = true;
    expect(await s.handler(timer(), {})).toMatchObject({ refreshed: 0, failed: 1 });
  });

  it('asks MRS even when the cache holds a fresh answer', async () => {
    const s = setUp({ REFRESH_CLUSTER_IDS: 'c1' });
    await s.handler(timer(), {});
    await s.handler(timer(), {});
    expect(s.asked).toEqual(['c1', 'c1']);
  });

  it.each([
    ['user event that is not JSON', timer('c1,c2'), /not JSON/],
    ['empty list', timer('[]'), /non-empty list/],
    ['invalid id', timer('["ok","../x"]'), /cluster_ids\[1\] must be 1-64/],
    ['list far too long to mean anything', { cluster_ids: Array.from({ length: 10_001 }, (_, i) => `c${i}`) }, /at most 10000/],
  ])('refuses a %s with InvalidRequest and no MRS call', async (_label, event, message) => {
    const s = setUp({ REFRESH_CLUSTER_IDS: 'c1' });
    await expect(s.handler(event, {})).rejects.toMatchObject({ name: 'InvalidRequest', message: expect.stringMatching(message) });
    expect(s.asked).toEqual([]);
  });

  it('answers an HTTP request with 400, as HTTP', async () => {
    const s = setUp({ REFRESH_CLUSTER_IDS: 'c1' });
    const response = (await s.handler({ httpMethod: 'GET', path: '/clusters/c1/iam-sync', headers: {} }, {})) as {
      statusCode: number;
      body: string;
    };
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatchObject({
      code: 'InvalidRequest',
      message: expect.stringContaining('does not answer HTTP requests'),
    });
    expect(s.asked).toEqual([]);
  });

  it('with no clusters configured, logs one warning and returns an empty report', async () => {
    const s = setUp();
    await expect(s.handler(timer(), {})).resolves.toEqual({ refreshed: 0, failed: 0, results: [] });
    const warnings = s.logs.map((line) => JSON.parse(line)).filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('REFRESH_CLUSTER_IDS');
    expect(s.asked).toEqual([]);
  });

  it.each([
    ['REFRESH_CLUSTER_IDS', (ids: string[]) => ({ env: { REFRESH_CLUSTER_IDS: ids.join(',') }, event: timer() })],
    ['a direct event', (ids: string[]) => ({ env: {}, event: { cluster_ids: ids } })],
    ["a timer's user event", (ids: string[]) => ({ env: {}, event: timer(JSON.stringify(ids)) })],
  ])('refreshes at most 100 clusters from %s, after duplicates are dropped, and names the rest', async (_source, make) => {
    const distinct = Array.from({ length: 150 }, (_, i) => `c${i}`);
    // 150 distinct ids, each named twice: the duplicates must not count against the limit.
    const { env, event } = make([...distinct, ...distinct]);
    const s = setUp(env);
    const report = (await s.handler(event, {})) as { refreshed: number; skipped: string[] };
    expect(s.asked).toHaveLength(100);
    expect(new Set(s.asked).size).toBe(100);
    expect(report.refreshed).toBe(100);
    expect(report.skipped).toEqual(distinct.slice(100));
    const warning = s.logs.map((line) => JSON.parse(line)).find((line) => line.level === 'warn');
    expect(warning).toMatchObject({ named: 150, skipped: distinct.slice(100) });
  });

  it('accepts a list of 120 entries that is 100 clusters once duplicates are dropped', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `c${i}`);
    const s = setUp();
    const report = (await s.handler({ cluster_ids: [...ids, ...ids.slice(0, 20)] }, {})) as { refreshed: number; skipped?: string[] };
    expect(report.refreshed).toBe(100);
    expect(report.skipped).toBeUndefined();
  });

  it('validates REFRESH_CLUSTER_IDS at start-up', () => {
    expect(() => loadConfig({ MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p', REFRESH_CLUSTER_IDS: 'ok,a/b' })).toThrow(
      /REFRESH_CLUSTER_IDS holds ids MRS cannot have: "a\/b"/,
    );
  });
});

describe('the status function and timers', () => {
  it('refuses a timer event: timers drive the refresh function', async () => {
    const { stubbedStatusHandler } = await import('../fixtures/stub-handler');
    const { handler } = stubbedStatusHandler();
    await expect(handler(timer('["c1"]'), {})).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringContaining('not run by a timer'),
    });
  });
});

describe('mapWithConcurrency', () => {
  it('keeps order and the limit', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 3, 2, 4], 2, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
    expect(await mapWithConcurrency([], 3, async (n: number) => n)).toEqual([]);
  });
});
