/**
 * What bench/run.mjs times for the warm cost of an invocation: the status function's whole
 * middleware stack, with the MRS client replaced by a stub so no network time is counted.
 */
import type { IamSyncStatus, MrsClient } from '../lib/mrs/client';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/log';
import { createStatusHandler } from '../lib/status/handler';
import { functionParts } from '../lib/composition/parts';

/** The stub's answer; the bench also times this function alone, as the floor of the stack's cost. */
export const stubbedGetIamSyncStatus = async (): Promise<IamSyncStatus> => ({ isSynchronizing: false, requestId: 'bench' });

/** Lines are built and scrubbed as in production, then dropped rather than written to the terminal. */
export function createBenchHandler(env: Readonly<Record<string, string>>) {
  return createStatusHandler(() =>
    functionParts(loadConfig(env), {
      // The status function only ever asks for the status; the bench checks every answer it times.
      client: { getIamSyncStatus: stubbedGetIamSyncStatus } as Pick<MrsClient, 'getIamSyncStatus'> as MrsClient,
      log: createLogger({ level: 'info', write: () => {} }),
    }),
  );
}
