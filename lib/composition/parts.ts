/**
 * The composition root: what every deployed function is made of, built once per cold start
 * from the configuration: a logger, the MRS client, the cached read service, the project the
 * function answers for, and, built at first use, the credential source asked after the
 * agency and the environment's keys and the start function's idempotency records.
 * Everything here lives as long as the instance.
 */
import type { SharedTier } from '../cache/entry';
import type { Config } from '../config';
import type { FallbackCredentialSource } from '../credentials/chain';
import type { CallOptions } from '../huawei/signed-request';
import { type Send, send as sendOverHttps } from '../huawei/transport';
import { createProjectLookup } from '../iam/project-lookup';
import { createIdempotencyStore, type IdempotencyStore, type SharedRecords } from '../idempotency/store';
import { createLogger, type Logger } from '../log';
import { createMrsClient, type MrsClient } from '../mrs/client';
import { createStatusService, type StatusService } from '../status/service';
import { loadCredentialSources, loadRedisTier, loadSecretsManagerReader, loadStsTokenReader } from './lazy';

export interface FunctionParts {
  readonly config: Config;
  readonly log: Logger;
  /** For what the cache does not serve: starting a sync. */
  readonly client: MrsClient;
  readonly service: StatusService;
  /** Idempotency records of the start function, shared through Redis when it is configured. */
  readonly idempotency: IdempotencyStore;
  readonly credentialFallback: FallbackCredentialSource;
  /** The configured project; or, with only a region, the one IAM names for it (looked up once). */
  readonly defaultProjectId: (call: CallOptions) => Promise<string>;
}

/** Tests and benchmarks replace the client (no network), the logger (captured lines) or the transport. */
export interface PartOverrides {
  readonly client?: MrsClient;
  readonly log?: Logger;
  readonly send?: Send;
}

export function functionParts(config: Config, overrides: PartOverrides = {}): FunctionParts {
  const log = overrides.log ?? createLogger({ level: config.logLevel });
  const send = overrides.send ?? sendOverHttps;
  const client =
    overrides.client ??
    createMrsClient({
      endpoint: config.endpoint,
      requestTimeoutMs: config.requestTimeoutMs,
      maxAttempts: config.retry.maxAttempts,
      breaker: { failureThreshold: config.retry.breakerFailures, cooldownMs: config.retry.breakerCooldownMs },
      log,
      send,
    });
  const defaultProjectId = projectSource(config, send);
  const shared = sharedTier(config, log);
  const service = createStatusService({ client, endpoint: config.endpoint, defaultProjectId, cache: config.cache, shared });
  // Built at first use: the read functions never use the idempotency store, and most invocations
  // sign with the agency's or the environment's keys, never asking the fallback source.
  let idempotency: IdempotencyStore | undefined;
  let fallback: FallbackCredentialSource | undefined;
  const fallbackSource = () => (fallback ??= credentialFallback(config, send, log));
  return {
    config,
    log,
    client,
    service,
    get idempotency() {
      idempotency ??= createIdempotencyStore({ namespace: config.endpoint, shared });
      return idempotency;
    },
    defaultProjectId,
    credentialFallback: { get: () => fallbackSource().get(), renew: (refused) => fallbackSource().renew(refused) },
  };
}

/**
 * After the agency and the environment's keys: the AWS Secrets Manager secret, OIDC federation
 * or the ECS metadata service (./credential-sources.ts, a chunk loaded at the first ask).
 */
function credentialFallback(config: Config, send: Send, log: Logger): FallbackCredentialSource {
  return loadCredentialSources().createCredentialFallback(config, send, log, {
    secretReader: (options) => loadSecretsManagerReader().createSecretReader(options),
    webIdentityTokenReader: (options) => loadStsTokenReader().createWebIdentityTokenReader(options),
  });
}

function projectSource(config: Config, send: Send): (call: CallOptions) => Promise<string> {
  const { projectId, region } = config;
  if (projectId !== undefined) return () => Promise.resolve(projectId);
  // Config guarantees a region when there is no project id. The look-up is imported, not loaded
  // lazily: it throws the adapter's error classes, so it stays in the main bundle, and a
  // require() of a bundled module makes esbuild wrap it and all it imports in lazy-init
  // closures that V8 parses twice at every cold start.
  return createProjectLookup({
    iamEndpoint: config.iamEndpoint,
    region: region as string,
    requestTimeoutMs: config.requestTimeoutMs,
    send,
  });
}

/**
 * The Redis tier, connected now so that the first invocation finds it ready: the shared cache,
 * and the start function's idempotency records (which it keeps even with caching off).
 */
function sharedTier(config: Config, log: Logger): (SharedTier & SharedRecords) | undefined {
  if (config.cache.redisUrl === undefined) return undefined;
  if (config.cache.ttlMs === 0 && !config.start.enabled) return undefined;
  return loadRedisTier().createRedisTier({ url: config.cache.redisUrl, commandTimeoutMs: config.cache.redisTimeoutMs, log });
}
