/** The local MRS emulator for bench/run.mjs's coalescing run (bundled into .bench/ like the other entries). */
export { startEmulator } from '../emulator/server';
