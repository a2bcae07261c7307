/**
 * The function's configuration, read from the environment once per cold start and
 * validated as a whole (see ./reader.ts): a deployment with three mistakes hears about all
 * three at once.
 * This is the only module that reads `process.env`.
 */
import { isClusterPattern } from '../access/cluster-pattern';
import type { Credentials } from '../credentials/types';
import { iamEndpointForRegion, mrsEndpointForRegion, REGION_ID } from '../huawei/endpoints';
import { isClusterId, isProjectId } from '../ids';
import { LOG_LEVELS, type LogLevel, registerSecret } from '../log';
import { quoteUntrusted } from '../quote';
import { type Env, EnvReader, isLoopbackHost, parseUrl } from './reader';

export interface Config {
  /** MRS origin, e.g. `https://mrs.cn-north-4.myhuaweicloud.com` (no trailing slash). */
  readonly endpoint: string;
  /** The region, when one was configured (the endpoint may have been given instead). */
  readonly region: string | undefined;
  /** Undefined: looked up in IAM by the region's name, once per cold start. */
  readonly projectId: string | undefined;
  /** IAM origin for that look-up. */
  readonly iamEndpoint: string;
  /** From HUAWEICLOUD_SDK_AK/SK/SECURITY_TOKEN; used when the runtime gives none. */
  readonly environmentCredentials: Credentials | undefined;
  /** The ECS/CCE metadata service's security-key URL, asked when neither the runtime nor the environment gives credentials. */
  readonly ecsMetadataUrl: string;
  /** HUAWEICLOUD_CREDENTIALS_SECRET_ID: the AWS Secrets Manager secret holding the AK/SK (Lambda); asked instead of the metadata service. */
  readonly credentialsSecret: CredentialsSecretConfig | undefined;
  /** HUAWEICLOUD_IDP_ID with an ID token source: temporary keys from Huawei IAM OIDC federation; asked instead of the metadata service. */
  readonly federation: FederationConfig | undefined;
  /** Longest wait for one MRS request, connect to last byte. */
  readonly requestTimeoutMs: number;
  /** Time kept back from the invocation's deadline to answer and log before the platform kills it. */
  readonly deadlineMarginMs: number;
  readonly logLevel: LogLevel;
  readonly cache: CacheConfig;
  readonly refresh: RefreshConfig;
  readonly retry: RetryConfig;
  readonly access: AccessConfig;
  /** Origins allowed to call over HTTP from a browser (`*` for any); empty: no CORS headers at all. */
  readonly corsAllowOrigins: readonly string[];
  readonly start: StartConfig;
}

export interface CredentialsSecretConfig {
  /** The secret's name or ARN. */
  readonly secretId: string;
  /** The secret's region when it was given as an ARN; otherwise the AWS SDK's (AWS_REGION). */
  readonly region: string | undefined;
  /** SECRET_CACHE_TTL_SECONDS: how long keys read from the secret are used before it is read again. */
  readonly ttlMs: number;
}

export interface FederationConfig {
  /** HUAWEICLOUD_IDP_ID: the Huawei IAM identity provider (protocol `oidc`) that trusts the token's issuer. */
  readonly idpId: string;
  /** Where the ID token comes from: a file re-read at every exchange, or AWS STS GetWebIdentityToken with the function's role. */
  readonly tokenSource: { readonly kind: 'file'; readonly path: string } | { readonly kind: 'aws-sts'; readonly audience: string };
  /** HUAWEICLOUD_FEDERATED_DURATION_SECONDS: the temporary keys' lifetime asked of IAM (900-86400). */
  readonly durationSeconds: number;
}

export interface StartConfig {
  /** Whether the start function may start IAM syncs at all (IAM_SYNC_START_ENABLED=true); off by default. */
  readonly enabled: boolean;
  /** How long a start's result is kept for replays with the same idempotency key. */
  readonly idempotencyTtlMs: number;
}

export interface RetryConfig {
  /** Attempts per MRS call, the first included. */
  readonly maxAttempts: number;
  /** Consecutive upstream failures that open the circuit breaker. */
  readonly breakerFailures: number;
  readonly breakerCooldownMs: number;
}

export interface AccessConfig {
  /** Exact ids and `prefix*` patterns; undefined: every cluster of the project. */
  readonly allowedClusterIds: readonly string[] | undefined;
  /** Projects a caller may name besides the configured one. */
  readonly allowedProjectIds: readonly string[];
}

