/**
 * Reading what any Huawei service answered, without deciding what it means: the request id
 * its gateway stamps on every answer, `Retry-After`, the `{"error_code", "error_msg"}` error
 * envelope, and JSON bodies. What an answer means for a caller is each client's error mapping.
 */
import { scrubSecrets } from '../log';
import type { OutboundResponse } from './transport';

const MAX_RETRY_AFTER_SECONDS = 3600;
const MAX_ERROR_MESSAGE = 200;

/** The service's `X-Request-Id` (for logs and support cases), cut to a sane length. */
export function upstreamRequestId(response: OutboundResponse): string | undefined {
  const id = response.headers['x-request-id'];
  return typeof id === 'string' && id.length > 0 ? id.slice(0, 128) : undefined;
}

/** Seconds from a `Retry-After` of either form (delta-seconds or HTTP date), capped at an hour. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Math.ceil((Date.parse(raw) - now) / 1000);
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(Math.max(seconds, 0), MAX_RETRY_AFTER_SECONDS);
}

/** The parsed body, or `undefined` for a body that is not JSON. */
export function jsonBody(response: OutboundResponse): unknown {
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}

export interface ErrorEnvelope {
  /** `error_code` when it is a short token; anything else is not repeated. */
  readonly errorCode?: string;
  /**
   * `error_msg`, free text from upstream: credentials scrubbed (before the cut, so that none is
   * left half-cut), cut short, with control characters removed. It goes to logs only, never into
   * a caller's message; but it travels on the thrown error (`upstream`), which a runtime may
   * serialise whole, so it is scrubbed here and not only by the logger.
   */
  readonly errorMessage?: string;
}

export function errorEnvelope(response: OutboundResponse): ErrorEnvelope {
  const body = jsonBody(response) as { error_code?: unknown; error_msg?: unknown } | null | undefined;
  const code = body?.error_code;
  const message = body?.error_msg;
  return {
    ...(typeof code === 'string' && /^[A-Za-z0-9._-]{1,40}$/.test(code) && { errorCode: code }),
    ...(typeof message === 'string' && message !== '' && { errorMessage: cleanText(scrubSecrets(message)) }),
  };
}

function cleanText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
  const printable = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return printable.length > MAX_ERROR_MESSAGE ? `${printable.slice(0, MAX_ERROR_MESSAGE)}...` : printable;
}
