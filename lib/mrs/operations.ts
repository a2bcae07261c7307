/**
 * The MRS IAM-sync operations this adapter calls (names as in the API reference; all under
 * `/v2/{project_id}/clusters/{cluster_id}`), and how to read each one's answer. The client
 * runs any of them with the same retries, deadline and breaker; an operation that is not
 * idempotent is retried only when MRS provably did not act.
 */
import { type AdapterError, IamSyncInProgress } from '../errors';
import { upstreamRequestId } from '../huawei/response';
import type { SignedMethod } from '../huawei/signer';
import type { OutboundResponse } from '../huawei/transport';
import { upstreamDetails } from './error-mapping';
import { parseIamSyncStatus, parseSyncCompletion, parseSyncedNames, parseSyncStarted, type SyncedNames } from './responses';
import type { MrsTarget } from './target';

export interface Operation<T> {
  readonly name: string;
  readonly method: SignedMethod;
  readonly suffix: string;
  /** Whether sending it twice does no more than sending it once (all reads); a start is not. */
  readonly idempotent: boolean;
  readonly parse: (response: OutboundResponse) => T;
  /** What an error answer means for this operation in particular, before the common mapping. */
  readonly errorFor?: (response: OutboundResponse, target: MrsTarget) => AdapterError | undefined;
}

/** MRS's own "a sync is already running on this cluster" (HTTP 500). */
export const SYNC_IN_PROGRESS_CODE = '12000154';

interface Answered<T> {
  readonly value: T;
  /** MRS's `X-Request-Id`, for logs and support cases. */
  readonly requestId: string | undefined;
}

const answered =
  <T>(parse: (response: OutboundResponse) => T) =>
  (response: OutboundResponse): Answered<T> => ({ value: parse(response), requestId: upstreamRequestId(response) });

export const LIST_SYNC_TASK_STATUS: Operation<Answered<boolean>> = {
  name: 'ListClusterSyncTaskStatus',
  method: 'GET',
  suffix: '/iam-sync',
  idempotent: true,
  parse: answered(parseIamSyncStatus),
};

export const LIST_SYNC_STATUS: Operation<Answered<boolean>> = {
  name: 'ListClusterSyncStatus',
  method: 'GET',
  suffix: '/iam-sync/is-synchronous',
  idempotent: true,
  parse: answered(parseSyncCompletion),
};

export const SHOW_SYNC_IAM_USER: Operation<Answered<SyncedNames>> = {
  name: 'ShowSyncIamUser',
  method: 'GET',
  suffix: '/iam-sync-user',
  idempotent: true,
  parse: answered(parseSyncedNames),
};

export const UPDATE_SYNC_IAM_USER: Operation<Answered<string>> = {
  name: 'UpdateSyncIamUser',
  method: 'POST',
  suffix: '/iam-sync-user',
  idempotent: false,
  parse: answered(parseSyncStarted),
  errorFor: (response, { clusterId }) => {
    const upstream = upstreamDetails(response);
    if (upstream.errorCode !== SYNC_IN_PROGRESS_CODE) return undefined;
    return new IamSyncInProgress(
      `An IAM sync is already running on cluster ${JSON.stringify(clusterId)}, so MRS did not start another. Wait for it to end (iam-sync-wait), then start again if you still need to.`,
      { upstream },
    );
  },
};
