/**
 * The status lookup behind every trigger: the cache first, then MRS.
 *
 * - A fresh cached answer (younger than the TTL) is served as a hit, from this instance's
 *   memory or, when configured, from Redis shared by all instances.
 * - Otherwise one upstream call per cluster is made at a time; concurrent lookups share it
 *   (single flight). A caller asking for a fresh answer only shares a call that started
 *   after it arrived.
 * - "No such cluster" is remembered for the short negative TTL; other errors never are.
 * - When MRS is failing or slow (UpstreamUnavailable, UpstreamThrottled, UpstreamTimeout),
 *   an expired answer younger than the stale-if-error window is served, marked stale.
 */
import { cacheKey, type CacheEntry, type SharedTier } from '../cache/entry';
import { createMemoryTier } from '../cache/memory';
import { createSingleFlight } from '../cache/single-flight';
import type { CacheConfig } from '../config';
import { ClusterNotFound, UpstreamTimeout, isTransientUpstreamError } from '../errors';
import type { CallOptions, MrsClient, MrsTarget } from '../mrs/client';
import { clusterNotFound } from '../mrs/error-mapping';

export interface StatusQuery {
  readonly clusterId: string;
  /** A project the caller named (already allowed by the access policy); undefined: the configured one. */
  readonly projectId?: string | undefined;
  /** Skip cached answers: only an MRS call that started after this request arrived will do. */
  readonly fresh?: boolean;
  /** Whether a failing MRS may be covered by a stale answer (default true; the refresh function says false). */
  readonly allowStale?: boolean;
}

export type CacheStatus = 'hit' | 'miss' | 'stale';

export interface StatusAnswer {
  readonly clusterId: string;
  readonly isSynchronizing: boolean;
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

export interface StatusService {
  getStatus(query: StatusQuery, options: CallOptions): Promise<StatusAnswer>;
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

  async function askMrs(key: string, target: MrsTarget, callOptions: CallOptions): Promise<CacheEntry> {
    const checkedAt = now();
    try {
      const status = await client.getIamSyncStatus(target, callOptions);
      return await store(key, {
        value: { kind: 'status', isSynchronizing: status.isSynchronizing },
        checkedAt,
        freshUntil: checkedAt + policy.ttlMs,
        keepUntil: checkedAt + Math.max(policy.ttlMs, policy.staleIfErrorMs),
        upstreamRequestId: status.requestId,
      });
    } catch (error) {
      if (error instanceof ClusterNotFound && policy.negativeTtlMs > 0) {
        const until = checkedAt + policy.negativeTtlMs;
        await store(key, { value: { kind: 'not-found' }, checkedAt, freshUntil: until, keepUntil: until, upstreamRequestId: error.upstream?.requestId });
      }
      throw error;
    }
  }

  return {
    async getStatus({ clusterId, projectId: named, fresh = false, allowStale = true }, callOptions) {
      const arrivedAt = now();
      const projectId = named ?? (await options.defaultProjectId(callOptions));
      const key = cacheKey(options.endpoint, projectId, clusterId);
      let known = caching && !fresh ? await lookup(key, arrivedAt) : undefined;
      if (known !== undefined && known.freshUntil > arrivedAt) return answer({ projectId, clusterId }, known, 'hit', now());
      try {
        const flight = flights.run(key, { now: arrivedAt, ...(fresh && { notStartedBefore: arrivedAt }) }, () =>
          askMrs(key, { projectId, clusterId }, callOptions),
        );
        // A caller that joined a call made for another invocation still answers by its own deadline.
        const entry = await withinDeadline(flight, callOptions.deadlineAt, now);
        return answer({ projectId, clusterId }, entry, 'miss', now());
      } catch (error) {
        if (!caching || !allowStale || !isTransientUpstreamError(error)) throw error;
        const at = now();
        known ??= await lookup(key, at);
        if (known?.value.kind === 'status' && at - known.checkedAt < policy.staleIfErrorMs) return answer({ projectId, clusterId }, known, 'stale', at);
        throw error;
      }
    },
  };
}

function withinDeadline<T>(work: Promise<T>, deadlineAt: number | undefined, now: () => number): Promise<T> {
  if (deadlineAt === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new UpstreamTimeout('MRS did not answer before the invocation deadline. Retry, or raise the function timeout.')), Math.max(0, deadlineAt - now()));
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function answer(target: MrsTarget, entry: CacheEntry, status: CacheStatus, at: number): StatusAnswer {
  const { clusterId } = target;
  if (entry.value.kind === 'not-found') {
    throw clusterNotFound(target, entry.upstreamRequestId === undefined ? {} : { requestId: entry.upstreamRequestId });
  }
  return {
    clusterId,
    isSynchronizing: entry.value.isSynchronizing,
    checkedAt: new Date(entry.checkedAt).toISOString(),
    upstreamRequestId: entry.upstreamRequestId,
    cache: {
      status,
      ageSeconds: Math.floor(Math.max(0, at - entry.checkedAt) / 1000),
      maxAgeSeconds: status === 'stale' ? 0 : Math.floor(Math.max(0, entry.freshUntil - at) / 1000),
    },
  };
}
