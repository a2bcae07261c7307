/**
 * The deploy config (JSON; see deploy/functiongraph.example.json): what to deploy where.
 * Read whole and checked whole: a bad config is one error listing every problem, before
 * any call is made. Keys starting with `//` are comments and ignored, at any level.
 */
import { REGION_ID } from '../../lib/huawei/endpoints';

/** FunctionGraph's runtime id for Node.js 20 (the SDK's enum stops at 18.15; the API accepts this string). */
export const RUNTIME = 'Node.js20.15';
export const HANDLER = 'index.handler';

/** The function that starts IAM syncs: it writes, so its agency must not be a read function's. */
export const START_FUNCTION = 'iam-sync-start';
/** The function a TIMER trigger runs; it has no HTTP routes. */
export const TIMER_FUNCTION = 'iam-sync-refresh';
/** Its environment variable naming the clusters; no clusters, no TIMER (it would only warn every minute). */
export const TIMER_CLUSTERS_VARIABLE = 'REFRESH_CLUSTER_IDS';

export const MEMORY_SIZES = [128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096] as const;
/** 3-259200 s per the SDK 3.1.211 docstring; older documents say 900. */
export const MIN_TIMEOUT = 3;
export const MAX_TIMEOUT = 259_200;
const MAX_VARIABLES = 20;
const MAX_USER_DATA_CHARS = 4096;
const RESERVED_VARIABLES = new Set([
  'RUNTIME_PROJECT_ID',
  'RUNTIME_FUNC_NAME',
  'RUNTIME_FUNC_VERSION',
  'RUNTIME_PACKAGE',
  'RUNTIME_HANDLER',
  'RUNTIME_TIMEOUT',
  'RUNTIME_USERDATA',
  'RUNTIME_CPU',
  'RUNTIME_MEMORY',
  'RUNTIME_MAX_RESP_BODY_SIZE',
  'RUNTIME_INITIALIZER_HANDLER',
  'RUNTIME_INITIALIZER_TIMEOUT',
  'RUNTIME_ROOT',
  'RUNTIME_CODE_ROOT',
  'RUNTIME_LOG_DIR',
  'RUNTIME_API_ADDR',
]);
/** Credentials belong in an agency (or, if at all, in encrypted_environment), never in plain user_data. */
const SECRET_VARIABLES = new Set(['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN', 'REDIS_URL']);
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'ANY'];

export interface ApigSettings {
  readonly groupId: string;
  readonly envName: string;
  readonly envId: string;
  /** A dedicated gateway's instance id; its triggers are DEDICATEDGATEWAY instead of APIG. */
  readonly instanceId?: string;
  readonly auth: 'IAM' | 'APP' | 'NONE';
  readonly protocol: 'HTTPS' | 'HTTP';
  /** 1 public, 2 private. */
  readonly type: 1 | 2;
}

export interface DesiredApigTrigger {
  readonly kind: 'APIG';
  readonly typeCode: 'APIG' | 'DEDICATEDGATEWAY';
  readonly method: string;
  readonly path: string;
  readonly body: TriggerBody;
}

export interface DesiredTimerTrigger {
  readonly kind: 'TIMER';
  readonly scheduleType: 'Rate' | 'Cron';
  readonly schedule: string;
  readonly body: TriggerBody;
}

export type DesiredTrigger = DesiredApigTrigger | DesiredTimerTrigger;

export interface TriggerBody {
  trigger_type_code: string;
  trigger_status: 'ACTIVE';
  event_type_code: string;
  event_data: Record<string, unknown>;
}

export interface DesiredFunction {
  readonly name: string;
  readonly agency: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly description: string;
  readonly userData: Readonly<Record<string, string>>;
  readonly encryptedUserData: Readonly<Record<string, string>>;
  readonly triggers: readonly DesiredTrigger[];
  /** Why a configured trigger is not wanted now (the TIMER without clusters), for the plan. */
  readonly notes: readonly string[];
}

