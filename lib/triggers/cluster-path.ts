/**
 * The cluster an HTTP route names: from the gateway's path parameters when it passed them,
 * else from the path (after any stage or base-path prefix), percent-decoded. The caller
 * validates the id; this only finds it, or says the path is no route of the function's.
 */
import { InvalidRequest, MethodNotAllowed, RouteNotFound } from '../errors';
import { quoteUntrusted } from '../quote';
import type { GatewayRequest } from './gateway-request';

export interface ClusterRoute {
  /** Matches the whole route at the end of the path; group 1 is the cluster id as sent. */
  readonly path: RegExp;
  readonly methods: readonly string[];
  /** The route in words, for RouteNotFound: "GET /clusters/{cluster_id}/iam-sync". */
  readonly describe: string;
}

export interface RouteMatch {
  /** The cluster id, decoded but not yet validated. */
  readonly clusterId: string;
  /** The path's match, undefined when the gateway named the cluster in path parameters for a path of its own. */
  readonly match: RegExpExecArray | undefined;
}

export function matchClusterRoute(request: GatewayRequest, route: ClusterRoute): RouteMatch {
  const fromParameters = request.pathParameters.cluster_id;
  const match = route.path.exec(request.path) ?? undefined;
  if (fromParameters === undefined && match === undefined) {
    throw new RouteNotFound(`No route here for ${quoteUntrusted(request.path)}; call ${route.describe}.`);
  }
  if (!route.methods.includes(request.method)) throw new MethodNotAllowed(request.method, route.methods);
  return { clusterId: fromParameters ?? decodePathSegment(match?.[1] ?? ''), match };
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidRequest(`The cluster id in the path is not valid percent-encoding: ${quoteUntrusted(segment)}.`);
  }
}
