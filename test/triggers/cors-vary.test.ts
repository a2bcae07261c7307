/**
 * With a list of CORS origins, every HTTP answer varies by Origin: allowed or not, with or
 * without an Origin header, answers and errors and preflights alike. Otherwise a shared
 * cache could hand an allowed origin a copy made without its CORS headers. With `*` (the
 * same answer for everyone) or without CORS, answers carry no `Vary: Origin`.
 */
import { ClusterNotFound } from '../../lib/errors';
import { functionGraphContext, HTTP_SHAPES, httpEvent, type HttpShape } from '../fixtures/events';
import { stubbedStatusHandler } from '../fixtures/stub-handler';

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const ALLOWED = 'https://console.example.com';
const OTHER_ALLOWED = 'https://ops.example.com';
const DISALLOWED = 'https://evil.example.net';

/** A handler whose MRS knows `c1` and has no cluster `gone`. */
function handlerWith(env: Record<string, string>) {
  const { handler } = stubbedStatusHandler({
    env,
    answer: (clusterId) =>
      clusterId === 'gone'
        ? new ClusterNotFound('MRS has no cluster "gone".', { upstream: { httpStatus: 400, errorCode: '12000003' } })
        : { isSynchronizing: true, requestId: 'mrs-req-1' },
  });
  return async (shape: HttpShape, clusterId: string, options: Parameters<typeof httpEvent>[2] = {}) =>
    (await handler(httpEvent(shape, clusterId, options), functionGraphContext())) as HttpAnswer;
}

const preflight = (origin: string) => ({ method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });

describe.each(HTTP_SHAPES)('Vary: Origin with a list of origins (%s)', (shape) => {
  const ask = handlerWith({ CORS_ALLOW_ORIGINS: `${ALLOWED}, ${OTHER_ALLOWED}` });

  const cases: Array<[string, string, Parameters<typeof httpEvent>[2], number]> = [
    ['an allowed origin', 'c1', { headers: { Origin: ALLOWED } }, 200],
    ['the other allowed origin', 'c1', { headers: { Origin: OTHER_ALLOWED } }, 200],
    ['a disallowed origin', 'c1', { headers: { Origin: DISALLOWED } }, 200],
    ['no Origin header', 'c1', {}, 200],
    ['404 ClusterNotFound to an allowed origin', 'gone', { headers: { Origin: ALLOWED } }, 404],
    ['404 ClusterNotFound to a disallowed origin', 'gone', { headers: { Origin: DISALLOWED } }, 404],
    ['404 ClusterNotFound without an Origin', 'gone', {}, 404],
    ['400 InvalidRequest to an allowed origin', 'a.b', { headers: { Origin: ALLOWED } }, 400],
    ['400 InvalidRequest without an Origin', 'a.b', {}, 400],
    ['400 InvalidRequest to a disallowed origin', 'a.b', { headers: { Origin: DISALLOWED } }, 400],
    ['404 RouteNotFound without an Origin', 'c1', { withoutPathParameters: true, path: '/clusters/c1' }, 404],
    ['405 MethodNotAllowed to a disallowed origin', 'c1', { method: 'POST', headers: { Origin: DISALLOWED } }, 405],
    ['a preflight from an allowed origin', 'c1', preflight(ALLOWED), 204],
    ['a preflight from a disallowed origin (answered 405)', 'c1', preflight(DISALLOWED), 405],
  ];

  it.each(cases)('%s: Vary Origin', async (_label, clusterId, options, statusCode) => {
    const response = await ask(shape, clusterId, options);
    expect(response.statusCode).toBe(statusCode);
    expect(response.headers.Vary).toBe('Origin');
  });

  it('only an allowed origin gets Access-Control-Allow-Origin, naming it', async () => {
    expect((await ask(shape, 'c1', { headers: { Origin: ALLOWED } })).headers['Access-Control-Allow-Origin']).toBe(ALLOWED);
    expect((await ask(shape, 'gone', { headers: { Origin: OTHER_ALLOWED } })).headers['Access-Control-Allow-Origin']).toBe(OTHER_ALLOWED);
    expect((await ask(shape, 'c1', { headers: { Origin: DISALLOWED } })).headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect((await ask(shape, 'c1')).headers['Access-Control-Allow-Origin']).toBeUndefined();
  });
});

describe.each(HTTP_SHAPES)('no Vary: Origin with * or without CORS (%s)', (shape) => {
  const anyOrigin = handlerWith({ CORS_ALLOW_ORIGINS: '*' });
  const noCors = handlerWith({});

  it.each([
    ['an origin', 'c1', { headers: { Origin: ALLOWED } }, 200],
    ['no Origin header', 'c1', {}, 200],
    ['404 ClusterNotFound', 'gone', { headers: { Origin: ALLOWED } }, 404],
    ['400 InvalidRequest', 'a.b', {}, 400],
    ['a preflight', 'c1', preflight(ALLOWED), 204],
  ] as Array<[string, string, Parameters<typeof httpEvent>[2], number]>)('with *: %s', async (_label, clusterId, options, statusCode) => {
    const response = await anyOrigin(shape, clusterId, options);
    expect(response.statusCode).toBe(statusCode);
    expect(response.headers.Vary).toBeUndefined();
    if (options?.headers?.Origin !== undefined) expect(response.headers['Access-Control-Allow-Origin']).toBe('*');
  });

  it.each([
    ['an origin', 'c1', { headers: { Origin: ALLOWED } }, 200],
    ['no Origin header', 'c1', {}, 200],
    ['404 ClusterNotFound', 'gone', { headers: { Origin: ALLOWED } }, 404],
    ['400 InvalidRequest', 'a.b', { headers: { Origin: ALLOWED } }, 400],
    ['an OPTIONS request (no preflight without CORS: 405)', 'c1', preflight(ALLOWED), 405],
  ] as Array<[string, string, Parameters<typeof httpEvent>[2], number]>)(
    'without CORS: %s',
    async (_label, clusterId, options, statusCode) => {
      const response = await noCors(shape, clusterId, options);
      expect(response.statusCode).toBe(statusCode);
      expect(response.headers.Vary).toBeUndefined();
      expect(response.headers['Access-Control-Allow-Origin']).toBeUndefined();
    },
  );
});
