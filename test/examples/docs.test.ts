/**
 * The examples' docs: each example has one beside it, and every input they show is one the
 * start and wait functions accept (their own validation, as a direct event).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startQueryFromDirect } from '../../lib/start/route';
import { waitQueryFromDirect } from '../../lib/wait/route';
import { ASL_EXAMPLES, EXAMPLES, FLOW_EXAMPLE } from './harness';

const DOCS = ['README.md', ...[...ASL_EXAMPLES, FLOW_EXAMPLE].map((example) => example.replace(/\.asl\.json$|\.json$/, '.md'))];

it.each(DOCS.map((doc) => [doc]))('%s exists', (doc) => {
  expect(existsSync(resolve(EXAMPLES, doc))).toBe(true);
});

/** The JSON blocks of a doc that hold a cluster_id: the inputs it shows. */
function inputs(doc: string): Array<Record<string, unknown>> {
  const text = readFileSync(resolve(EXAMPLES, doc), 'utf8');
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((match) => JSON.parse(match[1] as string) as Record<string, unknown>)
    .filter((block) => 'cluster_id' in block && !('start' in block));
}

const shown = DOCS.flatMap((doc) => inputs(doc).map((input, i): [string, Record<string, unknown>] => [`${doc} input ${i + 1}`, input]));

it('the docs show inputs', () => {
  expect(shown.length).toBeGreaterThanOrEqual(DOCS.length);
});

it.each(shown)('%s is accepted by the start and the wait functions', (_, input) => {
  expect(() => startQueryFromDirect({ ...input, idempotency_key: 'execution-name-1' })).not.toThrow();
  expect(() => waitQueryFromDirect({ ...input, on_timeout: 'throw' })).not.toThrow();
});
