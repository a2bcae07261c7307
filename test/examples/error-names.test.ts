/**
 * Every error name an example matches is one the project throws: a misspelt name in a Retry,
 * a Catch or an on_errors entry matches nothing, silently, until the day it was meant for.
 * The project's names come from lib/errors.ts (each AdapterError's `override readonly name`),
 * cross-checked against the module's exported classes so that none is missed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as errors from '../../lib/errors';
import { ASL_EXAMPLES, FLOW_EXAMPLE, readExample, ROOT } from './harness';

/** The names the States Language itself defines (https://states-language.net/#appendix-a-predefined-error-codes). */
const STATES_ERRORS = [
  'States.ALL',
  'States.HeartbeatTimeout',
  'States.Timeout',
  'States.TaskFailed',
  'States.Permissions',
  'States.ResultPathMatchFailure',
  'States.ParameterPathFailure',
  'States.BranchFailed',
  'States.NoChoiceMatched',
  'States.IntrinsicFailure',
  'States.ExceedToleratedFailureThreshold',
  'States.ItemReaderFailed',
  'States.ResultWriterFailed',
  'States.QueryEvaluationError',
  'States.Runtime',
];
/**
 * The Lambda service's own errors on the lambda:invoke integration, which AWS's docs retry in
 * every Task that invokes a function (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
 */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

function projectErrorNames(): string[] {
  const source = readFileSync(resolve(ROOT, 'lib', 'errors.ts'), 'utf8');
  return [...source.matchAll(/override readonly name = '([A-Za-z]+)'/g)].map((match) => match[1] as string);
}

type State = {
  Type: string;
  Retry?: Array<{ ErrorEquals: string[] }>;
  Catch?: Array<{ ErrorEquals: string[] }>;
  Error?: string;
  Branches?: Machine[];
  ItemProcessor?: Machine;
  Iterator?: Machine;
};
type Machine = { States: Record<string, State> };

/** [where, name] for every ErrorEquals entry and every Fail state's Error, in nested machines too. */
function aslErrorNames(machine: Machine, path: string): Array<[string, string]> {
  return Object.entries(machine.States).flatMap(([name, state]) => [
    ...(state.Retry ?? []).flatMap((r, i) => r.ErrorEquals.map((e): [string, string] => [`${path} ${name}.Retry[${i}]`, e])),
    ...(state.Catch ?? []).flatMap((c, i) => c.ErrorEquals.map((e): [string, string] => [`${path} ${name}.Catch[${i}]`, e])),
    ...(state.Type === 'Fail' && state.Error !== undefined ? [[`${path} ${name}.Error`, state.Error] as [string, string]] : []),
    ...[
      ...(state.Branches ?? []),
      ...(state.ItemProcessor ? [state.ItemProcessor] : []),
      ...(state.Iterator ? [state.Iterator] : []),
    ].flatMap((m) => aslErrorNames(m, `${path} ${name}>`)),
  ]);
}

function flowErrorNames(): Array<[string, string]> {
  const flow = readExample<{ states: Array<{ id: string; on_errors?: Array<{ error: string }> }> }>(FLOW_EXAMPLE);
  return flow.states.flatMap((state) =>
    (state.on_errors ?? []).map((handler, i): [string, string] => [`${FLOW_EXAMPLE} ${state.id}.on_errors[${i}]`, handler.error]),
  );
}

const thrown = projectErrorNames();

it('reads every error name lib/errors.ts defines', () => {
  const classes = Object.values(errors).filter(
    (value): value is typeof errors.AdapterError => typeof value === 'function' && value.prototype instanceof errors.AdapterError,
  );
  expect(thrown).toHaveLength(classes.length);
  expect(new Set(thrown).size).toBe(thrown.length);
  // Instances agree with the source where a plain constructor makes one.
  for (const Class of classes) {
    const instance = (() => {
      try {
        return new (Class as unknown as new (message: string) => Error)('x');
      } catch {
        return undefined;
      }
    })();
    if (instance !== undefined) expect(thrown).toContain(instance.name);
  }
  expect(thrown).toEqual(
    expect.arrayContaining([
      'ClusterNotFound',
      'IamSyncStillRunning',
      'IamSyncWaitTimedOut',
      'UpstreamThrottled',
      'UpstreamUnavailable',
      'UpstreamTimeout',
    ]),
  );
});

const named = [...ASL_EXAMPLES.flatMap((example) => aslErrorNames(readExample<Machine>(example), example)), ...flowErrorNames()];

it('finds error names in every example', () => {
  for (const example of [...ASL_EXAMPLES, FLOW_EXAMPLE]) expect(named.some(([where]) => where.startsWith(example))).toBe(true);
});

it.each(named)('%s: %s is an error the project throws, or a States Language or Lambda service error', (_, name) => {
  const lambdaForm = name.startsWith('Lambda.');
  if (name.startsWith('States.')) expect(STATES_ERRORS).toContain(name);
  else if (lambdaForm) expect(LAMBDA_SERVICE_ERRORS).toContain(name);
  else expect(thrown).toContain(name);
});

it('names the Lambda service errors only in the ASL examples, never in the FunctionGraph flow', () => {
  expect(flowErrorNames().filter(([, name]) => name.includes('.'))).toEqual([]);
});
