/**
 * The gateway's route table: APIG-style path templates (`{name}` matches one segment)
 * mapped to bundled functions. A route takes every method, like an APIG API defined
 * with method ANY, so the function itself decides what to do with a PUT or a DELETE.
 */
export interface Route {
  /** E.g. `/clusters/{cluster_id}/iam-sync`. */
  readonly path: string;
  /** A file name in functions/ without `.ts`, i.e. the bundle `dist/<functionName>/index.js`. */
  readonly functionName: string;
}

export interface RouteMatch {
  readonly route: Route;
  /** Decoded values, as APIG passes them. */
  readonly pathParameters: Record<string, string>;
}

export const DEFAULT_ROUTES: readonly Route[] = [{ path: '/clusters/{cluster_id}/iam-sync', functionName: 'iam-sync-status' }];

const PARAMETER = /^\{([A-Za-z0-9_-]+)\}$/;

/** The first route whose template matches the raw (still percent-encoded) path. */
export function matchRoute(routes: readonly Route[], rawPath: string): RouteMatch | undefined {
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
