/**
 * A deployed function, composed: middy runs the cross-cutting steps (request context,
 * structured logging, CORS, reading the caller's event and rendering the answer in its
 * shape) around a handler that only does the function's own work. Set-up runs once per cold
 * start; when it fails (bad configuration), every invocation answers its ConfigurationError
 * in the caller's shape instead of the platform reporting a crashed import.
 */
import middy from '@middy/core';
import { credentialProviderFor } from '../credentials/chain';
import type { CallOptions } from '../huawei/signed-request';
import { createLogger } from '../log';
import { cors } from '../middleware/cors';
import { invocationContext } from '../middleware/invocation-context';
import { structuredLogging } from '../middleware/structured-logging';
import { triggerAdapter } from '../middleware/trigger-adapter';
import type { AdapterContext, Invocation } from '../runtime/invocation';
import type { TriggerRoute } from '../triggers/route';
import type { FunctionParts } from './parts';

/** The function's own work, given its validated query, its parts and how to call Huawei APIs for this invocation. */
export type Work<Query, Answer> = (query: Query, parts: FunctionParts, call: CallOptions, invocation: Invocation) => Promise<Answer>;

export function createFunctionHandler<Query, Answer>(
  setUp: () => FunctionParts,
  route: TriggerRoute<Query, Answer>,
  work: Work<Query, Answer>,
) {
  const start = coldStart(setUp);
  const log = start.ok ? start.parts.log : createLogger({ level: 'info' });
  if (!start.ok) log.error('cold start failed', { error: start.error });
  const marginMs = start.ok ? start.parts.config.deadlineMarginMs : 0;

  const corsAllowOrigins = start.ok ? start.parts.config.corsAllowOrigins : [];
  const steps = middy<Query, Answer, Error, AdapterContext>({ timeoutEarlyInMillis: 0 })
    .use(invocationContext(log, marginMs))
    .use(structuredLogging());
  // Without CORS_ALLOW_ORIGINS the CORS step changes nothing; a deployment without it does not run it.
  if (corsAllowOrigins.length > 0) steps.use(cors(corsAllowOrigins, route.httpMethods ?? []));
  return steps.use(triggerAdapter(route)).handler(async (query, { invocation }) => {
    if (!start.ok) throw start.error;
    const call: CallOptions = {
      credentials: credentialProviderFor(invocation.platform, start.parts.config.environmentCredentials, start.parts.credentialFallback),
      deadlineAt: invocation.deadlineAt,
      log: invocation.log,
    };
    return work(query, start.parts, call, invocation);
  });
}

/** The instance's parts, or why it could not be set up (answered to every invocation). */
type ColdStart = { ok: true; parts: FunctionParts } | { ok: false; error: unknown };

function coldStart(setUp: () => FunctionParts): ColdStart {
  try {
    return { ok: true, parts: setUp() };
  } catch (error) {
    return { ok: false, error };
  }
}
