/**
 * What the status and refresh functions are made of, built once per cold start from the
 * configuration: a logger, the MRS client and the cached status service.
 */
import type { SharedTier } from '../cache/redis';
import type { Config } from '../config';
import { createLogger, type Logger } from '../log';
import { createMrsClient, type MrsClient } from '../mrs/client';
import { createStatusService, type StatusService } from './service';

export interface FunctionParts {
  readonly config: Config;
  readonly log: Logger;
  readonly service: StatusService;
}

/** Tests and benchmarks replace the client (no network) and the logger (captured lines). */
export interface PartOverrides {
  readonly client?: MrsClient;
  readonly log?: Logger;
}

export function functionParts(config: Config, overrides: PartOverrides = {}): FunctionParts {
  const log = overrides.log ?? createLogger({ level: config.logLevel });
  const client =
    overrides.client ?? createMrsClient({ endpoint: config.endpoint, projectId: config.projectId, requestTimeoutMs: config.requestTimeoutMs });
  const service = createStatusService({
    client,
    endpoint: config.endpoint,
    projectId: config.projectId,
    cache: config.cache,
    shared: sharedTier(config, log),
  });
  return { config, log, service };
}

/**
 * The Redis tier, connected now so that the first invocation finds it ready. The client
 * library is required here, not imported at the top: a deployment without REDIS_URL never
 * loads it (about 150 KB of code and tens of milliseconds of cold start).
 */
function sharedTier(config: Config, log: Logger): SharedTier | undefined {
  if (config.cache.redisUrl === undefined || config.cache.ttlMs === 0) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createRedisTier } = require('../cache/redis') as typeof import('../cache/redis');
  return createRedisTier({ url: config.cache.redisUrl, commandTimeoutMs: config.cache.redisTimeoutMs, log });
}