export interface CacheConfig {
  /** How long an answer is served without asking MRS again; 0 turns caching off. */
  readonly ttlMs: number;
  /** How long "no such cluster" is remembered. */
  readonly negativeTtlMs: number;
  /** How old an answer may be and still be served, marked stale, when MRS is failing. */
  readonly staleIfErrorMs: number;
  readonly maxEntries: number;
  /** The shared tier (Huawei DCS or any Redis); undefined keeps the cache per instance. */
  readonly redisUrl: string | undefined;
  readonly redisTimeoutMs: number;
}

export interface RefreshConfig {
  /** The clusters the refresh function warms when its event names none. */
  readonly clusterIds: readonly string[];
  /** How many MRS calls the refresh function makes at once. */
  readonly concurrency: number;
}

/** Defaults, documented in the README's configuration table. */
export const DEFAULTS = {
  requestTimeoutMs: 3000,
  deadlineMarginMs: 300,
  logLevel: 'info',
  cacheTtlSeconds: 5,
  cacheNegativeTtlSeconds: 2,
  cacheStaleIfErrorSeconds: 60,
  cacheMaxEntries: 1000,
  redisTimeoutMs: 50,
  refreshConcurrency: 4,
  maxAttempts: 3,
  breakerFailures: 5,
  breakerCooldownSeconds: 10,
  ecsMetadataUrl: 'http://169.254.169.254/openstack/latest/securitykey',
  idempotencyTtlSeconds: 3600,
  secretCacheTtlSeconds: 300,
  federatedDurationSeconds: 3600,
} as const;

const LINK_LOCAL_METADATA_HOST = '169.254.169.254';
/** Huawei DCS Redis instances have 256 databases (0-255); no Redis has more by default. */
const MAX_REDIS_DB = 255;

export function loadConfig(env: Env = process.env): Config {
  const read = new EnvReader(env);
  const region = readRegion(read);
  return read.finish({
    endpoint: readEndpoint(read, region),
    region,
    projectId: readProjectId(read, region),
    iamEndpoint: read.origin('IAM_ENDPOINT', read.text('IAM_ENDPOINT') ?? iamEndpointForRegion(region)),
    environmentCredentials: readCredentials(read),
    ecsMetadataUrl: readEcsMetadataUrl(read),
    credentialsSecret: readCredentialsSecret(read),
    federation: readFederation(read),
    requestTimeoutMs: read.integer('MRS_TIMEOUT_MS', DEFAULTS.requestTimeoutMs, 1, 60_000),
    deadlineMarginMs: read.integer('DEADLINE_MARGIN_MS', DEFAULTS.deadlineMarginMs, 0, 10_000),
    logLevel: read.choice<LogLevel>('LOG_LEVEL', LOG_LEVELS, DEFAULTS.logLevel),
    cache: readCache(read),
    refresh: readRefresh(read),
    retry: {
      maxAttempts: read.integer('MRS_MAX_ATTEMPTS', DEFAULTS.maxAttempts, 1, 10),
      breakerFailures: read.integer('MRS_BREAKER_FAILURES', DEFAULTS.breakerFailures, 1, 1000),
      breakerCooldownMs: read.seconds('MRS_BREAKER_COOLDOWN_SECONDS', DEFAULTS.breakerCooldownSeconds),
    },
    access: readAccess(read),
    corsAllowOrigins: readCorsOrigins(read),
    start: {
      enabled: read.flag('IAM_SYNC_START_ENABLED'),
      idempotencyTtlMs: read.seconds('IDEMPOTENCY_TTL_SECONDS', DEFAULTS.idempotencyTtlSeconds),
    },
  });
}

function readRegion(read: EnvReader): string | undefined {
  const region = read.firstText('MRS_REGION', 'HUAWEICLOUD_SDK_REGION');
  if (region !== undefined && !REGION_ID.test(region)) {
    read.problem(`MRS_REGION ${quoteUntrusted(region)} is not a region id such as cn-north-4 or eu-de.`);
  }
  return region;
}

function readEndpoint(read: EnvReader, region: string | undefined): string {
  const override = read.text('MRS_ENDPOINT');
  if (override !== undefined) return read.origin('MRS_ENDPOINT', override);
  if (region === undefined) return read.problem('Set MRS_REGION (for example cn-north-4) or MRS_ENDPOINT.', '');
  return mrsEndpointForRegion(region);
}

