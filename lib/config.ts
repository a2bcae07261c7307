/**
 * The function's configuration, read from the environment once per cold start and
 * validated as a whole: a deployment with three mistakes hears about all three at once.
 * This is the only module that reads `process.env`.
 */
import type { Credentials } from './credentials/types';
import { ConfigurationError } from './errors';
import { isClusterId, isProjectId } from './ids';
import { quoteUntrusted } from './quote';
import { mrsEndpointForRegion } from './mrs/endpoint';
import { LOG_LEVELS, registerSecret, type LogLevel } from './log';

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

type Env = Readonly<Record<string, string | undefined>>;

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
  iamEndpoint: 'https://iam.myhuaweicloud.com',
  ecsMetadataUrl: 'http://169.254.169.254/openstack/latest/securitykey',
} as const;

const REGION = /^[a-z]{2,}(-[a-z]+)+-\d+$/;
const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
const LINK_LOCAL_METADATA_HOST = '169.254.169.254';
const CLUSTER_PATTERN = /^[A-Za-z0-9_-]{1,64}\*?$|^\*$/;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const region = nonEmpty(env.MRS_REGION) ?? nonEmpty(env.HUAWEICLOUD_SDK_REGION);
  if (region !== undefined && !REGION.test(region)) {
    problems.push(`MRS_REGION ${JSON.stringify(region)} is not a region name such as cn-north-4.`);
  }
  const endpoint = readEndpoint(env.MRS_ENDPOINT, region, problems);
  const projectId = readProjectId(env, region, problems);
  const iamEndpoint = readOrigin('IAM_ENDPOINT', nonEmpty(env.IAM_ENDPOINT) ?? DEFAULTS.iamEndpoint, problems);
  const ecsMetadataUrl = readEcsMetadataUrl(nonEmpty(env.ECS_METADATA_URL) ?? DEFAULTS.ecsMetadataUrl, problems);
  const environmentCredentials = readCredentials(env, problems);
  const requestTimeoutMs = readInteger(env, 'MRS_TIMEOUT_MS', DEFAULTS.requestTimeoutMs, 1, 60_000, problems);
  const deadlineMarginMs = readInteger(env, 'DEADLINE_MARGIN_MS', DEFAULTS.deadlineMarginMs, 0, 10_000, problems);
  const logLevel = nonEmpty(env.LOG_LEVEL)?.toLowerCase() ?? DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`);
  }
  const cache = readCache(env, problems);
  const refresh = readRefresh(env, problems);
  const retry: RetryConfig = {
    maxAttempts: readInteger(env, 'MRS_MAX_ATTEMPTS', DEFAULTS.maxAttempts, 1, 10, problems),
    breakerFailures: readInteger(env, 'MRS_BREAKER_FAILURES', DEFAULTS.breakerFailures, 1, 1000, problems),
    breakerCooldownMs: readSeconds(env, 'MRS_BREAKER_COOLDOWN_SECONDS', DEFAULTS.breakerCooldownSeconds, problems),
  };
  const access = readAccess(env, problems);
  const corsAllowOrigins = readCorsOrigins(env.CORS_ALLOW_ORIGINS, problems);
  if (problems.length > 0) {
    throw new ConfigurationError(`The function is not configured correctly: ${problems.join(' ')}`);
  }
  return {
    endpoint: endpoint as string,
    region,
    projectId,
    iamEndpoint: iamEndpoint as string,
    environmentCredentials,
    ecsMetadataUrl: ecsMetadataUrl as string,
    requestTimeoutMs,
    deadlineMarginMs,
    logLevel: logLevel as LogLevel,
    cache,
    refresh,
    retry,
    access,
    corsAllowOrigins,
  };
}

function readCache(env: Env, problems: string[]): CacheConfig {
  return {
    ttlMs: readSeconds(env, 'STATUS_CACHE_TTL_SECONDS', DEFAULTS.cacheTtlSeconds, problems),
    negativeTtlMs: readSeconds(env, 'STATUS_CACHE_NEGATIVE_TTL_SECONDS', DEFAULTS.cacheNegativeTtlSeconds, problems),
    staleIfErrorMs: readSeconds(env, 'STATUS_CACHE_STALE_IF_ERROR_SECONDS', DEFAULTS.cacheStaleIfErrorSeconds, problems),
    maxEntries: readInteger(env, 'STATUS_CACHE_MAX_ENTRIES', DEFAULTS.cacheMaxEntries, 1, 1_000_000, problems),
    redisUrl: readRedisUrl(env.REDIS_URL, problems),
    redisTimeoutMs: readInteger(env, 'REDIS_TIMEOUT_MS', DEFAULTS.redisTimeoutMs, 1, 10_000, problems),
  };
}

/**
 * `redis://` or `rediss://` (TLS), with an optional password and DB index, as Huawei DCS
 * gives them. Problems never quote the URL: it may hold the password.
 */
function readRedisUrl(raw: string | undefined, problems: string[]): string | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  const url = parseUrl(value);
  if (url === undefined) {
    problems.push('REDIS_URL is not a URL; give redis://[:password@]host[:port][/db] or rediss://... for TLS.');
    return undefined;
  }
  registerSecret(decodeURIComponent(url.password));
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    problems.push('REDIS_URL must start with redis:// or rediss://.');
  } else if (url.hostname === '') {
    problems.push('REDIS_URL has no host.');
  } else if (!/^\/?(\d{1,3})?$/.test(url.pathname) || url.search || url.hash) {
    problems.push('REDIS_URL may end only in a DB index such as /0, with no query.');
  }
  return value;
}