export interface DeployConfig {
  readonly region: string;
  readonly projectId: string;
  readonly packageName: string;
  readonly functions: readonly DesiredFunction[];
  /** Values that must never be printed: every encrypted_environment value. */
  readonly secretValues: readonly string[];
  /** Things worth saying that do not stop a deploy. */
  readonly warnings: readonly string[];
}

export class DeployConfigError extends Error {
  override readonly name = 'DeployConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `The deploy config ${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the file's text: JSON. A syntax error is itself the one problem. */
export function parseConfigText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DeployConfigError(source, [`it is not valid JSON (${(error as Error).message}).`]);
  }
}

export interface ResolveOptions {
  /** Where the text came from, for messages. */
  readonly source: string;
  /** The functions this repository builds (functions/*.ts). */
  readonly knownFunctions: readonly string[];
  /** For `{"from_env": "NAME"}` values. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The config checked and resolved, or a DeployConfigError listing every problem. */
export function resolveConfig(raw: unknown, options: ResolveOptions): DeployConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const secretValues: string[] = [];
  const problem = (message: string) => {
    problems.push(message);
  };

  if (!isObject(raw)) throw new DeployConfigError(options.source, ['the top level must be a JSON object.']);
  checkKeys(raw, '', ['region', 'project_id', 'package', 'apig', 'functions'], problem);

  const region = requiredString(raw, 'region', '', problem);
  if (region !== undefined && !REGION_ID.test(region)) problem(`region ${JSON.stringify(region)} is not a region id such as cn-north-4.`);
  const projectId = requiredString(raw, 'project_id', '', problem);
  if (projectId !== undefined && !/^[A-Za-z0-9]{1,64}$/.test(projectId))
    problem('project_id must be 1-64 letters or digits (the project id, not its name).');
  const packageName = requiredString(raw, 'package', '', problem);
  if (packageName !== undefined && !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(packageName)) {
    problem('package (the FunctionGraph app) must start with a letter and hold at most 64 letters, digits, - or _.');
  }

  const apig = readApig(raw.apig, problem);

  const functions: DesiredFunction[] = [];
  const rawFunctions = raw.functions;
  if (!isObject(rawFunctions) || Object.keys(rawFunctions).filter((k) => !k.startsWith('//')).length === 0) {
    problem(`functions must be an object naming at least one of ${options.knownFunctions.join(', ')}.`);
  } else {
    const routesSeen = new Map<string, string>();
    for (const [name, value] of Object.entries(rawFunctions)) {
      if (name.startsWith('//')) continue;
      if (!options.knownFunctions.includes(name)) {
        problem(`functions.${name} is not a function this repository builds (${options.knownFunctions.join(', ')}).`);
        continue;
      }
      const fn = readFunction(name, value, apig, routesSeen, options.env, problem, warnings, secretValues);
      if (fn !== undefined) functions.push(fn);
    }
    const start = functions.find((fn) => fn.name === START_FUNCTION);
    if (start !== undefined) {
      for (const other of functions) {
        if (other !== start && other.agency === start.agency) {
          problem(
            `functions.${START_FUNCTION}.agency must differ from the read functions' agencies (${other.name} also uses ${JSON.stringify(start.agency)}): ` +
              'only the start function may hold mrs:cluster:syncUser.',
          );
        }
      }
      if (start.userData.IAM_SYNC_START_ENABLED !== 'true') {
        warnings.push(`${START_FUNCTION}: IAM_SYNC_START_ENABLED is not "true" in its environment, so it will refuse every start.`);
      }
    }
  }

  if (problems.length > 0) throw new DeployConfigError(options.source, problems);
  return {
    region: region as string,
    projectId: projectId as string,
    packageName: packageName as string,
    functions,
    secretValues,
    warnings,
  };
}

function checkKeys(object: JsonObject, where: string, allowed: readonly string[], problem: (m: string) => void): void {
  for (const key of Object.keys(object)) {
    if (!key.startsWith('//') && !allowed.includes(key)) problem(`${where}${key} is not a known setting (known: ${allowed.join(', ')}).`);
  }
}

