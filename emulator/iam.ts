/**
 * IAM as the emulator plays it: the project look-up the function makes once per cold start
 * when no project is configured (`GET /v3/projects?name={region}`), answered with the
 * emulator's one project, so that project discovery runs locally.
 */
import type { ApiRoute } from './routes';

export const DEFAULT_REGION = 'cn-north-4';

/** The project is named after `region`; a look-up without `name` lists it too, as IAM lists every project. */
export function iamRoutes(projectId: string, region: string = DEFAULT_REGION): ApiRoute[] {
  return [
    {
      path: '/v3/projects',
      methods: {
        GET: ({ query }) => {
          const name = new URLSearchParams(query).get('name');
          return { status: 200, body: { projects: name === null || name === region ? [{ id: projectId, name: region }] : [] } };
        },
      },
    },
  ];
}
