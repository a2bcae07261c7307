/**
 * The identifier rules of the MRS API reference, checked before any value reaches a URL.
 * A cluster id is interpolated into the request path: anything outside these characters
 * (a `/`, `..`, `%2F`, look-alike Unicode) could address another MRS API with the
 * function's credentials, so it is refused here rather than encoded and hoped for.
 */
import { InvalidRequest } from './errors';

const CLUSTER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const PROJECT_ID = /^[A-Za-z0-9]{1,64}$/;

export function isClusterId(value: unknown): value is string {
  return typeof value === 'string' && CLUSTER_ID.test(value);
}

export function isProjectId(value: unknown): value is string {
  return typeof value === 'string' && PROJECT_ID.test(value);
}

/** Returns the cluster id, or throws InvalidRequest naming the field and quoting the value safely. */
export function requireClusterId(value: unknown, field = 'cluster_id'): string {
  if (isClusterId(value)) return value;
  throw new InvalidRequest(
    `${field} must be 1-64 letters, digits, '_' or '-'; got ${quoteUntrusted(value)}.`,
  );
}

/** Returns the project id, or throws InvalidRequest naming the field and quoting the value safely. */
export function requireProjectId(value: unknown, field = 'project_id'): string {
  if (isProjectId(value)) return value;
  throw new InvalidRequest(`${field} must be 1-64 letters and digits; got ${quoteUntrusted(value)}.`);
}

const MAX_QUOTED = 40;

/**
 * A short, printable rendering of a caller's value for messages and logs: JSON-quoted,
 * cut to 40 characters, with everything outside printable ASCII and the HTML-significant
 * characters escaped, so that it can neither forge log lines nor inject markup.
 */
export function quoteUntrusted(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value !== 'string') return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
  const cut = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}...` : value;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]|[<>&'`]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }) + (value.length > MAX_QUOTED ? ` (${value.length} characters)` : '');
}
