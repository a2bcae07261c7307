/**
 * Generators for the property tests: every trigger shape the status function accepts,
 * filled with valid and hostile values, plus structural mutations and random JSON.
 * Everything here is pure data; test/property/harness.ts drives it through the bundle.
 */
import fc from 'fast-check';

/** The emulator's one project, configured as MRS_PROJECT_ID. */
export const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
/** A project the allow-list instance may be asked about (ALLOWED_PROJECT_IDS); the emulator does not own it. */
export const OTHER_PROJECT = 'f9e8d7c6b5a4938271605f4e3d2c1b0a';
export const ALLOWED_ORIGIN = 'https://console.example.com';

/** Cluster id -> is_synchronizing, as the emulator knows them. Built with fromEntries so `__proto__` is an own key. */
export const KNOWN_CLUSTERS: Readonly<Record<string, boolean>> = Object.fromEntries([
  ['demo-idle', false],
  ['demo-syncing', true],
  ['known-a', false],
  ['known-b_2', true],
  ['known-', true],
  ['exact-1', false],
  ['exact-10', true],
  ['Known-upper', false],
  ['a', true],
  ['0', false],
  ['-', true],
  ['_', false],
  ['__proto__', true],
  ['constructor', false],
  ['toString', true],
  ['x'.repeat(64), true],
]);
export const KNOWN_IDS: readonly string[] = Object.keys(KNOWN_CLUSTERS);
/** Valid ids MRS does not have; a small pool so that the negative cache sees repeats. */
export const UNKNOWN_IDS: readonly string[] = ['no-such-cluster', 'gone', 'known-zz', 'exact-2', 'hasOwnProperty', 'y'.repeat(64), 'Z9_-'];

export const CLUSTER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const PROJECT_ID_PATTERN = /^[A-Za-z0-9]{1,64}$/;

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const idChar = fc.constantFrom(...ID_CHARS.split(''));
const idString = (minLength: number, maxLength: number) => fc.string({ unit: idChar, minLength, maxLength });

/** 1-64 of [A-Za-z0-9_-]: mostly known to the emulator, some from a pool of unknown ones, some random. */
export const validClusterId: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_IDS) },
  { weight: 2, arbitrary: fc.constantFrom(...UNKNOWN_IDS) },
  { weight: 1, arbitrary: idString(1, 64) },
);

/** Characters that must never pass: separators, traversal, encodings, controls, look-alikes, emoji, surrogates. */
const HOSTILE_PIECES = [
  '/',
  '\\',
  '..',
  '.',
  '%2F',
  '%2f',
  '%2e%2e',
  '%2E%2E',
  '%252F',
  '%00',
  '%',
  '%zz',
  '?',
  '#',
  '&',
  '=',
  ';',
  ':',
  '@',
  '*',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200d',
  '\u2028',
  '\u2029',
  '\ufeff',
  'а',
  'е',
  'о',
  'р',
  'с',
  'ο',
  'Α',
  'ı',
  'İ',
  'ſ',
  'K', // Cyrillic/Greek look-alikes, dotless i, long s, Kelvin sign
  'Ａ',
  'ｚ',
  '０',
  '＿',
  '－',
  '‐',
  '‑',
  '–',
  '—',
  '−', // full-width letters, digits, underscore, hyphens and dashes
  '😀',
  '\ud83d',
  '\ude00',
  '\udfff\ud800',
  '𝐚',
  'é',
  'e\u0301',
  '<',
  '>',
  '"',
  "'",
  '`',
  '{',
  '}',
  '$',
  '+',
  ',',
];

/** Strings that are not cluster ids; a few of them hide a valid id inside. */
export const hostileClusterId: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom(
      '',
      '.',
      '..',
      '/',
      '../demo-idle',
      'demo-idle/..',
      'demo-idle/../x',
      '%2F',
      '%2e%2e',
      '%2e%2e%2fdemo-idle',
      'demo-idle%2Fiam-sync',
      'demo idle',
      ' demo-idle',
      'demo-idle ',
      'demo-idle\n',
      'demo-idle\u0000',
      '\u0000',
      'demo-іdle',
      'ｄｅｍｏ－ｉｄｌｅ',
      'demo‐idle',
      'demo-idle😀',
      '<script>',
      'a.b',
      'x'.repeat(65),
      'a'.repeat(10_000),
    ),
    idString(65, 300),
    fc.tuple(idString(0, 30), fc.constantFrom(...HOSTILE_PIECES), idString(0, 30)).map(([a, b, c]) => a + b + c),
    fc.string({ unit: 'binary', minLength: 0, maxLength: 40 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    fc.string({ unit: fc.constantFrom(...HOSTILE_PIECES), minLength: 1, maxLength: 8 }),
    fc.integer({ min: 5000, max: 40_000 }).map((n) => 'a'.repeat(n)),
  )
  .filter((id) => !CLUSTER_ID_PATTERN.test(id));

/** Not a string at all; some of them wrap a valid id. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(['demo-idle'], { cluster_id: 'demo-idle' }, { id: 'x' }, [], {}, [null], 0, -0, 1),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

/** Any value for a cluster id field. */
export const anyClusterIdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: validClusterId },
  { weight: 4, arbitrary: hostileClusterId },
  { weight: 2, arbitrary: wrongType },
);

