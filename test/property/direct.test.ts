/**
 * Properties 1, 2 and 4 for direct and workflow invocation, and for completely random JSON
 * events (which the function must classify and refuse or answer like any other).
 */
import fc from 'fast-check';
import { contextKind, directEvent, randomEvent } from './arbitraries';
import { checkBatch, checkOutcome, invoke, newCounters, RUNS, SEED, useFuzzTarget } from './harness';

const target = useFuzzTarget();

it(`direct and workflow events: ${RUNS} answers of the documented shape or documented named errors, never an invalid id to MRS`, async () => {
  const counters = newCounters();
  await fc.assert(
    fc.asyncProperty(directEvent, contextKind, async (event, kind) => {
      checkOutcome(target.instance, event, await invoke(target.instance, target.emulator, event, kind), counters);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  checkBatch(counters, target.watch);
  for (const name of ['OK', 'InvalidRequest', 'ClusterNotFound', 'ProjectNotAllowed']) {
    expect([name, counters.answers[name] ?? 0]).not.toEqual([name, 0]);
  }
  expect(counters.emulatorRequests).toBeGreaterThan(0);
}, 300_000);

it(`completely random JSON events: ${RUNS} answered in the shape they were sent in, never crashing`, async () => {
  const counters = newCounters();
  await fc.assert(
    fc.asyncProperty(randomEvent, contextKind, async (event, kind) => {
      checkOutcome(target.instance, event, await invoke(target.instance, target.emulator, event, kind), counters);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  checkBatch(counters, target.watch);
  expect(counters.answers.InvalidRequest ?? 0).toBeGreaterThan(0);
}, 300_000);
