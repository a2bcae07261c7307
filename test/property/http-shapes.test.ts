/**
 * Properties 1, 2 and 4 for the four HTTP trigger shapes: generated APIG, REST v1, HTTP API
 * v2 and Function URL events, valid and hostile, through the built bundle and the emulator.
 */
import fc from 'fast-check';
import { contextKind, HTTP_SHAPES, httpEvent } from './arbitraries';
import { checkBatch, checkOutcome, invoke, newCounters, RUNS, SEED, useFuzzTarget } from './harness';

const target = useFuzzTarget();

describe.each(HTTP_SHAPES)('%s events', (shape) => {
  it(`answer ${RUNS} generated events well formed, never send MRS an invalid id, never crash`, async () => {
    const counters = newCounters();
    await fc.assert(
      fc.asyncProperty(httpEvent(shape), contextKind, async (event, kind) => {
        checkOutcome(target.instance, event, await invoke(target.instance, target.emulator, event, kind), counters);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    checkBatch(counters, target.watch);
    // The generators reach every kind of answer, not only the easy ones.
    for (const name of ['OK', 'Preflight', 'InvalidRequest', 'RouteNotFound', 'MethodNotAllowed', 'PayloadTooLarge', 'ClusterNotFound', 'ProjectNotAllowed']) {
      expect([name, counters.answers[name] ?? 0]).toEqual([name, expect.any(Number)]);
      expect(counters.answers[name] ?? 0).toBeGreaterThan(RUNS >= 10_000 ? 20 : 0);
    }
    expect(counters.emulatorRequests).toBeGreaterThan(0);
  }, 300_000);
});
