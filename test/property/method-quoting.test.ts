/**
 * A bug the fuzzer found, kept as a property: MethodNotAllowed once repeated the caller's
 * method raw (minimal counterexample: method "\u0000" on the status route).
 */
import fc from 'fast-check';
import { httpEvent } from '../fixtures/events';
import { HTTP_SHAPES } from './arbitraries';
import { checkMessage, invoke, SEED, useFuzzTarget } from './harness';

const target = useFuzzTarget();

/** README: "Values a caller sent are quoted cut to 40 characters, with markup, control and non-ASCII characters escaped." */
it('MethodNotAllowed quotes the method it refuses like every other caller value', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...HTTP_SHAPES),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }).filter((m) => m.toUpperCase() !== 'GET' && m.toUpperCase() !== 'OPTIONS'),
      async (shape, method) => {
        const outcome = await invoke(target.instance, target.emulator, httpEvent(shape, 'demo-idle', { method }), 'lambda');
        const { statusCode, body } = outcome.value as { statusCode: number; body: string };
        if (statusCode !== 405) throw new Error(`expected 405, got ${statusCode}`);
        checkMessage((JSON.parse(body) as { error: { message: string } }).error.message, () => outcome.value);
      },
    ),
    { numRuns: 1000, seed: SEED },
  );
});
