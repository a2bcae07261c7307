/**
 * Entry point of the demo emulator for local development (`npm start`):
 * `main(['--port', '8080'])` starts it with the demo project, key and clusters and prints
 * how to use it. Importing this module does nothing; the start script calls `main`.
 */
import { DEMO_ACCESS_KEY, DEMO_CLUSTERS, DEMO_PROJECT_ID, demoEmulatorOptions } from './demo';
import { type Emulator, startEmulator } from './server';

const USAGE = 'usage: emulator [--port N | --port=N | N]   (0 or omitted: a free port)';

/** The port from `--port N`, `--port=N` or a bare `N`; 0 when none is given. */
export function parsePort(argv: readonly string[]): number {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--port') {
      i += 1;
      if (i === argv.length) throw new RangeError(`--port needs a value; ${USAGE}`);
      raw = argv[i];
    } else if (arg.startsWith('--port=')) raw = arg.slice('--port='.length);
    else if (/^\d+$/.test(arg)) raw = arg;
    else throw new RangeError(`unexpected argument ${JSON.stringify(arg)}; ${USAGE}`);
  }
  if (raw === undefined) return 0;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new RangeError(`port must be 0-65535, got ${JSON.stringify(raw)}; ${USAGE}`);
  return port;
}

/**
 * Starts the demo emulator, prints its URL and a few curl lines, logs each request, and
 * closes it on SIGINT/SIGTERM (then the process exits by itself). The secret key is
 * deliberately not printed: it lives in emulator/demo.ts for tools that sign.
 */
export async function main(argv: readonly string[] = process.argv.slice(2), print: (line: string) => void = console.log): Promise<Emulator> {
  const emulator = await startEmulator({ ...demoEmulatorOptions(parsePort(argv)), log: print });
  const api = `${emulator.url}/v2/${DEMO_PROJECT_ID}/clusters/{cluster_id}/iam-sync`;
  print(`MRS emulator listening on ${emulator.url}`);
  print(`  API:        GET ${api}`);
  print(`  project:    ${DEMO_PROJECT_ID}`);
  print(`  access key: ${DEMO_ACCESS_KEY} (secret key: DEMO_SECRET_KEY in emulator/demo.ts)`);
  print(`  clusters:   ${JSON.stringify(DEMO_CLUSTERS)}`);
  print(`  state:      curl ${emulator.url}/_emulator/state`);
  print(`  flip:       curl -X PUT ${emulator.url}/_emulator/clusters/demo-idle -d '{"is_synchronizing": true}'`);
  print(`  fault:      curl -X POST ${emulator.url}/_emulator/faults -d '{"kind": "status", "status": 503, "times": 2}'`);

  const stop = (): void => void emulator.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    ...emulator,
    close: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      return emulator.close();
    },
  };
}
