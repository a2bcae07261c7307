/**
 * Every status the document gives a route, produced by the function itself: each function
 * driven (over a scripted stub MRS client) with an event for each success and for each error
 * the table says the route answers. Each answer's status, body and headers must be the
 * documented ones, and at the end each route must have answered every status documented for
 * it, no more, no fewer.
 */
import {
  ClusterNotFound,
  SyncStartOutcomeUnknown,
  UpstreamAuthFailed,
  UpstreamRejected,
  UpstreamThrottled,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../../lib/errors';
import { ERROR_STATUS, type ErrorCode, HTTP_ROUTES, type HttpRoute, type RouteId } from '../../lib/http-routes';
import type { IamSyncStarted } from '../../lib/mrs/client';
import type { Operation } from '../../tools/openapi/document';
import { exampleDocument, gatewayEvent, type HttpAnswer, handlerFor, type MrsScript, schemaProblems } from './helpers';

const document = exampleDocument();
const CLUSTER = 'c1';

/** One event (or a few, for the idempotency conflicts) and what the function should answer. */
interface Scenario {
  readonly name: string;
  /** The success status a success scenario must get. */
  readonly success?: number;
  readonly env?: Record<string, string>;
  readonly mrs?: MrsScript;
  readonly brokenConfig?: boolean;
  readonly method?: string;
  readonly cluster?: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** The body (start: merged into a valid one); a string is sent as it is. */
  readonly body?: Record<string, unknown> | string;
  /** Requests sent before the one checked, to the same instance; awaited, unless `inFlight` is given. */
  readonly before?: readonly { readonly body: Record<string, unknown>; readonly headers?: Record<string, string> }[];
  /** Resolves when the earlier requests are far enough along (they are then left running). */
  readonly inFlight?: Promise<void>;
}

/** The MRS operation each route's answer comes from. */
const MRS_CALL: Record<RouteId, keyof MrsScript> = {
  getIamSyncStatus: 'status',
  getIamSyncCompletion: 'completion',
  listIamSyncedNames: 'names',
  startIamSync: 'status',
  waitForIamSync: 'status',
};
/** A wait that ends quickly on the stepping clock, when MRS keeps failing or the sync keeps running. */
const SHORT_WAIT = { max_wait_seconds: '3', min_delay_seconds: '1', max_delay_seconds: '1' };

function mrsFails(route: HttpRoute, error: Error): MrsScript {
  return { [MRS_CALL[route.id]]: () => error };
}

/**
 * How to make each error happen, for any route (undefined: no request to this function can,
 * such as RouteNotFound on a documented path, or an idempotency conflict on a function with no key).
 */
function errorScenario(route: HttpRoute, code: ErrorCode): Omit<Scenario, 'name'> | undefined {
  const wait = route.id === 'waitForIamSync' ? { query: SHORT_WAIT } : {};
  const start = route.functionName === 'iam-sync-start';
  switch (code) {
    case 'InvalidRequest':
      return { cluster: 'a.b' };
    case 'MethodNotAllowed':
      return { method: 'PUT' };
    case 'PayloadTooLarge':
      return { body: 'x'.repeat(300 * 1024) };
    case 'ConfigurationError':
      return { brokenConfig: true };
    case 'InternalError':
      return { mrs: mrsFails(route, new Error('a bug')) };
    case 'ClusterNotAllowed':
      return { env: { ALLOWED_CLUSTER_IDS: 'another-*' } };
    case 'ProjectNotAllowed':
      return route.body ? { body: { project_id: 'another1' } } : { query: { project_id: 'another1' } };
    case 'ClusterNotFound':
      return { mrs: mrsFails(route, new ClusterNotFound('MRS has no such cluster.')) };
    case 'UpstreamAuthFailed':
      return { mrs: mrsFails(route, new UpstreamAuthFailed('refused')) };
    case 'UpstreamRejected':
      return { mrs: mrsFails(route, new UpstreamRejected('rejected')) };
    case 'UpstreamUnavailable':
      return { ...wait, mrs: mrsFails(route, new UpstreamUnavailable('breaker open', { retryAfterSeconds: 7 })) };
    case 'UpstreamThrottled':
      return { ...wait, mrs: mrsFails(route, new UpstreamThrottled('slow down', { retryAfterSeconds: 9 })) };
    case 'UpstreamTimeout':
      return { ...wait, mrs: mrsFails(route, new UpstreamTimeout('too slow')) };
    case 'OperationDisabled':
      return { env: { IAM_SYNC_START_ENABLED: 'false' } };
    case 'IamSyncInProgress':
      return { mrs: { status: () => true } };
    case 'SyncStartOutcomeUnknown':
      return { mrs: { start: () => new SyncStartOutcomeUnknown('no answer') } };
    case 'RouteNotFound':
      return undefined;
    case 'IdempotencyKeyMismatch':
      if (!start) return undefined;
      return {
        headers: { 'Idempotency-Key': 'k-1' },
        before: [{ body: { is_all_sync: false, user_names: ['bob'] }, headers: { 'Idempotency-Key': 'k-1' } }],
      };
    case 'IdempotencyInProgress': {
      if (!start) return undefined;
      // The first request holds the key while its POST to MRS is still out.
      let posted: () => void = () => {};
      const reached = new Promise<void>((resolve) => {
        posted = resolve;
      });
      return {
        headers: { 'Idempotency-Key': 'k-2' },
        mrs: {
          start: () => {
            posted();
            return new Promise<IamSyncStarted>(() => {});
          },
        },
        before: [{ body: {}, headers: { 'Idempotency-Key': 'k-2' } }],
        inFlight: reached,
      };
    }
    case 'IamSyncStillRunning':
      return { query: { ...SHORT_WAIT, on_timeout: 'throw' }, mrs: { status: () => true } };
    case 'IamSyncWaitTimedOut':
      return { query: { wait_until: '2020-01-01T00:00:00Z' }, mrs: { status: () => true } };
    default:
      return undefined;
  }
}

function successScenarios(route: HttpRoute): Scenario[] {
  switch (route.id) {
    case 'startIamSync':
      return [
        { name: 'a sync started', success: 202 },
        { name: 'one running, if_running skip', success: 200, mrs: { status: () => true }, body: { if_running: 'skip' } },
      ];
    case 'waitForIamSync':
      return [
        { name: 'the sync ended', success: 200 },
        { name: 'still running at max_wait_seconds', success: 200, mrs: { status: () => true }, query: SHORT_WAIT },
      ];
    default:
      return [
        { name: 'the read', success: 200 },
        {
          name: 'the read, fresh, in another allowed project',
          success: 200,
          query: { fresh: 'true', project_id: 'p2' },
          env: { ALLOWED_PROJECT_IDS: 'p2' },
        },
      ];
  }
}

/**
 * Every success, and every error scenario that can be sent to the route's function, whatever
 * the table says it answers: the answers, not the table, say which errors it can give.
 */
function scenariosOf(route: HttpRoute): Scenario[] {
  const errors = (Object.keys(ERROR_STATUS) as ErrorCode[]).flatMap((code) => {
    const scenario = errorScenario(route, code);
    return scenario === undefined ? [] : [{ name: `${code} scenario`, ...scenario }];
  });
  return [...successScenarios(route), ...errors];
}

function eventFor(route: HttpRoute, scenario: Pick<Scenario, 'method' | 'cluster' | 'query' | 'headers' | 'body'>) {
  const path = route.path.replace('{cluster_id}', encodeURIComponent(scenario.cluster ?? CLUSTER));
  const body =
    typeof scenario.body === 'string' ? scenario.body : route.body ? JSON.stringify({ is_all_sync: true, ...scenario.body }) : undefined;
  return gatewayEvent(scenario.method ?? route.method, path, {
    ...(scenario.query !== undefined && { query: scenario.query }),
    ...(scenario.headers !== undefined && { headers: scenario.headers }),
    ...(body !== undefined && { body }),
  });
}

/** What each route answered: statuses, and error codes. */
const observed = new Map<RouteId, { statuses: Set<number>; codes: Set<string> }>(
  HTTP_ROUTES.map((route) => [route.id, { statuses: new Set(), codes: new Set() }]),
);

describe.each(HTTP_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))('%s', (_name, route) => {
  const op = document.paths[route.path][route.method.toLowerCase()] as Operation;

  it.each(scenariosOf(route).map((s) => [s.name, s] as const))(
    '%s: the answer is documented (status, code, body, headers)',
    async (_title, scenario) => {
      const invoke = handlerFor(route.functionName, { env: scenario.env, mrs: scenario.mrs, brokenConfig: scenario.brokenConfig });
      for (const earlier of scenario.before ?? []) {
        const pending = invoke(eventFor(route, earlier));
        if (scenario.inFlight === undefined) await pending;
      }
      await scenario.inFlight;
      const answer = (await invoke(eventFor(route, scenario))) as HttpAnswer;
      const body = JSON.parse(answer.body);
      const code: string | undefined = body.error?.code;
      observed.get(route.id)?.statuses.add(answer.statusCode);
      if (code !== undefined) observed.get(route.id)?.codes.add(code);
      if (scenario.success !== undefined) expect([answer.statusCode, code]).toEqual([scenario.success, undefined]);

      const documented = op.responses[answer.statusCode];
      expect([`${answer.statusCode} ${code ?? ''}`, documented === undefined ? 'not documented' : 'documented']).toEqual([
        `${answer.statusCode} ${code ?? ''}`,
        'documented',
      ]);
      expect(schemaProblems(documented.content['application/json'].schema, body)).toEqual([]);
      const headers = Object.keys(answer.headers).filter((name) => name !== 'Content-Type');
      expect(headers.filter((name) => !(name in documented.headers))).toEqual([]);
      if (code === 'MethodNotAllowed') expect(answer.headers.Allow).toBe(route.method);
      if (code === 'UpstreamThrottled' || code === 'UpstreamUnavailable') expect(answer.headers['Retry-After']).toMatch(/^\d+$/);
    },
  );
});

describe('coverage: what the functions answered is what the table and the document say', () => {
  it.each(HTTP_ROUTES.map((route) => [route.id, route] as const))('%s answered every error the table lists, and no other', (_id, route) => {
    expect([...(observed.get(route.id)?.codes ?? [])].sort()).toEqual([...route.errors].sort());
  });

  it.each(HTTP_ROUTES.map((route) => [route.id, route] as const))('%s answered every status documented for it', (_id, route) => {
    const op = document.paths[route.path][route.method.toLowerCase()] as Operation;
    expect([...(observed.get(route.id)?.statuses ?? [])].sort()).toEqual(Object.keys(op.responses).map(Number).sort());
  });
});