function requiredString(object: JsonObject, key: string, where: string, problem: (m: string) => void): string | undefined {
  const value = object[key];
  if (typeof value !== 'string' || value.trim() === '') {
    problem(`${where}${key} is required and must be a non-empty string.`);
    return undefined;
  }
  return value;
}

function readApig(value: Json | undefined, problem: (m: string) => void): ApigSettings | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    problem('apig must be an object with group_id, env_name and env_id.');
    return undefined;
  }
  checkKeys(value, 'apig.', ['group_id', 'env_name', 'env_id', 'instance_id', 'auth', 'protocol', 'type'], problem);
  const groupId = requiredString(value, 'group_id', 'apig.', problem);
  const envName = requiredString(value, 'env_name', 'apig.', problem);
  const envId = requiredString(value, 'env_id', 'apig.', problem);
  const instanceId = value.instance_id;
  if (instanceId !== undefined && (typeof instanceId !== 'string' || instanceId === ''))
    problem('apig.instance_id, when given, must be a non-empty string.');
  const auth = value.auth ?? 'IAM';
  if (auth !== 'IAM' && auth !== 'APP' && auth !== 'NONE') problem('apig.auth must be IAM, APP or NONE (default IAM).');
  const protocol = value.protocol ?? 'HTTPS';
  if (protocol !== 'HTTPS' && protocol !== 'HTTP') problem('apig.protocol must be HTTPS or HTTP (default HTTPS).');
  const type = value.type ?? 1;
  if (type !== 1 && type !== 2) problem('apig.type must be 1 (public) or 2 (private) (default 1).');
  if (groupId === undefined || envName === undefined || envId === undefined) return undefined;
  return {
    groupId,
    envName,
    envId,
    ...(typeof instanceId === 'string' && instanceId !== '' && { instanceId }),
    auth: auth as ApigSettings['auth'],
    protocol: protocol as ApigSettings['protocol'],
    type: type as 1 | 2,
  };
}

function readFunction(
  name: string,
  value: Json,
  apig: ApigSettings | undefined,
  routesSeen: Map<string, string>,
  env: ResolveOptions['env'],
  problem: (m: string) => void,
  warnings: string[],
  secretValues: string[],
): DesiredFunction | undefined {
  const where = `functions.${name}.`;
  if (!isObject(value)) {
    problem(`functions.${name} must be an object.`);
    return undefined;
  }
  const isTimerFunction = name === TIMER_FUNCTION;
  checkKeys(
    value,
    where,
    ['agency', 'memory_size', 'timeout', 'description', 'environment', 'encrypted_environment', isTimerFunction ? 'timer' : 'routes'],
    problem,
  );

  const agency = requiredString(value, 'agency', where, problem);
  if (agency !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(agency))
    problem(`${where}agency must be an agency name: 1-64 letters, digits, _, - or .`);
  const memorySize = value.memory_size;
  if (typeof memorySize !== 'number' || !(MEMORY_SIZES as readonly number[]).includes(memorySize)) {
    problem(`${where}memory_size must be one of ${MEMORY_SIZES.join(', ')} (MB).`);
  }
  const timeout = value.timeout;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < MIN_TIMEOUT || timeout > MAX_TIMEOUT) {
    problem(`${where}timeout must be a whole number of seconds from ${MIN_TIMEOUT} to ${MAX_TIMEOUT}.`);
  }
  const description = value.description ?? `MRS IAM sync adapter: ${name}`;
  if (typeof description !== 'string' || description.length > 512)
    problem(`${where}description must be a string of at most 512 characters.`);

  const userData = readEnvironment(value.environment, `${where}environment`, env, problem, false);
  const encryptedUserData = readEnvironment(value.encrypted_environment, `${where}encrypted_environment`, env, problem, true);
  for (const key of Object.keys(userData)) {
    if (Object.hasOwn(encryptedUserData, key))
      problem(`${where}: ${key} is in both environment and encrypted_environment; keep it in one.`);
  }
  secretValues.push(...Object.values(encryptedUserData));

  const triggers: DesiredTrigger[] = [];
  const notes: string[] = [];
  if (isTimerFunction) {
    const clusters = (userData[TIMER_CLUSTERS_VARIABLE] ?? encryptedUserData[TIMER_CLUSTERS_VARIABLE] ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    const timer = readTimer(value.timer, name, `${where}timer`, problem);
    if (timer !== undefined && clusters.length > 0) triggers.push(timer);
    else if (timer !== undefined)
      notes.push(`TIMER ${timer.scheduleType} ${timer.schedule}: not wanted, ${TIMER_CLUSTERS_VARIABLE} names no clusters.`);
    else if (clusters.length > 0)
      warnings.push(`${name}: ${TIMER_CLUSTERS_VARIABLE} names clusters but no timer is configured, so nothing will refresh them.`);
  } else {
    const routes = value.routes;
    if (routes !== undefined && !Array.isArray(routes)) problem(`${where}routes must be a list of {"method", "path"}.`);
    else if (routes !== undefined && routes.length > 0 && apig === undefined) {
      problem(`${where}routes needs the apig settings (group_id, env_name, env_id) at the top level.`);
    } else {
      for (const [i, route] of (routes ?? []).entries()) {
        const trigger = readRoute(name, route, `${where}routes[${i}]`, apig as ApigSettings, routesSeen, problem);
        if (trigger !== undefined) triggers.push(trigger);
      }
    }
  }

  if (agency === undefined || typeof memorySize !== 'number' || typeof timeout !== 'number' || typeof description !== 'string')
    return undefined;
  return { name, agency, memorySize, timeout, description, userData, encryptedUserData, triggers, notes };
}

