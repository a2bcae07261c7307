/**
 * The shared tier: Redis (Huawei DCS speaks its protocol), so that every instance of the
 * function answers from what any of them learned. It is an accelerator, never a
 * dependency: every command has a short timeout, and any failure (refused, paused, dropped,
 * garbage) is a miss. A failure is logged once, then not again until Redis has answered
 * again, so an outage does not flood the logs.
 *
 * The client library is loaded only when REDIS_URL is set (this module is imported lazily
 * by lib/composition/lazy.ts). It never reconnects in the background: a timer of its own would
 * keep the process alive after the invocation, so a lost connection is re-opened, at most
 * once a second, by the next command that needs it.
 *
 * Whether the connection is alive is tracked here, not read from the client's `status`:
 * ioredis can report "ready" on a socket the server has already closed (a server at
 * maxclients accepts and closes at once; ioredis goes to "end" and then "ready"), and a
 * half-dead socket stays "ready" while every command times out. So a connection counts as
 * lost once its socket closed or errored, or once a command on it timed out or failed for
 * anything but a Redis error reply. A lost connection is never used again: lookups miss at
 * once, and the first lookup a second or more after the last opening discards the client
 * and opens a fresh one.
 */
import type { Socket } from 'node:net';
import Redis from 'ioredis';
import type { SharedRecords } from '../idempotency/store';
import type { Logger } from '../log';
import { decodeEntry, encodeEntry, type SharedTier } from './entry';

export interface RedisTierOptions {
  readonly url: string;
  readonly commandTimeoutMs: number;
  readonly log: Logger;
  /** The clock for the re-open interval (epoch ms); tests inject one. */
  readonly now?: () => number;
}

const RECONNECT_INTERVAL_MS = 1000;
const CONNECT_TIMEOUT_MS = 1000;

/** One client, one socket, one life: ioredis never reconnects it (retryStrategy returns null). */
interface Connection {
  readonly client: Redis;
  lost: boolean;
}

export function createRedisTier({ url, commandTimeoutMs, log, now = Date.now }: RedisTierOptions): SharedTier & SharedRecords {
  let healthy = true;
  let closed = false;
  let lastOpenedAt = 0;

  const report = (operation: string, error: unknown) => {
    if (!healthy) return;
    healthy = false;
    log.warn('Redis cache unavailable; answering from memory and MRS until it recovers', {
      operation,
      reason: (error as { message?: unknown } | null)?.message ?? String(error),
    });
  };
  const recovered = () => {
    if (healthy) return;
    healthy = true;
    log.info('Redis cache answering again');
  };

  const open = (): Connection => {
    lastOpenedAt = now();
    const client = new Redis(url, {
      lazyConnect: true,
      commandTimeout: commandTimeoutMs,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableReadyCheck: false,
      // close() of a connection that never opened otherwise leaves a 2 s timer behind.
      disconnectTimeout: 100,
    });
    const connection: Connection = { client, lost: false };
    const lose = () => {
      connection.lost = true;
    };
    // Errors also surface on the commands that hit them; this listener keeps ioredis from printing them itself.
    client.on('error', (error: unknown) => {
      lose();
      if (connection === current) report('CONNECTION', error);
    });
    client.on('close', lose);
    client.on('end', lose);
    // The connection is reused across invocations but must not keep an idle process alive.
    client.on('connect', () => (client as unknown as { stream?: Socket }).stream?.unref());
    client.connect().catch((error: unknown) => {
      lose();
      if (connection === current) report('CONNECT', error);
    });
    return connection;
  };
  const discard = ({ client }: Connection) => {
    client.disconnect();
    // disconnect() only half-closes: a peer that no longer answers would keep the socket.
    (client as unknown as { stream?: Socket }).stream?.destroy();
  };

  let current = open();

  /** The connection to send on, re-opened when lost and the last opening is a second old; undefined while it may not be. */
  const usable = (): Connection | undefined => {
    if (closed) return undefined;
    if (!current.lost) return current;
    if (now() - lastOpenedAt < RECONNECT_INTERVAL_MS) return undefined;
    const lost = current;
    current = open();
    discard(lost);
    return current;
  };

  async function attempt<T>(operation: string, command: (client: Redis) => Promise<T>): Promise<T | undefined> {
    const connection = usable();
    if (connection === undefined) {
      if (!closed) report(operation, new Error('connection lost; re-opened at most once a second'));
      return undefined;
    }
    try {
      const result = await command(connection.client);
      // An answer on a connection already replaced is no sign that the current one works.
      if (connection === current && !connection.lost) recovered();
      return result;
    } catch (error) {
      // A Redis error reply came over a working connection; anything else (timeout, closed, reset) means it is gone.
      if ((error as { name?: unknown } | null)?.name !== 'ReplyError') connection.lost = true;
      if (connection === current) report(operation, error);
      return undefined;
    }
  }

  return {
    async get(key) {
      const text = await attempt('GET', (client) => client.get(key));
      const entry = decodeEntry(text);
      if (text != null && entry === undefined) log.warn('unreadable Redis cache value ignored', { key });
      return entry;
    },
    async set(key, entry, at) {
      const ttlMs = entry.keepUntil - at;
      if (ttlMs <= 0) return;
      await attempt('SET', (client) => client.set(key, encodeEntry(entry), 'PX', ttlMs));
    },
    async delete(key) {
      await attempt('DEL', (client) => client.del(key));
    },
    async claim(key, text, ttlMs) {
      const stored = await attempt('SET NX', (client) => client.set(key, text, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
      if (stored === undefined) return undefined;
      if (stored === 'OK') return null;
      // Someone holds the key: what they hold (it may have expired in between: then it is free).
      const existing = await attempt('GET', (client) => client.get(key));
      return existing ?? undefined;
    },
    async read(key) {
      return (await attempt('GET', (client) => client.get(key))) ?? undefined;
    },
    async put(key, text, ttlMs) {
      await attempt('SET', (client) => client.set(key, text, 'PX', Math.max(1, Math.ceil(ttlMs))));
    },
    async close() {
      closed = true;
      discard(current);
    },
  };
}