/** Any string for a cluster id in a URL. */
const anyClusterIdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: validClusterId },
  { weight: 4, arbitrary: hostileClusterId },
);

/** Project ids: the configured one, the other allowed one, random well-formed ones, and malformed ones. */
export const projectIdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(PROJECT) },
  { weight: 2, arbitrary: fc.constant(OTHER_PROJECT) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{1,64}$/) },
  { weight: 2, arbitrary: hostileClusterId },
  { weight: 1, arbitrary: fc.constantFrom(`${PROJECT} `, PROJECT.toUpperCase(), `${PROJECT}/..`, '', 'a-b', 'a_b') },
  { weight: 1, arbitrary: wrongType },
);

/** `fresh` for a direct event: booleans, and everything that is not one. */
export const freshValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 1, 0, null, 'yes', [], {}) },
  { weight: 1, arbitrary: wrongType },
);

/** `fresh` in a query string. */
const freshQuery = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('true', 'false', '1', '0', '') },
  { weight: 1, arbitrary: fc.constantFrom('TRUE', 'yes', 'no', ' true', 'true,true', '2', 'null') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
);

/** encodeURIComponent, or the raw text for what it cannot encode (lone surrogates). */
const encode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
};

/** Events arrive as JSON: no undefined, no -0, no null prototypes, `__proto__` as an own key. */
const asDelivered = (event: unknown): unknown => {
  const text = JSON.stringify(event);
  return text === undefined ? null : (JSON.parse(text) as unknown);
};

/** Every byte as %XX (upper-case hex). */
const percentEncodeAll = (text: string) => Buffer.from(text, 'utf8').toString('hex').toUpperCase().replace(/../g, '%$&');

const ENCODINGS: Record<'raw' | 'uri' | 'all' | 'all-lower' | 'double', (id: string) => string> = {
  raw: (id) => id,
  uri: encode,
  all: percentEncodeAll,
  'all-lower': (id) => percentEncodeAll(id).toLowerCase(),
  double: (id) => encode(encode(id)),
};

/** How an id is written into a path: raw, percent-encoded (any amount), double-encoded, lower-case hex. */
const segmentFor = (id: string): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 5, arbitrary: fc.constant('raw' as const) },
      { weight: 3, arbitrary: fc.constant('uri' as const) },
      { weight: 2, arbitrary: fc.constantFrom('all' as const, 'all-lower' as const, 'double' as const) },
    )
    .map((kind) => ENCODINGS[kind](id));

const stagePrefix = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.constantFrom('/prod', '/RELEASE', '/$default', '/v1/api', '/clusters', '/x/clusters/y/iam-sync', '/%2F') },
  { weight: 1, arbitrary: idString(1, 12).map((s) => `/${s}`) },
);

/** A path for the route, mostly right, often wrong. */
const pathWith = (segment: string): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(stagePrefix, fc.constantFrom('', '/')).map(([stage, slash]) => `${stage}/clusters/${segment}/iam-sync${slash}`),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        `/clusters/${segment}`,
        `/clusters/${segment}/iam-sync/extra`,
        `/clusters/${segment}/extra/iam-sync`,
        `/clusters/${segment}/iam-sync//`,
        `/clusters/${segment}%2Fiam-sync`,
        `/clusters%2F${segment}%2Fiam-sync`,
        `/CLUSTERS/${segment}/IAM-SYNC`,
        `/clusters/${segment}/iam-sync?fresh=true`,
        `/clusters/${segment}/iam-sync#x`,
        `clusters/${segment}/iam-sync`,
        `/v2/${PROJECT}/clusters/${segment}/iam-sync`,
        '/clusters//iam-sync',
        '/',
        '',
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('/', 'clusters', 'iam-sync', '%2F', '..', segment), maxLength: 6 }) },
  );

export const method: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('GET') },
  { weight: 1, arbitrary: fc.constant('OPTIONS') },
  {
    weight: 3,
    arbitrary: fc.constantFrom('get', 'Get', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', '', ' GET', 'GET '),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('<script>alert(1)</script>', 'GET\n{"level":"error","msg":"forged"}', 'ǧet', 'M'.repeat(5000)) },
);

const headerValue = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: wrongType },
);
const caseOf = (name: string) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase());

