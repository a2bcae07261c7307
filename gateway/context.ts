/**
 * A FunctionGraph Node.js context for one invocation. The security accessors answer
 * empty strings, as they do for a function without an agency, so the function falls
 * back to the credentials in its environment exactly as it would in the cloud.
 */
import { format } from 'node:util';

export interface FunctionGraphLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface FunctionGraphContext {
  getRequestID(): string;
  getRemainingTimeInMilliSeconds(): number;
  getFunctionName(): string;
  getLogger(): FunctionGraphLogger;
  getSecurityAccessKey(): string;
  getSecuritySecretKey(): string;
  getSecurityToken(): string;
}

export interface ContextOptions {
  requestId: string;
  functionName: string;
  timeoutMs: number;
  /** Where `getLogger()` lines go. */
  write: (line: string) => void;
  now?: () => number;
}

export function createFunctionGraphContext(options: ContextOptions): FunctionGraphContext {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  // FunctionGraph's log line shape: time, request id, level, message.
  const line =
    (level: string) =>
    (...args: unknown[]) =>
      options.write(`${new Date(now()).toISOString()} ${options.requestId} ${level} ${format(...args)}`);
  const logger: FunctionGraphLogger = { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
  // Closures, not `this`: the function's middleware calls these on an object derived from the context.
  return {
    getRequestID: () => options.requestId,
    getRemainingTimeInMilliSeconds: () => Math.max(0, deadline - now()),
    getFunctionName: () => options.functionName,
    getLogger: () => logger,
    getSecurityAccessKey: () => '',
    getSecuritySecretKey: () => '',
    getSecurityToken: () => '',
  };
}
