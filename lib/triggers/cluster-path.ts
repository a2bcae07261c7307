/**
 * Which of a function's routes (lib/http-routes.ts) an HTTP request is, and the cluster it
 * names: from the gateway's path parameters when it passed them, else from the path (after
 * any stage or base-path prefix), percent-decoded. The caller validates the id; this only
 * finds it, or says the path is no route of the function's (RouteNotFound) or the method
 * not one the path takes (MethodNotAllowed, with the methods for `Allow`).
 */
import { InvalidRequest, MethodNotAllowed, RouteNotFound } from '../errors';
import { type HttpRoute, methodsOf } from '../http-routes';
import { quoteUntrusted } from '../quote';
import type { GatewayRequest } from './gateway-request';

/** The path parameter that names the cluster in every route's template. */
const CLUSTER_PARAMETER = 'cluster_id';
const CLUSTER_PREFIX = `/clusters/{${CLUSTER_PARAMETER}}`;

export interface RouteMatch {
  /** The cluster id, decoded but not yet validated. */
  readonly clusterId: string;
  /**
   * The route the path and method are: the function's first route of the method when the
   * gateway named the cluster in path parameters for a path of its own.
   */
  readonly route: HttpRoute;
}

/** One function's routes, ready to match: each template as a pattern that ends the path. */
export interface ClusterRoutes {
  readonly routes: readonly HttpRoute[];
  readonly methods: readonly string[];
  /** The routes in words, for RouteNotFound: "GET /clusters/{cluster_id}/iam-sync, .../iam-sync/users". */
  readonly describe: string;
  readonly patterns: readonly RegExp[];
}

export function clusterRoutes(routes: readonly HttpRoute[]): ClusterRoutes {
  if (routes.length === 0) throw new Error('a function with HTTP routes needs at least one');
  return { routes, methods: methodsOf(routes), describe: describeRoutes(routes), patterns: routes.map((route) => pathPattern(route.path)) };
}

export function matchClusterRoute(request: GatewayRequest, { routes, methods, describe, patterns }: ClusterRoutes): RouteMatch {
  const fromParameters = request.pathParameters[CLUSTER_PARAMETER];
  let match: RegExpExecArray | undefined;
  let matched: HttpRoute | undefined;
  for (const [i, pattern] of patterns.entries()) {
    match = pattern.exec(request.path) ?? undefined;
    if (match !== undefined) {
      matched = routes[i];
      break;
    }
  }
  if (fromParameters === undefined && matched === undefined) {
    throw new RouteNotFound(`No route here for ${quoteUntrusted(request.path)}; call ${describe}.`);
  }
  const candidates = matched === undefined ? routes : routes.filter((route) => route.path === matched.path);
  const route = candidates.find((candidate) => candidate.method === request.method);
  if (route === undefined) throw new MethodNotAllowed(request.method, matched === undefined ? methods : methodsOf(candidates));
  return { clusterId: fromParameters ?? decodePathSegment(match?.groups?.[CLUSTER_PARAMETER] ?? ''), route };
}

/** An APIG template as a pattern for the end of a path: `{name}` is one segment (named group), a trailing `/` is allowed. */
export function pathPattern(template: string): RegExp {
  const source = template
    .split('/')
    .map((part) => {
      const parameter = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(part)?.[1];
      return parameter === undefined ? part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : `(?<${parameter}>[^/]*)`;
    })
    .join('\\/');
  return new RegExp(`${source}\\/?$`);
}

/** "GET /clusters/{cluster_id}/iam-sync, .../iam-sync/is-synchronous or .../iam-sync/users": later routes of the same method after the cluster. */
function describeRoutes(routes: readonly HttpRoute[]): string {
  const words = routes.map(({ method, path }, i) => {
    const short = i > 0 && routes[0].method === method && path.startsWith(CLUSTER_PREFIX);
    return short ? `...${path.slice(CLUSTER_PREFIX.length)}` : `${method} ${path}`;
  });
  return words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidRequest(`The cluster id in the path is not valid percent-encoding: ${quoteUntrusted(segment)}.`);
  }
}
