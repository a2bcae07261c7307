/**
 * The fixed, obviously fake identity of the demo emulator (`npm start`), shared with
 * other local tools so they can call it without configuration. None of these is a
 * real credential.
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
