/**
 * Idempotency records, with the semantics of Powertools' idempotency utility: a request
 * with a key claims the key (in progress) before it acts; when it succeeds, its result is
 * recorded for the TTL, and a repeat with the same key and the same request gets that result
 * back without acting again; the same key with another request is a mismatch; a repeat while
 * the first is still in progress is refused; a failure removes the record, so the caller's
 * retry can proceed.
 *
 * Records live in this instance's memory and, when a shared store is configured (Redis), in
 * it too, so that every instance sees them. The shared store is claimed with SET NX: of two
 * instances claiming at once, one wins. When it does not answer, this instance's memory still
 * holds; MRS itself refuses a second start while a sync runs, which bounds what a lost record
 * can cost.
 */

export type IdempotencyRecord =
  | { readonly status: 'in-progress'; readonly requestHash: string; readonly expiresAt: number }
  | { readonly status: 'completed'; readonly requestHash: string; readonly result: unknown; readonly expiresAt: number };

/** Text records shared by every instance (the Redis tier implements it). */
export interface SharedRecords {
  /** Stores `text` unless the key exists: `null` when stored, the existing text when not, undefined when the store did not answer. */
  claim(key: string, text: string, ttlMs: number): Promise<string | null | undefined>;
  /** Reads the text, undefined when absent or the store did not answer. */
  read(key: string): Promise<string | undefined>;
  put(key: string, text: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface IdempotencyStore {
  /** Claims `key` for a request: undefined when it is this request's now, else the record that holds it. */
  claim(key: string, requestHash: string, inProgressUntil: number): Promise<IdempotencyRecord | undefined>;
  /** Records the result of the request that holds `key`, kept until `until`. */
  complete(key: string, requestHash: string, result: unknown, until: number): Promise<void>;
  /** Removes the claim of a request that failed. */
  release(key: string): Promise<void>;
}

export interface IdempotencyStoreOptions {
  /** Names the deployment in the shared store's keys, so that one Redis can serve several. */
  readonly namespace: string;
  readonly shared?: SharedRecords | undefined;
  readonly now?: () => number;
  /** At most this many records in memory; the oldest are dropped first. */
  readonly maxEntries?: number;
}

const FORMAT_VERSION = 1;

export function createIdempotencyStore({
  namespace,
  shared,
  now = Date.now,
  maxEntries = 10_000,
}: IdempotencyStoreOptions): IdempotencyStore {
  const memory = new Map<string, IdempotencyRecord>();
  const sharedKey = (key: string) => `mrs-iam-sync:idempotency:${namespace}:${key}`;

  const remember = (key: string, record: IdempotencyRecord) => {
    memory.delete(key);
    memory.set(key, record);
    if (memory.size > maxEntries) memory.delete(memory.keys().next().value as string);
  };
  const held = (key: string): IdempotencyRecord | undefined => {
    const record = memory.get(key);
    if (record === undefined) return undefined;
    if (record.expiresAt > now()) return record;
    memory.delete(key);
    return undefined;
  };

  return {
    async claim(key, requestHash, inProgressUntil) {
      const local = held(key);
      if (local !== undefined) return local;
      const mine: IdempotencyRecord = { status: 'in-progress', requestHash, expiresAt: inProgressUntil };
      const ttlMs = inProgressUntil - now();
      const existing = ttlMs > 0 ? await shared?.claim(sharedKey(key), encode(mine), ttlMs) : undefined;
      const theirs = typeof existing === 'string' ? decode(existing) : undefined;
      if (theirs !== undefined && theirs.expiresAt > now()) {
        // Only a result is kept here: another instance's claim ends in a result or a release this memory would not see.
        if (theirs.status === 'completed') remember(key, theirs);
        return theirs;
      }
      // A record that cannot be read is no record: it was written by a later format, or damaged.
      if (typeof existing === 'string') await shared?.put(sharedKey(key), encode(mine), ttlMs);
      remember(key, mine);
      return undefined;
    },
    async complete(key, requestHash, result, until) {
      const record: IdempotencyRecord = { status: 'completed', requestHash, result, expiresAt: until };
      remember(key, record);
      const ttlMs = until - now();
      if (ttlMs > 0) await shared?.put(sharedKey(key), encode(record), ttlMs);
    },
    async release(key) {
      memory.delete(key);
      await shared?.delete(sharedKey(key));
    },
  };
}

function encode(record: IdempotencyRecord): string {
  return JSON.stringify({ v: FORMAT_VERSION, ...record });
}

function decode(text: string): IdempotencyRecord | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<IdempotencyRecord> & { v?: unknown };
    if (parsed.v !== FORMAT_VERSION || typeof parsed.requestHash !== 'string' || typeof parsed.expiresAt !== 'number') return undefined;
    if (parsed.status === 'in-progress') return { status: 'in-progress', requestHash: parsed.requestHash, expiresAt: parsed.expiresAt };
    if (parsed.status === 'completed' && 'result' in parsed) {
      return { status: 'completed', requestHash: parsed.requestHash, result: parsed.result, expiresAt: parsed.expiresAt };
    }
    return undefined;
  } catch {
    return undefined;
  }
}
