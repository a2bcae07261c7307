/**
 * Keeps the Huawei Cloud SDK's own logging off the terminal.
 *
 * What sdk-core 3.1.211 does (node_modules/@huaweicloud/huaweicloud-sdk-core):
 * - `logger/log4jLogger.js`, when first required, calls `log4js.configure()` with a colored
 *   **stdout** appender for the default category at level `debug`, and exports
 *   `Logger4jInstance = log4js.getLogger()`.
 * - `logger/index.js` `LocalLogger` forwards to `log4jLogger_1.Logger4jInstance.<level>(...)`,
 *   reading that export at every call. `DefaultHttpClient` logs at ERROR by default, and on every
 *   failed request logs `'Some error found:', exceptionResponse`, whose `config.headers` hold
 *   `Authorization` (access key id and signature) and `X-Security-Token`. With `DEBUG=DEBUG` in
 *   the environment every logger drops to debug and each request's headers are printed before
 *   it is sent (the axios request interceptor).
 *
 * So a failed call would print the signature and the security token. Two independent layers stop it,
 * installed after the SDK's logger module has loaded (its `configure` runs once, at load, and would
 * otherwise replace anything configured before it):
 * 1. `Logger4jInstance` is replaced by a sink that only counts what it swallowed. This is what
 *    every SDK log call goes through, whatever log4js's state.
 * 2. The log4js instance the SDK loaded is reconfigured with one appender that discards and level
 *    `off`, so anything still holding a log4js logger prints nothing either.
 */
import { createRequire } from 'node:module';

interface Log4js {
  configure(config: unknown): unknown;
}

interface SdkLoggerModule {
  Logger4jInstance: unknown;
}

export interface SdkLogSink {
  /** How many SDK log calls were swallowed, by level. Never their content. */
  readonly swallowed: Readonly<Record<string, number>>;
  /** Whether the SDK's logger is still the sink (nothing replaced it since). */
  installed(): boolean;
}

let sink: Record<string, () => void> | undefined;
const swallowed: Record<string, number> = {};

function sdkLoggerModule(): SdkLoggerModule {
  // Required (not imported) so that this module controls the order: the SDK's configure runs here, first.
  return require('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger') as SdkLoggerModule;
}

/** The log4js that sdk-core itself resolves (its own dependency, wherever npm put it). */
function sdkLog4js(): Log4js {
  const fromCore = createRequire(require.resolve('@huaweicloud/huaweicloud-sdk-core/package.json'));
  return fromCore('log4js') as Log4js;
}

/** Installs both layers (idempotent); call before any SDK client is built. */
export function silenceSdkLogging(): SdkLogSink {
  const module = sdkLoggerModule();
  if (sink === undefined) {
    const count = (level: string) => () => {
      swallowed[level] = (swallowed[level] ?? 0) + 1;
    };
    sink = {
      trace: count('trace'),
      debug: count('debug'),
      info: count('info'),
      warn: count('warn'),
      error: count('error'),
      fatal: count('fatal'),
      log: count('log'),
      mark: count('mark'),
    };
  }
  module.Logger4jInstance = sink;
  sdkLog4js().configure({
    appenders: { discard: { type: { configure: () => () => undefined } } },
    categories: { default: { appenders: ['discard'], level: 'off' } },
  });
  return {
    swallowed,
    installed: () => sdkLoggerModule().Logger4jInstance === sink,
  };
}
