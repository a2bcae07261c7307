/**
 * Shared by the OpenAPI tests: the document for the example deploy config, a small JSON
 * Schema checker for the subset the document uses (so the functions' real answers can be
 * held against it), and the status, start and wait handlers over a scripted stub MRS client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText, resolveConfig } from '../../deploy/functiongraph/config';
import { functionParts } from '../../lib/composition/parts';
import { loadConfig } from '../../lib/config';
import type { HttpFunctionName } from '../../lib/http-routes';
import { createLogger } from '../../lib/log';
import type { IamSyncStarted, MrsClient } from '../../lib/mrs/client';
import { createStartHandler } from '../../lib/start/handler';
import { createStatusHandler } from '../../lib/status/handler';
import { createStatusService } from '../../lib/status/service';
import { createWaitHandler, type WaiterClock } from '../../lib/wait/handler';
import { parseArgs, deploymentOf } from '../../tools/openapi/cli';
import { buildDocument, type OpenApiDocument } from '../../tools/openapi/document';
import type { Schema } from '../../tools/openapi/schemas';
import { stubMrsClient } from '../fixtures/mrs-client';

export const ROOT = join(__dirname, '..', '..');
export const EXAMPLE_CONFIG = 'deploy/functiongraph.example.json';
export const KNOWN_FUNCTIONS = ['iam-sync-refresh', 'iam-sync-start', 'iam-sync-status', 'iam-sync-wait'];

/** The example config, resolved as the deploy tool resolves it (from_env values stubbed: no secret is needed). */
export function exampleConfig() {
  const text = readFileSync(join(ROOT, EXAMPLE_CONFIG), 'utf8');
  const env = new Proxy({}, { get: () => 'unused' }) as Record<string, string>;
  return resolveConfig(parseConfigText(text, EXAMPLE_CONFIG), { source: EXAMPLE_CONFIG, knownFunctions: KNOWN_FUNCTIONS, env });
}

/** The document `npm run openapi -- --config deploy/functiongraph.example.json` writes. */
export function exampleDocument(argv: readonly string[] = []): OpenApiDocument {
  const args = parseArgs(['--config', EXAMPLE_CONFIG, ...argv]);
  if (typeof args === 'string') throw new Error(args);
  const deployment = deploymentOf(args, exampleConfig(), EXAMPLE_CONFIG);
  return buildDocument({
    deployment: deployment.name,
    version: '0.1.0',
    functions: deployment.functions,
    auth: deployment.auth,
    ...(deployment.requestType !== undefined && { requestType: deployment.requestType }),
  });
}

/** What is wrong with `value` against `schema` (the subset of JSON Schema in tools/openapi/schemas.ts); empty when it fits. */
export function schemaProblems(schema: Schema, value: unknown, at = '$'): string[] {
  if (schema.oneOf !== undefined) {
    const fits = schema.oneOf.filter((option) => schemaProblems(option, value, at).length === 0).length;
    return fits === 1 ? [] : [`${at}: fits ${fits} of the oneOf schemas, not exactly one`];
  }
  const problems: string[] = [];
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (schema.type !== undefined) {
    const ok = schema.type === 'integer' ? Number.isInteger(value) : schema.type === type;
    if (!ok) return [`${at}: ${JSON.stringify(value)} is not ${schema.type}`];
  }
  if (schema.enum !== undefined && !schema.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value))
      problems.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value)))
      problems.push(`${at}: ${JSON.stringify(value)} is not a date-time`);
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum))
      problems.push(`${at}: ${value} is below the minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: ${value} is above the maximum`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined) {
      for (const [i, item] of value.entries()) problems.push(...schemaProblems(schema.items, item, `${at}[${i}]`));
    }
  }
  if (type === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) problems.push(`${at}: has no ${name}`);
    for (const [name, field] of Object.entries(object)) {
      const property = schema.properties?.[name];
      if (property !== undefined) problems.push(...schemaProblems(property, field, `${at}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: has ${name}, which the schema does not list`);
    }
  }
  return problems;
}

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What the stub MRS answers: a value, or an error to throw. */
export interface MrsScript {
  readonly status?: () => boolean | Error;
  readonly completion?: () => boolean | Error;
  readonly names?: () => { userNames: string[]; groupNames: string[] } | Error;
  readonly start?: () => IamSyncStarted | Error | Promise<IamSyncStarted>;
}

/** A clock for the wait that moves only when the waiter sleeps. */
export function steppingClock(): WaiterClock {
  let now = Date.now();
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    random: () => 0.5,
  };
}

/** One function's handler over a stub MRS client answering per `mrs`; `env` adds to a working configuration. */
export function handlerFor(
  fn: HttpFunctionName,
  options: { env?: Record<string, string>; mrs?: MrsScript; brokenConfig?: boolean } = {},
): (event: unknown, context?: unknown) => Promise<unknown> {
  const { mrs = {} } = options;
  const answer = <T>(value: T | Error): T => {
    if (value instanceof Error) throw value;
    return value;
  };
  const client: MrsClient = stubMrsClient({
    getIamSyncStatus: async () => ({ isSynchronizing: answer(mrs.status?.() ?? false), requestId: 'mrs-1' }),
    getIamSyncCompletion: async () => ({ isSynchronous: answer(mrs.completion?.() ?? true), requestId: 'mrs-2' }),
    getSyncedNames: async () => ({ ...answer(mrs.names?.() ?? { userNames: ['alice'], groupNames: ['analysts'] }), requestId: 'mrs-3' }),
    startIamSync: async () => answer(await (mrs.start?.() ?? { state: 'synchronizing', requestId: 'mrs-4' })),
  });
  const clock = steppingClock();
  const setUp = () => {
    const env = options.brokenConfig
      ? {}
      : { MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p1', IAM_SYNC_START_ENABLED: 'true', ...options.env };
    const config = loadConfig(env);
    const parts = functionParts(config, { client, log: createLogger({ level: 'error', write: () => {} }) });
    if (fn !== 'iam-sync-wait') return parts;
    const service = createStatusService({
      client,
      endpoint: config.endpoint,
      defaultProjectId: parts.defaultProjectId,
      cache: config.cache,
      now: clock.now,
    });
    return { ...parts, service };
  };
  const handler =
    fn === 'iam-sync-status'
      ? createStatusHandler(setUp)
      : fn === 'iam-sync-start'
        ? createStartHandler(setUp)
        : createWaitHandler(setUp, clock);
  return (event, context = {}) => (handler as (event: unknown, context: unknown) => Promise<unknown>)(event, context);
}

/** An HTTP API (payload 2.0) event, as API Gateway and `serverless-offline` send it. */
export function gatewayEvent(
  method: string,
  path: string,
  options: {
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: string;
    pathParameters?: Record<string, string>;
  } = {},
) {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { host: 'example.on.aws', ...(options.body !== undefined && { 'content-type': 'application/json' }), ...options.headers },
    ...(options.query !== undefined && { queryStringParameters: options.query }),
    ...(options.pathParameters !== undefined && { pathParameters: options.pathParameters }),
    ...(options.body !== undefined && { body: options.body }),
    isBase64Encoded: false,
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'jest' },
      requestId: 'req-1',
      stage: '$default',
    },
  };
}
