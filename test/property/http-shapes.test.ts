/**
 * Properties 1, 2 and 4 for the four HTTP trigger shapes: generated APIG, REST v1, HTTP API
 * v2 and Function URL events, valid and hostile, through the built bundle and the emulator.
 */
import fc from 'fast-check';
import type { Emulator } from '../../emulator/server';
import { contextKind, HTTP_SHAPES, httpEvent } from './arbitraries';
import { bundleInstance, checkBatch, checkOutcome, invoke, newCounters, RUNS, SEED, startMrs, watchProcess, type Instance, type ProcessWatch } from './harness';

let emulator: Emulator;
let instance: Instance;
let watch: ProcessWatch;

beforeAll(async () => {
  watch = watchProcess();
  emulator = await startMrs();
  instance = bundleInstance(emulator);
});

afterAll(async () => {
  await emulator?.close();
  watch?.stop();
});

describe.each(HTTP_SHAPES)('%s events', (shape) => {
  it(`answer ${RUNS} generated events well formed, never send MRS an invalid id, never crash`, async () => {
    const counters = newCounters();
    await fc.assert(
      fc.asyncProperty(httpEvent(shape), contextKind, async (event, kind) => {
        checkOutcome(instance, event, await invoke(instance, emulator, event, kind), counters);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    checkBatch(counters, watch);
    // The generators reach every kind of answer, not only the easy ones.
    for (const name of ['OK', 'Preflight', 'InvalidRequest', 'RouteNotFound', 'MethodNotAllowed', 'PayloadTooLarge', 'ClusterNotFound', 'ProjectNotAllowed']) {
      expect([name, counters.answers[name] ?? 0]).toEqual([name, expect.any(Number)]);
      expect(counters.answers[name] ?? 0).toBeGreaterThan(RUNS >= 10_000 ? 20 : 0);
    }
    expect(counters.emulatorRequests).toBeGreaterThan(0);
  }, 300_000);
});
