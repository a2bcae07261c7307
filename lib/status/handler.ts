/**
 * The IAM-sync status function, composed: middy runs the cross-cutting steps around a
 * handler that only asks the status service. Set-up runs once per cold start; when it
 * fails (bad configuration), every invocation answers its ConfigurationError in the
 * caller's shape instead of the platform reporting a crashed import.
 */
import middy from '@middy/core';
import type { Config } from '../config';
import { credentialProviderFor } from '../credentials/chain';
import { createLogger, type Logger } from '../log';
import { invocationContext } from '../middleware/invocation-context';
import { structuredLogging } from '../middleware/structured-logging';
import { triggerAdapter, type Route } from '../middleware/trigger-adapter';
import { createMrsClient, type MrsClient } from '../mrs/client';
import type { AdapterContext } from '../runtime/invocation';
import { statusQueryFromDirect, statusQueryFromHttp } from '../triggers/status-route';
import { createStatusService, type StatusAnswer, type StatusQuery } from './service';

export interface StatusFunctionParts {
  readonly config: Config;
  readonly log: Logger;
  readonly client: MrsClient;
}

export interface StatusBody {
  readonly cluster_id: string;
  readonly is_synchronizing: boolean;
  readonly checked_at: string;
}

export const statusRoute: Route<StatusQuery, StatusAnswer> = {
  fromHttp: statusQueryFromHttp,
  fromDirect: statusQueryFromDirect,
  toBody: (answer): StatusBody => ({
    cluster_id: answer.clusterId,
    is_synchronizing: answer.isSynchronizing,
    checked_at: answer.checkedAt,
  }),
};

/** The production parts for a configuration: a logger at its level and the MRS client over HTTPS. */
export function statusFunctionParts(config: Config): StatusFunctionParts {
  return {
    config,
    log: createLogger({ level: config.logLevel }),
    client: createMrsClient({ endpoint: config.endpoint, projectId: config.projectId, requestTimeoutMs: config.requestTimeoutMs }),
  };
}

export function createStatusHandler(setUp: () => StatusFunctionParts) {
  const ready = attempt(setUp);
  const log = ready.ok ? ready.parts.log : createLogger({ level: 'info' });
  if (!ready.ok) log.error('cold start failed', { error: ready.error });
  const marginMs = ready.ok ? ready.parts.config.deadlineMarginMs : 0;
  const service = ready.ok ? createStatusService(ready.parts.client) : undefined;

  return middy<StatusQuery, StatusAnswer, Error, AdapterContext>({ timeoutEarlyInMillis: 0 })
    .use(invocationContext(log, marginMs))
    .use(structuredLogging())
    .use(triggerAdapter(statusRoute))
    .handler(async (query, { invocation }) => {
      if (!ready.ok || service === undefined) throw ready.ok ? new Error('unreachable') : ready.error;
      return service.getStatus(query, {
        credentials: credentialProviderFor(invocation.platform, ready.parts.config.environmentCredentials),
        deadlineAt: invocation.deadlineAt,
      });
    });
}

type Attempt = { ok: true; parts: StatusFunctionParts } | { ok: false; error: unknown };

function attempt(setUp: () => StatusFunctionParts): Attempt {
  try {
    return { ok: true, parts: setUp() };
  } catch (error) {
    return { ok: false, error };
  }
}
