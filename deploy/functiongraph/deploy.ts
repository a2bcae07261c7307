/**
 * `npm run deploy:functiongraph -- --config <file> [--apply] [--packages <dir>]`.
 *
 * Reads the config and the zips, reads what FunctionGraph holds (list functions, each existing
 * function's config and triggers), prints the plan, and without --apply stops there: a plan makes
 * read calls only. With --apply it carries the plan out step by step (create function / update
 * code / update config / create trigger), printing each step as it is done; the first failure
 * stops it, and it says which steps were done and which were not. Nothing to change: no write
 * call, and it says so.
 *
 * Every line it prints goes through one redactor holding the access key, secret key, security
 * token and every encrypted_environment value, and any `Signature=<hex>`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Credentials } from '../../lib/credentials/types';
import {
  adviceFor,
  createSdkApi,
  describeCallError,
  FunctionGraphCallError,
  functionGraphEndpoint,
  type FunctionGraphApi,
  type Operation,
  type RemoteFunctionConfig,
} from './client';
import { DeployConfigError, HANDLER, parseConfigText, resolveConfig, RUNTIME, type DeployConfig, type DesiredFunction } from './config';
import { CredentialsError, resolveCredentials } from './credentials';
import {
  countPlan,
  type FunctionPlan,
  type LocalPackage,
  type Plan,
  planFunction,
  type RemoteFunction,
  renderPlan,
  serialiseUserData,
} from './plan';
import { readZip } from './zip';

export interface DeployIo {
  /** One line to stdout (without its newline). */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
}

export interface DeployOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly io: DeployIo;
  /** The functions this repository builds. */
  readonly knownFunctions: readonly string[];
  /** Where `<function>.zip` are, unless --packages names another folder. */
  readonly defaultPackagesDir: string;
  /** Tests may give an API; otherwise the SDK-backed one is built from the credentials. */
  readonly api?: (endpoint: string, projectId: string, credentials: Credentials) => FunctionGraphApi;
  readonly cwd?: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE = 'Usage: npm run deploy:functiongraph -- --config <file> [--apply] [--packages <dir>]';

interface Args {
  config: string;
  apply: boolean;
  packages?: string;
}

function parseArgs(argv: readonly string[]): Args | string {
  let config: string | undefined;
  let apply = false;
  let packages: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--apply') apply = true;
    else if (arg === '--config' || arg === '--packages') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) return `${arg} needs a value.`;
      if (arg === '--config') config = value;
      else packages = value;
    } else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else if (arg.startsWith('--packages=')) packages = arg.slice('--packages='.length);
    else return `Unknown argument ${JSON.stringify(arg)}.`;
  }
  if (config === undefined || config === '') return '--config <file> is required.';
  return { config, apply, ...(packages !== undefined && { packages }) };
}

/** Replaces every known secret, and anything shaped like a signature, before a line is printed. */
export class Redactor {
  private readonly secrets = new Set<string>();
  add(value: string | undefined): void {
    // Very short values would blank out ordinary words; no real key, token or password is this short.
    if (value !== undefined && value.length >= 4) this.secrets.add(value);
  }
  apply(line: string): string {
    let out = line;
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
    return out.replace(/Signature=[0-9a-fA-F]{16,}/g, 'Signature=***');
  }
}

