/**
 * The entry scripts/functiongraph.mjs loads (bundled on the fly into dist/tools/): packaging and
 * deploying. Output goes through process.stdout/stderr line by line; an unexpected error is
 * reported by its class and message only (redacted), never as an object dump, and the process
 * ends with the exit code once its output is flushed.
 */
import { EXIT_FAILED, Redactor, runDeploy } from './deploy';
import { type PackageOptions, writePackages } from './package';

export { writePackages } from './package';

export function packageCommand(options: PackageOptions): number {
  const packages = writePackages(options);
  for (const p of packages) {
    console.log(`${p.path}  ${(p.bytes / 1024).toFixed(1)} KiB  sha256 ${p.sha256}  (${p.entries.join(', ')})`);
  }
  return 0;
}

export interface DeployCommandOptions {
  readonly argv: readonly string[];
  readonly knownFunctions: readonly string[];
  readonly defaultPackagesDir: string;
}

export async function deployCommand(options: DeployCommandOptions): Promise<number> {
  const env = process.env;
  const redactor = new Redactor();
  for (const name of ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN']) redactor.add(env[name]?.trim());
  const fatal = (error: unknown) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : 'an unexpected failure';
    process.stderr.write(`${redactor.apply(`deploy:functiongraph stopped: ${text}`)}\n`);
  };
  // Anything escaping (an SDK promise rejected late): its own one line, not Node's dump of the object.
  process.on('unhandledRejection', (error) => {
    fatal(error);
    process.exitCode = EXIT_FAILED;
  });
  try {
    return await runDeploy({
      argv: options.argv,
      env,
      knownFunctions: options.knownFunctions,
      defaultPackagesDir: options.defaultPackagesDir,
      io: { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
    });
  } catch (error) {
    fatal(error);
    return EXIT_FAILED;
  }
}
