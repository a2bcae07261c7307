/**
 * One cached answer about one cluster, as both tiers keep it. Times are epoch ms from the
 * clock of the instance that asked MRS.
 */
export type CachedValue = { readonly kind: 'status'; readonly isSynchronizing: boolean } | { readonly kind: 'not-found' };

export interface CacheEntry {
  readonly value: CachedValue;
  /** When MRS was asked. */
  readonly checkedAt: number;
  /** Until when the entry may be served as fresh. */
  readonly freshUntil: number;
  /** Until when it is kept at all (for stale-if-error); never before freshUntil. */
  readonly keepUntil: number;
  readonly upstreamRequestId?: string | undefined;
}

/** A cache shared by every instance (the Redis tier); the status service sees only this. */
export interface SharedTier {
  get(key: string): Promise<CacheEntry | undefined>;
  /** Stores the entry until its keepUntil; resolves (never rejects) once the store acknowledged or gave up. */
  set(key: string, entry: CacheEntry, now: number): Promise<void>;
  close(): Promise<void>;
}

/** The cache key: the endpoint and project the function is configured with, and the validated cluster id. */
export function cacheKey(endpoint: string, projectId: string, clusterId: string): string {
  return `mrs-iam-sync:${endpoint}:${projectId}:${clusterId}`;
}

const FORMAT_VERSION = 1;

/** Versioned JSON, so that a later format is read as a miss rather than misread. */
export function encodeEntry(entry: CacheEntry): string {
  return JSON.stringify({ v: FORMAT_VERSION, ...entry });
}

/** The entry, or undefined for anything that is not exactly what `encodeEntry` writes. */
export function decodeEntry(text: string | null | undefined): CacheEntry | undefined {
  if (typeof text !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const candidate = parsed as Partial<CacheEntry & { v: unknown }> | null;
  if (candidate?.v !== FORMAT_VERSION) return undefined;
  const { value, checkedAt, freshUntil, keepUntil, upstreamRequestId } = candidate;
  if (!isCachedValue(value) || !isTime(checkedAt) || !isTime(freshUntil) || !isTime(keepUntil) || keepUntil < freshUntil) return undefined;
  if (upstreamRequestId !== undefined && typeof upstreamRequestId !== 'string') return undefined;
  return { value, checkedAt, freshUntil, keepUntil, upstreamRequestId };
}

function isCachedValue(value: unknown): value is CachedValue {
  const candidate = value as { kind?: unknown; isSynchronizing?: unknown } | null | undefined;
  if (candidate?.kind === 'not-found') return Object.keys(candidate).length === 1;
  return candidate?.kind === 'status' && typeof candidate.isSynchronizing === 'boolean';
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
