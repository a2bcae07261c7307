/**
 * Reads settings from the environment and collects every problem instead of stopping at
 * the first: a deployment with three mistakes hears about all three at once. Each read
 * returns a usable value even when the setting is wrong (its default, or a placeholder),
 * because `finish` throws before anything uses a configuration that had a problem.
 */
import { ConfigurationError } from '../errors';

export type Env = Readonly<Record<string, string | undefined>>;

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** The trimmed value; undefined when unset or blank. */
  text(name: string): string | undefined {
    const trimmed = this.env[name]?.trim();
    return trimmed ? trimmed : undefined;
  }

  /** The first of `names` that is set. */
  firstText(...names: string[]): string | undefined {
    for (const name of names) {
      const value = this.text(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** A comma-separated list; undefined when the variable is unset or blank. */
  list(name: string): string[] | undefined {
    const items = (this.text(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    return items.length === 0 ? undefined : items;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      return this.problem(`${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw.slice(0, 20))}.`, fallback);
    }
    return value;
  }

  /** Seconds (decimals allowed), returned as whole milliseconds. */
  seconds(name: string, fallbackSeconds: number): number {
    const raw = this.text(name);
    if (raw === undefined) return fallbackSeconds * 1000;
    if (!/^\d{1,7}(\.\d{1,3})?$/.test(raw)) {
      return this.problem(
        `${name} must be a number of seconds, 0 or more; got ${JSON.stringify(raw.slice(0, 20))}.`,
        fallbackSeconds * 1000,
      );
    }
    return Math.round(Number(raw) * 1000);
  }

  /** `true` or `false` (case-insensitive); unset or blank: false. Anything else is a problem, never a guess. */
  flag(name: string): boolean {
    const raw = this.text(name)?.toLowerCase();
    if (raw === undefined || raw === 'false') return false;
    if (raw === 'true') return true;
    return this.problem(`${name} must be true or false; got ${JSON.stringify(raw.slice(0, 20))}.`, false);
  }

  /** One of `choices` (case-insensitive). */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.text(name)?.toLowerCase() ?? fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    return this.problem(`${name} must be one of ${choices.join(', ')}.`, fallback);
  }

  /** An https origin (http only for a loopback host, where the local tools run); `value` is the setting or its default. */
  origin(name: string, value: string): string {
    const url = parseUrl(value);
    if (url === undefined)
      return this.problem(`${name} is not a URL; give an origin such as https://mrs.cn-north-4.myhuaweicloud.com.`, '');
    if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
      this.problem(`${name} must be a bare origin (scheme, host and port only).`);
    } else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      this.problem(`${name} may use http only for a loopback host; use https.`);
    } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      this.problem(`${name} must be an https URL.`);
    }
    return url.origin;
  }

  /** Records a problem; returns `placeholder`, so that reading can go on. */
  problem<T = undefined>(message: string, placeholder?: T): T {
    this.problems.push(message);
    return placeholder as T;
  }

  /** The configuration, or one ConfigurationError listing every problem found. */
  finish<T>(config: T): T {
    if (this.problems.length > 0) throw new ConfigurationError(`The function is not configured correctly: ${this.problems.join(' ')}`);
    return config;
  }
}

export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOST.test(hostname);
}
