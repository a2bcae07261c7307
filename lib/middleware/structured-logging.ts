/**
 * One log line per invocation, with its request id, outcome and duration: `info` for
 * answers, `warn` for the caller's mistakes (4xx), `error` for everything else.
 */
import type middy from '@middy/core';
import { toAdapterError } from '../errors';
import type { AdapterContext } from '../runtime/invocation';

export function structuredLogging(now: () => number = Date.now): middy.MiddlewareObj<unknown, unknown, Error, AdapterContext> {
  return {
    after: ({ context: { invocation }, response }) => {
      invocation.log.info('answered', { duration_ms: now() - invocation.startedAt, status: statusOf(response) });
    },
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

function statusOf(response: unknown): number | undefined {
  const status = (response as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
