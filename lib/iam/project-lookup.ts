/**
 * The project id for a region, asked of IAM once per cold start when none is configured:
 * `GET /v3/projects?name={region}` -> `{"projects": [{"id": "...", "name": "cn-north-4"}]}`,
 * as sdk-core does. Loaded only by deployments that need it (see lib/status/parts.ts).
 * A failed look-up is not remembered: the next invocation asks again.
 */
import { ConfigurationError, UpstreamTimeout, UpstreamUnavailable } from '../errors';
import { isProjectId } from '../ids';
import type { CallOptions } from '../mrs/client';
import { signRequest } from '../mrs/signer';
import { TransportError, type Send } from '../mrs/transport';
import { requestIdOf } from '../mrs/upstream-errors';

export interface ProjectLookupOptions {
  readonly iamEndpoint: string;
  readonly region: string;
  readonly requestTimeoutMs: number;
  readonly send: Send;
  readonly now?: () => number;
}

export function createProjectLookup({ iamEndpoint, region, requestTimeoutMs, send, now = Date.now }: ProjectLookupOptions) {
  let found: Promise<string> | undefined;

  const lookUp = async ({ credentials, deadlineAt }: CallOptions): Promise<string> => {
    const url = new URL(`/v3/projects?name=${encodeURIComponent(region)}`, iamEndpoint);
    const timeoutMs = Math.min(requestTimeoutMs, (deadlineAt ?? Infinity) - now());
    if (timeoutMs <= 0) throw new UpstreamTimeout('The invocation has no time left to look up the project in IAM.');
    const headers = signRequest({ method: 'GET', url, headers: { 'Content-Type': 'application/json' } }, await credentials.get(), new Date(now()));
    let response;
    try {
      response = await send({ method: 'GET', url, headers }, timeoutMs);
    } catch (error) {
      if (error instanceof TransportError && error.failure === 'timeout') throw new UpstreamTimeout('IAM did not answer the project look-up in time. Retry, or set MRS_PROJECT_ID.');
      throw new UpstreamUnavailable(`IAM could not be reached to look up the project (${(error as Error).message}). Retry, or set MRS_PROJECT_ID.`);
    }
    const requestId = requestIdOf(response);
    const ids = requestId === undefined ? '' : ` (X-Request-Id ${requestId})`;
    if (response.status >= 500) throw new UpstreamUnavailable(`IAM failed the project look-up (HTTP ${response.status})${ids}. Retry, or set MRS_PROJECT_ID.`);
    if (response.status !== 200) {
      throw new ConfigurationError(`IAM refused the project look-up for region ${region} (HTTP ${response.status})${ids}. Set MRS_PROJECT_ID, or allow the credentials to list projects.`);
    }
    const projectId = projectIdIn(response.body, region);
    if (projectId === undefined) throw new ConfigurationError(`IAM knows no project named ${region} for these credentials${ids}. Set MRS_PROJECT_ID.`);
    return projectId;
  };

  return (call: CallOptions): Promise<string> => {
    found ??= lookUp(call).catch((error: unknown) => {
      found = undefined;
      throw error;
    });
    return found;
  };
}

function projectIdIn(body: string, region: string): string | undefined {
  try {
    const projects = (JSON.parse(body) as { projects?: unknown } | null)?.projects;
    if (!Array.isArray(projects)) return undefined;
    const match = projects.find((project: { name?: unknown; id?: unknown } | null) => project?.name === region);
    return isProjectId(match?.id) ? match.id : undefined;
  } catch {
    return undefined;
  }
}
