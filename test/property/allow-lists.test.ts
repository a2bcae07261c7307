/**
 * Property 3: a second bundle instance, configured with ALLOWED_CLUSTER_IDS and
 * ALLOWED_PROJECT_IDS, never answers for nor asks MRS about anything outside them, whatever
 * the fuzzer sends; and on well-formed requests it answers exactly the documented error.
 * The emulator owns one project, so an allowed other project reaches it and is refused
 * there (UpstreamAuthFailed); a project outside the list must never reach it.
 */
import fc from 'fast-check';
import {
  anyHttpEvent,
  CLUSTER_ID_PATTERN,
  contextKind,
  directEvent,
  HTTP_SHAPES,
  KNOWN_CLUSTERS,
  OTHER_PROJECT,
  PROJECT,
  UNKNOWN_IDS,
} from './arbitraries';
import { checkBatch, checkOutcome, invoke, newCounters, RUNS, SEED, useFuzzTarget } from './harness';
import { httpEvent as wellFormedHttpEvent } from '../fixtures/events';

const target = useFuzzTarget({ ALLOWED_CLUSTER_IDS: 'known-*,exact-1', ALLOWED_PROJECT_IDS: OTHER_PROJECT });

it(`holds against ${RUNS} fuzzed events of every shape: nothing outside the allow lists is answered or reaches MRS`, async () => {
  const counters = newCounters();
  await fc.assert(
    fc.asyncProperty(
      fc.oneof({ weight: 4, arbitrary: anyHttpEvent }, { weight: 1, arbitrary: directEvent }),
      contextKind,
      async (event, kind) => {
        checkOutcome(target.instance, event, await invoke(target.instance, target.emulator, event, kind), counters);
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
  checkBatch(counters, target.watch);
  for (const name of ['OK', 'ClusterNotAllowed', 'ProjectNotAllowed', 'UpstreamAuthFailed']) {
    expect([name, counters.answers[name] ?? 0]).not.toEqual([name, 0]);
  }
}, 300_000);

/** Ids on both sides of `known-*,exact-1`. */
const clusterId = fc.oneof(
  fc.constantFrom(
    ...Object.keys(KNOWN_CLUSTERS),
    ...UNKNOWN_IDS,
    'known',
    'Known-a',
    'exact-1',
    'exact-1-',
    'exact-',
    'xknown-a',
    'known-*',
    'known-new',
  ),
  fc.stringMatching(/^(known-)?[A-Za-z0-9_-]{1,20}$/),
);
const projectId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(undefined, PROJECT, OTHER_PROJECT) },
  { weight: 1, arbitrary: fc.constantFrom(PROJECT.toUpperCase(), OTHER_PROJECT.slice(1), `${PROJECT}0`) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{1,64}$/) },
);
const allowedCluster = (id: string) => id.startsWith('known-') || id === 'exact-1';

it(`answers ${RUNS} well-formed requests exactly: ProjectNotAllowed, then ClusterNotAllowed, and MRS only for what is allowed`, async () => {
  const counters = newCounters();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('direct', ...HTTP_SHAPES),
      clusterId,
      projectId,
      fc.boolean(),
      contextKind,
      async (shape, id, project, fresh, kind) => {
        const event =
          shape === 'direct'
            ? { cluster_id: id, fresh, ...(project !== undefined && { project_id: project }) }
            : wellFormedHttpEvent(shape, id, {
                ...(project !== undefined && { query: { project_id: project } }),
                ...(fresh && { headers: { 'Cache-Control': 'no-cache' } }),
              });
        const outcome = await invoke(target.instance, target.emulator, event, kind);
        checkOutcome(target.instance, event, outcome, counters);
        const name = answerName(outcome.value, shape === 'direct');
        const expected = !CLUSTER_ID_PATTERN.test(id)
          ? 'InvalidRequest'
          : project !== undefined && project !== PROJECT && project !== OTHER_PROJECT
            ? 'ProjectNotAllowed'
            : !allowedCluster(id)
              ? 'ClusterNotAllowed'
              : project === OTHER_PROJECT
                ? 'UpstreamAuthFailed'
                : Object.hasOwn(KNOWN_CLUSTERS, id)
                  ? 'OK'
                  : 'ClusterNotFound';
        if (name !== expected) throw new Error(`expected ${expected}, got ${name}`);
        const reachedMrs = expected === 'OK' || expected === 'ClusterNotFound' || expected === 'UpstreamAuthFailed';
        if (!reachedMrs && outcome.requests.length !== 0) throw new Error(`${expected}, yet MRS was asked`);
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
  checkBatch(counters, target.watch);
}, 300_000);

function answerName(value: unknown, direct: boolean): string {
  if (direct) return value instanceof Error ? value.name : 'OK';
  const { statusCode, body } = value as { statusCode: number; body: string };
  return statusCode === 200 ? 'OK' : (JSON.parse(body) as { error: { code: string } }).error.code;
}