/** Headers, including the ones the function reads (Cache-Control, Origin, preflight), in any case. */
export const headers: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.option(
      fc.tuple(
        caseOf('Cache-Control'),
        fc.oneof(
          fc.constantFrom('no-cache', 'No-Cache', 'max-age=0, no-cache', ' no-cache ', 'no-store', 'max-age=0', 'no-cache="x"', ''),
          headerValue,
        ),
      ),
    ),
    fc.option(
      fc.tuple(
        caseOf('Origin'),
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(ALLOWED_ORIGIN) },
          { weight: 1, arbitrary: fc.constantFrom('https://evil.example', 'null', `${ALLOWED_ORIGIN}/`, ALLOWED_ORIGIN.toUpperCase()) },
          { weight: 1, arbitrary: headerValue },
        ),
      ),
    ),
    fc.option(fc.tuple(caseOf('Access-Control-Request-Method'), fc.oneof(fc.constantFrom('GET', 'POST'), headerValue))),
    fc.dictionary(
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('Host', 'Content-Type', 'X-Forwarded-For', 'Authorization', 'X-Request-Id', '__proto__'),
      ),
      headerValue,
      { maxKeys: 4 },
    ),
  )
  .map(([cacheControl, origin, acrm, rest]) => {
    const all: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rest))
      Object.defineProperty(all, key, { value, enumerable: true, writable: true, configurable: true });
    for (const pair of [cacheControl, origin, acrm]) if (pair !== null) all[pair[0]] = pair[1];
    return all;
  });

/** Query parameters, including project_id and fresh. */
export const query: fc.Arbitrary<Record<string, unknown> | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          project_id: projectIdValue,
          fresh: freshQuery,
          extra: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 10 }), wrongType), { maxKeys: 2 }),
        },
        { requiredKeys: [] },
      )
      .map(({ extra, ...known }) => ({ ...extra, ...known })),
  },
);

/** Bodies: none, small, Base64 or not, some over 8 KiB (in bytes, not characters). */
export const body: fc.Arbitrary<{ body: unknown; isBase64Encoded: unknown }> = fc.oneof(
  {
    weight: 14,
    arbitrary: fc.constantFrom(
      { body: null, isBase64Encoded: false },
      { body: '', isBase64Encoded: true },
      { body: undefined, isBase64Encoded: undefined },
    ),
  },
  { weight: 2, arbitrary: fc.record({ body: fc.string({ maxLength: 100 }), isBase64Encoded: fc.constant(false) }) },
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 100 }).map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 8000, max: 8400 }).map((n) => ({ body: 'x'.repeat(n), isBase64Encoded: false })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 8000, max: 8400 }).map((n) => ({ body: Buffer.alloc(n, 7).toString('base64'), isBase64Encoded: true })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 4000, max: 4200 }).map((n) => ({ body: 'é'.repeat(n), isBase64Encoded: false })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 9000, max: 40_000 }), fc.boolean())
      .map(([n, isBase64Encoded]) => ({ body: 'y'.repeat(n), isBase64Encoded })),
  },
  { weight: 1, arbitrary: fc.record({ body: wrongType, isBase64Encoded: fc.oneof(fc.boolean(), wrongType) }) },
);

export type HttpShape = 'functiongraph-apig' | 'aws-rest-v1' | 'aws-http-v2' | 'lambda-function-url';
export const HTTP_SHAPES: readonly HttpShape[] = ['functiongraph-apig', 'aws-rest-v1', 'aws-http-v2', 'lambda-function-url'];

/** What the gateway put in pathParameters: the id of the path, another id, a wrong type, or nothing. */
const pathParameters = (id: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant({ cluster_id: id }) },
    { weight: 2, arbitrary: fc.constantFrom(null, undefined, {}) },
    { weight: 1, arbitrary: anyClusterIdValue.map((other) => ({ cluster_id: other })) },
    { weight: 1, arbitrary: fc.constantFrom({ proxy: `clusters/${id}/iam-sync` }, { clusterId: id }, [id], id) },
  );

/** Replace or drop one top-level field, or nest the event: the shape a buggy gateway or a fuzzer sends. */
const mutate = (event: Record<string, unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 16, arbitrary: fc.constant(event) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...Object.keys(event)), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }))
        .map(([key, value]) => {
          const copy = { ...event };
          if (value === undefined) delete copy[key];
          else copy[key] = value;
          return copy;
        }),
    },
    { weight: 1, arbitrary: fc.constantFrom<unknown>([event], { event }, JSON.stringify(event)) },
  );

const requestContextId = fc.uuid();

