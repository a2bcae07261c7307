/**
 * Adds this adapter's `Invocation` (request id, deadline, a logger bound to the request id)
 * to the context, read the same way on FunctionGraph and on Lambda. The platform's context
 * is not modified: the step hands on an object that inherits from it.
 */
import type middy from '@middy/core';
import type { Logger } from '../log';
import { describeInvocation, type AdapterContext } from '../runtime/invocation';

export function invocationContext(log: Logger, deadlineMarginMs: number): middy.MiddlewareObj<unknown, unknown, Error, AdapterContext> {
  return {
    before: (request) => {
      const platform: unknown = request.context;
      const invocation = describeInvocation(platform, log, deadlineMarginMs);
      request.context = Object.assign(Object.create(platform as object) as AdapterContext, { invocation });
    },
  };
}
