/**
 * Runs the Step Functions examples in aws-local-stepfunctions, a pure-JS interpreter of the
 * Amazon States Language, with every Task bound to a BUILT bundle (dist/, as deployed) and the
 * MRS emulator behind the bundles.
 *
 * How a Task reaches a bundle, as Step Functions and Lambda do it:
 * - The examples use the `arn:aws:states:::lambda:invoke` integration, so the Task's input is
 *   `{"FunctionName", "Payload"}`: the function gets `Payload` as its event, and the Task's
 *   result is Lambda's `{"ExecutedVersion", "Payload": <answer>, "StatusCode"}`.
 * - A function that throws: Lambda reports `{"errorType": error.name, "errorMessage"}` and Step
 *   Functions names the error after `errorType`, with that JSON as its Cause. The interpreter
 *   matches `ErrorEquals` against the thrown error's `name` (StateExecutor.shouldRetry and
 *   catchError compare `retrierError === error.name`; `States.ALL` and `States.TaskFailed` match
 *   any error but its own States.Timeout) and hands a Catch `{"Error": error.name, "Cause":
 *   error.message}`. So `LambdaFunctionError` below carries only what crosses Lambda's wire: the
 *   name, and the JSON Cause as its message.
 * - The interpreter keys local Task handlers by STATE NAME (`overrides.taskResourceLocalHandlers`),
 *   not by resource, so each handler checks the FunctionName it was given.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';
import { startEmulator, type Emulator } from '../../emulator/server';
import { coldStart, type Handler } from '../fixtures/load-bundle';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+); Node 20 lacks it.
type WithResolvers = <T>() => { promise: Promise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void };
const promiseStatics = Promise as unknown as { withResolvers?: WithResolvers };
if (typeof promiseStatics.withResolvers !== 'function') {
  promiseStatics.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// Loaded after the polyfill, though the interpreter only needs it when a Task runs.
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

/** The interpreter's event log entries (its EventLog type is not exported), as far as the tests read them. */
export interface EventLog {
  type: string;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  Error?: string;
  Cause?: unknown;
}

export const ROOT = resolve(__dirname, '..', '..');
export const EXAMPLES = resolve(ROOT, 'examples');
export const ASL_EXAMPLES = ['step-functions/sync-then-wait.asl.json', 'step-functions/sync-then-wait-loop.asl.json'] as const;
export const FLOW_EXAMPLE = 'functiongraph/sync-then-wait.flow.json';

export function readExample<T = Record<string, unknown>>(relative: string): T {
  return JSON.parse(readFileSync(resolve(EXAMPLES, relative), 'utf8')) as T;
}

export const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const KEYS = { accessKey: 'EXAMPLESACCESSKEY001', secretKey: 'examples-secret-key-000000000000000000001' };
/** How long a sync started with POST runs in the emulator: short, so that executions take about a second. */
export const SYNC_MS = 300;

/** What crosses Lambda's wire when a function throws: its name (errorType) and a JSON Cause. */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorType, errorMessage }));
    this.name = errorType;
  }
}

