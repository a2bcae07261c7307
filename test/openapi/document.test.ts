/**
 * The OpenAPI document against the route table and the code: valid OpenAPI 3.0 (checked by
 * @apidevtools/swagger-parser); every table route with its method, path parameter pattern,
 * query parameters, headers and body; exactly the statuses the table says each route answers,
 * each with its schema and headers; the table's error statuses equal to the error classes';
 * the gateways' import extensions with the URNs the deploy config gives; and the places that
 * route requests outside the table (the deploy config, serverless.yml) routing the same.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as errors from '../../lib/errors';
import {
  CLUSTER_ID_PATTERN,
  ERROR_STATUS,
  type ErrorCode,
  HTTP_ROUTES,
  type HttpFunctionName,
  PROJECT_ID_PATTERN,
  WAIT_ROUTE_TIMEOUT_MS,
} from '../../lib/http-routes';
import { isClusterId, isProjectId } from '../../lib/ids';
import { LAMBDA_FUNCTION_KEYS, routeDrift } from '../../tools/openapi/cli';
import { APIG_MAX_TIMEOUT_MS, buildDocument, type Operation } from '../../tools/openapi/document';
import { COMMON_HEADERS, ERROR_DESCRIPTIONS, HEADERS, ROUTE_DOCS } from '../../tools/openapi/schemas';
import { INVALID_CLUSTER_IDS } from '../fixtures/events';
import { EXAMPLE_CONFIG, exampleConfig, exampleDocument, ROOT } from './helpers';

const document = exampleDocument();
const operationOf = (path: string, method: string) => document.paths[path]?.[method.toLowerCase()] as Operation;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

describe('the document is valid OpenAPI 3.0 (@apidevtools/swagger-parser)', () => {
  it.each([
    ['the example deploy config', () => exampleDocument()],
    ['APP authentication', () => exampleDocument(['--auth', 'APP'])],
    ['no authentication', () => exampleDocument(['--auth', 'NONE'])],
    ['no deploy config (placeholders)', () => buildDocument({ deployment: 'local', version: '0', functions: placeholders() })],
  ])('%s', async (_name, make) => {
    const built = make();
    await expect(SwaggerParser.validate(clone(built) as never)).resolves.toMatchObject({ openapi: '3.0.3' });
  });

  it('refuses a broken document, so the check above checks something', async () => {
    const broken = clone(document);
    delete (broken.paths['/clusters/{cluster_id}/iam-sync'].get as Partial<Operation>).responses;
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });
});

describe('every route of the table, as the table says', () => {
  it('the document has exactly the table routes: each path and method once', () => {
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(HTTP_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
    expect(new Set(HTTP_ROUTES.map((route) => route.id)).size).toBe(HTTP_ROUTES.length);
  });

  it.each(HTTP_ROUTES.map((route) => [route.id, route] as const))(
    '%s: operationId, path parameters with their pattern, query parameters, headers, body',
    (_id, route) => {
      const op = operationOf(route.path, route.method);
      expect(op.operationId).toBe(route.id);
      const parameters = op.parameters as Array<{ name: string; in: string; required: boolean; schema: { pattern?: string } }>;
      const inPath = parameters.filter((p) => p.in === 'path');
      expect(inPath.map((p) => [p.name, p.required, p.schema.pattern])).toEqual(route.pathParameters.map((p) => [p.name, true, p.pattern]));
      for (const name of route.path.match(/\{([^}]+)\}/g) ?? []) expect(inPath.map((p) => `{${p.name}}`)).toContain(name);
      expect(parameters.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(route.query.map((q) => q.name));
      expect(parameters.filter((p) => p.in === 'header').map((p) => p.name)).toEqual(route.headers.map((h) => h.name));
      expect(op.requestBody !== undefined).toBe(route.body !== undefined);
      if (route.body)
        expect(op.requestBody).toMatchObject({ required: true, content: { 'application/json': { schema: { type: 'object' } } } });
    },
  );

  it('the tools-side schemas have an entry for every table route, parameter and success status, and nothing else', () => {
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(HTTP_ROUTES.map((route) => route.id).sort());
    for (const route of HTTP_ROUTES) {
      const doc = ROUTE_DOCS[route.id];
      expect(Object.keys(doc.parameters).sort()).toEqual([...route.query, ...route.headers].map((p) => p.name).sort());
      for (const parameter of [...route.query, ...route.headers]) expect(doc.parameters[parameter.name].schema.type).toBe(parameter.type);
      expect(Object.keys(doc.responses).map(Number).sort()).toEqual(route.success.map((s) => s.status).sort());
      expect(doc.requestBody !== undefined).toBe(route.body !== undefined);
    }
  });

  it('the path parameter pattern is lib/ids.ts cluster id rule, and project_id its project rule', () => {
    const cluster = new RegExp(CLUSTER_ID_PATTERN);
    const project = new RegExp(PROJECT_ID_PATTERN);
    for (const id of INVALID_CLUSTER_IDS.filter((v): v is string => typeof v === 'string')) expect(cluster.test(id)).toBe(false);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{0,70}$/)), (id) => {
        expect(cluster.test(id)).toBe(isClusterId(id));
        expect(project.test(id)).toBe(isProjectId(id));
      }),
      { numRuns: 2000 },
    );
    expect(ROUTE_DOCS.getIamSyncStatus.parameters.project_id.schema.pattern).toBe(PROJECT_ID_PATTERN);
  });
});

describe('every status each route answers', () => {
  it("the table's error statuses are the error classes' statusCode, for every class in lib/errors.ts", () => {
    const classes = (Object.values(errors) as unknown[]).filter(
      (value): value is new (...args: never[]) => errors.AdapterError =>
        typeof value === 'function' && value.prototype instanceof errors.AdapterError,
    );
    const fromClasses = Object.fromEntries(
      classes.map((Class) => {
        const instance =
          Class === errors.MethodNotAllowed
            ? new errors.MethodNotAllowed('PUT', ['GET'])
            : new (Class as unknown as new (m: string) => errors.AdapterError)('x');
        return [instance.name, instance.statusCode];
      }),
    );
    expect(ERROR_STATUS).toEqual(fromClasses);
    expect(Object.keys(ERROR_DESCRIPTIONS).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });

  it.each(HTTP_ROUTES.map((route) => [route.id, route] as const))(
    '%s: exactly its success and error statuses, each error status with its codes',
    (_id, route) => {
      const op = operationOf(route.path, route.method);
      const expected = new Set([...route.success.map((s) => s.status), ...route.errors.map((code) => ERROR_STATUS[code])]);
      expect(Object.keys(op.responses).map(Number).sort()).toEqual([...expected].sort());
      for (const code of route.errors) {
        const response = op.responses[ERROR_STATUS[code]];
        const error = response.content['application/json'].schema.properties?.error;
        expect(error?.properties?.code.enum).toContain(code);
        expect(error?.required).toEqual(['code', 'message', 'request_id']);
        expect(response.description).toContain(code);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        for (const header of COMMON_HEADERS) expect(response.headers[header]).toEqual({ $ref: `#/components/headers/${header}` });
        const codes = (response.content['application/json'].schema.properties?.error?.properties?.code.enum ?? []) as ErrorCode[];
        for (const code of codes) expect(ERROR_STATUS[code]).toBe(Number(status));
      }
    },
  );

  it('headers: Cache-Control on every answer; Age and X-Cache on reads; Allow on 405; Retry-After where MRS can say when', () => {
    for (const route of HTTP_ROUTES) {
      const { responses } = operationOf(route.path, route.method);
      for (const response of Object.values(responses)) expect(Object.keys(response.headers)).toContain('Cache-Control');
      expect(Object.keys(responses[405].headers)).toContain('Allow');
      expect(Object.keys(responses[503].headers)).toContain('Retry-After');
      expect(Object.keys(responses[502].headers)).toContain('Retry-After');
    }
    expect(Object.keys(operationOf('/clusters/{cluster_id}/iam-sync', 'GET').responses[200].headers)).toEqual(
      expect.arrayContaining(['Cache-Control', 'Age', 'X-Cache', 'X-Request-Id']),
    );
    expect(Object.keys((document.components as { headers: object }).headers).sort()).toEqual(Object.keys(HEADERS).sort());
    expect(Object.keys(HEADERS)).toEqual(
      expect.arrayContaining(['Cache-Control', 'Age', 'X-Cache', 'Retry-After', 'Allow', 'X-Request-Id']),
    );
  });

  it('start answers 202 when it started a sync and 200 when it skipped one', () => {
    const op = operationOf('/clusters/{cluster_id}/iam-sync', 'POST');
    expect(op.responses[202].content['application/json'].schema.properties?.started.enum).toEqual([true]);
    expect(op.responses[200].content['application/json'].schema.properties?.started.enum).toEqual([false]);
  });
});

describe('the gateways import extensions, for the deployment the config describes', () => {
  const config = exampleConfig();

  it.each(HTTP_ROUTES.map((route) => [route.id, route] as const))(
    '%s: APIG FunctionGraph backend with the URN from the config, and the AWS Lambda proxy',
    (_id, route) => {
      const op = operationOf(route.path, route.method);
      const fn = config.functions.find((f) => f.name === route.functionName);
      expect(op['x-apigateway-backend']).toEqual({
        type: 'FUNCTION',
        functionEndpoints: {
          'function-urn': `urn:fss:cn-north-4:0a1b2c3d4e5f60718293a4b5c6d7e8f9:function:mrs-iam-sync:${route.functionName}:latest`,
          version: 'latest',
          'invocation-type': 'sync',
          timeout: expect.any(Number),
        },
      });
      const { timeout } = (op['x-apigateway-backend'] as { functionEndpoints: { timeout: number } }).functionEndpoints;
      expect(timeout).toBeGreaterThanOrEqual(1);
      expect(timeout).toBeLessThanOrEqual(Math.min(APIG_MAX_TIMEOUT_MS, (fn?.timeout ?? 0) * 1000));
      if (route.timeoutMs !== undefined) expect(timeout).toBe(Math.min(route.timeoutMs, (fn?.timeout ?? 0) * 1000));
      expect(op.security).toEqual([{ 'apig-auth-iam': [] }]);
      expect(op['x-apigateway-request-type']).toBe('public');
      expect(op['x-amazon-apigateway-integration']).toMatchObject({
        type: 'aws_proxy',
        httpMethod: 'POST',
        payloadFormatVersion: '2.0',
        uri: expect.stringMatching(
          new RegExp(
            `^arn:aws:apigateway:.+:lambda:path/2015-03-31/functions/arn:aws:lambda:.+:function:mrs-iam-sync-adapter-dev-${LAMBDA_FUNCTION_KEYS[route.functionName]}/invocations$`,
          ),
        ),
      });
    },
  );

  it('the wait keeps its long-poll timeout: 60 s on APIG, 30 s (the most) on AWS', () => {
    const op = operationOf('/clusters/{cluster_id}/iam-sync/wait', 'GET');
    expect((op['x-apigateway-backend'] as { functionEndpoints: { timeout: number } }).functionEndpoints.timeout).toBe(
      WAIT_ROUTE_TIMEOUT_MS,
    );
    expect((op['x-amazon-apigateway-integration'] as { timeoutInMillis: number }).timeoutInMillis).toBe(30_000);
  });

  it('x-apigateway-auth-type sits in securitySchemes: IAM by default, AppSigv1 for APP, none for NONE', () => {
    expect((document.components as Record<string, unknown>).securitySchemes).toEqual({
      'apig-auth-iam': { type: 'apiKey', in: 'header', name: 'unused', 'x-apigateway-auth-type': 'IAM' },
    });
    const app = exampleDocument(['--auth', 'APP']);
    expect((app.components as Record<string, unknown>).securitySchemes).toMatchObject({
      'apig-auth-app': { 'x-apigateway-auth-type': 'AppSigv1' },
    });
    expect(app.paths['/clusters/{cluster_id}/iam-sync'].get.security).toEqual([{ 'apig-auth-app': [] }]);
    const none = exampleDocument(['--auth', 'NONE']);
    expect((none.components as Record<string, unknown>).securitySchemes).toBeUndefined();
    expect(none.paths['/clusters/{cluster_id}/iam-sync'].get.security).toBeUndefined();
  });

  it('Lambda ARNs from options: the integration URI names them, in their region', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:my-status';
    const op = exampleDocument(['--lambda-arn', `iam-sync-status=${arn}`]).paths['/clusters/{cluster_id}/iam-sync'].get;
    expect((op['x-amazon-apigateway-integration'] as { uri: string }).uri).toBe(
      `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${arn}/invocations`,
    );
  });

  it('a deployment without a function documents none of its routes', () => {
    const onlyStatus = buildDocument({
      deployment: 'd',
      version: '0',
      functions: { 'iam-sync-status': placeholders()['iam-sync-status'] },
    });
    expect(Object.keys(onlyStatus.paths).sort()).toEqual(
      HTTP_ROUTES.filter((r) => r.functionName === 'iam-sync-status')
        .map((r) => r.path)
        .sort(),
    );
  });
});

describe('the other places routes are named agree with the table', () => {
  it(`${EXAMPLE_CONFIG} routes each function's table routes to it in APIG, and nothing else`, () => {
    for (const fn of exampleConfig().functions) {
      if (!(fn.name in LAMBDA_FUNCTION_KEYS)) {
        expect(fn.triggers.filter((t) => t.kind === 'APIG')).toEqual([]);
        continue;
      }
      const configured = fn.triggers.flatMap((t) => (t.kind === 'APIG' ? [`${t.method} ${t.path}`] : []));
      expect(routeDrift(fn.name as HttpFunctionName, configured, EXAMPLE_CONFIG)).toEqual([]);
    }
  });

  it('routeDrift names a route the config adds and one it leaves out', () => {
    const drift = routeDrift('iam-sync-wait', ['POST /clusters/{cluster_id}/iam-sync/wait'], 'c.json');
    expect(drift).toEqual([
      expect.stringContaining('routes POST /clusters/{cluster_id}/iam-sync/wait'),
      expect.stringContaining('does not route GET /clusters/{cluster_id}/iam-sync/wait'),
    ]);
  });

  it("serverless.yml's httpApi events are the table's routes, on the functions LAMBDA_FUNCTION_KEYS names", () => {
    const yaml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
    const events: string[] = [];
    let fnKey: string | undefined;
    for (const line of yaml.split('\n')) {
      const key = /^ {2}([A-Za-z0-9]+):\s*$/.exec(line)?.[1];
      if (key !== undefined) fnKey = key;
      const event = /^\s+- httpApi:\s*'?([A-Z]+) ([^'\s]+)'?\s*$/.exec(line);
      if (event !== null) events.push(`${fnKey} ${event[1]} ${event[2]}`);
    }
    expect(events.sort()).toEqual(
      HTTP_ROUTES.map((route) => `${LAMBDA_FUNCTION_KEYS[route.functionName]} ${route.method} ${route.path}`).sort(),
    );
  });
});

function placeholders() {
  const target = (fn: HttpFunctionName) => ({
    functionUrn: `urn:fss:r:p:function:pkg:${fn}:latest`,
    version: 'latest',
    lambdaArn: `arn:aws:lambda:eu-west-1:123456789012:function:${fn}`,
  });
  return {
    'iam-sync-status': target('iam-sync-status'),
    'iam-sync-start': target('iam-sync-start'),
    'iam-sync-wait': target('iam-sync-wait'),
  };
}
