/**
 * The emulated APIs as route tables: a path template (`{name}` matches one segment) and a
 * handler per method. Each service module (mrs.ts, iam.ts, ecs-metadata.ts) lists its
 * routes; server.ts authenticates, injects faults and then dispatches here, so a new API
 * is one table entry and one handler, with no change to the server.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { API_NOT_FOUND, METHOD_NOT_FOUND } from './errors';

export interface ApiRequest {
  method: string;
  /** As received: still percent-encoded, without the query. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received (and, on signed routes, as its signature covers it). */
  body: Buffer;
  /** The template's `{name}` segments, decoded; possibly empty strings, for the handler to judge. */
  params: Record<string, string>;
}

/**
 * A JSON answer. The server adds the request id to bodies whose `error_code` starts with
 * `APIGW.`, as the real gateway does, so handlers return the catalogued errors as they are.
 */
export interface ApiReply {
  status: number;
  body: unknown;
}

export type ApiHandler = (request: ApiRequest) => ApiReply;

export interface ApiRoute {
  /** E.g. `/v2/{project_id}/clusters/{cluster_id}/iam-sync`. */
  readonly path: string;
  /** Upper-case method -> handler. */
  readonly methods: Readonly<Record<string, ApiHandler>>;
}

export interface ApiMatch {
  route: ApiRoute;
  params: Record<string, string>;
}

const PARAMETER = /^\{([A-Za-z0-9_]+)\}$/;

/** The first route whose template matches the raw path, whatever the method. */
export function matchApiRoute(routes: readonly ApiRoute[], path: string): ApiMatch | undefined {
  const segments = path.split('/');
  for (const route of routes) {
    const template = route.path.split('/');
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = template.every((part, i) => {
      const name = PARAMETER.exec(part)?.[1];
      if (name === undefined) return part === segments[i];
      params[name] = decodeSegment(segments[i]);
      return true;
    });
    if (matches) return { route, params };
  }
  return undefined;
}

/**
 * The answer of the route the request names. Like APIG: an unknown path is "the API does
 * not exist or has not been published", a known path with another method "the API does not exist".
 */
export function dispatch(routes: readonly ApiRoute[], request: Omit<ApiRequest, 'params'>): ApiReply {
  const match = matchApiRoute(routes, request.path);
  if (match === undefined) return API_NOT_FOUND;
  if (!Object.hasOwn(match.route.methods, request.method)) return METHOD_NOT_FOUND;
  return match.route.methods[request.method]({ ...request, params: match.params });
}

/** Invalid percent-encoding is kept as received: no route's values can contain it, so the handler refuses it. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
