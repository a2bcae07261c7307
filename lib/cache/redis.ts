/**
 * The shared tier: Redis (Huawei DCS speaks its protocol), so that every instance of the
 * function answers from what any of them learned. It is an accelerator, never a
 * dependency: every command has a short timeout, and any failure (refused, paused, dropped,
 * garbage) is a miss. A failure is logged once, then not again until Redis has answered
 * again, so an outage does not flood the logs.
 *
 * The client library is loaded only when REDIS_URL is set (this module is imported lazily
 * by lib/status/parts.ts). It never reconnects in the background: a timer of its own would
 * keep the process alive after the invocation, so a lost connection is re-opened, at most
 * once a second, by the next command that needs it.
 */
import type { Socket } from 'node:net';
import Redis from 'ioredis';
import type { Logger } from '../log';
import { decodeEntry, encodeEntry, type SharedTier } from './entry';

export interface RedisTierOptions {
  readonly url: string;
  readonly commandTimeoutMs: number;
  readonly log: Logger;
}

const RECONNECT_INTERVAL_MS = 1000;
const CONNECT_TIMEOUT_MS = 1000;

export function createRedisTier({ url, commandTimeoutMs, log }: RedisTierOptions): SharedTier {
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
  let healthy = true;
  let lastConnectAttempt = 0;

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
  const connect = () => {
    lastConnectAttempt = Date.now();
    client.connect().catch((error: unknown) => report('CONNECT', error));
  };
  // Errors also surface on the commands that hit them; this listener keeps ioredis from printing them itself.
  client.on('error', (error: unknown) => report('CONNECTION', error));
  // The connection is reused across invocations but must not keep an idle process alive.
  client.on('connect', () => (client as unknown as { stream?: Socket }).stream?.unref());
  connect();

  async function attempt<T>(operation: string, command: () => Promise<T>): Promise<T | undefined> {
    if (client.status === 'end' && Date.now() - lastConnectAttempt >= RECONNECT_INTERVAL_MS) connect();
    try {
      const result = await command();
      recovered();
      return result;
    } catch (error) {
      report(operation, error);
      return undefined;
    }
  }

  return {
    async get(key) {
      const text = await attempt('GET', () => client.get(key));
      const entry = decodeEntry(text);
      if (text != null && entry === undefined) log.warn('unreadable Redis cache value ignored', { key });
      return entry;
    },
    async set(key, entry, now) {
      const ttlMs = entry.keepUntil - now;
      if (ttlMs <= 0) return;
      await attempt('SET', () => client.set(key, encodeEntry(entry), 'PX', ttlMs));
    },
    async close() {
      client.disconnect();
    },
  };
}
