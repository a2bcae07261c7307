/** The route tables the emulated services are written as (emulator/routes.ts). */
import { API_NOT_FOUND, METHOD_NOT_FOUND } from '../../emulator/errors';
import { type ApiRequest, type ApiRoute, dispatch, matchApiRoute } from '../../emulator/routes';

const echo = (request: ApiRequest) => ({ status: 200, body: request.params });
const ROUTES: ApiRoute[] = [
  { path: '/v2/{project_id}/clusters/{cluster_id}/iam-sync', methods: { GET: echo } },
  { path: '/v2/{project_id}/clusters/{cluster_id}/iam-sync-user', methods: { GET: echo, POST: () => ({ status: 201, body: {} }) } },
];
const request = (method: string, path: string) => ({ method, path, query: '', headers: {}, body: Buffer.alloc(0) });

describe('matchApiRoute', () => {
  it('fills the parameters, decoded, and keeps empty or badly encoded ones for the handler to refuse', () => {
    expect(matchApiRoute(ROUTES, '/v2/p1/clusters/a%20b/iam-sync')).toEqual({
      route: ROUTES[0],
      params: { project_id: 'p1', cluster_id: 'a b' },
    });
    expect(matchApiRoute(ROUTES, '/v2//clusters/%zz/iam-sync')?.params).toEqual({ project_id: '', cluster_id: '%zz' });
  });

  it.each(['/v2/p1/clusters/c1', '/v2/p1/clusters/c1/iam-sync/', '/v3/p1/clusters/c1/iam-sync', '/'])('does not match %s', (path) => {
    expect(matchApiRoute(ROUTES, path)).toBeUndefined();
  });
});

describe('dispatch', () => {
  it('calls the handler of the path and method', () => {
    expect(dispatch(ROUTES, request('GET', '/v2/p1/clusters/c1/iam-sync'))).toEqual({
      status: 200,
      body: { project_id: 'p1', cluster_id: 'c1' },
    });
    expect(dispatch(ROUTES, request('POST', '/v2/p1/clusters/c1/iam-sync-user'))).toEqual({ status: 201, body: {} });
  });

  it('answers as APIG does for an unknown path, and for a known path with another method', () => {
    expect(dispatch(ROUTES, request('GET', '/v2/p1/clusters'))).toBe(API_NOT_FOUND);
    expect(dispatch(ROUTES, request('DELETE', '/v2/p1/clusters/c1/iam-sync'))).toBe(METHOD_NOT_FOUND);
    expect(dispatch(ROUTES, request('CONSTRUCTOR', '/v2/p1/clusters/c1/iam-sync'))).toBe(METHOD_NOT_FOUND);
  });
});
