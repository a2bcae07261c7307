/**
 * HTTP events from every gateway this function sits behind, reduced to one shape:
 * FunctionGraph APIG and AWS API Gateway REST (payload 1.0) events carry `httpMethod`
 * and `path`; AWS HTTP API (payload 2.0) and Lambda Function URL events carry
 * `requestContext.http.method` and `rawPath`.
 */
import { isObject } from '../is-object';

/** An HTTP request as a gateway hands it to the function (outbound calls are `OutboundRequest`). */
export interface GatewayRequest {
  readonly method: string;
  /** The path as the gateway passed it (percent-encoded, possibly with a stage prefix). */
  readonly path: string;
  readonly pathParameters: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The size of the decoded body, worked out without decoding or parsing it. */
  readonly bodyBytes: number;
  /** The body as text (Base64 decoded when the gateway encoded it); read only after its size was checked. */
  bodyText(): string | undefined;
}

type Loose = Record<string, unknown>;

export function toGatewayRequest(event: unknown): GatewayRequest | undefined {
  if (!isObject(event)) return undefined;
  const requestContext = isObject(event.requestContext) ? event.requestContext : {};
  const http2 = isObject(requestContext.http) ? requestContext.http : undefined;
  if (event.version === '2.0' && http2 && typeof http2.method === 'string' && typeof event.rawPath === 'string') {
    return normalise(http2.method, event.rawPath, event);
  }
  if (typeof event.httpMethod === 'string' && typeof event.path === 'string') {
    return normalise(event.httpMethod, event.path, event);
  }
  return undefined;
}

function normalise(method: string, path: string, event: Loose): GatewayRequest {
  return {
    method: method.toUpperCase(),
    path,
    pathParameters: stringRecord(event.pathParameters),
    query: stringRecord(event.queryStringParameters),
    headers: lowerCaseKeys(stringRecord(event.headers)),
    bodyBytes: bodySize(event.body, event.isBase64Encoded === true),
    bodyText: () => {
      if (typeof event.body !== 'string' || event.body === '') return undefined;
      return event.isBase64Encoded === true ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    },
  };
}

function bodySize(body: unknown, isBase64: boolean): number {
  if (typeof body !== 'string') return 0;
  if (!isBase64) return Buffer.byteLength(body);
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  return Math.floor((body.length * 3) / 4) - padding;
}

function stringRecord(value: unknown): Record<string, string | undefined> {
  if (!isObject(value)) return {};
  const record: Record<string, string | undefined> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') record[key] = entry;
  }
  return record;
}

function lowerCaseKeys(record: Record<string, string | undefined>): Record<string, string | undefined> {
  const lowered: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(record)) lowered[key.toLowerCase()] = value;
  return lowered;
}
