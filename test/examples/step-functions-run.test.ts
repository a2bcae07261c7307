/**
 * The Step Functions examples EXECUTED in a States Language interpreter (aws-local-stepfunctions),
 * their Tasks bound to the built start and wait bundles, the MRS emulator behind them. Syncs
 * last SYNC_MS (300 ms) and waits poll every 0.1-0.2 s, so each execution takes about a second.
 * How Tasks reach the bundles, and how a thrown error becomes the name Retry and Catch match:
 * harness.ts.
 */
import { ASL_EXAMPLES, type Harness, type Invocation, retries, startHarness, statesEntered } from './harness';
import { captureOutput } from '../fixtures/test-process';

const [PLAIN, LOOP] = ASL_EXAMPLES;
/** Fast waits: the wait function's delays, in seconds (it accepts fractions; only next_poll_after_seconds is whole). */
const FAST = { min_delay_seconds: 0.1, max_delay_seconds: 0.2 } as const;

const CLUSTERS = [
  'happy',
  'skip',
  'fail-then-start',
  'replay',
  'wait-until',
  'still-running',
  'still-running-then-done',
  'loop-wait-until',
] as const;

let harness: Harness;
/** Each test gets its own clusters (a name per variant), so that no sync of one test runs into another. */
const cluster = (name: (typeof CLUSTERS)[number], example: string) => `${name}-${example === LOOP ? 'loop' : 'plain'}`;
const executionName = (name: string) => `${name}-${Date.now().toString(36)}`;

const output: string[] = [];

beforeAll(async () => {
  captureOutput(output);
  const clusters = Object.fromEntries(CLUSTERS.flatMap((name) => ASL_EXAMPLES.map((example) => [cluster(name, example), false])));
  harness = await startHarness(clusters);
});

const seen: unknown[] = [];
afterEach(() => {
  seen.push(...harness.invocations);
  harness.invocations.length = 0;
});

afterAll(async () => {
  await harness.close();
  jest.restoreAllMocks();
});

