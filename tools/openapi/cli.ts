/**
 * `npm run openapi -- [--config <deploy config>] [--out <file>] ...`: writes the OpenAPI 3.0
 * document of one deployment (./document.ts). The FunctionGraph deploy config
 * (deploy/functiongraph.example.json) gives the region, project and package, hence each
 * function's URN, its timeout, the APIG authentication and request type, and which functions
 * are deployed; Lambda ARNs come from options, or are placeholders named as serverless.yml names
 * the functions. Nothing secret is read: encrypted_environment values are not resolved.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { type DeployConfig, DeployConfigError, parseConfigText, resolveConfig } from '../../deploy/functiongraph/config';
import { HTTP_ROUTES, type HttpFunctionName } from '../../lib/http-routes';
import { type ApigAuth, buildDocument, type FunctionTarget, type OpenApiDocument } from './document';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export const USAGE =
  'Usage: npm run openapi -- [--config <functiongraph config .json>] [--deployment <name>] [--out <file>] [--function-version <v>] ' +
  '[--auth IAM|APP|NONE] [--lambda-arn <function>=<arn>]... [--aws-region <r>] [--aws-account-id <id>] [--stage <s>] [--service <name>]';

/** The HTTP functions, and their keys in serverless.yml (Lambda names them <service>-<stage>-<key>). */
export const LAMBDA_FUNCTION_KEYS: Readonly<Record<HttpFunctionName, string>> = {
  'iam-sync-status': 'iamSyncStatus',
  'iam-sync-start': 'iamSyncStart',
  'iam-sync-wait': 'iamSyncWaitHttp',
};
const HTTP_FUNCTIONS = Object.keys(LAMBDA_FUNCTION_KEYS) as HttpFunctionName[];
export const DEFAULT_SERVICE = 'mrs-iam-sync-adapter';
export const DEFAULT_STAGE = 'dev';
/** APIG invokes this version unless told otherwise. */
export const DEFAULT_FUNCTION_VERSION = 'latest';

export interface OpenApiArgs {
  readonly config?: string;
  readonly deployment?: string;
  readonly out?: string;
  readonly functionVersion: string;
  readonly auth?: ApigAuth;
  readonly lambdaArns: Readonly<Record<string, string>>;
  readonly awsRegion?: string;
  readonly awsAccountId?: string;
  readonly stage: string;
  readonly service: string;
}

export function parseArgs(argv: readonly string[]): OpenApiArgs | string {
  const values: Record<string, string> = {};
  const lambdaArns: Record<string, string> = {};
  const known = [
    '--config',
    '--deployment',
    '--out',
    '--function-version',
    '--auth',
    '--lambda-arn',
    '--aws-region',
    '--aws-account-id',
    '--stage',
    '--service',
  ];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!known.includes(name)) return `Unknown argument ${JSON.stringify(arg)}.`;
    const value = name === arg ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '' || value.startsWith('--')) return `${name} needs a value.`;
    if (name === '--lambda-arn') {
      const [fn, arn] = [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)];
      if (!(HTTP_FUNCTIONS as string[]).includes(fn))
        return `--lambda-arn takes <function>=<arn> with one of ${HTTP_FUNCTIONS.join(', ')}; got ${JSON.stringify(value)}.`;
      if (!/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/.test(arn))
        return `--lambda-arn ${fn}= needs a Lambda function ARN; got ${JSON.stringify(arn)}.`;
      lambdaArns[fn] = arn;
    } else {
      values[name.slice(2)] = value;
    }
  }
  const auth = values.auth?.toUpperCase();
  if (auth !== undefined && auth !== 'IAM' && auth !== 'APP' && auth !== 'NONE') return '--auth must be IAM, APP or NONE.';
  if (values['aws-account-id'] !== undefined && !/^\d{12}$/.test(values['aws-account-id'])) return '--aws-account-id must be 12 digits.';
  if (values['aws-region'] !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values['aws-region']))
    return '--aws-region must be a region such as eu-west-1.';
  if (values.deployment !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(values.deployment))
    return '--deployment must be 1-64 letters, digits, ., _ or -.';
  return {
    ...(values.config !== undefined && { config: values.config }),
    ...(values.deployment !== undefined && { deployment: values.deployment }),
    ...(values.out !== undefined && { out: values.out }),
    functionVersion: values['function-version'] ?? DEFAULT_FUNCTION_VERSION,
    ...(auth !== undefined && { auth: auth as ApigAuth }),
    lambdaArns,
    ...(values['aws-region'] !== undefined && { awsRegion: values['aws-region'] }),
    ...(values['aws-account-id'] !== undefined && { awsAccountId: values['aws-account-id'] }),
    stage: values.stage ?? DEFAULT_STAGE,
    service: values.service ?? DEFAULT_SERVICE,
  };
}

/** A FunctionGraph function's URN, as FunctionGraph writes it. */
export function functionUrn(
  region: string,
  projectId: string,
  packageName: string,
  functionName: string,
  version = DEFAULT_FUNCTION_VERSION,
): string {
  return `urn:fss:${region}:${projectId}:function:${packageName}:${functionName}:${version}`;
}

export interface Deployment {
  readonly name: string;
  readonly functions: Partial<Record<HttpFunctionName, FunctionTarget>>;
  readonly auth: ApigAuth;
  readonly requestType?: 'public' | 'private';
  readonly warnings: readonly string[];
}