function readRefresh(env: Env, problems: string[]): RefreshConfig {
  const clusterIds = readList(env.REFRESH_CLUSTER_IDS) ?? [];
  const invalid = clusterIds.filter((id) => !isClusterId(id));
  if (invalid.length > 0) {
    problems.push(`REFRESH_CLUSTER_IDS holds ids MRS cannot have: ${invalid.slice(0, 3).map(quoteUntrusted).join(', ')}.`);
  }
  return {
    clusterIds,
    concurrency: readInteger(env, 'REFRESH_CONCURRENCY', DEFAULTS.refreshConcurrency, 1, 64, problems),
  };
}

function readAccess(env: Env, problems: string[]): AccessConfig {
  const clusters = readList(env.ALLOWED_CLUSTER_IDS);
  const badPatterns = clusters?.filter((pattern) => !CLUSTER_PATTERN.test(pattern)) ?? [];
  if (badPatterns.length > 0) {
    problems.push(`ALLOWED_CLUSTER_IDS takes cluster ids and prefix* patterns; not ${badPatterns.slice(0, 3).map(quoteUntrusted).join(', ')}.`);
  }
  const projects = readList(env.ALLOWED_PROJECT_IDS) ?? [];
  const badProjects = projects.filter((id) => !isProjectId(id));
  if (badProjects.length > 0) {
    problems.push(`ALLOWED_PROJECT_IDS holds ids that are not project ids: ${badProjects.slice(0, 3).map(quoteUntrusted).join(', ')}.`);
  }
  return { allowedClusterIds: clusters, allowedProjectIds: projects };
}

function readCorsOrigins(raw: string | undefined, problems: string[]): readonly string[] {
  const origins = readList(raw) ?? [];
  const bad = origins.filter((origin) => origin !== '*' && parseUrl(origin)?.origin !== origin);
  if (bad.length > 0) problems.push(`CORS_ALLOW_ORIGINS takes origins such as https://console.example.com, or *; not ${bad.slice(0, 3).map(quoteUntrusted).join(', ')}.`);
  return origins;
}

/** A comma-separated list; undefined when the variable is unset or blank. */
function readList(raw: string | undefined): string[] | undefined {
  const items = (nonEmpty(raw) ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
  return items.length === 0 ? undefined : items;
}

/** Seconds (decimals allowed), returned as whole milliseconds. */
function readSeconds(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback * 1000;
  if (!/^\d{1,7}(\.\d{1,3})?$/.test(raw)) {
    problems.push(`${name} must be a number of seconds, 0 or more; got ${JSON.stringify(raw.slice(0, 20))}.`);
    return fallback * 1000;
  }
  return Math.round(Number(raw) * 1000);
}

function readEndpoint(raw: string | undefined, region: string | undefined, problems: string[]): string | undefined {
  const override = nonEmpty(raw);
  if (override !== undefined) return readOrigin('MRS_ENDPOINT', override, problems);
  if (region === undefined) problems.push('Set MRS_REGION (for example cn-north-4) or MRS_ENDPOINT.');
  return region === undefined ? undefined : mrsEndpointForRegion(region);
}

/** An https origin (http only for a loopback host, where the local tools run). */
function readOrigin(name: string, value: string, problems: string[]): string | undefined {
  const url = parseUrl(value);
  if (url === undefined) {
    problems.push(`${name} is not a URL; give an origin such as https://mrs.cn-north-4.myhuaweicloud.com.`);
    return undefined;
  }
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    problems.push(`${name} must be a bare origin (scheme, host and port only).`);
  } else if (url.protocol === 'http:' && !LOOPBACK_HOSTS.test(url.hostname)) {
    problems.push(`${name} may use http only for a loopback host; use https.`);
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`${name} must be an https URL.`);
  }
  return url.origin;
}

/** The metadata service is plain http on a link-local address; tests point it at loopback. */
function readEcsMetadataUrl(value: string, problems: string[]): string | undefined {
  const url = parseUrl(value);
  const hostAllowed = url !== undefined && (url.hostname === LINK_LOCAL_METADATA_HOST || LOOPBACK_HOSTS.test(url.hostname));
  if (url === undefined || url.protocol !== 'http:' || !hostAllowed) {
    problems.push(`ECS_METADATA_URL must be an http URL on ${LINK_LOCAL_METADATA_HOST} or a loopback host.`);
    return undefined;
  }
  return url.href;
}

function readProjectId(env: Env, region: string | undefined, problems: string[]): string | undefined {
  const projectId =
    nonEmpty(env.MRS_PROJECT_ID) ?? nonEmpty(env.HUAWEICLOUD_SDK_PROJECT_ID) ?? nonEmpty(env.RUNTIME_PROJECT_ID);
  if (projectId === undefined && region === undefined) {
    problems.push('Set MRS_PROJECT_ID (or HUAWEICLOUD_SDK_PROJECT_ID) to the project that owns the clusters, or MRS_REGION to look it up.');
  } else if (projectId !== undefined && !isProjectId(projectId)) {
    problems.push('The project id must be 1-64 letters and digits.');
  }
  return projectId;
}

function readCredentials(env: Env, problems: string[]): Credentials | undefined {
  const accessKey = nonEmpty(env.HUAWEICLOUD_SDK_AK);
  const secretKey = nonEmpty(env.HUAWEICLOUD_SDK_SK);
  const securityToken = nonEmpty(env.HUAWEICLOUD_SDK_SECURITY_TOKEN);
  if (accessKey === undefined && secretKey === undefined) {
    if (securityToken !== undefined) problems.push('HUAWEICLOUD_SDK_SECURITY_TOKEN is set without HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK.');
    return undefined;
  }
  if (accessKey === undefined || secretKey === undefined) {
    problems.push('Set both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or neither.');
    return undefined;
  }
  return securityToken === undefined ? { accessKey, secretKey } : { accessKey, secretKey, securityToken };
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw.slice(0, 20))}.`);
    return fallback;
  }
  return value;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
