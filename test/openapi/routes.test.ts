/**
 * The routes the functions really serve, found by probing: every method on every path (the
 * table's, with a stage prefix and a trailing slash, and near misses) sent to each function's
 * route module as each gateway sends it. A function accepts exactly the methods and paths the
 * document gives it, refuses everything else with RouteNotFound or MethodNotAllowed (Allow:
 * the documented methods), and the local gateway dispatches each documented route to it.
 */
import { MethodNotAllowed, RouteNotFound } from '../../lib/errors';
import { HTTP_ROUTES, type HttpFunctionName } from '../../lib/http-routes';
import { startRoute } from '../../lib/start/route';
import { statusRoute } from '../../lib/status/route';
import { type GatewayRequest, toGatewayRequest } from '../../lib/triggers/gateway-request';
import type { TriggerRoute } from '../../lib/triggers/route';
import { waitRoute } from '../../lib/wait/route';
import { ALL_ROUTES, DEFAULT_ROUTES, matchRoute } from '../../gateway/routes';
import { HTTP_SHAPES, httpEvent } from '../fixtures/events';
import { exampleDocument } from './helpers';

const ROUTE_MODULES: Record<HttpFunctionName, TriggerRoute<unknown, unknown>> = {
  'iam-sync-status': statusRoute as TriggerRoute<unknown, unknown>,
  'iam-sync-start': startRoute as TriggerRoute<unknown, unknown>,
  'iam-sync-wait': waitRoute as TriggerRoute<unknown, unknown>,
};
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const CLUSTER = 'c1';
const document = exampleDocument();

/** The document's operations as "METHOD template" for each function (by its x-apigateway-backend URN). */
function documentedOf(fn: HttpFunctionName): string[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) =>
        (op['x-apigateway-backend'] as { functionEndpoints: { 'function-urn': string } }).functionEndpoints['function-urn'].includes(
          `:${fn}:`,
        ),
      )
      .map(([method]) => `${method.toUpperCase()} ${path}`),
  );
}

const TEMPLATES = [...new Set(HTTP_ROUTES.map((route) => route.path))];
const concrete = (template: string) => template.replace('{cluster_id}', CLUSTER);
/** Every path probed, with the template it is (undefined: no route's). */
const PROBES: Array<{ path: string; template: string | undefined }> = [
  ...TEMPLATES.flatMap((template) => [
    { path: concrete(template), template },
    { path: `${concrete(template)}/`, template },
    { path: `/RELEASE${concrete(template)}`, template },
  ]),
  ...[
    '/clusters/c1',
    '/clusters/c1/iam-sync/start',
    '/clusters/c1/iam-sync/users/x',
    '/clusters/c1/iam-sync/wait/x',
    '/clusters/c1/iam-sync-user',
    '/c1/iam-sync',
    '/',
  ].map((path) => ({ path, template: undefined })),
];

type Outcome = { kind: 'accepted' } | { kind: 'RouteNotFound' } | { kind: 'MethodNotAllowed'; allow: readonly string[] };

function probe(fn: HttpFunctionName, request: GatewayRequest): Outcome {
  try {
    ROUTE_MODULES[fn].fromHttp?.(request);
  } catch (error) {
    if (error instanceof RouteNotFound) return { kind: 'RouteNotFound' };
    if (error instanceof MethodNotAllowed) return { kind: 'MethodNotAllowed', allow: error.allow };
    // Anything else (InvalidRequest for a missing body) means the route was taken.
  }
  return { kind: 'accepted' };
}

describe.each(Object.keys(ROUTE_MODULES) as HttpFunctionName[])('%s', (fn) => {
  const documented = documentedOf(fn);

  it('the document gives it exactly its table routes', () => {
    expect(documented.sort()).toEqual(
      HTTP_ROUTES.filter((r) => r.functionName === fn)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    );
    expect(ROUTE_MODULES[fn].httpMethods).toEqual([...new Set(HTTP_ROUTES.filter((r) => r.functionName === fn).map((r) => r.method))]);
  });

  it.each(HTTP_SHAPES.map((shape) => [shape]))(
    '%s without path parameters: accepts every documented method and path, refuses every other',
    (shape) => {
      const accepted: string[] = [];
      for (const { path, template } of PROBES) {
        for (const method of METHODS) {
          const request = toGatewayRequest(httpEvent(shape, CLUSTER, { method, path, withoutPathParameters: true })) as GatewayRequest;
          const outcome = probe(fn, request);
          const isDocumented = template !== undefined && documented.includes(`${method} ${template}`);
          if (outcome.kind === 'accepted') {
            expect(`${method} ${path}: ${isDocumented ? 'documented' : 'NOT documented'}`).toBe(`${method} ${path}: documented`);
            accepted.push(`${method} ${template}`);
          } else if (isDocumented) {
            throw new Error(`${fn} refuses the documented ${method} ${path} with ${outcome.kind}`);
          } else if (outcome.kind === 'MethodNotAllowed') {
            // The path is one of the function's: Allow names the methods documented on it.
            const onPath = documented.filter((op) => op.endsWith(` ${template}`)).map((op) => op.split(' ')[0]);
            expect([path, [...outcome.allow]]).toEqual([path, onPath]);
            expect(onPath.length).toBeGreaterThan(0);
          } else {
            expect(documented.some((op) => op.endsWith(` ${template}`)) ? `${path} is the function's` : 'not its path').toBe(
              'not its path',
            );
          }
        }
      }
      expect([...new Set(accepted)].sort()).toEqual([...documented].sort());
    },
  );

  it("with the cluster in path parameters (an APIG or API Gateway route), a path of the gateway's own is the first documented route", () => {
    const [first] = HTTP_ROUTES.filter((r) => r.functionName === fn);
    const request = toGatewayRequest(
      httpEvent('functiongraph-apig', CLUSTER, { method: first.method, path: '/my-api/sync-state' }),
    ) as GatewayRequest;
    expect(probe(fn, request)).toEqual({ kind: 'accepted' });
    const other = METHODS.find((m) => !documented.some((op) => op.startsWith(`${m} `))) as string;
    expect(
      probe(
        fn,
        toGatewayRequest(httpEvent('functiongraph-apig', CLUSTER, { method: other, path: '/my-api/sync-state' })) as GatewayRequest,
      ),
    ).toMatchObject({
      kind: 'MethodNotAllowed',
    });
  });
});

describe('the local gateway serves the documented routes', () => {
  it('ALL_ROUTES is the table: one gateway route per table route, named by its id', () => {
    expect(ALL_ROUTES.map((r) => [r.routeId, r.functionName, r.path]).sort()).toEqual(
      HTTP_ROUTES.map((r) => [r.id, r.functionName, r.path]).sort(),
    );
    expect(DEFAULT_ROUTES.every((r) => r.functionName === 'iam-sync-status')).toBe(true);
  });

  it.each(HTTP_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s goes to its function', (_name, route) => {
    expect(matchRoute(ALL_ROUTES, concrete(route.path), route.method)).toMatchObject({
      route: { functionName: route.functionName },
      pathParameters: { cluster_id: CLUSTER },
    });
  });

  it('a path no function serves is not routed', () => {
    for (const { path, template } of PROBES) if (template === undefined) expect(matchRoute(ALL_ROUTES, path, 'GET')).toBeUndefined();
  });
});
