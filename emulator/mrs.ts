/**
 * MRS as the emulator plays it: the cluster APIs under `/v2/{project_id}/clusters/{cluster_id}`
 * and the cluster state they read, which tests and the admin API change.
 *
 * Served today: `ListClusterSyncTaskStatus`, `GET .../iam-sync` -> `{"is_synchronizing": bool}`.
 * Another cluster API is one more entry in `routes` below, its handler wrapped in `clusterApi`
 * so that it gets the project check and the cluster look-up every MRS cluster API makes; a
 * handler that takes a JSON body reads `request.body`, whose signature the server has already verified.
 */
import { CLUSTER_NOT_FOUND, PROJECT_MISMATCH } from './errors';
import type { ApiReply, ApiRequest, ApiRoute } from './routes';
import { headerValue } from './signature';

/** Value range from the API reference (URI parameters table). */
const CLUSTER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const CLUSTER_PATH = '/v2/{project_id}/clusters/{cluster_id}';

/** One cluster's emulated state. */
export interface Cluster {
  id: string;
  isSynchronizing: boolean;
}

export interface ClusterStore {
  has(id: string): boolean;
  /** Throws RangeError for an id MRS would not accept. */
  set(id: string, isSynchronizing: boolean): void;
  remove(id: string): void;
  /** Cluster id -> is_synchronizing, for the admin API's state. */
  snapshot(): Record<string, boolean>;
}

export interface Mrs {
  routes: readonly ApiRoute[];
  clusters: ClusterStore;
}

type ClusterHandler = (cluster: Cluster, request: ApiRequest) => ApiReply;

function assertClusterId(id: string): void {
  if (!CLUSTER_ID_PATTERN.test(id)) throw new RangeError(`cluster id ${JSON.stringify(id)} must be 1-64 letters, digits, "_" or "-"`);
}

/** `clusters` is copied: later changes go through the returned store. */
export function createMrs(projectId: string, clusters: Record<string, boolean>): Mrs {
  const state = new Map<string, boolean>();
  const store: ClusterStore = {
    has: (id) => state.has(id),
    set: (id, isSynchronizing) => {
      assertClusterId(id);
      state.set(id, isSynchronizing);
    },
    remove: (id) => void state.delete(id),
    snapshot: () => Object.fromEntries(state),
  };
  for (const [id, isSynchronizing] of Object.entries(clusters)) store.set(id, isSynchronizing);

  /** What every cluster API checks before its own work, in MRS's order: project, then cluster. */
  const clusterApi =
    (handler: ClusterHandler) =>
    (request: ApiRequest): ApiReply => {
      // sdk-core sends the credential's project as X-Project-Id; it must agree with the path too.
      const headerProject = headerValue(request.headers, 'x-project-id');
      if (request.params.project_id !== projectId || (headerProject !== undefined && headerProject !== projectId)) return PROJECT_MISMATCH;
      const isSynchronizing = state.get(request.params.cluster_id);
      if (isSynchronizing === undefined) return CLUSTER_NOT_FOUND;
      return handler({ id: request.params.cluster_id, isSynchronizing }, request);
    };

  const routes: ApiRoute[] = [
    // ListClusterSyncTaskStatus.
    { path: `${CLUSTER_PATH}/iam-sync`, methods: { GET: clusterApi((cluster) => ({ status: 200, body: { is_synchronizing: cluster.isSynchronizing } })) } },
  ];
  return { routes, clusters: store };
}
