/**
 * One cached answer about one cluster, as both tiers keep it. Times are epoch ms from the
 * clock of the instance that asked MRS.
 */
export type CachedValue =
  | { readonly kind: 'status'; readonly isSynchronizing: boolean }
  | { readonly kind: 'completion'; readonly isSynchronous: boolean }
  | { readonly kind: 'synced-names'; readonly userNames: readonly string[]; readonly groupNames: readonly string[] }
  | { readonly kind: 'not-found' };

/** What the cache holds answers to: one MRS read each. */
export type CachedRead = Exclude<CachedValue['kind'], 'not-found'>;

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
  /** Forgets the key; resolves (never rejects) once the store acknowledged or gave up. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The cache key: the endpoint, the project and the validated cluster id, and which read it
 * answers (the status keeps the key it has always had).
 */
export function cacheKey(endpoint: string, projectId: string, clusterId: string, read: CachedRead = 'status'): string {
  return `mrs-iam-sync:${endpoint}:${projectId}:${clusterId}${read === 'status' ? '' : `:${read}`}`;
}

export const CACHED_READS: readonly CachedRead[] = ['status', 'completion', 'synced-names'];

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
  const candidate = value as Partial<Record<string, unknown>> | null | undefined;
  switch (candidate?.kind) {
    case 'not-found':
      return Object.keys(candidate).length === 1;
    case 'status':
      return typeof candidate.isSynchronizing === 'boolean';
    case 'completion':
      return typeof candidate.isSynchronous === 'boolean';
    case 'synced-names':
      return isNameList(candidate.userNames) && isNameList(candidate.groupNames);
    default:
      return false;
  }
}

function isNameList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
