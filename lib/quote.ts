/** Caller-supplied values, made safe to repeat in messages and logs. */

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
  return (
    JSON.stringify(cut).replace(/[^\x20-\x7e]|[<>&'`]/gu, (c) => {
      const code = c.codePointAt(0) ?? 0;
      return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
    }) + (value.length > MAX_QUOTED ? ` (${value.length} characters)` : '')
  );
}
