/**
 * What this adapter needs from the platform's context object, read the same way on
 * FunctionGraph (`getRequestID()`, `getRemainingTimeInMilliSeconds()`) and on Lambda
 * (`awsRequestId`, `getRemainingTimeInMillis()`).
 */
import { randomUUID } from 'node:crypto';
import type { Context as LambdaContext } from 'aws-lambda';
import type { Logger } from '../log';

export interface Invocation {
  readonly requestId: string;
  /** Epoch ms by which the answer must be ready, less the margin kept to answer and log; undefined when the platform gives no deadline. */
  readonly deadlineAt: number | undefined;
  readonly startedAt: number;
  /** The logger for this invocation: every line carries its request id. */
  readonly log: Logger;
  /** The platform's own context, for the credential provider. */
  readonly platform: unknown;
  /** What the answer's log line says about it besides its status (filled by the trigger adapter). */
  readonly outcome: Record<string, unknown>;
}

/**
 * The context the middleware steps and handler see: the platform's own (typed as Lambda's
 * because middy's types require it; on FunctionGraph it has FunctionGraph's methods
 * instead), with this adapter's `invocation` added by `invocationContext`.
 */
export type AdapterContext = LambdaContext & { readonly invocation: Invocation };

interface PlatformContext {
  getRequestID?: () => unknown;
  awsRequestId?: unknown;
  getRemainingTimeInMilliSeconds?: () => unknown;
  getRemainingTimeInMillis?: () => unknown;
}

export function describeInvocation(platform: unknown, log: Logger, deadlineMarginMs: number, now = Date.now()): Invocation {
  const context = (typeof platform === 'object' && platform !== null ? platform : {}) as PlatformContext;
  const requestId = invocationRequestId(context);
  const remainingMs = remainingTimeOf(context);
  return {
    requestId,
    deadlineAt: remainingMs === undefined ? undefined : now + remainingMs - deadlineMarginMs,
    startedAt: now,
    log: log.child({ request_id: requestId }),
    platform,
    outcome: {},
  };
}

function invocationRequestId(context: PlatformContext): string {
  const id = context.getRequestID?.() ?? context.awsRequestId;
  return typeof id === 'string' && id.length > 0 ? id : randomUUID();
}

function remainingTimeOf(context: PlatformContext): number | undefined {
  const remaining = (context.getRemainingTimeInMilliSeconds ?? context.getRemainingTimeInMillis)?.call(context);
  return typeof remaining === 'number' && Number.isFinite(remaining) ? remaining : undefined;
}
