// `npm start`: builds the functions, starts the demo MRS emulator (unless the environment
// names a region and credentials, in which case the function calls real MRS), and serves
// the bundles behind the local APIG stand-in on 127.0.0.1:3000 (PORT overrides): the status
// function's reads, and starting and waiting for an IAM sync (gateway/routes.ts, ALL_ROUTES).
//
// The gateway, emulator and config modules are TypeScript, bundled on the fly (./load-tool.mjs),
// so `npm ci && npm start` needs nothing else.
import { join } from 'node:path';
import { buildFunctions } from '../esbuild.config.mjs';
import { loadTool, root } from './load-tool.mjs';

const DEFAULT_PORT = 3000;

/** One bundle of the local tools (the gateway require()s the function bundles). */
function loadTools() {
  return loadTool('dev-servers', {
    stdin: {
      contents: [
        "export { startGateway, ALL_ROUTES } from './gateway/server';",
        "export { startEmulator } from './emulator/server';",
        "export { DEMO_CLUSTERS, DEMO_PROJECT_ID, demoEmulatorOptions, demoFunctionEnvironment } from './emulator/demo';",
        "export { loadConfig } from './lib/config';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
      sourcefile: 'dev-servers.ts',
    },
  });
}

/** PORT, or 3000; `explicit` says whether the user chose it (then a busy port is an error, not a fallback). */
function requestedPort() {
  const raw = process.env.PORT?.trim();
  if (!raw) return { port: DEFAULT_PORT, explicit: false };
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new Error(`PORT must be 0-65535 (0: a free port); got ${JSON.stringify(raw)}.`);
  return { port, explicit: true };
}

function hasRealMrsSettings(env) {
  const region = env.MRS_REGION?.trim() || env.HUAWEICLOUD_SDK_REGION?.trim();
  return Boolean(region && env.HUAWEICLOUD_SDK_AK?.trim() && env.HUAWEICLOUD_SDK_SK?.trim());
}

/** Starts the demo emulator and points the function's environment at it. */
async function startDemoEmulator(tools) {
  const emulator = await tools.startEmulator({ ...tools.demoEmulatorOptions(), log: (line) => console.log(`[emulator] ${line}`) });
  Object.assign(process.env, tools.demoFunctionEnvironment(emulator.url));
  // Starting syncs is off by default; against the emulator it is harmless, so the start function may.
  process.env.IAM_SYNC_START_ENABLED = 'true';
  // A leftover token would be signed along with the demo key, and the emulator would refuse it.
  delete process.env.HUAWEICLOUD_SDK_SECURITY_TOKEN;
  return emulator;
}

async function listenGateway(tools, { port, explicit }) {
  const options = { routes: tools.ALL_ROUTES, functionsDir: join(root, 'dist'), log: (line) => console.log(`[gateway] ${line}`) };
  try {
    return await tools.startGateway({ ...options, port });
  } catch (error) {
    if (error?.code !== 'EADDRINUSE') throw error;
    if (explicit) throw new Error(`Port ${port} (from PORT) is already in use. Choose another, or PORT=0 for a free one.`);
    console.log(`Port ${port} is already in use; using a free port instead (set PORT to choose one).`);
    return tools.startGateway({ ...options, port: 0 });
  }
}

async function main() {
  const requested = requestedPort();
  const sizes = await buildFunctions({ quiet: true });
  console.log(`Built ${Object.keys(sizes).join(', ')}`);
  const tools = await loadTools();

  const servers = [];
  const closeAll = () => Promise.all(servers.map((server) => server.close()));
  try {
    let emulator;
    if (hasRealMrsSettings(process.env)) {
      // Checked here too, so a mistake stops the start instead of failing every request.
      const config = tools.loadConfig(process.env);
      console.log(
        `Serving against real MRS at ${config.endpoint}, project ${config.projectId}, with HUAWEICLOUD_SDK_AK/SK from the environment.`,
      );
    } else {
      emulator = await startDemoEmulator(tools);
      servers.push(emulator);
      console.log(
        'No region and credentials in the environment (MRS_REGION or HUAWEICLOUD_SDK_REGION, HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK),',
      );
      console.log(`so the function calls the demo MRS emulator at ${emulator.url} (project ${tools.DEMO_PROJECT_ID}).`);
    }
    // After the environment is final: the gateway's require() of each bundle is its cold start.
    const gateway = await listenGateway(tools, requested);
    servers.push(gateway);

    console.log(`\nGateway listening on ${gateway.url}`);
    console.log('Try:');
    if (emulator) {
      for (const id of [...Object.keys(tools.DEMO_CLUSTERS), 'no-such-cluster'])
        console.log(`  curl ${gateway.url}/clusters/${id}/iam-sync`);
      console.log(`  curl -X PUT ${emulator.url}/_emulator/clusters/demo-idle -d '{"is_synchronizing":true}'`);
      console.log(`  curl '${gateway.url}/clusters/demo-idle/iam-sync?fresh=true'   (past the function's short status cache)`);
      console.log(
        `  curl -X POST ${gateway.url}/clusters/demo-idle/iam-sync -H 'Content-Type: application/json' -d '{"is_all_sync":true}'   (starts a sync; the emulator's last 10 s)`,
      );
      console.log(
        `  curl '${gateway.url}/clusters/demo-idle/iam-sync/wait?max_wait_seconds=25&min_delay_seconds=1&max_delay_seconds=2'   (waits until it has ended)`,
      );
      console.log(`  curl ${gateway.url}/clusters/demo-idle/iam-sync/is-synchronous`);
      console.log(`  curl ${gateway.url}/clusters/demo-idle/iam-sync/users`);
      console.log(`  curl -X POST ${emulator.url}/_emulator/clusters/demo-idle/iam-sync/finish   (ends a running sync at once)`);
      console.log(`  curl ${emulator.url}/_emulator/state`);
    } else {
      console.log(`  curl ${gateway.url}/clusters/<your cluster id>/iam-sync`);
    }
    console.log('Ctrl-C stops.\n');
  } catch (error) {
    await closeAll();
    throw error;
  }

  const stop = (signal) => {
    console.log(`\n${signal}: closing the gateway${servers.length > 1 ? ' and the emulator' : ''}.`);
    // Exit explicitly: the function's keep-alive sockets and timers are not ours to wait for.
    closeAll().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
