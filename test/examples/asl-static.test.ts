/**
 * The Step Functions examples read as definitions: valid States Language (asl-validator, the
 * schemas and path checks Step Functions' own validator is modelled on), and shaped as the docs
 * beside them say. Executing them: step-functions-run.test.ts.
 */
import { ASL_EXAMPLES, readExample } from './harness';

const validate = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };

type State = Record<string, unknown> & { Type: string };
type Definition = { StartAt: string; States: Record<string, State> };
const [PLAIN, LOOP] = ASL_EXAMPLES;

describe.each(ASL_EXAMPLES.map((example) => [example]))('%s', (example) => {
  const definition = readExample<Definition>(example);
  const states = definition.States;

  it('is valid States Language (asl-validator)', () => {
    const result = validate(definition);
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('keys the start by the execution name, and gives the functions the execution input', () => {
    expect(states.NameTheStart?.Parameters).toMatchObject({ start: { 'idempotency_key.$': '$$.Execution.Name' } });
    for (const [task, fixed] of [
      ['StartIamSync', 'start'],
      ['WaitForIamSync', 'wait'],
    ] as const) {
      expect(states[task]).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { 'Payload.$': `States.JsonMerge($$.Execution.Input, $.workflow.${fixed}, false)` },
      });
    }
  });

  it('retries the transient upstream errors and catches ClusterNotFound and IamSyncWaitTimedOut into Fail states', () => {
    const wait = states.WaitForIamSync as State & {
      Retry: Array<{ ErrorEquals: string[] }>;
      Catch: Array<{ ErrorEquals: string[]; Next: string }>;
    };
    const retried = wait.Retry.flatMap((retrier) => retrier.ErrorEquals);
    expect(retried).toEqual(expect.arrayContaining(['UpstreamThrottled', 'UpstreamUnavailable', 'UpstreamTimeout']));
    for (const error of ['ClusterNotFound', 'IamSyncWaitTimedOut']) {
      const catcher = wait.Catch.find((c) => c.ErrorEquals.includes(error));
      expect(catcher).toBeDefined();
      expect(states[catcher?.Next as string]?.Type).toBe('Fail');
    }
  });

  it('rejects a broken copy (the validator is not a no-op)', () => {
    const broken = JSON.parse(JSON.stringify(definition)) as Definition;
    (broken.States.StartIamSync as State).Next = 'WaitForIamSyncs';
    expect(validate(broken).isValid).toBe(false);
  });
});

it(`${PLAIN}: the wait throws when it has to stop, and the Retry on IamSyncStillRunning waits again, a bounded number of times`, () => {
  const { States: states } = readExample<Definition>(PLAIN);
  expect(states.NameTheStart?.Parameters).toMatchObject({ wait: { on_timeout: 'throw' } });
  const retry = ((states.WaitForIamSync as State).Retry as Array<{ ErrorEquals: string[]; MaxAttempts?: number }>).find((r) =>
    r.ErrorEquals.includes('IamSyncStillRunning'),
  );
  expect(retry?.MaxAttempts).toBe(5);
});

it(`${LOOP}: a Choice on done, and a Wait of next_poll_after_seconds back to the wait`, () => {
  const { States: states } = readExample<Definition>(LOOP);
  expect(states.NameTheStart?.Parameters).toMatchObject({ wait: { on_timeout: 'return' } });
  expect(states.WaitForIamSync?.Next).toBe('IsSyncDone');
  expect(states.IsSyncDone).toMatchObject({
    Type: 'Choice',
    Choices: [{ Variable: '$.wait.answer.done', BooleanEquals: true, Next: 'Synced' }],
    Default: 'PauseBeforeNextPoll',
  });
  expect(states.PauseBeforeNextPoll).toMatchObject({
    Type: 'Wait',
    SecondsPath: '$.wait.answer.next_poll_after_seconds',
    Next: 'WaitForIamSync',
  });
});
