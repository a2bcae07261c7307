/**
 * The cached reads behind every trigger: the cache first, then MRS. Three reads share the
 * machinery: the status (is a sync running?), the completion (has one ever finished?) and
 * the synced names (which users and groups).
 *
 * - A fresh cached answer (younger than the TTL) is served as a hit, from this instance's
 *   memory or, when configured, from Redis shared by all instances.
 * - Otherwise one upstream call per cluster and read is made at a time; concurrent lookups
 *   share it (single flight). A caller that needs an answer no older than a moment (a fresh
 *   read, a waiter's poll) shares only a call that started at or after that moment.
 * - "No such cluster" is remembered for the short negative TTL; other errors never are.
 * - When MRS is failing or slow (UpstreamUnavailable, UpstreamThrottled, UpstreamTimeout),
 *   an expired answer younger than the stale-if-error window is served, marked stale.
 */
import { CACHED_READS, type CachedRead, type CachedValue, type CacheEntry, cacheKey, type SharedTier } from '../cache/entry';
import { createMemoryTier } from '../cache/memory';
import { createSingleFlight } from '../cache/single-flight';
import type { CacheConfig } from '../config';
import { ClusterNotFound, isTransientUpstreamError, UpstreamTimeout } from '../errors';
import type { CallOptions, MrsClient, MrsTarget } from '../mrs/client';
import { clusterNotFound } from '../mrs/error-mapping';

export interface StatusQuery {
  readonly clusterId: string;
  /** A project the caller named (already allowed by the access policy); undefined: the function's own. */
  readonly projectId?: string | undefined;
  /** Skip cached answers: only an MRS call that started after this request arrived will do. */
  readonly fresh?: boolean;
  /** Epoch ms: only an answer MRS gave to a call started at or after this will do (cached or in flight). */
  readonly notCheckedBefore?: number;
  /** Whether a failing MRS may be covered by a stale answer (default true; the refresh function says false). */
  readonly allowStale?: boolean;
}

export type CacheStatus = 'hit' | 'miss' | 'stale';

/** What each read answers. */
export interface ReadValues {
  readonly status: { readonly isSynchronizing: boolean };
  readonly completion: { readonly isSynchronous: boolean };
  readonly 'synced-names': { readonly userNames: readonly string[]; readonly groupNames: readonly string[] };
}

export interface ReadAnswer<R extends CachedRead> {
  readonly clusterId: string;
  readonly value: ReadValues[R];
  /** When MRS was asked (ISO 8601), which for a cached answer is earlier than the response. */
  readonly checkedAt: string;
  readonly upstreamRequestId: string | undefined;
  readonly cache: {
    readonly status: CacheStatus;
    readonly ageSeconds: number;
    /** How much longer the answer stays fresh; 0 for stale answers and with caching off. */
    readonly maxAgeSeconds: number;
  };
}

export type StatusAnswer = Omit<ReadAnswer<'status'>, 'value'> & { readonly isSynchronizing: boolean };

export interface StatusService {
  read<R extends CachedRead>(read: R, query: StatusQuery, options: CallOptions): Promise<ReadAnswer<R>>;
  /** The status read, as the status function and the refresh function use it. */
  getStatus(query: StatusQuery, options: CallOptions): Promise<StatusAnswer>;
  /** Forgets every cached answer about the cluster (after starting a sync, they are all out of date). */
  forget(target: MrsTarget): Promise<void>;
}

export interface StatusServiceOptions {
  readonly client: MrsClient;
  /** Cache keys name the endpoint and project, so that one Redis can serve several deployments. */
  readonly endpoint: string;
  /** The configured project, or the one IAM names for the region (looked up once). */
  readonly defaultProjectId: (call: CallOptions) => Promise<string>;
  readonly cache: Omit<CacheConfig, 'redisUrl' | 'redisTimeoutMs'>;
  readonly shared?: SharedTier | undefined;
  readonly now?: () => number;
}

/** Each read's MRS call, as the value the cache keeps. */
const ASK_MRS: {
  readonly [R in CachedRead]: (
    client: MrsClient,
    target: MrsTarget,
    call: CallOptions,
  ) => Promise<{ value: CachedValue; requestId: string | undefined }>;
} = {
  status: async (client, target, call) => {
    const { isSynchronizing, requestId } = await client.getIamSyncStatus(target, call);
    return { value: { kind: 'status', isSynchronizing }, requestId };
  },
  completion: async (client, target, call) => {
    const { isSynchronous, requestId } = await client.getIamSyncCompletion(target, call);
    return { value: { kind: 'completion', isSynchronous }, requestId };
  },
  'synced-names': async (client, target, call) => {
    const { userNames, groupNames, requestId } = await client.getSyncedNames(target, call);
    return { value: { kind: 'synced-names', userNames, groupNames }, requestId };
  },
};