/** What the config (or, without one, placeholders) says about each HTTP function. */
export function deploymentOf(args: OpenApiArgs, config: DeployConfig | undefined, configPath: string | undefined): Deployment {
  const warnings: string[] = [];
  const lambdaArn = (fn: HttpFunctionName) =>
    args.lambdaArns[fn] ??
    `arn:aws:lambda:${args.awsRegion ?? '<aws-region>'}:${args.awsAccountId ?? '<aws-account-id>'}:function:${args.service}-${args.stage}-${LAMBDA_FUNCTION_KEYS[fn]}`;
  const functions: Partial<Record<HttpFunctionName, FunctionTarget>> = {};
  let auth: ApigAuth = args.auth ?? 'IAM';
  let requestType: 'public' | 'private' | undefined;
  if (config === undefined) {
    warnings.push(
      'No --config: the function URNs are placeholders (<region>, <project_id>, <package>); give the FunctionGraph deploy config.',
    );
    for (const fn of HTTP_FUNCTIONS) {
      functions[fn] = {
        functionUrn: functionUrn('<region>', '<project_id>', '<package>', fn, args.functionVersion),
        version: args.functionVersion,
        lambdaArn: lambdaArn(fn),
      };
    }
  } else {
    for (const fn of config.functions) {
      if (!(HTTP_FUNCTIONS as string[]).includes(fn.name)) continue;
      const name = fn.name as HttpFunctionName;
      functions[name] = {
        functionUrn: functionUrn(config.region, config.projectId, config.packageName, name, args.functionVersion),
        version: args.functionVersion,
        timeoutSeconds: fn.timeout,
        lambdaArn: lambdaArn(name),
      };
      warnings.push(
        ...routeDrift(
          name,
          fn.triggers.flatMap((t) => (t.kind === 'APIG' ? [`${t.method} ${t.path}`] : [])),
          configPath ?? 'the config',
        ),
      );
      for (const trigger of fn.triggers) {
        if (trigger.kind !== 'APIG') continue;
        const data = trigger.body.event_data;
        if (args.auth === undefined && (data.auth === 'IAM' || data.auth === 'APP' || data.auth === 'NONE')) auth = data.auth;
        if (data.type === 1 || data.type === 2) requestType = data.type === 1 ? 'public' : 'private';
      }
    }
    if (Object.keys(functions).length === 0) warnings.push('The config deploys no HTTP function: the document has no paths.');
  }
  return {
    name: args.deployment ?? (configPath === undefined ? 'local' : basename(configPath, extname(configPath))),
    functions,
    auth,
    ...(requestType !== undefined && { requestType }),
    warnings,
  };
}

/** The config's APIG routes for a function against the table's: each difference, in words. */
export function routeDrift(fn: HttpFunctionName, configured: readonly string[], source: string): string[] {
  const table = HTTP_ROUTES.filter((route) => route.functionName === fn).map((route) => `${route.method} ${route.path}`);
  return [
    ...configured
      .filter((route) => !table.includes(route))
      .map(
        (route) =>
          `${source} routes ${route} to ${fn}, which does not serve it (lib/http-routes.ts): not documented, and the function would refuse it.`,
      ),
    ...table
      .filter((route) => !configured.includes(route))
      .map((route) => `${source} does not route ${route} to ${fn}: documented, but its APIG trigger will not be created.`),
  ];
}

export interface RunOptions {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly knownFunctions: readonly string[];
  /** The adapter's version (package.json), the document's info.version. */
  readonly version: string;
  readonly io: { out(line: string): void; err(line: string): void };
}

/** Writes the document; returns the exit code. */
export function runOpenApi(options: RunOptions): number {
  const { io } = options;
  const args = parseArgs(options.argv);
  if (typeof args === 'string') {
    io.err(args);
    io.err(USAGE);
    return EXIT_USAGE;
  }
  let config: DeployConfig | undefined;
  if (args.config !== undefined) {
    try {
      let text: string;
      try {
        text = readFileSync(resolve(options.cwd, args.config), 'utf8');
      } catch {
        throw new DeployConfigError(args.config, ['the file cannot be read.']);
      }
      // Secrets are not needed for a description of the API: {"from_env"} values are not read.
      const env = new Proxy({}, { get: () => 'unused' }) as Record<string, string>;
      config = resolveConfig(parseConfigText(text, args.config), { source: args.config, knownFunctions: options.knownFunctions, env });
    } catch (error) {
      if (!(error instanceof DeployConfigError)) throw error;
      io.err(error.message);
      return EXIT_USAGE;
    }
  }
  const deployment = deploymentOf(args, config, args.config);
  for (const warning of deployment.warnings) io.err(`Warning: ${warning}`);
  const document = buildDocument({
    deployment: deployment.name,
    version: options.version,
    functions: deployment.functions,
    auth: deployment.auth,
    ...(deployment.requestType !== undefined && { requestType: deployment.requestType }),
    ...(args.awsRegion !== undefined && { awsRegion: args.awsRegion }),
  });
  const out = resolve(options.cwd, args.out ?? `dist/openapi/${deployment.name}.json`);
  writeDocument(out, document);
  const operations = Object.values(document.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
  io.out(
    `${out}: OpenAPI ${document.openapi}, ${Object.keys(document.paths).length} paths, ${operations} operations (${deployment.name}, APIG auth ${deployment.auth}).`,
  );
  return EXIT_OK;
}

/** Whole, then renamed: a reader never sees half a document. */
function writeDocument(path: string, document: OpenApiDocument): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(partial, path);
}
