/**
 * The in-memory tier every instance has: at most `maxEntries`, least recently used evicted
 * first, entries dropped once past `keepUntil`. A `Map` iterates in insertion order, so
 * re-inserting on every read keeps the least recently used entry first.
 */
import type { CacheEntry } from './entry';

export interface MemoryTier {
  get(key: string, now: number): CacheEntry | undefined;
  set(key: string, entry: CacheEntry): void;
  delete(key: string): void;
  readonly size: number;
}

export function createMemoryTier(maxEntries: number): MemoryTier {
  const entries = new Map<string, CacheEntry>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      if (entry.keepUntil <= now) return undefined;
      entries.set(key, entry);
      return entry;
    },
    set(key, entry) {
      entries.delete(key);
      entries.set(key, entry);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