export function createStatusService(options: StatusServiceOptions): StatusService {
  const { client, cache: policy, shared } = options;
  const now = options.now ?? Date.now;
  const caching = policy.ttlMs > 0;
  const memory = createMemoryTier(policy.maxEntries);
  const flights = createSingleFlight<CacheEntry>();

  /** The newest entry either tier has; a fresh one in memory spares the trip to Redis. */
  async function lookup(key: string, at: number): Promise<CacheEntry | undefined> {
    const local = memory.get(key, at);
    if (local !== undefined && local.freshUntil > at) return local;
    const remote = await shared?.get(key);
    if (remote === undefined || remote.keepUntil <= at || (local !== undefined && local.checkedAt >= remote.checkedAt)) return local;
    memory.set(key, remote);
    return remote;
  }

  async function store(key: string, entry: CacheEntry): Promise<CacheEntry> {
    if (!caching) return entry;
    memory.set(key, entry);
    await shared?.set(key, entry, now());
    return entry;
  }

  async function askMrs(read: CachedRead, key: string, target: MrsTarget, callOptions: CallOptions): Promise<CacheEntry> {
    const checkedAt = now();
    try {
      const { value, requestId } = await ASK_MRS[read](client, target, callOptions);
      return await store(key, {
        value,
        checkedAt,
        freshUntil: checkedAt + policy.ttlMs,
        keepUntil: checkedAt + Math.max(policy.ttlMs, policy.staleIfErrorMs),
        upstreamRequestId: requestId,
      });
    } catch (error) {
      if (error instanceof ClusterNotFound && policy.negativeTtlMs > 0) {
        const until = checkedAt + policy.negativeTtlMs;
        await store(key, {
          value: { kind: 'not-found' },
          checkedAt,
          freshUntil: until,
          keepUntil: until,
          upstreamRequestId: error.upstream?.requestId,
        });
      }
      throw error;
    }
  }

  async function read<R extends CachedRead>(which: R, query: StatusQuery, callOptions: CallOptions): Promise<ReadAnswer<R>> {
    const { clusterId, fresh = false, allowStale = true } = query;
    const arrivedAt = now();
    const projectId = query.projectId ?? (await options.defaultProjectId(callOptions));
    const target = { projectId, clusterId };
    const key = cacheKey(options.endpoint, projectId, clusterId, which);
    const notCheckedBefore = fresh ? arrivedAt : query.notCheckedBefore;
    // A fresh read cannot be answered from the cache; its lookup waits until MRS has failed.
    let known = caching && !fresh ? await lookup(key, arrivedAt) : undefined;
    const usable =
      known !== undefined && known.freshUntil > arrivedAt && (notCheckedBefore === undefined || known.checkedAt >= notCheckedBefore);
    if (usable && known !== undefined) return answer(which, target, known, 'hit', now());
    try {
      const flight = flights.run(
        key,
        { now: arrivedAt, ...(notCheckedBefore !== undefined && { notStartedBefore: notCheckedBefore }) },
        () => askMrs(which, key, target, callOptions),
      );
      // A caller that joined a call made for another invocation still answers by its own deadline.
      const entry = await withinDeadline(flight, callOptions.deadlineAt, now);
      return answer(which, target, entry, 'miss', now());
    } catch (error) {
      if (!caching || !allowStale || !isTransientUpstreamError(error)) throw error;
      const at = now();
      known ??= await lookup(key, at);
      if (known !== undefined && known.value.kind !== 'not-found' && at - known.checkedAt < policy.staleIfErrorMs) {
        return answer(which, target, known, 'stale', at);
      }
      throw error;
    }
  }

  return {
    read,
    async getStatus(query, callOptions) {
      const { value, ...rest } = await read('status', query, callOptions);
      return { ...rest, isSynchronizing: value.isSynchronizing };
    },
    async forget({ projectId, clusterId }) {
      for (const which of CACHED_READS) {
        const key = cacheKey(options.endpoint, projectId, clusterId, which);
        memory.delete(key);
        await shared?.delete(key);
      }
    },
  };
}

function withinDeadline<T>(work: Promise<T>, deadlineAt: number | undefined, now: () => number): Promise<T> {
  if (deadlineAt === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new UpstreamTimeout('MRS did not answer before the invocation deadline. Retry, or raise the function timeout.')),
      Math.max(0, deadlineAt - now()),
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function answer<R extends CachedRead>(which: R, target: MrsTarget, entry: CacheEntry, status: CacheStatus, at: number): ReadAnswer<R> {
  const { value } = entry;
  if (value.kind === 'not-found') {
    throw clusterNotFound(target, entry.upstreamRequestId === undefined ? {} : { requestId: entry.upstreamRequestId });
  }
  return {
    clusterId: target.clusterId,
    value: withoutTag(which, value) as ReadValues[R],
    checkedAt: new Date(entry.checkedAt).toISOString(),
    upstreamRequestId: entry.upstreamRequestId,
    cache: {
      status,
      ageSeconds: Math.floor(Math.max(0, at - entry.checkedAt) / 1000),
      maxAgeSeconds: status === 'stale' ? 0 : Math.floor(Math.max(0, entry.freshUntil - at) / 1000),
    },
  };
}

/** The cached value without its tag; an entry of another read under this key is a bug, never served. */
function withoutTag(which: CachedRead, value: Exclude<CachedValue, { kind: 'not-found' }>): ReadValues[CachedRead] {
  if (value.kind !== which) throw new Error(`cache entry of kind ${value.kind} found for the ${which} read`);
  const { kind: _kind, ...rest } = value;
  return rest;
}
