/**
 * Properties 1, 2 and 4 for direct and workflow invocation, and for completely random JSON
 * events (which the function must classify and refuse or answer like any other).
 */
import fc from 'fast-check';
import type { Emulator } from '../../emulator/server';
import { contextKind, directEvent, randomEvent } from './arbitraries';
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

it(`direct and workflow events: ${RUNS} answers of the documented shape or documented named errors, never an invalid id to MRS`, async () => {
  const counters = newCounters();
  await fc.assert(
    fc.asyncProperty(directEvent, contextKind, async (event, kind) => {
      checkOutcome(instance, event, await invoke(instance, emulator, event, kind), counters);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  checkBatch(counters, watch);
  for (const name of ['OK', 'InvalidRequest', 'ClusterNotFound', 'ProjectNotAllowed']) {
    expect([name, counters.answers[name] ?? 0]).not.toEqual([name, 0]);
  }
  expect(counters.emulatorRequests).toBeGreaterThan(0);
}, 300_000);

it(`completely random JSON events: ${RUNS} answered in the shape they were sent in, never crashing`, async () => {
  const counters = newCounters();
  await fc.assert(
    fc.asyncProperty(randomEvent, contextKind, async (event, kind) => {
      checkOutcome(instance, event, await invoke(instance, emulator, event, kind), counters);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  checkBatch(counters, watch);
  expect(counters.answers.InvalidRequest ?? 0).toBeGreaterThan(0);
}, 300_000);