/** The POSTs that started (or tried to start) a sync on a cluster. */
function posts(clusterId: string): number {
  return harness.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/clusters/${clusterId}/iam-sync-user`)).length;
}

function invocationsOf(functionName: string) {
  return harness.invocations.filter((invocation) => invocation.functionName === functionName);
}

describe.each([PLAIN, LOOP])('%s', (example) => {
  it('happy path: starts one sync, keyed by the execution name, waits until it has ended', async () => {
    const clusterId = cluster('happy', example);
    const name = executionName('happy');
    const run = await harness.run(example, { cluster_id: clusterId, is_all_sync: true, ...FAST }, { name });

    expect(run.error).toBeUndefined();
    expect(run.output).toMatchObject({
      cluster_id: clusterId,
      start: { cluster_id: clusterId, started: true, state: 'synchronizing' },
      wait: { cluster_id: clusterId, done: true, is_synchronizing: false },
    });
    expect(posts(clusterId)).toBe(1);
    // The start got the execution input plus the execution's name as its key; the wait, the input plus on_timeout.
    const [start] = invocationsOf('iam-sync-start');
    expect(start?.event).toEqual({ cluster_id: clusterId, is_all_sync: true, ...FAST, idempotency_key: name });
    const [wait] = invocationsOf('iam-sync-wait');
    // toMatchObject: the interpreter's States.JsonMerge assigns into its first argument, $$.Execution.Input, so the
    // wait also gets the start's idempotency_key here (which it ignores); Step Functions sends it the input plus on_timeout.
    expect(wait?.event).toMatchObject({
      cluster_id: clusterId,
      is_all_sync: true,
      ...FAST,
      on_timeout: example === LOOP ? 'return' : 'throw',
    });
    expect(harness.emulator.iamSync.snapshot().clusters[clusterId]).toMatchObject({ is_synchronizing: false, is_synchronous: true });
  });

  it('a sync already running, if_running skip: starts none, waits for the running one', async () => {
    const clusterId = cluster('skip', example);
    harness.emulator.setCluster(clusterId, true); // a sync without an end, until finished below
    let finishing: NodeJS.Timeout | undefined;
    void harness
      .invoked((invocation) => invocation.functionName === 'iam-sync-start')
      .then(() => {
        finishing = setTimeout(() => harness.emulator.iamSync.finish(clusterId), 300);
      });
    try {
      const run = await harness.run(
        example,
        { cluster_id: clusterId, is_all_sync: true, if_running: 'skip', ...FAST },
        { name: executionName('skip') },
      );
      expect(run.error).toBeUndefined();
      expect(run.output).toMatchObject({
        start: { cluster_id: clusterId, started: false, reason: 'already-running' },
        wait: { done: true, is_synchronizing: false },
      });
      expect(posts(clusterId)).toBe(0);
    } finally {
      clearTimeout(finishing);
    }
  });

  it('a sync already running, if_running fail (the default): IamSyncInProgress is retried until it has ended, then this one starts', async () => {
    const clusterId = cluster('fail-then-start', example);
    harness.emulator.setCluster(clusterId, true); // a sync without an end, until finished below
    let finishing: NodeJS.Timeout | undefined;
    void harness
      .invoked((invocation) => invocation.error?.name === 'IamSyncInProgress')
      .then(() => {
        finishing = setTimeout(() => harness.emulator.iamSync.finish(clusterId), 300);
      });
    try {
      const run = await harness.run(
        example,
        { cluster_id: clusterId, user_names: ['alice'], ...FAST },
        { name: executionName('in-progress'), overrides: { retryIntervalOverrides: { StartIamSync: 100 } } },
      );
      expect(run.error).toBeUndefined();
      expect(run.output).toMatchObject({ start: { started: true }, wait: { done: true } });
      expect(retries(run.events, 'StartIamSync')).toBeGreaterThanOrEqual(1);
      const starts = invocationsOf('iam-sync-start');
      expect(starts.slice(0, -1).every((invocation) => invocation.error?.name === 'IamSyncInProgress')).toBe(true);
      expect(posts(clusterId)).toBe(1);
      expect(harness.emulator.iamSync.snapshot().clusters[clusterId]?.user_names).toContain('alice');
    } finally {
      clearTimeout(finishing);
    }
  });

  it('a replayed start: the same execution name twice starts one sync, the second answer says replayed', async () => {
    const clusterId = cluster('replay', example);
    const name = executionName('replay');
    const input = { cluster_id: clusterId, is_all_sync: true, ...FAST };
    const first = await harness.run(example, input, { name });
    const second = await harness.run(example, input, { name });

    expect(first.output).toMatchObject({ start: { started: true }, wait: { done: true } });
    expect(first.output).not.toHaveProperty('start.replayed');
    expect(second.error).toBeUndefined();
    expect(second.output).toMatchObject({ start: { started: true, replayed: true }, wait: { done: true } });
    expect((second.output as { start: { started_at: string } }).start.started_at).toBe(
      (first.output as { start: { started_at: string } }).start.started_at,
    );
    expect(posts(clusterId)).toBe(1);
  });

  it('a cluster that does not exist: ClusterNotFound is caught, the execution fails in NoSuchCluster with that error', async () => {
    const run = await harness.run(
      example,
      { cluster_id: 'no-such-cluster', is_all_sync: true, ...FAST },
      { name: executionName('missing') },
    );
    expect(run.output).toBeUndefined();
    expect(run.error?.name).toBe('ClusterNotFound');
    expect(JSON.parse(run.error?.cause ?? '{}')).toMatchObject({
      errorType: 'ClusterNotFound',
      errorMessage: expect.stringContaining('MRS error_code 12000003'),
    });
    expect(statesEntered(run.events)).toEqual(['NameTheStart', 'StartIamSync', 'NoSuchCluster']);
    expect(harness.emulator.requests.filter((r) => r.method === 'POST' && r.path.includes('no-such-cluster'))).toHaveLength(0);
  });

  it("a wait that times out: the input's wait_until passes while the sync runs, IamSyncWaitTimedOut is caught, the execution fails in SyncNotDoneInTime", async () => {
    const clusterId = cluster(example === LOOP ? 'loop-wait-until' : 'wait-until', example);
    harness.emulator.iamSync.patch(clusterId, { durationMs: 60_000 });
    try {
      const waitUntil = new Date(Date.now() + 1500).toISOString();
      const run = await harness.run(
        example,
        { cluster_id: clusterId, is_all_sync: true, wait_until: waitUntil, ...FAST },
        { name: executionName('wait-until') },
      );
      expect(run.error?.name).toBe('IamSyncWaitTimedOut');
      expect(JSON.parse(run.error?.cause ?? '{}')).toMatchObject({ errorType: 'IamSyncWaitTimedOut' });
      expect(statesEntered(run.events).at(-1)).toBe('SyncNotDoneInTime');
      expect(invocationsOf('iam-sync-wait').at(-1)?.error?.name).toBe('IamSyncWaitTimedOut');
      expect(posts(clusterId)).toBe(1);
    } finally {
      harness.emulator.iamSync.finish(clusterId);
    }
  });
});

describe(`${PLAIN}: on_timeout throw and the Retry on IamSyncStillRunning`, () => {
  it('retries a wait that had to stop while the sync ran, and succeeds once it has ended', async () => {
    const clusterId = cluster('still-running-then-done', PLAIN);
    harness.emulator.iamSync.patch(clusterId, { durationMs: 1500 });
    const run = await harness.run(
      PLAIN,
      { cluster_id: clusterId, is_all_sync: true, max_wait_seconds: 1, ...FAST },
      { name: executionName('still-running-then-done'), overrides: { retryIntervalOverrides: { WaitForIamSync: 50 } } },
    );
    expect(run.error).toBeUndefined();
    expect(run.output).toMatchObject({ wait: { done: true } });
    expect(retries(run.events, 'WaitForIamSync')).toBeGreaterThanOrEqual(1);
    const waits = invocationsOf('iam-sync-wait');
    expect(waits.slice(0, -1).every((invocation) => invocation.error?.name === 'IamSyncStillRunning')).toBe(true);
    expect(waits.every((invocation) => invocation.event.on_timeout === 'throw')).toBe(true);
  });

  it('gives up after MaxAttempts retries: IamSyncStillRunning is caught, the execution fails in SyncNotDoneInTime with that error', async () => {
    const clusterId = cluster('still-running', PLAIN);
    harness.emulator.iamSync.patch(clusterId, { durationMs: 60_000 });
    try {
      const run = await harness.run(
        PLAIN,
        { cluster_id: clusterId, is_all_sync: true, max_wait_seconds: 1, ...FAST },
        { name: executionName('still-running'), overrides: { retryIntervalOverrides: { WaitForIamSync: 0 } } },
      );
      expect(run.error?.name).toBe('IamSyncStillRunning');
      const maxAttempts = 5; // the example's Retry on IamSyncStillRunning
      expect(retries(run.events, 'WaitForIamSync')).toBe(maxAttempts);
      expect(invocationsOf('iam-sync-wait').map((invocation) => invocation.error?.name)).toEqual(
        Array(maxAttempts + 1).fill('IamSyncStillRunning'),
      );
      expect(statesEntered(run.events).at(-1)).toBe('SyncNotDoneInTime');
    } finally {
      harness.emulator.iamSync.finish(clusterId);
    }
  });
});

describe(`${LOOP}: the Choice and Wait loop`, () => {
  it('polls in short invocations with a Wait of next_poll_after_seconds between them, until done', async () => {
    const clusterId = cluster('still-running-then-done', LOOP);
    harness.emulator.iamSync.patch(clusterId, { durationMs: 2000 });
    const run = await harness.run(
      LOOP,
      { cluster_id: clusterId, is_all_sync: true, max_wait_seconds: 1, ...FAST },
      { name: executionName('loop') },
    );

    expect(run.error).toBeUndefined();
    expect(run.output).toMatchObject({ start: { started: true }, wait: { done: true } });
    const waits = invocationsOf('iam-sync-wait');
    expect(waits.length).toBeGreaterThanOrEqual(2);
    const [first] = waits;
    expect(first?.answer).toMatchObject({ done: false, is_synchronizing: true, next_poll_after_seconds: expect.any(Number) });
    expect(Number.isInteger(((first as Invocation).answer as { next_poll_after_seconds: number }).next_poll_after_seconds)).toBe(true);
    const entered = statesEntered(run.events);
    expect(entered).toContain('PauseBeforeNextPoll');
    expect(entered.filter((state) => state === 'IsSyncDone')).toHaveLength(waits.length);
    expect(entered.at(-1)).toBe('Synced');
  });
});

it('no secret reaches any output', () => {
  const text = [output.join(''), JSON.stringify(seen)].join('\n');
  expect(text).not.toContain('examples-secret-key');
});
