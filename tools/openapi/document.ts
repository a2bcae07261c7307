/**
 * The OpenAPI 3.0 document of one deployment, from the route table (lib/http-routes.ts) and
 * the schemas keyed by its ids (./schemas.ts): every route and method, its parameters and
 * body, every status it answers with its body and headers; and on each operation the import
 * extensions of both gateways: Huawei APIG's `x-apigateway-backend` (a FunctionGraph backend)
 * with `x-apigateway-auth-type` in securitySchemes, and AWS API Gateway's
 * `x-amazon-apigateway-integration` (a Lambda proxy, payload format 2.0).
 */
import { ERROR_STATUS, type ErrorCode, HTTP_ROUTES, type HttpFunctionName, type HttpRoute } from '../../lib/http-routes';
import {
  COMMON_HEADERS,
  ERROR_DESCRIPTIONS,
  errorBodySchema,
  errorHeaders,
  HEADERS,
  type HeaderName,
  ROUTE_DOCS,
  type Schema,
} from './schemas';

/** APIG's backend timeout: default 5000 ms, at most 60000 ms for a FunctionGraph backend. */
export const APIG_DEFAULT_TIMEOUT_MS = 5_000;
export const APIG_MAX_TIMEOUT_MS = 60_000;
/** API Gateway HTTP APIs cut an integration at 30 s. */
export const AWS_MAX_TIMEOUT_MS = 30_000;

export type ApigAuth = 'IAM' | 'APP' | 'NONE';

/** Where one function is deployed, on each platform. */
export interface FunctionTarget {
  /** The FunctionGraph function URN, e.g. urn:fss:cn-north-4:<project>:function:<package>:iam-sync-status:latest. */
  readonly functionUrn: string;
  /** The function version APIG invokes. */
  readonly version: string;
  /** The function's own timeout, seconds (the APIG backend timeout is kept within it). */
  readonly timeoutSeconds?: number;
  /** The Lambda function ARN. */
  readonly lambdaArn: string;
}

export interface DocumentOptions {
  /** The deployment's name, in the title. */
  readonly deployment: string;
  readonly version: string;
  /** The functions deployed: only their routes are documented. */
  readonly functions: Readonly<Partial<Record<HttpFunctionName, FunctionTarget>>>;
  /** APIG authentication: IAM (default), APP (AppSigv1) or NONE. */
  readonly auth?: ApigAuth;
  /** APIG `x-apigateway-request-type`. */
  readonly requestType?: 'public' | 'private';
  /** The AWS region in the integration URI (the Lambda ARN's when omitted). */
  readonly awsRegion?: string;
  /** The routes (default: the table). */
  readonly routes?: readonly HttpRoute[];
}

export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
};

export type Operation = Record<string, unknown> & {
  operationId: string;
  parameters: Array<Record<string, unknown>>;
  responses: Record<string, Response>;
};

export interface Response {
  description: string;
  headers: Record<string, { $ref: string }>;
  content: { 'application/json': { schema: Schema; example?: unknown } };
}

const SECURITY_SCHEMES = {
  IAM: { name: 'apig-auth-iam', scheme: { type: 'apiKey', in: 'header', name: 'unused', 'x-apigateway-auth-type': 'IAM' } },
  APP: { name: 'apig-auth-app', scheme: { type: 'apiKey', in: 'header', name: 'Authorization', 'x-apigateway-auth-type': 'AppSigv1' } },
} as const;

export function buildDocument(options: DocumentOptions): OpenApiDocument {
  const auth = options.auth ?? 'IAM';
  const routes = (options.routes ?? HTTP_ROUTES).filter((route) => options.functions[route.functionName] !== undefined);
  const paths: Record<string, Record<string, Operation>> = {};
  for (const route of routes) {
    const target = options.functions[route.functionName] as FunctionTarget;
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = operation(route, target, options, auth);
  }
  const security = auth === 'NONE' ? undefined : SECURITY_SCHEMES[auth];
  return {
    openapi: '3.0.3',
    info: {
      title: `MRS IAM sync adapter (${options.deployment})`,
      version: options.version,
      description:
        'Read and start Huawei Cloud MRS IAM user synchronisation, and wait for it, without signing requests. ' +
        'Import into Huawei APIG (x-apigateway-backend: FunctionGraph) or AWS API Gateway HTTP API (x-amazon-apigateway-integration: Lambda). ' +
        'Written by npm run openapi from lib/http-routes.ts.',
    },
    tags: [
      { name: 'reads', description: 'The status function (iam-sync-status).' },
      { name: 'start', description: 'The start function (iam-sync-start).' },
      { name: 'wait', description: 'The wait function (iam-sync-wait).' },
    ].filter((tag) => routes.some((route) => ROUTE_DOCS[route.id].tag === tag.name)),
    paths,
    components: {
      headers: Object.fromEntries(
        Object.entries(HEADERS).map(([name, header]) => [name, { description: header.description, schema: header.schema }]),
      ),
      ...(security !== undefined && { securitySchemes: { [security.name]: security.scheme } }),
    },
  };
}

