/**
 * Shared set-up for the FunctionGraph deploy tests: zips built from dist/ (the global set-up
 * builds it), a config derived from the committed example, and the deploy tool run in
 * process against a FunctionGraph stand-in.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDeploy } from '../../deploy/functiongraph/deploy';
import { writePackages } from '../../deploy/functiongraph/package';
import { type FunctionGraphStandIn, type FunctionGraphStandInOptions, startFunctionGraphStandIn } from '../../emulator/functiongraph';

export const root = resolve(__dirname, '..', '..');
export const FUNCTIONS = readdirSync(join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
export const REGION = 'cn-north-4';
export const PROJECT_ID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const ACCESS_KEY = 'FGDEPLOYTESTACCESSKEY';
export const SECRET_KEY = 'fg-deploy-test-secret-key-not-real-000000';
export const REDIS_URL = 'redis://:redis-password-not-real@127.0.0.1:6379/0';

/** The FunctionGraph stand-in in the tests' region and project, accepting the tests' keys unless `options` names others. */
export function standIn(options: Partial<FunctionGraphStandInOptions> = {}): Promise<FunctionGraphStandIn> {
  return startFunctionGraphStandIn({
    region: REGION,
    projectId: PROJECT_ID,
    credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
    ...options,
  });
}

export type Json = Record<string, any>;

export function exampleConfig(): Json {
  return JSON.parse(readFileSync(join(root, 'deploy', 'functiongraph.example.json'), 'utf8')) as Json;
}

export interface Workspace {
  dir: string;
  packagesDir: string;
  writeConfig(config: Json, name?: string): string;
  remove(): void;
}

export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'fg-deploy-'));
  const packagesDir = join(dir, 'packages');
  writePackages({ distDir: join(root, 'dist'), outDir: packagesDir, names: FUNCTIONS, chunkFiles: ['redis-tier.js'] });
  return {
    dir,
    packagesDir,
    writeConfig(config, name = 'config.json') {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(config, null, 2));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface RunResult {
  code: number;
  out: string[];
  err: string[];
  text: string;
}

export async function deploy(args: string[], env: Record<string, string | undefined>, packagesDir: string): Promise<RunResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeploy({
    argv: [...args, '--packages', packagesDir],
    env,
    io: { out: (line) => out.push(line), err: (line) => err.push(line) },
    knownFunctions: FUNCTIONS,
    defaultPackagesDir: packagesDir,
  });
  return { code, out, err, text: [...out, ...err].join('\n') };
}