function readProjectId(read: EnvReader, region: string | undefined): string | undefined {
  const projectId = read.firstText('MRS_PROJECT_ID', 'HUAWEICLOUD_SDK_PROJECT_ID', 'RUNTIME_PROJECT_ID');
  if (projectId === undefined && region === undefined) {
    read.problem('Set MRS_PROJECT_ID (or HUAWEICLOUD_SDK_PROJECT_ID) to the project that owns the clusters, or MRS_REGION to look it up.');
  } else if (projectId !== undefined && !isProjectId(projectId)) {
    read.problem('The project id must be 1-64 letters and digits.');
  }
  return projectId;
}

function readCredentials(read: EnvReader): Credentials | undefined {
  const accessKey = read.text('HUAWEICLOUD_SDK_AK');
  const secretKey = read.text('HUAWEICLOUD_SDK_SK');
  const securityToken = read.text('HUAWEICLOUD_SDK_SECURITY_TOKEN');
  if (accessKey === undefined && secretKey === undefined) {
    if (securityToken !== undefined)
      read.problem('HUAWEICLOUD_SDK_SECURITY_TOKEN is set without HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK.');
    return undefined;
  }
  if (accessKey === undefined || secretKey === undefined)
    return read.problem('Set both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or neither.');
  return securityToken === undefined ? { accessKey, secretKey } : { accessKey, secretKey, securityToken };
}

/** The metadata service is plain http on a link-local address; tests point it at loopback. */
function readEcsMetadataUrl(read: EnvReader): string {
  const url = parseUrl(read.text('ECS_METADATA_URL') ?? DEFAULTS.ecsMetadataUrl);
  const hostAllowed = url !== undefined && (url.hostname === LINK_LOCAL_METADATA_HOST || isLoopbackHost(url.hostname));
  if (url === undefined || url.protocol !== 'http:' || !hostAllowed) {
    return read.problem(`ECS_METADATA_URL must be an http URL on ${LINK_LOCAL_METADATA_HOST} or a loopback host.`, '');
  }
  return url.href;
}

/** A secret name (Secrets Manager's characters) or a secret's ARN, whose region is then the one to read it in. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

function readCredentialsSecret(read: EnvReader): CredentialsSecretConfig | undefined {
  const secretId = read.text('HUAWEICLOUD_CREDENTIALS_SECRET_ID');
  const ttlMs = read.seconds('SECRET_CACHE_TTL_SECONDS', DEFAULTS.secretCacheTtlSeconds);
  if (secretId === undefined) return undefined;
  const arn = SECRET_ARN.exec(secretId);
  if (arn === null && (secretId.startsWith('arn:') || !SECRET_NAME.test(secretId))) {
    return read.problem(
      `HUAWEICLOUD_CREDENTIALS_SECRET_ID ${quoteUntrusted(secretId)} is neither a Secrets Manager secret name (letters, digits and /_+=.@-) nor a secret's ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>).`,
    );
  }
  return { secretId, region: arn?.[1], ttlMs };
}

/** Huawei IAM identity provider ids: letters, digits, `-` and `_` (at most 64). */
const IDP_ID = /^[A-Za-z0-9_-]{1,64}$/;

function readFederation(read: EnvReader): FederationConfig | undefined {
  const idpId = read.text('HUAWEICLOUD_IDP_ID');
  const file = read.text('HUAWEICLOUD_ID_TOKEN_FILE');
  const audience = read.text('HUAWEICLOUD_ID_TOKEN_AUDIENCE');
  const durationSeconds = read.integer('HUAWEICLOUD_FEDERATED_DURATION_SECONDS', DEFAULTS.federatedDurationSeconds, 900, 86_400);
  if (idpId === undefined) {
    if (file !== undefined || audience !== undefined) {
      read.problem(
        'HUAWEICLOUD_ID_TOKEN_FILE or HUAWEICLOUD_ID_TOKEN_AUDIENCE is set without HUAWEICLOUD_IDP_ID, the Huawei IAM identity provider to exchange the token with.',
      );
    }
    return undefined;
  }
  if (!IDP_ID.test(idpId))
    read.problem(`HUAWEICLOUD_IDP_ID ${quoteUntrusted(idpId)} is not an identity provider id (1-64 letters, digits, - and _).`);
  if (read.text('HUAWEICLOUD_CREDENTIALS_SECRET_ID') !== undefined) {
    read.problem('Set HUAWEICLOUD_IDP_ID (federation) or HUAWEICLOUD_CREDENTIALS_SECRET_ID (stored keys), not both.');
  }
  if ((file === undefined) === (audience === undefined)) {
    return read.problem(
      'HUAWEICLOUD_IDP_ID needs exactly one ID token source: HUAWEICLOUD_ID_TOKEN_FILE (a file holding the token, such as a projected service-account token) or HUAWEICLOUD_ID_TOKEN_AUDIENCE (the audience to ask AWS STS GetWebIdentityToken for).',
    );
  }
  if (audience !== undefined && audience.length > 1000)
    read.problem('HUAWEICLOUD_ID_TOKEN_AUDIENCE must be at most 1000 characters, as STS allows.');
  const tokenSource =
    file !== undefined ? { kind: 'file' as const, path: file } : { kind: 'aws-sts' as const, audience: audience as string };
  return { idpId, tokenSource, durationSeconds };
}

