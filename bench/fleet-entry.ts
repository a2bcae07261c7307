/** The local MRS emulator for bench/run.mjs's coalescing run (bundled into .bench/ like the other entries). */
export { startEmulator } from '../emulator/server';
/** The waiter schedule, for the waiter section's expected poll counts and delay bounds. */
export { backoffMs } from '../lib/wait/schedule';