/** One HTTP event of the given gateway shape. */
export function httpEvent(shape: HttpShape): fc.Arbitrary<unknown> {
  return anyClusterIdString
    .chain((id) =>
      fc.record({
        path: segmentFor(id).chain(pathWith),
        method,
        headers,
        query,
        body,
        pathParameters: pathParameters(id),
        requestId: requestContextId,
      }),
    )
    .chain(({ path, method: verb, headers: head, query: q, body: b, pathParameters: params, requestId }) => {
      let event: Record<string, unknown>;
      switch (shape) {
        case 'functiongraph-apig':
          event = {
            httpMethod: verb,
            path,
            pathParameters: params ?? {},
            queryStringParameters: q ?? {},
            headers: lowerKeys(head),
            ...b,
            requestContext: { apiId: 'api-1', requestId, stage: 'RELEASE' },
          };
          break;
        case 'aws-rest-v1':
          event = {
            resource: '/clusters/{cluster_id}/iam-sync',
            httpMethod: verb,
            path,
            pathParameters: params,
            queryStringParameters: q,
            multiValueQueryStringParameters: null,
            headers: head,
            multiValueHeaders: {},
            ...b,
            stageVariables: null,
            requestContext: { stage: 'prod', requestId, resourcePath: '/clusters/{cluster_id}/iam-sync', httpMethod: verb, path },
          };
          break;
        case 'aws-http-v2':
        case 'lambda-function-url':
          event = {
            version: '2.0',
            routeKey: shape === 'aws-http-v2' ? 'GET /clusters/{cluster_id}/iam-sync' : '$default',
            rawPath: path,
            rawQueryString:
              q === null
                ? ''
                : new URLSearchParams(
                    Object.entries(q).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
                  ).toString(),
            headers: lowerKeys(head),
            ...(q !== null && { queryStringParameters: q }),
            ...(shape === 'aws-http-v2' && { pathParameters: params }),
            ...b,
            requestContext: {
              http: { method: verb, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'fuzz' },
              requestId,
              stage: '$default',
            },
          };
          break;
      }
      return mutate(event);
    })
    .map(asDelivered);
}

function lowerKeys(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record))
    Object.defineProperty(out, key.toLowerCase(), { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** A direct or workflow event: cluster_id and/or clusterId, project_id, fresh, extra keys; sometimes no object at all. */
export const directEvent: fc.Arbitrary<unknown> = fc
  .oneof(
    {
      weight: 20,
      arbitrary: fc
        .record(
          {
            cluster_id: anyClusterIdValue,
            clusterId: anyClusterIdValue,
            project_id: projectIdValue,
            fresh: freshValue,
            extra: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
          },
          { requiredKeys: [] },
        )
        .chain(({ extra, ...known }) =>
          // Sometimes the same value under both names (allowed), sometimes only one.
          fc.constantFrom<Record<string, unknown>>(
            { ...extra, ...known },
            { ...extra, ...known, clusterId: known.cluster_id },
            { ...extra, cluster_id: known.cluster_id },
            { ...extra, clusterId: known.clusterId, fresh: known.fresh },
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        { trigger_type: 'TIMER', user_event: '["demo-idle"]' },
        { source: 'aws.events', 'detail-type': 'Scheduled Event' },
        { cluster_ids: ['demo-idle'] },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constant(null),
        fc.string({ maxLength: 20 }),
        fc.integer(),
        fc.boolean(),
        fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
      ),
    },
  )
  .map(asDelivered);

/** Keys the function (or a confused classifier) might look at, for random objects. */
const INTERESTING_KEYS = [
  'httpMethod',
  'path',
  'version',
  'rawPath',
  'requestContext',
  'pathParameters',
  'headers',
  'queryStringParameters',
  'body',
  'isBase64Encoded',
  'cluster_id',
  'clusterId',
  'project_id',
  'fresh',
  'trigger_type',
  'user_event',
  'source',
  'detail-type',
  '__proto__',
  'constructor',
];

/** Completely random JSON values, and random objects over the keys that matter, with values that may be right. */
export const randomEvent: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.jsonValue() },
  {
    weight: 3,
    arbitrary: fc
      .dictionary(
        fc.constantFrom(...INTERESTING_KEYS),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          validClusterId,
          fc.constantFrom('GET', '2.0', 'TIMER', '/clusters/demo-idle/iam-sync', PROJECT, true),
          fc.constantFrom({ http: { method: 'GET' } }, { cluster_id: 'demo-idle' }, { 'cache-control': 'no-cache' }),
        ),
        { maxKeys: 8 },
      )
      // JSON.parse makes __proto__ an own key, as a real event would have it.
      .map(asDelivered),
  },
);

/** The context each platform passes: FunctionGraph (with or without agency getters), Lambda, or a bare object. */
export type ContextKind = 'functiongraph' | 'lambda' | 'bare';
export const contextKind: fc.Arbitrary<ContextKind> = fc.constantFrom('functiongraph', 'lambda', 'bare');

/** Any HTTP shape, for the allow-list property. */
export const anyHttpEvent: fc.Arbitrary<unknown> = fc.constantFrom(...HTTP_SHAPES).chain(httpEvent);
