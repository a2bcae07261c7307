/**
 * Where the status query is in each kind of event: the HTTP route
 * `GET /clusters/{cluster_id}/iam-sync`, or `{"cluster_id": "..."}` (`clusterId` too)
 * from a direct or workflow invocation. Every value is validated here, before anything
 * downstream sees it.
 */
import { InvalidRequest, MethodNotAllowed, RouteNotFound } from '../errors';
import { quoteUntrusted, requireClusterId } from '../ids';
import type { StatusQuery } from '../status/service';
import { ACCEPTED_SHAPES } from './classify';
import type { HttpRequest } from './http-request';

/** The route, after any stage or base-path prefix the gateway left in the path. */
const STATUS_PATH = /\/clusters\/([^/]*)\/iam-sync\/?$/;
const ALLOWED_METHODS = ['GET'] as const;

export function statusQueryFromHttp(request: HttpRequest): StatusQuery {
  const fromParameters = request.pathParameters.cluster_id;
  const match = fromParameters === undefined ? STATUS_PATH.exec(request.path) : undefined;
  if (fromParameters === undefined && !match) {
    throw new RouteNotFound(`No route here for ${quoteUntrusted(request.path)}; ask GET /clusters/{cluster_id}/iam-sync.`);
  }
  if (!(ALLOWED_METHODS as readonly string[]).includes(request.method)) {
    throw new MethodNotAllowed(request.method, ALLOWED_METHODS);
  }
  return { clusterId: requireClusterId(fromParameters ?? decodePathSegment(match?.[1] ?? '')) };
}

export function statusQueryFromDirect(payload: Readonly<Record<string, unknown>>): StatusQuery {
  const { cluster_id: snake, clusterId: camel } = payload;
  if (snake === undefined && camel === undefined) {
    throw new InvalidRequest(`The event has no cluster_id. ${ACCEPTED_SHAPES}`);
  }
  if (snake !== undefined && camel !== undefined && snake !== camel) {
    throw new InvalidRequest('The event has both cluster_id and clusterId, with different values; send one.');
  }
  return { clusterId: requireClusterId(snake ?? camel) };
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidRequest(`The cluster id in the path is not valid percent-encoding: ${quoteUntrusted(segment)}.`);
  }
}
