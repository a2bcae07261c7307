/**
 * The built wait bundle, as deployed, against the MRS emulator in real time, kept short with
 * fractional delays: a sync started by a signed POST (or flipped by hand) is waited out and
 * the answer comes within one delay of its end; an unknown cluster ends the wait at once; the
 * HTTP long poll answers done false when the sync outlasts it; and a hundred waiters in one
 * instance cost MRS what one does.
 */
import { type Emulator, startEmulator } from '../../emulator/server';
import { functionGraphContext, httpEvent } from '../fixtures/events';
import { send } from '../fixtures/http-client';
import { coldStart, type Handler } from '../fixtures/load-bundle';
import { jsonBody, sdkSign } from '../emulator/helpers';
import { captureOutput } from '../fixtures/test-process';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const KEY = { accessKey: 'WAITTESTACCESSKEY001', secretKey: 'wait-test-secret-key-000000000000000001' };
const STATUS_ROUTE = '/v2/{project_id}/clusters/{cluster_id}/iam-sync';
/** What the answer may take beyond the schedule: the MRS call over loopback and timer lateness, generous for a loaded CI machine. */
const SLACK_MS = 250;
/** Short delays, so that real time stays short: 0.2, 0.2-0.4, 0.2-0.8, then 0.8 s. */
const DELAYS = { min_delay_seconds: 0.2, max_delay_seconds: 0.8 };

interface WaitAnswer {
  cluster_id: string;
  done: boolean;
  is_synchronizing: boolean;
  polls: number;
  waited_seconds: number;
  next_poll_after_seconds?: number;
}

let emulator: Emulator;
let handler: Handler;
const output: string[] = [];

function environment(): Record<string, string> {
  return {
    MRS_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    HUAWEICLOUD_SDK_AK: KEY.accessKey,
    HUAWEICLOUD_SDK_SK: KEY.secretKey,
    MRS_TIMEOUT_MS: '1000',
    // The cache stays on (5 s by default): a waiter's polls must still each reach MRS.
    LOG_LEVEL: 'info',
  };
}

beforeAll(async () => {
  captureOutput(output);
  emulator = await startEmulator({
    projectId: PROJECT,
    credentials: [KEY],
    clusters: { 'c-post': false, 'c-flip': false, 'c-long': false, 'c-http': false, 'c-http-post': false, 'c-many': false, 'c-one': false },
  });
  handler = coldStart('iam-sync-wait', environment());
});

afterEach(() => emulator.reset());

afterAll(async () => {
  await emulator.close();
  jest.restoreAllMocks();
});

/** UpdateSyncIamUser as sdk-core sends it, signed. */
async function startSync(clusterId: string): Promise<void> {
  const url = `${emulator.url}/v2/${PROJECT}/clusters/${clusterId}/iam-sync-user`;
  const data = { is_all_sync: true };
  const headers = sdkSign(url, {
    ...KEY,
    method: 'POST',
    data,
    headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Project-Id': PROJECT },
  });
  const body = jsonBody(data);
  const reply = await send(url, { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) }, body });
  expect(reply.status).toBe(202);
}

/** When the emulator will end the cluster's running sync (epoch ms). */
function syncEndsAt(clusterId: string): number {
  const task = emulator.iamSync.snapshot().clusters[clusterId]?.task;
  if (!task) throw new Error(`no sync runs on ${clusterId}`);
  return Date.parse(task.ends_at);
}

/** The longest delay the schedule may have slept after poll `n` (1-based): min(min·2^(n-1), max). */
const delayBoundMs = (n: number) => Math.min(DELAYS.min_delay_seconds * 1000 * 2 ** (n - 1), DELAYS.max_delay_seconds * 1000);

const statusPolls = () => emulator.countRequests('GET', STATUS_ROUTE);

