/**
 * The fixed, obviously fake identity of the demo emulator (`npm start`, `npm run load`,
 * the README's commands under test), built here once so that every local tool starts the
 * same emulator and points the function at it the same way. None of these is a real credential.
 */
import type { EmulatorOptions } from './server';

export const DEMO_PROJECT_ID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const DEMO_ACCESS_KEY = 'DEMOACCESSKEY0000000';
export const DEMO_SECRET_KEY = 'demo-secret-key-not-real-0000000000000000';
export const DEMO_CLUSTERS: Readonly<Record<string, boolean>> = Object.freeze({ 'demo-idle': false, 'demo-syncing': true });

/** Options for a demo emulator; a fresh clusters object each call, since the emulator's state is mutable. */
export function demoEmulatorOptions(port = 0): EmulatorOptions {
  return {
    port,
    projectId: DEMO_PROJECT_ID,
    credentials: [{ accessKey: DEMO_ACCESS_KEY, secretKey: DEMO_SECRET_KEY }],
    clusters: { ...DEMO_CLUSTERS },
  };
}

/**
 * The function's environment for calling a demo emulator at `emulatorUrl` with the demo key.
 * Callers also delete HUAWEICLOUD_SDK_SECURITY_TOKEN: a leftover token would be signed
 * along with the demo key, and the emulator would refuse it.
 */
export function demoFunctionEnvironment(emulatorUrl: string): Record<string, string> {
  return {
    MRS_ENDPOINT: emulatorUrl,
    MRS_PROJECT_ID: DEMO_PROJECT_ID,
    HUAWEICLOUD_SDK_AK: DEMO_ACCESS_KEY,
    HUAWEICLOUD_SDK_SK: DEMO_SECRET_KEY,
  };
}
