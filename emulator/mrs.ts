/**
 * MRS as the emulator plays it: the cluster APIs under `/v2/{project_id}/clusters/{cluster_id}`
 * and the cluster state they read, which tests and the admin API change.
 *
 * Served: the IAM-sync lifecycle (shared/reference/huawei-aws-apis.md, section 1).
 *   GET    .../iam-sync                  ListClusterSyncTaskStatus -> 200 {"is_synchronizing": bool}
 *   GET    .../iam-sync/is-synchronous   ListClusterSyncStatus     -> 200 {"is_synchronous": bool}
 *   GET    .../iam-sync-user             ShowSyncIamUser           -> 200 {"user_names": [...], "group_names": [...]}
 *   POST   .../iam-sync-user             UpdateSyncIamUser         -> 202 {"state": "synchronizing"}
 *   DELETE .../iam-sync-user             CancelSyncIamUser         -> 202 {"state": "synchronizing"}
 *
 * A sync started with POST runs for a configurable time (`durationMs`, per cluster or for
 * all). Its end is not a timer: each task has `endsAt`, and every request (API or admin)
 * first settles the tasks whose `endsAt` has passed on the emulator's clock (`now`). So a
 * test with an injected clock ends a sync by moving the clock, and `npm start` sees it end
 * in wall time. While it runs, `is_synchronizing` is true and another POST answers 500
 * 12000154; when it ends, `is_synchronous` becomes true and its names join the synced set.
 *
 * Modelling choices where the documentation says nothing (each fails loudly or simply):
 * - `is_all_sync: true` adds every IAM user and group the emulator knows (`iamUsers`,
 *   `iamGroups`), plus any names given; a name the emulator does not know is still added,
 *   since IAM membership is not modelled (naming a user does not add its groups either).
 * - A body naming nothing (`{}`) is accepted: the sync runs, adds nothing, and still
 *   leaves the cluster `is_synchronous`.
 * - A body that is not a JSON object, a field of the wrong type, an empty name, a list of
 *   more than 1000 names (documented for DELETE, applied to both) or a content type other
 *   than application/json: 400 12000002.
 * - DELETE removes the names from the synced set at once and starts no task, so it does not
 *   make `is_synchronizing` true and is not refused during a sync (the documentation says
 *   only that it does not abort a running sync).
 * - The admin API's manual flip (`is_synchronizing: true`) is a sync without an end or
 *   names; flipping it back to false also finishes a running task.
 *
 * Another cluster API is one more entry in `routes` below, its handler wrapped in `clusterApi`
 * so that it gets the project check and the cluster look-up every MRS cluster API makes; a
 * handler that takes a JSON body reads `request.body`, whose signature the server has already verified.
 */
import { CLUSTER_NOT_FOUND, type ErrorReply, iamSyncInProgress, INVALID_PARAMETER, PROJECT_MISMATCH } from './errors';
import type { ApiReply, ApiRequest, ApiRoute } from './routes';
import { headerValue } from './signature';

/** Value range from the API reference (URI parameters table). */
const CLUSTER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const CLUSTER_PATH = '/v2/{project_id}/clusters/{cluster_id}';

/** How long a sync started with POST runs unless configured otherwise. */
export const DEFAULT_IAM_SYNC_DURATION_MS = 10_000;
/** The IAM users and groups a full sync (`is_all_sync: true`) brings in unless configured otherwise; obviously fake. */
export const DEFAULT_IAM_USERS: readonly string[] = Object.freeze(['demo-user-alice', 'demo-user-bob']);
export const DEFAULT_IAM_GROUPS: readonly string[] = Object.freeze(['demo-group-analysts', 'demo-group-admins']);
/** Documented for CancelSyncIamUser's lists; applied to UpdateSyncIamUser's too. */
export const MAX_NAMES_PER_LIST = 1000;
const SYNCHRONIZING: ApiReply = { status: 202, body: { state: 'synchronizing' } };

export interface IamSyncOptions {
  /** How long a sync runs, in milliseconds; default DEFAULT_IAM_SYNC_DURATION_MS. */
  durationMs?: number;
  /** The IAM users a full sync adds; default DEFAULT_IAM_USERS. */
  iamUsers?: readonly string[];
  /** The IAM groups a full sync adds; default DEFAULT_IAM_GROUPS. */
  iamGroups?: readonly string[];
}

