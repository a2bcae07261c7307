/**
 * The MRS client: one operation, `ListClusterSyncTaskStatus`
 * (`GET /v2/{project_id}/clusters/{cluster_id}/iam-sync`). It owns credentials, signing,
 * transport and error mapping; it knows nothing about events or callers.
 */
import type { CredentialProvider } from '../credentials/types';
import { UpstreamTimeout } from '../errors';
import { requireClusterId } from '../ids';
import { signRequest } from './signer';
import { send as sendOverHttp, TransportError, type Send } from './transport';
import { errorForResponse, errorForTransport, parseIamSyncStatus, requestIdOf } from './upstream-errors';

export interface IamSyncStatus {
  readonly isSynchronizing: boolean;
  /** MRS's `X-Request-Id`, for logs and support cases. */
  readonly requestId: string | undefined;
}

export interface CallOptions {
  readonly credentials: CredentialProvider;
  /** Epoch milliseconds by which the answer must be in (the invocation's deadline, less its margin). */
  readonly deadlineAt?: number;
}

export interface MrsClient {
  getIamSyncStatus(clusterId: string, options: CallOptions): Promise<IamSyncStatus>;
}

export interface MrsClientOptions {
  readonly endpoint: string;
  readonly projectId: string;
  readonly requestTimeoutMs: number;
  readonly send?: Send;
  readonly now?: () => number;
}

export function createMrsClient(options: MrsClientOptions): MrsClient {
  const send = options.send ?? sendOverHttp;
  const now = options.now ?? Date.now;
  return {
    async getIamSyncStatus(clusterId, { credentials, deadlineAt }) {
      const timeoutMs = Math.min(options.requestTimeoutMs, (deadlineAt ?? Infinity) - now());
      if (timeoutMs <= 0) {
        throw new UpstreamTimeout('The invocation has no time left to ask MRS. Raise the function timeout.');
      }
      const url = iamSyncUrl(options.endpoint, options.projectId, clusterId);
      const headers = signRequest(
        { method: 'GET', url, headers: { 'Content-Type': 'application/json', 'X-Project-Id': options.projectId } },
        credentials(),
        new Date(now()),
      );
      let response;
      try {
        response = await send({ method: 'GET', url, headers }, timeoutMs);
      } catch (error) {
        if (error instanceof TransportError) throw errorForTransport(error);
        throw error;
      }
      if (response.status !== 200) throw errorForResponse(response, clusterId);
      return { isSynchronizing: parseIamSyncStatus(response), requestId: requestIdOf(response) };
    },
  };
}

/** Ids are checked again here, whatever the caller did: this is where they become a path. */
function iamSyncUrl(endpoint: string, projectId: string, clusterId: string): URL {
  const path = `/v2/${encodeURIComponent(projectId)}/clusters/${encodeURIComponent(requireClusterId(clusterId))}/iam-sync`;
  return new URL(path, endpoint);
}
