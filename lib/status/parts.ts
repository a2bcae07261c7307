/**
 * What the status and refresh functions are made of, built once per cold start from the
 * configuration: a logger, the MRS client, the credential source of last resort (ECS
 * metadata) and the cached status service. Everything here lives as long as the instance.
 */
import type { SharedTier } from '../cache/entry';
import type { Config } from '../config';
import type { FallbackCredentialSource } from '../credentials/chain';
import { createEcsMetadataSource } from '../credentials/ecs-metadata';
import { createLogger, type Logger } from '../log';
import { createMrsClient, type CallOptions, type MrsClient } from '../mrs/client';
import { send as sendOverHttp, type Send } from '../mrs/transport';
import { createStatusService, type StatusService } from './service';

export interface FunctionParts {
  readonly config: Config;
  readonly log: Logger;
  readonly service: StatusService;
  readonly credentialFallback: FallbackCredentialSource;
}

/** Tests and benchmarks replace the client (no network), the logger (captured lines) or the transport. */
export interface PartOverrides {
  readonly client?: MrsClient;
  readonly log?: Logger;
  readonly send?: Send;
}

export function functionParts(config: Config, overrides: PartOverrides = {}): FunctionParts {
  const log = overrides.log ?? createLogger({ level: config.logLevel });
  const send = overrides.send ?? sendOverHttp;
  const client =
    overrides.client ??
    createMrsClient({
      endpoint: config.endpoint,
      requestTimeoutMs: config.requestTimeoutMs,
      maxAttempts: config.retry.maxAttempts,
      breaker: { failureThreshold: config.retry.breakerFailures, cooldownMs: config.retry.breakerCooldownMs },
      send,
    });
  const service = createStatusService({
    client,
    endpoint: config.endpoint,
    defaultProjectId: defaultProjectId(config, send),
    cache: config.cache,
    shared: sharedTier(config, log),
  });
  return { config, log, service, credentialFallback: createEcsMetadataSource({ url: config.ecsMetadataUrl, send }) };
}

/**
 * The configured project; or, with only a region, the one IAM names for it. The look-up
 * code is required here, not imported at the top, so configured deployments never load it.
 */
function defaultProjectId(config: Config, send: Send): (call: CallOptions) => Promise<string> {
  const { projectId, region } = config;
  if (projectId !== undefined) return () => Promise.resolve(projectId);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createProjectLookup } = require('../iam/project-lookup') as typeof import('../iam/project-lookup');
  // Config guarantees a region when there is no project id.
  return createProjectLookup({ iamEndpoint: config.iamEndpoint, region: region as string, requestTimeoutMs: config.requestTimeoutMs, send });
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
