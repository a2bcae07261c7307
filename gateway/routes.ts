/**
 * The gateway's route tables: APIG-style path templates (`{name}` matches one segment)
 * mapped to bundled functions. A route without `method` takes every method, like an APIG
 * API defined with method ANY, so the function itself decides what to do with a PUT or a
 * DELETE; a route with `method` takes only that one, and wins over an ANY route on the same path.
 */
export interface Route {
  /** E.g. `/clusters/{cluster_id}/iam-sync`. */
  readonly path: string;
  /** Only this (upper-case) method; omitted: any. */
  readonly method?: string;
  /** A file name in functions/ without `.ts`, i.e. the bundle `dist/<functionName>/index.js`. */
  readonly functionName: string;
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

/** The status function's routes: the sync status, whether the cluster has synced, and the synced users and groups. */
export const DEFAULT_ROUTES: readonly Route[] = [
  { path: '/clusters/{cluster_id}/iam-sync', functionName: 'iam-sync-status' },
  { path: '/clusters/{cluster_id}/iam-sync/is-synchronous', functionName: 'iam-sync-status' },
  { path: '/clusters/{cluster_id}/iam-sync/users', functionName: 'iam-sync-status' },
];

/** Above the `max_wait_seconds=25` long poll `npm start` suggests; APIG's backend timeout is at most 60 s by default. */
export const WAIT_ROUTE_TIMEOUT_MS = 60_000;

/**
 * Every function's routes, as `npm start` serves them: the status function's, plus starting a
 * sync (`POST /clusters/{cluster_id}/iam-sync`) and waiting for one (a long poll). The start
 * and wait routes are optional, so a checkout whose start or wait function is not built yet still serves the status.
 */
export const ALL_ROUTES: readonly Route[] = [
  { path: '/clusters/{cluster_id}/iam-sync', method: 'POST', functionName: 'iam-sync-start', optional: true },
  { path: '/clusters/{cluster_id}/iam-sync/wait', functionName: 'iam-sync-wait', timeoutMs: WAIT_ROUTE_TIMEOUT_MS, optional: true },
  ...DEFAULT_ROUTES,
];

const PARAMETER = /^\{([A-Za-z0-9_-]+)\}$/;

/**
 * The route for the raw (still percent-encoded) path: with `method`, the first route of that
 * method, else the first route for any method; without `method`, the first route for any method.
 */
export function matchRoute(routes: readonly Route[], rawPath: string, method?: string): RouteMatch | undefined {
  const exact = method === undefined ? undefined : firstMatch(routes.filter((route) => route.method === method.toUpperCase()), rawPath);
  return exact ?? firstMatch(routes.filter((route) => route.method === undefined), rawPath);
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
