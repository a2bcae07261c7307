/**
 * Properties 1, 2 and 4 for the four HTTP trigger shapes: generated APIG, REST v1, HTTP API
 * v2 and Function URL events, valid and hostile, through the built bundle and the emulator.
 */
import fc from 'fast-check';
import { contextKind, HTTP_SHAPES, httpEvent } from './arbitraries';
import { checkBatch, checkOutcome, invoke, newCounters, RUNS, SEED, useFuzzTarget } from './harness';

const target = useFuzzTarget();

const ANSWER_KINDS = [
  'OK',
  'Preflight',
  'InvalidRequest',
  'RouteNotFound',
  'MethodNotAllowed',
  'PayloadTooLarge',
  'ClusterNotFound',
  'ProjectNotAllowed',
];

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
    // Every event was checked and counted under exactly one kind of answer.
    expect(counters.events).toBe(RUNS);
    expect(Object.values(counters.answers).reduce((sum, count) => sum + count, 0)).toBe(RUNS);
    // The generators reach every kind of answer, not only the easy ones; a failure names the kinds reached too rarely.
    const minimum = RUNS >= 10_000 ? 20 : 0;
    const rare = ANSWER_KINDS.filter((name) => (counters.answers[name] ?? 0) <= minimum).map((name) => [name, counters.answers[name] ?? 0]);
    expect(rare).toEqual([]);
    expect(counters.emulatorRequests).toBeGreaterThan(0);
  }, 300_000);
});