function readEnvironment(
  value: Json | undefined,
  where: string,
  env: ResolveOptions['env'],
  problem: (m: string) => void,
  encrypted: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  if (!isObject(value)) {
    problem(`${where} must be an object of NAME: "value".`);
    return out;
  }
  for (const [key, raw] of Object.entries(value)) {
    if (key.startsWith('//')) continue;
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key))
      problem(`${where}.${key}: a variable name must start with a letter and hold only letters, digits and _.`);
    else if (RESERVED_VARIABLES.has(key)) problem(`${where}.${key} is reserved by FunctionGraph.`);
    else if (!encrypted && SECRET_VARIABLES.has(key))
      problem(`${where}.${key} is a secret: move it to encrypted_environment (credentials: give the function an agency instead).`);
    let resolved: string | undefined;
    if (typeof raw === 'string') resolved = raw;
    else if (isObject(raw) && typeof raw.from_env === 'string' && Object.keys(raw).length === 1) {
      resolved = env[raw.from_env];
      if (resolved === undefined || resolved === '')
        problem(`${where}.${key} is read from the environment variable ${raw.from_env}, which is not set.`);
    } else {
      problem(`${where}.${key} must be a string (write numbers and flags in quotes) or {"from_env": "NAME"}.`);
    }
    if (resolved !== undefined) out[key] = resolved;
  }
  const count = Object.keys(out).length;
  if (count > MAX_VARIABLES) problem(`${where} has ${count} variables; FunctionGraph takes at most ${MAX_VARIABLES}.`);
  const size = JSON.stringify(out).length;
  if (size > MAX_USER_DATA_CHARS) problem(`${where} is ${size} characters as JSON; FunctionGraph takes at most ${MAX_USER_DATA_CHARS}.`);
  return out;
}

