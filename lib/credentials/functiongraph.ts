/**
 * Credentials of the function's agency, as FunctionGraph hands them to each invocation:
 * `context.getSecurityAccessKey()`, `getSecuritySecretKey()`, `getSecurityToken()`.
 * They are temporary (the token is required) and the runtime rotates them, so they are
 * read per invocation, never cached across invocations.
 */
import type { Credentials } from './types';

interface AgencyContext {
  getSecurityAccessKey(): unknown;
  getSecuritySecretKey(): unknown;
  getSecurityToken(): unknown;
}

function hasAgencyAccessors(context: unknown): context is AgencyContext {
  const candidate = context as Partial<AgencyContext> | null | undefined;
  return (
    typeof candidate?.getSecurityAccessKey === 'function' &&
    typeof candidate.getSecuritySecretKey === 'function' &&
    typeof candidate.getSecurityToken === 'function'
  );
}

/** The agency's credentials, or undefined when the function has no agency (the runtime answers empty strings). */
export function fromFunctionGraphContext(context: unknown): Credentials | undefined {
  if (!hasAgencyAccessors(context)) return undefined;
  const accessKey = context.getSecurityAccessKey();
  const secretKey = context.getSecuritySecretKey();
  const securityToken = context.getSecurityToken();
  if (!isFilled(accessKey) || !isFilled(secretKey)) return undefined;
  return isFilled(securityToken) ? { accessKey, secretKey, securityToken } : { accessKey, secretKey };
}

function isFilled(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