/** A Lambda context: the functions read their deadline from getRemainingTimeInMillis. */
function lambdaContext(functionName: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  return {
    awsRequestId: `examples-${functionName}-${Math.random().toString(16).slice(2)}`,
    functionName,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

export interface Invocation {
  state: string;
  functionName: string;
  event: Record<string, unknown>;
  answer?: unknown;
  error?: { name: string; message: string };
  ms?: number;
}

export interface Harness {
  emulator: Emulator;
  /** Every invocation of a bundle, in order, with its event and its answer or error. */
  invocations: Invocation[];
  /** Resolves when a bundle invocation that matches has ended (answered or thrown). */
  invoked(matches: (invocation: Invocation) => boolean): Promise<Invocation>;
  /** Runs an example to its end; `name` is the execution's name ($$.Execution.Name). */
  run(example: string, input: Record<string, unknown>, options: { name: string; overrides?: RunOptions['overrides'] }): Promise<Execution>;
  close(): Promise<void>;
}

export interface Execution {
  output?: unknown;
  /** The error that failed the execution: the Fail state's Error or the uncaught error's name. */
  error?: { name: string; cause: string };
  events: EventLog[];
}

/** The functions the examples' Tasks name, by the last part of their FunctionName ARN. */
const FUNCTION_TIMEOUT_MS: Record<string, number> = { 'iam-sync-start': 30_000, 'iam-sync-wait': 60_000 };

export async function startHarness(clusters: Record<string, boolean>): Promise<Harness> {
  const emulator = await startEmulator({ projectId: PROJECT, credentials: [KEYS], clusters, iamSync: { durationMs: SYNC_MS } });
  const env = {
    MRS_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    HUAWEICLOUD_SDK_AK: KEYS.accessKey,
    HUAWEICLOUD_SDK_SK: KEYS.secretKey,
    IAM_SYNC_START_ENABLED: 'true',
    MRS_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'warn',
  };
  // One instance of each function for the whole file, as a warm Lambda: the start's idempotency records live in it.
  const bundles: Record<string, Handler> = {
    'iam-sync-start': coldStart('iam-sync-start', env),
    'iam-sync-wait': coldStart('iam-sync-wait', env),
  };
  const invocations: Invocation[] = [];
  const waiting: Array<{ matches: (invocation: Invocation) => boolean; resolve: (invocation: Invocation) => void }> = [];
  const ended = (record: Invocation) => {
    for (const waiter of [...waiting]) {
      if (!waiter.matches(record)) continue;
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(record);
    }
  };

  /** The lambda:invoke integration: {FunctionName, Payload} in, {Payload: answer} out, a thrown error by name. */
  const lambdaInvoke = (state: string) => async (input: unknown) => {
    const { FunctionName: arn, Payload: event } = input as { FunctionName: string; Payload: Record<string, unknown> };
    const functionName = arn.split(':').pop() as string;
    const bundle = bundles[functionName];
    if (bundle === undefined) throw new Error(`state ${state} names ${arn}, which is no function of this project`);
    // A copy: the interpreter's States.JsonMerge assigns into its first argument (see the examples' docs), which may be $$.Execution.Input.
    const record: Invocation = { state, functionName, event: JSON.parse(JSON.stringify(event)) };
    const began = Date.now();
    invocations.push(record);
    try {
      // The event crosses a wire: JSON in, JSON out.
      const answer = JSON.parse(
        JSON.stringify(
          await bundle(JSON.parse(JSON.stringify(event)), lambdaContext(functionName, FUNCTION_TIMEOUT_MS[functionName] ?? 30_000)),
        ),
      );
      record.answer = answer;
      record.ms = Date.now() - began;
      ended(record);
      return { ExecutedVersion: '$LATEST', Payload: answer, StatusCode: 200 };
    } catch (error) {
      const { name, message } = error as Error;
      record.error = { name, message };
      record.ms = Date.now() - began;
      ended(record);
      throw new LambdaFunctionError(name, message);
    }
  };

  return {
    emulator,
    invocations,
    invoked: (matches) => new Promise((resolve) => waiting.push({ matches, resolve })),
    async run(example, input, { name, overrides = {} }) {
      const definition = readExample<StateMachineDefinition>(example);
      const machine = new StateMachine(definition);
      const taskStates = Object.entries(definition.States)
        .filter(([, state]) => state.Type === 'Task')
        .map(([stateName]) => stateName);
      const execution = machine.run(input as never, {
        context: { Execution: { Id: `arn:aws:states:eu-west-1:123456789012:execution:examples:${name}`, Name: name } },
        overrides: { ...overrides, taskResourceLocalHandlers: Object.fromEntries(taskStates.map((state) => [state, lambdaInvoke(state)])) },
      });
      const events: EventLog[] = [];
      const collecting = (async () => {
        for await (const event of execution.eventLogs) events.push(event as EventLog);
      })();
      try {
        const output = await execution.result;
        await collecting;
        return { output, events };
      } catch (error) {
        await collecting;
        const failed = events.find((event) => event.type === 'ExecutionFailed');
        if (failed?.Error === undefined) throw error;
        return { error: { name: failed.Error, cause: String(failed.Cause) }, events };
      }
    },
    close: () => emulator.close(),
  };
}

/** The states an execution entered, in order. */
export function statesEntered(events: EventLog[]): string[] {
  return events.filter((event) => event.type === 'StateEntered').map((event) => event.state?.name ?? '');
}

export function retries(events: EventLog[], state: string): number {
  return events.filter((event) => event.type === 'StateRetried' && event.state?.name === state).length;
}