function readTimer(value: Json | undefined, fn: string, where: string, problem: (m: string) => void): DesiredTimerTrigger | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    problem(`${where} must be an object with schedule_type and schedule.`);
    return undefined;
  }
  checkKeys(value, `${where}.`, ['name', 'schedule_type', 'schedule', 'user_event'], problem);
  const scheduleType = value.schedule_type;
  const schedule = value.schedule;
  const name = value.name ?? `${fn}-schedule`;
  const userEvent = value.user_event ?? '';
  let ok = true;
  if (scheduleType !== 'Rate' && scheduleType !== 'Cron') {
    problem(`${where}.schedule_type must be Rate or Cron.`);
    ok = false;
  }
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    problem(`${where}.schedule must be a non-empty string such as "1m" (Rate) or "0 0/5 * * * ?" (Cron).`);
    ok = false;
  } else if (scheduleType === 'Rate' && !validRate(schedule)) {
    problem(`${where}.schedule ${JSON.stringify(schedule)} is not a Rate: 1-60m, 1-24h or 1-30d.`);
    ok = false;
  }
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name)) {
    problem(`${where}.name must start with a letter and hold at most 64 letters, digits, - or _.`);
    ok = false;
  }
  if (typeof userEvent !== 'string') {
    problem(`${where}.user_event must be a string.`);
    ok = false;
  }
  if (!ok) return undefined;
  return {
    kind: 'TIMER',
    scheduleType: scheduleType as 'Rate' | 'Cron',
    schedule: schedule as string,
    body: {
      trigger_type_code: 'TIMER',
      trigger_status: 'ACTIVE',
      event_type_code: 'MessageCreated',
      event_data: { name, schedule_type: scheduleType, schedule, user_event: userEvent },
    },
  };
}

function validRate(schedule: string): boolean {
  const m = /^([1-9][0-9]*)([mhd])$/.exec(schedule);
  if (m === null) return false;
  const n = Number(m[1]);
  return n <= { m: 60, h: 24, d: 30 }[m[2] as 'm' | 'h' | 'd'];
}

function readRoute(
  fn: string,
  value: Json,
  where: string,
  apig: ApigSettings,
  routesSeen: Map<string, string>,
  problem: (m: string) => void,
): DesiredApigTrigger | undefined {
  if (!isObject(value)) {
    problem(`${where} must be {"method": "GET", "path": "/clusters/{cluster_id}/..."}.`);
    return undefined;
  }
  checkKeys(value, `${where}.`, ['method', 'path'], problem);
  const method = typeof value.method === 'string' ? value.method.toUpperCase() : undefined;
  const path = value.path;
  let ok = true;
  if (method === undefined || !HTTP_METHODS.includes(method)) {
    problem(`${where}.method must be one of ${HTTP_METHODS.join(', ')}.`);
    ok = false;
  }
  if (typeof path !== 'string' || !/^(\/([A-Za-z0-9_.~+-]+|\{[A-Za-z][A-Za-z0-9_]*\}))+$/.test(path)) {
    problem(`${where}.path must be an absolute path such as /clusters/{cluster_id}/iam-sync.`);
    ok = false;
  }
  if (!ok) return undefined;
  const key = `${method} ${path as string}`;
  const other = routesSeen.get(key);
  if (other !== undefined) {
    problem(`${where}: ${key} is already routed to ${other}.`);
    return undefined;
  }
  routesSeen.set(key, fn);
  const typeCode = apig.instanceId === undefined ? 'APIG' : 'DEDICATEDGATEWAY';
  return {
    kind: 'APIG',
    typeCode,
    method: method as string,
    path: path as string,
    body: {
      trigger_type_code: typeCode,
      trigger_status: 'ACTIVE',
      event_type_code: 'APICreated',
      event_data: {
        name: apiName(fn, method as string, path as string),
        group_id: apig.groupId,
        env_name: apig.envName,
        env_id: apig.envId,
        ...(apig.instanceId !== undefined && { instance_id: apig.instanceId }),
        auth: apig.auth,
        protocol: apig.protocol,
        type: apig.type,
        path,
        req_method: method,
        match_mode: 'NORMAL',
        backend_type: 'FUNCTION',
      },
    },
  };
}

/** An APIG API name (letters, digits, _; at most 64) for a route, unique per function, method and path. */
export function apiName(fn: string, method: string, path: string): string {
  const parts = [
    fn,
    method.toLowerCase(),
    ...path
      .split('/')
      .filter(Boolean)
      .map((segment) => segment.replace(/[{}]/g, '')),
  ];
  const name = parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
  if (name.length <= 64) return name;
  let hash = 0;
  for (const char of name) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return `${name.slice(0, 55)}_${hash.toString(16).padStart(8, '0')}`;
}
