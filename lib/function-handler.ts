/**
 * A deployed function, composed: middy runs the cross-cutting steps (request context,
 * structured logging, reading the caller's event and rendering the answer in its shape)
 * around a handler that only does the function's own work. Set-up runs once per cold
 * start; when it fails (bad configuration), every invocation answers its
 * ConfigurationError in the caller's shape instead of the platform reporting a crashed import.
 */
import middy from '@middy/core';
import { credentialProviderFor } from './credentials/chain';
import { createLogger } from './log';
import { cors } from './middleware/cors';
import { invocationContext } from './middleware/invocation-context';
import { structuredLogging } from './middleware/structured-logging';
import { triggerAdapter, type Route } from './middleware/trigger-adapter';
import type { CallOptions } from './mrs/client';
import type { AdapterContext, Invocation } from './runtime/invocation';
import type { FunctionParts } from './status/parts';

/** The function's own work, given its validated query, its parts and how to call MRS for this invocation. */
export type Work<Query, Answer> = (query: Query, parts: FunctionParts, call: CallOptions, invocation: Invocation) => Promise<Answer>;

export function createFunctionHandler<Query, Answer>(setUp: () => FunctionParts, route: Route<Query, Answer>, work: Work<Query, Answer>) {
  const ready = attempt(setUp);
  const log = ready.ok ? ready.parts.log : createLogger({ level: 'info' });
  if (!ready.ok) log.error('cold start failed', { error: ready.error });
  const marginMs = ready.ok ? ready.parts.config.deadlineMarginMs : 0;

  return middy<Query, Answer, Error, AdapterContext>({ timeoutEarlyInMillis: 0 })
    .use(invocationContext(log, marginMs))
    .use(structuredLogging())
    .use(cors(ready.ok ? ready.parts.config.corsAllowOrigins : [], route.httpMethods ?? []))
    .use(triggerAdapter(route))
    .handler(async (query, { invocation }) => {
      if (!ready.ok) throw ready.error;
      const call: CallOptions = {
        credentials: credentialProviderFor(invocation.platform, ready.parts.config.environmentCredentials, ready.parts.credentialFallback),
        deadlineAt: invocation.deadlineAt,
      };
      return work(query, ready.parts, call, invocation);
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