/** A sync started with POST and not yet settled. */
interface SyncTask {
  startedAt: number;
  endsAt: number;
  isAllSync: boolean;
  userNames: string[];
  groupNames: string[];
}

/** One cluster's emulated state. */
interface ClusterRecord {
  /** The admin API's manual flip: synchronizing until flipped back. */
  manualSynchronizing: boolean;
  task: SyncTask | undefined;
  isSynchronous: boolean;
  userNames: Set<string>;
  groupNames: Set<string>;
  /** Overrides the emulator-wide duration for this cluster's next syncs. */
  durationMs: number | undefined;
}

/** What the admin API may set on one cluster's IAM sync; absent fields stay. */
export interface IamSyncPatch {
  isSynchronous?: boolean;
  /** Replaces the synced users. */
  userNames?: readonly string[];
  /** Replaces the synced groups. */
  groupNames?: readonly string[];
  /** null: back to the emulator-wide duration. */
  durationMs?: number | null;
}

export interface IamSyncDefaults {
  durationMs?: number;
  iamUsers?: readonly string[];
  iamGroups?: readonly string[];
}

export interface ClusterStore {
  has(id: string): boolean;
  /**
   * Creates the cluster, or flips an existing one: true makes it synchronizing until flipped
   * back; false also finishes a running sync. Throws RangeError for an id MRS would not accept.
   */
  set(id: string, isSynchronizing: boolean): void;
  remove(id: string): void;
  /** Cluster id -> is_synchronizing, for the admin API's state. */
  snapshot(): Record<string, boolean>;
}

/** The admin side of the IAM sync. Methods taking an id throw RangeError for an unknown cluster or a bad value. */
export interface IamSyncControls {
  /** Ends the cluster's running sync (task or manual flip) now, as if its time had come; false when none runs. */
  finish(id: string): boolean;
  patch(id: string, patch: IamSyncPatch): void;
  setDefaults(defaults: IamSyncDefaults): void;
  /** For the admin API's state (snake_case, JSON-ready). */
  snapshot(): IamSyncSnapshot;
}

export interface IamSyncSnapshot {
  duration_ms: number;
  iam_users: string[];
  iam_groups: string[];
  clusters: Record<string, ClusterSyncSnapshot>;
}

export interface ClusterSyncSnapshot {
  is_synchronizing: boolean;
  is_synchronous: boolean;
  user_names: string[];
  group_names: string[];
  /** This cluster's own duration, or null for the emulator-wide one. */
  duration_ms: number | null;
  /** Set by the admin API's manual flip. */
  manual: boolean;
  /** The running sync started with POST, if any. */
  task: {
    started_at: string;
    ends_at: string;
    remaining_ms: number;
    is_all_sync: boolean;
    user_names: string[];
    group_names: string[];
  } | null;
}

export interface Mrs {
  routes: readonly ApiRoute[];
  clusters: ClusterStore;
  iamSync: IamSyncControls;
}

type ClusterHandler = (cluster: ClusterRecord, request: ApiRequest) => ApiReply;

function assertClusterId(id: string): void {
  if (!CLUSTER_ID_PATTERN.test(id)) throw new RangeError(`cluster id ${JSON.stringify(id)} must be 1-64 letters, digits, "_" or "-"`);
}

export function assertDuration(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`duration_ms must be a non-negative integer of milliseconds, got ${ms}`);
}

export function assertNames(field: string, names: readonly string[]): void {
  if (!Array.isArray(names) || names.some((name) => typeof name !== 'string' || name === '')) {
    throw new RangeError(`${field} must be a list of non-empty strings`);
  }
}

/**
 * `clusters` is copied: later changes go through the returned store. `now` is the
 * emulator's clock, read on every request to settle syncs whose time has come.
 */