export async function runDeploy(options: DeployOptions): Promise<number> {
  const redactor = new Redactor();
  for (const name of ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN'])
    redactor.add(options.env[name]?.trim());
  const out = (line: string) => options.io.out(redactor.apply(line));
  const err = (line: string) => options.io.err(redactor.apply(line));

  const args = parseArgs(options.argv);
  if (typeof args === 'string') {
    err(args);
    err(USAGE);
    return EXIT_USAGE;
  }
  const cwd = options.cwd ?? process.cwd();

  // 1. Config and packages: every problem found before any call.
  let config: DeployConfig;
  let packages: Map<string, LocalPackage>;
  try {
    const configPath = resolve(cwd, args.config);
    if (!existsSync(configPath)) throw new DeployConfigError(args.config, ['the file does not exist.']);
    const raw = parseConfigText(readFileSync(configPath, 'utf8'), args.config);
    config = resolveConfig(raw, { source: args.config, knownFunctions: options.knownFunctions, env: options.env });
    for (const secret of config.secretValues) redactor.add(secret);
    packages = readPackages(resolve(cwd, args.packages ?? options.defaultPackagesDir), config.functions);
  } catch (error) {
    if (error instanceof DeployConfigError || error instanceof PackageError) {
      err(error.message);
      return EXIT_USAGE;
    }
    throw error;
  }
  for (const warning of config.warnings) err(`Warning: ${warning}`);

  // 2. Where and as whom.
  let endpoint: string;
  let api: FunctionGraphApi;
  try {
    endpoint = functionGraphEndpoint(config.region, options.env.FUNCTIONGRAPH_ENDPOINT);
    const credentials = await resolveCredentials(options.env);
    redactor.add(credentials.accessKey);
    redactor.add(credentials.secretKey);
    redactor.add(credentials.securityToken);
    const timeoutMs = Number(options.env.FUNCTIONGRAPH_TIMEOUT_MS ?? '') || undefined;
    api =
      options.api?.(endpoint, config.projectId, credentials) ??
      createSdkApi({ endpoint, projectId: config.projectId, credentials, ...(timeoutMs !== undefined && { timeoutMs }) });
  } catch (error) {
    err(error instanceof CredentialsError || error instanceof Error ? error.message : String(error));
    return EXIT_USAGE;
  }

  // 3. What FunctionGraph holds now (read calls only).
  let plan: Plan;
  try {
    plan = await readPlan(api, config, packages);
  } catch (error) {
    if (!(error instanceof FunctionGraphCallError)) throw error;
    err(`Could not read what FunctionGraph holds: ${describeCallError(error)}`);
    err(adviceFor(error));
    err('Nothing was changed.');
    return EXIT_FAILED;
  }
  for (const line of renderPlan(config, plan, endpoint)) out(line);
  const counts = countPlan(plan);

  if (!args.apply) {
    out(
      counts.writes === 0
        ? 'Nothing to change.'
        : `Plan only: nothing was changed. Run again with --apply to make these ${counts.writes} change${counts.writes === 1 ? '' : 's'}.`,
    );
    return EXIT_OK;
  }
  if (counts.writes === 0) {
    out('Nothing to change: everything is up to date; no write call was made.');
    return EXIT_OK;
  }
  return applyPlan(api, config, plan, out, err);
}

class PackageError extends Error {}

function readPackages(dir: string, functions: readonly DesiredFunction[]): Map<string, LocalPackage> {
  const problems: string[] = [];
  const packages = new Map<string, LocalPackage>();
  for (const fn of functions) {
    const path = resolve(dir, `${fn.name}.zip`);
    if (!existsSync(path)) {
      problems.push(`${path} does not exist: run npm run package:functiongraph (or give --packages <dir>).`);
      continue;
    }
    const zip = readFileSync(path);
    try {
      const names = readZip(zip).map((entry) => entry.name);
      if (!names.includes('index.js')) problems.push(`${path} has no index.js at its root (it has ${names.join(', ') || 'nothing'}).`);
    } catch (error) {
      problems.push(`${path} is not a readable zip: ${(error as Error).message}.`);
      continue;
    }
    packages.set(fn.name, { name: fn.name, zip, sha512: createHash('sha512').update(zip).digest('hex') });
  }
  if (problems.length > 0) throw new PackageError(`The packages are not ready:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return packages;
}

async function readPlan(api: FunctionGraphApi, config: DeployConfig, packages: Map<string, LocalPackage>): Promise<Plan> {
  const listed = await api.listFunctions(config.packageName);
  const byName = new Map<string, RemoteFunctionConfig>();
  for (const fn of listed) {
    if (fn.func_name !== undefined && (fn.package === undefined || fn.package === config.packageName)) byName.set(fn.func_name, fn);
  }
  const functions: FunctionPlan[] = [];
  for (const desired of config.functions) {
    const summary = byName.get(desired.name);
    let remote: RemoteFunction | undefined;
    if (summary?.func_urn !== undefined) {
      const urn = summary.func_urn;
      const [fnConfig, triggers] = [await api.showFunctionConfig(urn), await api.listFunctionTriggers(urn)];
      remote = { urn, config: fnConfig, triggers };
    }
    functions.push(planFunction(desired, packages.get(desired.name) as LocalPackage, remote));
  }
  return { functions };
}

function configBody(fn: DesiredFunction): Record<string, unknown> {
  return {
    func_name: fn.name,
    runtime: RUNTIME,
    handler: HANDLER,
    memory_size: fn.memorySize,
    timeout: fn.timeout,
    xrole: fn.agency,
    description: fn.description,
    user_data: serialiseUserData(fn.userData),
    encrypted_user_data: serialiseUserData(fn.encryptedUserData),
  };
}

function codeBody(pkg: LocalPackage): Record<string, unknown> {
  return { code_type: 'zip', code_filename: `${pkg.name}.zip`, func_code: { file: pkg.zip.toString('base64') } };
}

interface Step {
  readonly label: string;
  readonly operation: Operation;
  run(): Promise<void>;
}

function stepsFor(api: FunctionGraphApi, config: DeployConfig, fn: FunctionPlan): Step[] {
  const steps: Step[] = [];
  let urn = fn.urn;
  if (fn.action === 'create') {
    steps.push({
      label: `${fn.name}: create function`,
      operation: 'createFunction',
      run: async () => {
        const created = await api.createFunction({ ...configBody(fn.desired), package: config.packageName, ...codeBody(fn.pkg) });
        urn = created.func_urn;
        if (urn === undefined)
          throw new FunctionGraphCallError(
            'createFunction',
            'the answer carried no func_urn; run the same command again to pick the function up',
          );
      },
    });
  }
  if (fn.updateCode) {
    steps.push({
      label: `${fn.name}: update code`,
      operation: 'updateFunctionCode',
      run: async () => void (await api.updateFunctionCode(urn as string, codeBody(fn.pkg))),
    });
  }
  if (fn.configChanges.length > 0) {
    steps.push({
      label: `${fn.name}: update config`,
      operation: 'updateFunctionConfig',
      run: async () => void (await api.updateFunctionConfig(urn as string, configBody(fn.desired))),
    });
  }
  for (const trigger of fn.triggers) {
    if (trigger.action !== 'create') continue;
    steps.push({
      label: `${fn.name}: create trigger ${trigger.label}`,
      operation: 'createFunctionTrigger',
      run: async () => void (await api.createFunctionTrigger(urn as string, trigger.desired.body as unknown as Record<string, unknown>)),
    });
  }
  return steps;
}

async function applyPlan(
  api: FunctionGraphApi,
  config: DeployConfig,
  plan: Plan,
  out: (l: string) => void,
  err: (l: string) => void,
): Promise<number> {
  const steps = plan.functions.flatMap((fn) => stepsFor(api, config, fn));
  out(`Applying ${steps.length} step${steps.length === 1 ? '' : 's'}:`);
  const done: string[] = [];
  for (const [i, step] of steps.entries()) {
    try {
      await step.run();
    } catch (error) {
      const failure =
        error instanceof FunctionGraphCallError ? error : new FunctionGraphCallError(step.operation, (error as Error).message);
      err(`FAILED step ${i + 1}/${steps.length}: ${step.label}: ${describeCallError(failure)}`);
      err(adviceFor(failure));
      err(`Done (${done.length}):${done.length === 0 ? ' none' : ''}`);
      for (const label of done) err(`  - ${label}`);
      const notDone = steps.slice(i).map((s) => s.label);
      err(`Not done (${notDone.length}):`);
      for (const label of notDone) err(`  - ${label}`);
      err('Apply stopped at the failed step. Fix the cause and run the same command again: what was done shows as unchanged.');
      return EXIT_FAILED;
    }
    done.push(step.label);
    out(`  done ${i + 1}/${steps.length}: ${step.label}`);
  }
  out(`Applied: ${steps.length} change${steps.length === 1 ? '' : 's'} made.`);
  return EXIT_OK;
}
