/**
 * One log line per invocation, with its request id, outcome and duration: `info` for
 * answers, `warn` for answers served stale and for the caller's mistakes (4xx), `error` for
 * everything else.
 */
import type middy from '@middy/core';
import { toAdapterError } from '../errors';
import type { AdapterContext, Invocation } from '../runtime/invocation';

export function structuredLogging(now: () => number = Date.now): middy.MiddlewareObj<unknown, unknown, Error, AdapterContext> {
  return {
    after: ({ context: { invocation }, response }) => logAnswered(invocation, response, now),
    onError: ({ context: { invocation }, error }) => {
      const failure = toAdapterError(error);
      const level = failure.statusCode < 500 ? 'warn' : 'error';
      invocation.log[level]('failed', {
        duration_ms: now() - invocation.startedAt,
        error: failure,
        ...(failure.upstream && { upstream: failure.upstream }),
      });
    },
  };
}

/** The line for an answer; also written by steps that answer before the handler runs (a CORS preflight). */
export function logAnswered(invocation: Invocation, response: unknown, now: () => number = Date.now): void {
  const level = invocation.outcome.cache === 'stale' ? 'warn' : 'info';
  invocation.log[level]('answered', { duration_ms: now() - invocation.startedAt, status: statusOf(response), ...invocation.outcome });
}

function statusOf(response: unknown): number | undefined {
  const status = (response as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