export function createMrs(
  projectId: string,
  clusters: Record<string, boolean>,
  now: () => number = Date.now,
  options: IamSyncOptions = {},
): Mrs {
  const state = new Map<string, ClusterRecord>();
  let durationMs = options.durationMs ?? DEFAULT_IAM_SYNC_DURATION_MS;
  let iamUsers = [...(options.iamUsers ?? DEFAULT_IAM_USERS)];
  let iamGroups = [...(options.iamGroups ?? DEFAULT_IAM_GROUPS)];
  assertDuration(durationMs);
  assertNames('iamUsers', iamUsers);
  assertNames('iamGroups', iamGroups);

  const newRecord = (manualSynchronizing: boolean): ClusterRecord => ({
    manualSynchronizing,
    task: undefined,
    isSynchronous: false,
    userNames: new Set(),
    groupNames: new Set(),
    durationMs: undefined,
  });

  /** Applies a finished task: the cluster has synced, and the task's names join the synced set. */
  function complete(record: ClusterRecord, task: SyncTask): void {
    record.task = undefined;
    record.isSynchronous = true;
    for (const name of task.isAllSync ? [...iamUsers, ...task.userNames] : task.userNames) record.userNames.add(name);
    for (const name of task.isAllSync ? [...iamGroups, ...task.groupNames] : task.groupNames) record.groupNames.add(name);
  }

  /** The cluster with any sync whose time has come settled, or undefined when there is no such cluster. */
  function settled(id: string): ClusterRecord | undefined {
    const record = state.get(id);
    if (record?.task !== undefined && now() >= record.task.endsAt) complete(record, record.task);
    return record;
  }

  const isSynchronizing = (record: ClusterRecord): boolean => record.manualSynchronizing || record.task !== undefined;

  function existing(id: string): ClusterRecord {
    const record = settled(id);
    if (record === undefined) throw new RangeError(`no cluster ${JSON.stringify(id)}`);
    return record;
  }

  const store: ClusterStore = {
    has: (id) => state.has(id),
    set: (id, synchronizing) => {
      assertClusterId(id);
      const record = settled(id);
      if (record === undefined) {
        state.set(id, newRecord(synchronizing));
        return;
      }
      record.manualSynchronizing = synchronizing;
      if (!synchronizing && record.task !== undefined) complete(record, record.task);
    },
    remove: (id) => void state.delete(id),
    snapshot: () => Object.fromEntries([...state.keys()].map((id) => [id, isSynchronizing(settled(id) as ClusterRecord)])),
  };
  for (const [id, synchronizing] of Object.entries(clusters)) store.set(id, synchronizing);

  const iamSync: IamSyncControls = {
    finish: (id) => {
      const record = existing(id);
      if (!isSynchronizing(record)) return false;
      record.manualSynchronizing = false;
      if (record.task !== undefined) complete(record, record.task);
      return true;
    },
    patch: (id, patch) => {
      const record = existing(id);
      if (patch.userNames !== undefined) assertNames('user_names', patch.userNames);
      if (patch.groupNames !== undefined) assertNames('group_names', patch.groupNames);
      if (patch.durationMs !== undefined && patch.durationMs !== null) assertDuration(patch.durationMs);
      if (patch.isSynchronous !== undefined) record.isSynchronous = patch.isSynchronous;
      if (patch.userNames !== undefined) record.userNames = new Set(patch.userNames);
      if (patch.groupNames !== undefined) record.groupNames = new Set(patch.groupNames);
      if (patch.durationMs !== undefined) record.durationMs = patch.durationMs ?? undefined;
    },
    setDefaults: (defaults) => {
      if (defaults.durationMs !== undefined) assertDuration(defaults.durationMs);
      if (defaults.iamUsers !== undefined) assertNames('iam_users', defaults.iamUsers);
      if (defaults.iamGroups !== undefined) assertNames('iam_groups', defaults.iamGroups);
      if (defaults.durationMs !== undefined) durationMs = defaults.durationMs;
      if (defaults.iamUsers !== undefined) iamUsers = [...defaults.iamUsers];
      if (defaults.iamGroups !== undefined) iamGroups = [...defaults.iamGroups];
    },
    snapshot: () => {
      const at = now();
      const perCluster: Record<string, ClusterSyncSnapshot> = {};
      for (const id of state.keys()) {
        const record = settled(id) as ClusterRecord;
        const task = record.task;
        perCluster[id] = {
          is_synchronizing: isSynchronizing(record),
          is_synchronous: record.isSynchronous,
          user_names: [...record.userNames],
          group_names: [...record.groupNames],
          duration_ms: record.durationMs ?? null,
          manual: record.manualSynchronizing,
          task:
            task === undefined
              ? null
              : {
                  started_at: new Date(task.startedAt).toISOString(),
                  ends_at: new Date(task.endsAt).toISOString(),
                  remaining_ms: Math.max(0, task.endsAt - at),
                  is_all_sync: task.isAllSync,
                  user_names: [...task.userNames],
                  group_names: [...task.groupNames],
                },
        };
      }
      return { duration_ms: durationMs, iam_users: [...iamUsers], iam_groups: [...iamGroups], clusters: perCluster };
    },
  };

  /** What every cluster API checks before its own work, in MRS's order: project, then cluster. */
  const clusterApi =
    (handler: ClusterHandler) =>
    (request: ApiRequest): ApiReply => {
      // sdk-core sends the credential's project as X-Project-Id; it must agree with the path too.
      const headerProject = headerValue(request.headers, 'x-project-id');
      if (request.params.project_id !== projectId || (headerProject !== undefined && headerProject !== projectId)) return PROJECT_MISMATCH;
      const record = settled(request.params.cluster_id);
      if (record === undefined) return CLUSTER_NOT_FOUND;
      return handler(record, request);
    };

  const startSync: ClusterHandler = (record, request) => {
    const body = readSyncBody(request);
    if (!body.ok) return body.reply;
    if (isSynchronizing(record)) return iamSyncInProgress(request.params.cluster_id);
    const startedAt = now();
    record.task = {
      startedAt,
      endsAt: startedAt + (record.durationMs ?? durationMs),
      isAllSync: body.value.isAllSync,
      userNames: body.value.userNames,
      groupNames: body.value.groupNames,
    };
    return SYNCHRONIZING;
  };

  const cancelSync: ClusterHandler = (record, request) => {
    const body = readSyncBody(request);
    if (!body.ok) return body.reply;
    for (const name of body.value.userNames) record.userNames.delete(name);
    for (const name of body.value.groupNames) record.groupNames.delete(name);
    return SYNCHRONIZING;
  };

  const routes: ApiRoute[] = [
    // ListClusterSyncTaskStatus.
    {
      path: `${CLUSTER_PATH}/iam-sync`,
      methods: { GET: clusterApi((record) => ({ status: 200, body: { is_synchronizing: isSynchronizing(record) } })) },
    },
    // ListClusterSyncStatus.
    {
      path: `${CLUSTER_PATH}/iam-sync/is-synchronous`,
      methods: { GET: clusterApi((record) => ({ status: 200, body: { is_synchronous: record.isSynchronous } })) },
    },
    {
      path: `${CLUSTER_PATH}/iam-sync-user`,
      methods: {
        // ShowSyncIamUser.
        GET: clusterApi((record) => ({ status: 200, body: { user_names: [...record.userNames], group_names: [...record.groupNames] } })),
        // UpdateSyncIamUser.
        POST: clusterApi(startSync),
        // CancelSyncIamUser.
        DELETE: clusterApi(cancelSync),
      },
    },
  ];
  return { routes, clusters: store, iamSync };
}

interface SyncBody {
  isAllSync: boolean;
  userNames: string[];
  groupNames: string[];
}

/** UpdateSyncRequest / CancelSyncRequest: a JSON object whose fields are all optional (CancelSyncRequest has no is_all_sync; it is ignored there). */
function readSyncBody(request: ApiRequest): { ok: true; value: SyncBody } | { ok: false; reply: ErrorReply } {
  const invalid = { ok: false, reply: INVALID_PARAMETER } as const;
  const mediaType = headerValue(request.headers, 'content-type')?.split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') return invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    return invalid;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return invalid;
  const { is_all_sync: isAllSync = false, user_names: userNames = [], group_names: groupNames = [] } = parsed as Record<string, unknown>;
  if (typeof isAllSync !== 'boolean' || !isNameList(userNames) || !isNameList(groupNames)) return invalid;
  return { ok: true, value: { isAllSync, userNames, groupNames } };
}

function isNameList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= MAX_NAMES_PER_LIST && value.every((name) => typeof name === 'string' && name !== '');
}
