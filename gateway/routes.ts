/**
 * The gateway's route tables: APIG-style path templates (`{name}` matches one segment)
 * mapped to bundled functions. A route without `method` takes every method, like an APIG
 * API defined with method ANY, so the function itself decides what to do with a PUT or a
 * DELETE; a route with `method` takes only that one, and wins over an ANY route on the same path.
 */
import { HTTP_ROUTES, type HttpFunctionName, type HttpRoute, type RouteId, WAIT_ROUTE_TIMEOUT_MS } from '../lib/http-routes';

export interface Route {
  /** E.g. `/clusters/{cluster_id}/iam-sync`. */
  readonly path: string;
  /** Only this (upper-case) method; omitted: any. */
  readonly method?: string;
  /** A file name in functions/ without `.ts`, i.e. the bundle `dist/<functionName>/index.js`. */
  readonly functionName: string;
  /** The table route it serves (lib/http-routes.ts), if any. */
  readonly routeId?: RouteId;
  /** This route's function timeout (APIG's per-API backend timeout), instead of the gateway's; e.g. for a long poll. */
  readonly timeoutMs?: number;
  /**
   * The gateway starts even if this function cannot be loaded (bundle not built, or no
   * handler given), and answers this route 502 APIG.0202 saying what is missing.
   */
  readonly optional?: boolean;
}

export interface RouteMatch {
  readonly route: Route;
  /** Decoded values, as APIG passes them. */
  readonly pathParameters: Record<string, string>;
}

/** Functions the gateway starts without: their routes answer 502 until they are built (a checkout may build only the status). */
const OPTIONAL_FUNCTIONS: ReadonlySet<HttpFunctionName> = new Set(['iam-sync-start', 'iam-sync-wait']);

/**
 * The table's routes (lib/http-routes.ts) as the gateway serves them. On a path only one
 * function serves, the route takes every method (ANY), so the function itself answers another
 * method (405 with Allow); on a path several functions serve, the path's first route in the
 * table takes ANY and the others only their own method (POST /clusters/{cluster_id}/iam-sync
 * goes to the start function, every other method to the status function).
 */
export function gatewayRoutes(routes: readonly HttpRoute[]): Route[] {
  return routes.map((route) => {
    const first = routes.find((other) => other.path === route.path);
    return {
      path: route.path,
      ...(first !== route && { method: route.method }),
      functionName: route.functionName,
      routeId: route.id,
      ...(route.timeoutMs !== undefined && { timeoutMs: route.timeoutMs }),
      ...(OPTIONAL_FUNCTIONS.has(route.functionName) && { optional: true }),
    };
  });
}

/** Every function's routes, as `npm start` serves them: the status function's reads, starting a sync and waiting for one (a long poll). */
export const ALL_ROUTES: readonly Route[] = gatewayRoutes(HTTP_ROUTES);

/** The status function's routes: the sync status, whether the cluster has synced, and the synced users and groups. */
export const DEFAULT_ROUTES: readonly Route[] = ALL_ROUTES.filter((route) => route.functionName === 'iam-sync-status');

export { WAIT_ROUTE_TIMEOUT_MS };

const PARAMETER = /^\{([A-Za-z0-9_-]+)\}$/;

/**
 * The route for the raw (still percent-encoded) path: with `method`, the first route of that
 * method, else the first route for any method; without `method`, the first route for any method.
 */
export function matchRoute(routes: readonly Route[], rawPath: string, method?: string): RouteMatch | undefined {
  const exact =
    method === undefined
      ? undefined
      : firstMatch(
          routes.filter((route) => route.method === method.toUpperCase()),
          rawPath,
        );
  return (
    exact ??
    firstMatch(
      routes.filter((route) => route.method === undefined),
      rawPath,
    )
  );
}

function firstMatch(routes: readonly Route[], rawPath: string): RouteMatch | undefined {
  const segments = rawPath.split('/');
  for (const route of routes) {
    const template = route.path.split('/');
    if (template.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matches = template.every((part, i) => {
      const name = PARAMETER.exec(part)?.[1];
      if (name === undefined) return part === segments[i];
      if (segments[i] === '') return false;
      pathParameters[name] = decodeSegment(segments[i]);
      return true;
    });
    if (matches) return { route, pathParameters };
  }
  return undefined;
}

/** Invalid percent-encoding is passed on as received: the function validates its parameters itself. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
