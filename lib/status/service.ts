/**
 * The status lookup behind every trigger: asks MRS and stamps the answer with the time
 * MRS was asked. Callers get this object; adapters render it in their caller's shape.
 */
import type { CallOptions, MrsClient } from '../mrs/client';

export interface StatusQuery {
  readonly clusterId: string;
}

export interface StatusAnswer {
  readonly clusterId: string;
  readonly isSynchronizing: boolean;
  /** When MRS was asked (ISO 8601). */
  readonly checkedAt: string;
  readonly upstreamRequestId: string | undefined;
}

export interface StatusService {
  getStatus(query: StatusQuery, options: CallOptions): Promise<StatusAnswer>;
}

export function createStatusService(client: MrsClient, now: () => number = Date.now): StatusService {
  return {
    async getStatus({ clusterId }, options) {
      const checkedAt = new Date(now()).toISOString();
      const status = await client.getIamSyncStatus(clusterId, options);
      return { clusterId, isSynchronizing: status.isSynchronizing, checkedAt, upstreamRequestId: status.requestId };
    },
  };
}
