/**
 * The project id for a region, asked of IAM once per cold start when none is configured:
 * `GET /v3/projects?name={region}` -> `{"projects": [{"id": "...", "name": "cn-north-4"}]}`,
 * as sdk-core does. Loaded only by deployments that need it (see lib/composition/lazy.ts).
 * A failed look-up is not remembered: the next invocation asks again.
 */
import { ConfigurationError, UpstreamUnavailable } from '../errors';
import { jsonBody, upstreamRequestId } from '../huawei/response';
import { type CallOptions, createSignedRequester } from '../huawei/signed-request';
import type { Send } from '../huawei/transport';
import { isProjectId } from '../ids';

export interface ProjectLookupOptions {
  readonly iamEndpoint: string;
  readonly region: string;
  readonly requestTimeoutMs: number;
  readonly send: Send;
  readonly now?: () => number;
}

export type ProjectLookup = (call: CallOptions) => Promise<string>;

export function createProjectLookup({ iamEndpoint, region, requestTimeoutMs, send, now = Date.now }: ProjectLookupOptions): ProjectLookup {
  const request = createSignedRequester({ send, now });
  let found: Promise<string> | undefined;

  const lookUp = async ({ credentials, deadlineAt }: CallOptions): Promise<string> => {
    const response = await request({
      service: 'IAM',
      endpoint: iamEndpoint,
      method: 'GET',
      path: '/v3/projects',
      query: { name: region },
      credentials: await credentials.get(),
      timeoutMs: requestTimeoutMs,
      deadlineAt,
    });
    const requestId = upstreamRequestId(response);
    const ids = requestId === undefined ? '' : ` (X-Request-Id ${requestId})`;
    if (response.status >= 500)
      throw new UpstreamUnavailable(`IAM failed the project look-up (HTTP ${response.status})${ids}. Retry, or set MRS_PROJECT_ID.`);
    if (response.status !== 200) {
      throw new ConfigurationError(
        `IAM refused the project look-up for region ${region} (HTTP ${response.status})${ids}. Set MRS_PROJECT_ID, or allow the credentials to list projects.`,
      );
    }
    const projectId = projectIdIn(jsonBody(response), region);
    if (projectId === undefined)
      throw new ConfigurationError(`IAM knows no project named ${region} for these credentials${ids}. Set MRS_PROJECT_ID.`);
    return projectId;
  };

  return (call) => {
    found ??= lookUp(call).catch((error: unknown) => {
      found = undefined;
      throw error;
    });
    return found;
  };
}

function projectIdIn(body: unknown, region: string): string | undefined {
  const projects = (body as { projects?: unknown } | null | undefined)?.projects;
  if (!Array.isArray(projects)) return undefined;
  const match = projects.find((project: { name?: unknown; id?: unknown } | null) => project?.name === region);
  return isProjectId(match?.id) ? match.id : undefined;
}
