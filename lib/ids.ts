/**
 * The identifier rules of the MRS API reference, checked before any value reaches a URL.
 * A cluster id is interpolated into the request path: anything outside these characters
 * (a `/`, `..`, `%2F`, look-alike Unicode) could address another MRS API with the
 * function's credentials, so it is refused here rather than encoded and hoped for.
 */
import { InvalidRequest } from './errors';
import { quoteUntrusted } from './quote';

/** The rules as pattern text, also for the route table and the OpenAPI document. */
export const CLUSTER_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
export const PROJECT_ID_PATTERN = '^[A-Za-z0-9]{1,64}$';
const CLUSTER_ID = new RegExp(CLUSTER_ID_PATTERN);
const PROJECT_ID = new RegExp(PROJECT_ID_PATTERN);

export function isClusterId(value: unknown): value is string {
  return typeof value === 'string' && CLUSTER_ID.test(value);
}

export function isProjectId(value: unknown): value is string {
  return typeof value === 'string' && PROJECT_ID.test(value);
}

/** Returns the cluster id, or throws InvalidRequest naming the field and quoting the value safely. */
export function requireClusterId(value: unknown, field = 'cluster_id'): string {
  if (isClusterId(value)) return value;
  throw new InvalidRequest(`${field} must be 1-64 letters, digits, '_' or '-'; got ${quoteUntrusted(value)}.`);
}

/** Returns the project id, or throws InvalidRequest naming the field and quoting the value safely. */
export function requireProjectId(value: unknown, field = 'project_id'): string {
  if (isProjectId(value)) return value;
  throw new InvalidRequest(`${field} must be 1-64 letters and digits; got ${quoteUntrusted(value)}.`);
}