function readCache(read: EnvReader): CacheConfig {
  return {
    ttlMs: read.seconds('STATUS_CACHE_TTL_SECONDS', DEFAULTS.cacheTtlSeconds),
    negativeTtlMs: read.seconds('STATUS_CACHE_NEGATIVE_TTL_SECONDS', DEFAULTS.cacheNegativeTtlSeconds),
    staleIfErrorMs: read.seconds('STATUS_CACHE_STALE_IF_ERROR_SECONDS', DEFAULTS.cacheStaleIfErrorSeconds),
    maxEntries: read.integer('STATUS_CACHE_MAX_ENTRIES', DEFAULTS.cacheMaxEntries, 1, 1_000_000),
    redisUrl: readRedisUrl(read),
    redisTimeoutMs: read.integer('REDIS_TIMEOUT_MS', DEFAULTS.redisTimeoutMs, 1, 10_000),
  };
}

/**
 * `redis://` or `rediss://` (TLS), with an optional password and DB index, as Huawei DCS
 * gives them. Problems never quote the URL: it may hold the password.
 */
function readRedisUrl(read: EnvReader): string | undefined {
  const value = read.text('REDIS_URL');
  if (value === undefined) return undefined;
  const url = parseUrl(value);
  if (url === undefined) return read.problem('REDIS_URL is not a URL; give redis://[:password@]host[:port][/db] or rediss://... for TLS.');
  registerSecret(decodeURIComponent(url.password));
  const db = /^\/?(\d*)$/.exec(url.pathname)?.[1];
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    read.problem('REDIS_URL must start with redis:// or rediss://.');
  } else if (url.hostname === '') {
    read.problem('REDIS_URL has no host.');
  } else if (db === undefined || url.search || url.hash) {
    read.problem('REDIS_URL may end only in a DB index such as /0, with no query.');
  } else if (db !== '' && Number(db) > MAX_REDIS_DB) {
    read.problem(`REDIS_URL names database ${Number(db)}; Redis and DCS databases are numbered 0 to ${MAX_REDIS_DB}.`);
  }
  return value;
}

function readRefresh(read: EnvReader): RefreshConfig {
  const clusterIds = read.list('REFRESH_CLUSTER_IDS') ?? [];
  const invalid = clusterIds.filter((id) => !isClusterId(id));
  if (invalid.length > 0) read.problem(`REFRESH_CLUSTER_IDS holds ids MRS cannot have: ${listOf(invalid)}.`);
  return { clusterIds, concurrency: read.integer('REFRESH_CONCURRENCY', DEFAULTS.refreshConcurrency, 1, 64) };
}

function readAccess(read: EnvReader): AccessConfig {
  const clusters = read.list('ALLOWED_CLUSTER_IDS');
  const badPatterns = clusters?.filter((pattern) => !isClusterPattern(pattern)) ?? [];
  if (badPatterns.length > 0) read.problem(`ALLOWED_CLUSTER_IDS takes cluster ids and prefix* patterns; not ${listOf(badPatterns)}.`);
  const projects = read.list('ALLOWED_PROJECT_IDS') ?? [];
  const badProjects = projects.filter((id) => !isProjectId(id));
  if (badProjects.length > 0) read.problem(`ALLOWED_PROJECT_IDS holds ids that are not project ids: ${listOf(badProjects)}.`);
  return { allowedClusterIds: clusters, allowedProjectIds: projects };
}

function readCorsOrigins(read: EnvReader): readonly string[] {
  const origins = read.list('CORS_ALLOW_ORIGINS') ?? [];
  const bad = origins.filter((origin) => origin !== '*' && parseUrl(origin)?.origin !== origin);
  if (bad.length > 0) read.problem(`CORS_ALLOW_ORIGINS takes origins such as https://console.example.com, or *; not ${listOf(bad)}.`);
  return origins;
}

/** The first few offending values, quoted safely. */
function listOf(values: readonly string[]): string {
  return values.slice(0, 3).map(quoteUntrusted).join(', ');
}