function operation(route: HttpRoute, target: FunctionTarget, options: DocumentOptions, auth: ApigAuth): Operation {
  const doc = ROUTE_DOCS[route.id];
  const parameter = (name: string, where: 'query' | 'header') => {
    const entry = doc.parameters[name];
    if (entry === undefined) throw new Error(`tools/openapi/schemas.ts documents no ${where} parameter ${name} for ${route.id}`);
    return {
      name,
      in: where,
      required: false,
      description: entry.description,
      schema: entry.schema,
      ...(entry.example !== undefined && { example: entry.example }),
    };
  };
  const apigTimeout = Math.min(
    APIG_MAX_TIMEOUT_MS,
    route.timeoutMs ?? APIG_DEFAULT_TIMEOUT_MS,
    (target.timeoutSeconds ?? Number.POSITIVE_INFINITY) * 1000,
  );
  return {
    operationId: route.id,
    summary: doc.summary,
    description: `${doc.description} (Function ${route.functionName}.)`,
    tags: [doc.tag],
    parameters: [
      ...route.pathParameters.map(({ name, pattern }) => ({
        name,
        in: 'path',
        required: true,
        description: "The MRS cluster's id.",
        schema: { type: 'string', pattern },
      })),
      ...route.query.map(({ name }) => parameter(name, 'query')),
      ...route.headers.map(({ name }) => parameter(name, 'header')),
    ],
    ...(route.body !== undefined &&
      doc.requestBody !== undefined && {
        requestBody: {
          required: route.body.required,
          description: doc.requestBody.description,
          content: { 'application/json': { schema: doc.requestBody.schema, example: doc.requestBody.example } },
        },
      }),
    responses: responses(route),
    ...(auth !== 'NONE' && { security: [{ [SECURITY_SCHEMES[auth].name]: [] }] }),
    ...(options.requestType !== undefined && { 'x-apigateway-request-type': options.requestType }),
    'x-apigateway-match-mode': 'NORMAL',
    'x-apigateway-backend': {
      type: 'FUNCTION',
      functionEndpoints: { 'function-urn': target.functionUrn, version: target.version, 'invocation-type': 'sync', timeout: apigTimeout },
    },
    'x-amazon-apigateway-integration': {
      type: 'aws_proxy',
      httpMethod: 'POST',
      payloadFormatVersion: '2.0',
      uri: lambdaInvocationUri(target.lambdaArn, options.awsRegion),
      ...(route.timeoutMs !== undefined && { timeoutInMillis: Math.min(AWS_MAX_TIMEOUT_MS, route.timeoutMs) }),
    },
  };
}

/** Every success status with its body, and every error status with the codes it carries. */
function responses(route: HttpRoute): Record<string, Response> {
  const doc = ROUTE_DOCS[route.id];
  const out: Record<string, Response> = {};
  for (const { status, when } of route.success) {
    const success = doc.responses[status];
    if (success === undefined) throw new Error(`tools/openapi/schemas.ts has no ${status} answer for ${route.id}`);
    out[status] = {
      description: `OK: ${when}.`,
      headers: headerRefs([...COMMON_HEADERS, ...success.headers]),
      content: { 'application/json': { schema: success.schema, example: success.example } },
    };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of route.errors) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[status] = {
      description: codes.map((code) => `${code}: ${ERROR_DESCRIPTIONS[code]}`).join(' '),
      headers: headerRefs([...COMMON_HEADERS, ...errorHeaders(codes)]),
      content: { 'application/json': { schema: errorBodySchema(codes) } },
    };
  }
  return out;
}

function headerRefs(names: readonly HeaderName[]): Record<string, { $ref: string }> {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}

/** The integration URI API Gateway invokes a Lambda function by. */
export function lambdaInvocationUri(lambdaArn: string, awsRegion?: string): string {
  const region = awsRegion ?? lambdaArn.split(':')[3];
  return `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${lambdaArn}/invocations`;
}
