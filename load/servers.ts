/**
 * The load test's server process: the MRS emulator with a chaos profile, and the local
 * gateway running the built status function in-process, wired as `npm start` wires them.
 * It runs apart from the load generator so that its peak RSS is the servers' alone.
 *
 * Protocol with the parent (IPC): argv[2] is ServersOptions as JSON; the child sends
 * `ready`, and on any message sends `stopped` with its figures and exits. It also exits
 * when the parent goes away, so a crashed run leaves no server behind.
 */
import { demoEmulatorOptions, demoFunctionEnvironment } from '../emulator/demo';
import { type ChaosProfile, type RecordedRequest, startEmulator } from '../emulator/server';
import { DEFAULT_ROUTES, startGateway } from '../gateway/server';

export interface ServersOptions {
  /** Cluster id -> is_synchronizing. */
  clusters: Record<string, boolean>;
  chaos: ChaosProfile;
  /** Holds `iam-sync-status/index.js` (normally dist/). */
  functionsDir: string;
}

export interface ServerFigures {
  /** API requests that reached the emulator. */
  upstreamCalls: number;
  /** Requests answered by an injected fault, by fault (`status 503`, `reset`, ...). */
  injected: Record<string, number>;
  peakRssBytes: number;
  rssSampleMs: number;
}

export type ServersMessage = { type: 'ready'; gatewayUrl: string } | ({ type: 'stopped' } & ServerFigures);

const RSS_SAMPLE_MS = 100;

function send(message: ServersMessage, then: () => void = () => undefined): void {
  (process.send as NonNullable<typeof process.send>)(message, then);
}

function countInjected(requests: readonly RecordedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { fault, status } of requests) {
    if (fault === undefined) continue;
    const label = fault === 'status' ? `status ${status ?? '(unfinished)'}` : fault;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

async function main(): Promise<void> {
  process.once('disconnect', () => process.exit(1));
  const options = JSON.parse(process.argv[2]) as ServersOptions;

  let peakRssBytes = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);

  const emulator = await startEmulator({ ...demoEmulatorOptions(), clusters: options.clusters, chaos: options.chaos });
  // As scripts/start.mjs does, before the gateway require()s the bundle (its cold start reads them).
  Object.assign(process.env, demoFunctionEnvironment(emulator.url));
  delete process.env.HUAWEICLOUD_SDK_SECURITY_TOKEN;
  const gateway = await startGateway({ routes: DEFAULT_ROUTES, functionsDir: options.functionsDir });
  send({ type: 'ready', gatewayUrl: gateway.url });

  process.once('message', () => {
    clearInterval(sampler);
    const figures = {
      upstreamCalls: emulator.requests.length,
      injected: countInjected(emulator.requests),
      peakRssBytes,
      rssSampleMs: RSS_SAMPLE_MS,
    };
    // Exit explicitly once the parent has the figures: the function's keep-alive sockets are not ours to wait for.
    void Promise.all([gateway.close(), emulator.close()]).finally(() => send({ type: 'stopped', ...figures }, () => process.exit(0)));
  });
}

main().catch((error: unknown) => {
  console.error(`load servers failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