describe('waiting out a sync', () => {
  it('started with a signed POST: done, one MRS call per poll, the answer within the current delay bound of the sync’s end', async () => {
    emulator.iamSync.patch('c-post', { durationMs: 1500 });
    await startSync('c-post');
    const endsAt = syncEndsAt('c-post');
    emulator.reset();

    const answer = (await handler(
      { cluster_id: 'c-post', ...DELAYS, max_wait_seconds: 10 },
      functionGraphContext({ remainingMs: 15_000 }),
    )) as WaitAnswer;
    const answeredAt = Date.now();
    expect(answer).toMatchObject({ cluster_id: 'c-post', is_synchronizing: false, done: true });
    expect(answer.polls).toBeGreaterThan(1);
    expect(statusPolls()).toBe(answer.polls);
    expect(emulator.requests.every((request) => request.verification.ok)).toBe(true);
    // The poll before the last saw it running; the next came at most one delay later.
    expect(answeredAt).toBeGreaterThanOrEqual(endsAt);
    expect(answeredAt - endsAt).toBeLessThanOrEqual(delayBoundMs(answer.polls - 1) + SLACK_MS);
  });

  it('flipped by hand: done once it is flipped back, within the current delay bound', async () => {
    emulator.setCluster('c-flip', true);
    let flippedAt = Number.POSITIVE_INFINITY;
    const flip = setTimeout(() => {
      flippedAt = Date.now();
      emulator.setCluster('c-flip', false);
    }, 1200);
    try {
      const answer = (await handler({ cluster_id: 'c-flip', ...DELAYS, max_wait_seconds: 10 })) as WaitAnswer;
      const answeredAt = Date.now();
      expect(answer).toMatchObject({ done: true, is_synchronizing: false });
      expect(statusPolls()).toBe(answer.polls);
      expect(answeredAt).toBeGreaterThanOrEqual(flippedAt);
      expect(answeredAt - flippedAt).toBeLessThanOrEqual(delayBoundMs(answer.polls - 1) + SLACK_MS);
    } finally {
      clearTimeout(flip);
      emulator.setCluster('c-flip', false);
    }
  });

  it('ends at once with ClusterNotFound for a cluster MRS does not have, after one call', async () => {
    await expect(handler({ cluster_id: 'no-such-cluster', ...DELAYS, max_wait_seconds: 10 })).rejects.toMatchObject({
      name: 'ClusterNotFound',
    });
    expect(statusPolls()).toBe(1);
  });

  it('throws IamSyncWaitTimedOut when wait_until comes first, and IamSyncStillRunning at max_wait with on_timeout throw', async () => {
    emulator.setCluster('c-long', true);
    try {
      const waitUntil = new Date(Date.now() + 1200).toISOString();
      await expect(handler({ cluster_id: 'c-long', ...DELAYS, max_wait_seconds: 10, wait_until: waitUntil })).rejects.toMatchObject({
        name: 'IamSyncWaitTimedOut',
      });
      expect(Date.now()).toBeLessThanOrEqual(Date.parse(waitUntil) + SLACK_MS);
      await expect(handler({ cluster_id: 'c-long', ...DELAYS, max_wait_seconds: 1, on_timeout: 'throw' })).rejects.toMatchObject({
        name: 'IamSyncStillRunning',
      });
    } finally {
      emulator.setCluster('c-long', false);
    }
  });
});

describe('HTTP long poll through an APIG event', () => {
  it('answers 200 done false with a whole next_poll_after_seconds when the sync outlasts max_wait_seconds', async () => {
    emulator.setCluster('c-http', true);
    try {
      const event = httpEvent('functiongraph-apig', 'c-http', {
        path: '/clusters/c-http/iam-sync/wait',
        query: { max_wait_seconds: '1.5', min_delay_seconds: '0.2', max_delay_seconds: '0.4' },
      });
      const startedAt = Date.now();
      const response = (await handler(event, functionGraphContext({ remainingMs: 10_000 }))) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      const tookMs = Date.now() - startedAt;
      expect(response.statusCode).toBe(200);
      expect(response.headers['Cache-Control']).toBe('no-store');
      const body = JSON.parse(response.body) as WaitAnswer;
      expect(body).toMatchObject({ cluster_id: 'c-http', done: false, is_synchronizing: true, next_poll_after_seconds: 1 });
      expect(body.polls).toBe(statusPolls());
      expect(body.waited_seconds).toBeLessThanOrEqual(1.5);
      // The last poll at 1 s, so not much earlier than that; and not past max_wait, beyond the call itself.
      expect(tookMs).toBeGreaterThanOrEqual(900);
      expect(tookMs).toBeLessThanOrEqual(1500 + SLACK_MS);
    } finally {
      emulator.setCluster('c-http', false);
    }
  });

  it('answers 200 done true once a sync started with a signed POST ends', async () => {
    emulator.iamSync.patch('c-http-post', { durationMs: 800 });
    await startSync('c-http-post');
    const event = httpEvent('functiongraph-apig', 'c-http-post', {
      path: '/clusters/c-http-post/iam-sync/wait',
      query: { max_wait_seconds: '5', min_delay_seconds: '0.2', max_delay_seconds: '0.4' },
    });
    const response = (await handler(event, functionGraphContext({ remainingMs: 10_000 }))) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ cluster_id: 'c-http-post', done: true, is_synchronizing: false });
  });
});

describe('a hundred waiters in one instance', () => {
  it('make about as many MRS calls as one waiter’s polls (within 1.2x)', async () => {
    const delays = { min_delay_seconds: 0.4, max_delay_seconds: 0.8, max_wait_seconds: 10 };
    emulator.iamSync.patch('c-many', { durationMs: 2000 });
    await startSync('c-many');
    emulator.reset();
    const answers = (await Promise.all(Array.from({ length: 100 }, () => handler({ cluster_id: 'c-many', ...delays })))) as WaitAnswer[];
    for (const answer of answers) expect(answer).toMatchObject({ done: true });
    const mostPolls = Math.max(...answers.map((answer) => answer.polls));
    const hundredCalls = statusPolls();
    expect(hundredCalls).toBeLessThanOrEqual(Math.ceil(mostPolls * 1.2));

    // One waiter alone, for the figure (on a cluster of its own: the hundred's last answer is still in the cache).
    emulator.iamSync.patch('c-one', { durationMs: 2000 });
    await startSync('c-one');
    emulator.reset();
    const one = (await handler({ cluster_id: 'c-one', ...delays })) as WaitAnswer;
    expect(statusPolls()).toBe(one.polls);
  });
});

describe('output', () => {
  it('has log lines, and no secret in any', () => {
    const text = output.join('');
    expect(text).toContain('"message"');
    expect(text).not.toContain(KEY.secretKey);
  });
});
