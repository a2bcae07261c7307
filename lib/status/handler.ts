/**
 * The IAM-sync status function, composed: middy runs the cross-cutting steps around a
 * handler that only asks the status service. Set-up runs once per cold start; when it
 * fails (bad configuration), every invocation answers its ConfigurationError in the
 * caller's shape instead of the platform reporting a crashed import.
 */
import middy from '@middy/core';
import { credentialProviderFor } from '../credentials/chain';
import { createLogger } from '../log';
import { invocationContext } from '../middleware/invocation-context';
import { structuredLogging } from '../middleware/structured-logging';
import { triggerAdapter, type Route } from '../middleware/trigger-adapter';
import type { AdapterContext } from '../runtime/invocation';
import { statusQueryFromDirect, statusQueryFromHttp } from '../triggers/status-route';
import type { FunctionParts } from './parts';
import type { StatusAnswer, StatusQuery } from './service';

export interface StatusBody {
  readonly cluster_id: string;
  readonly is_synchronizing: boolean;
  /** When MRS was asked; older than the response when the answer came from the cache. */
  readonly checked_at: string;
  readonly cache: { readonly status: 'hit' | 'miss' | 'stale'; readonly age_seconds: number };
}

export const statusRoute: Route<StatusQuery, StatusAnswer> = {
  fromHttp: statusQueryFromHttp,
  fromDirect: statusQueryFromDirect,
  toBody: (answer): StatusBody => ({
    cluster_id: answer.clusterId,
    is_synchronizing: answer.isSynchronizing,
    checked_at: answer.checkedAt,
    cache: { status: answer.cache.status, age_seconds: answer.cache.ageSeconds },
  }),
  httpHeaders: ({ cache }) => ({
    'Cache-Control': `max-age=${cache.maxAgeSeconds}`,
    Age: String(cache.ageSeconds),
    'X-Cache': cache.status.toUpperCase(),
  }),
};

export function createStatusHandler(setUp: () => FunctionParts) {
  const ready = attempt(setUp);
  const log = ready.ok ? ready.parts.log : createLogger({ level: 'info' });
  if (!ready.ok) log.error('cold start failed', { error: ready.error });
  const marginMs = ready.ok ? ready.parts.config.deadlineMarginMs : 0;

  return middy<StatusQuery, StatusAnswer, Error, AdapterContext>({ timeoutEarlyInMillis: 0 })
    .use(invocationContext(log, marginMs))
    .use(structuredLogging())
    .use(triggerAdapter(statusRoute))
    .handler(async (query, { invocation }) => {
      if (!ready.ok) throw ready.error;
      return ready.parts.service.getStatus(query, {
        credentials: credentialProviderFor(invocation.platform, ready.parts.config.environmentCredentials),
        deadlineAt: invocation.deadlineAt,
      });
    });
}

type Attempt = { ok: true; parts: FunctionParts } | { ok: false; error: unknown };

function attempt(setUp: () => FunctionParts): Attempt {
  try {
    return { ok: true, parts: setUp() };
  } catch (error) {
    return { ok: false, error };
  }
}
