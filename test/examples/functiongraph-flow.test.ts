/**
 * The FunctionGraph function flow example against the definition format the reference
 * documents (../shared/reference/huawei-aws-apis.md section 3.2, from the SDK's
 * WorkflowCreateBody, OperationState, Action, FunctionRef, OnError and Retry models): only
 * documented fields, the required ones present, every reference resolved. No FunctionGraph
 * runs here; the error expressions' grammar is not confirmed (see the flow's .md).
 */
import { FLOW_EXAMPLE, readExample } from './harness';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const FLOW_KEYS = {
  required: ['name', 'start', 'functions', 'states', 'constants', 'retries'],
  optional: ['description', 'triggers', 'mode', 'express_config', 'enterprise_project_id', 'enable_stream_response'],
};
const FUNCTION_KEYS = { required: ['name', 'operation'], optional: ['metadata'] };
/** OperationState: the SDK sets id, name, type, end, actions (and transition) unconditionally; the rest only when given. */
const STATE_KEYS = {
  required: ['id', 'name', 'type', 'end', 'actions'],
  optional: ['transition', 'action_mode', 'on_errors', 'state_data_filter', 'duration'],
};
const ACTION_KEYS = { required: ['function_ref'], optional: [] };
const FUNCTION_REF_KEYS = { required: ['ref_name', 'invoke_mode', 'arguments'], optional: [] };
const ON_ERROR_KEYS = { required: ['error', 'transition'], optional: ['retry_ref'] };
const RETRY_KEYS = { required: ['name'], optional: ['delay', 'max_attempts'] };
const STATE_DATA_FILTER_KEYS = { required: [], optional: ['input', 'output'] };
const STATE_TYPES = ['Operation', 'Sleep', 'End'];
const ACTION_MODES = ['sequential', 'parallel'];

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every way the definition departs from the documented format; empty when it does not. */
function flowProblems(flow: unknown): string[] {
  const problems: string[] = [];
  const fields = (where: string, value: unknown, keys: { required: string[]; optional: string[] }): value is Obj => {
    if (!isObj(value)) {
      problems.push(`${where} must be an object`);
      return false;
    }
    for (const key of keys.required) if (!(key in value)) problems.push(`${where} has no ${key}`);
    for (const key of Object.keys(value)) {
      if (!keys.required.includes(key) && !keys.optional.includes(key))
        problems.push(`${where} has ${key}, which the format does not document`);
    }
    return true;
  };
  const list = (where: string, value: unknown, min: number, max: number): Json[] => {
    if (!Array.isArray(value)) {
      problems.push(`${where} must be a list`);
      return [];
    }
    if (value.length < min || value.length > max) problems.push(`${where} holds ${value.length}; the format allows ${min}-${max}`);
    return value;
  };
  const unique = (where: string, names: unknown[]) => {
    const seen = new Set<unknown>();
    for (const name of names) {
      if (seen.has(name)) problems.push(`${where} ${JSON.stringify(name)} appears twice`);
      seen.add(name);
    }
  };

  if (!fields('the flow', flow, FLOW_KEYS)) return problems;
  if (typeof flow.name !== 'string' || flow.name.length < 1 || flow.name.length > 64) problems.push('name must be 1-64 characters');
  if (!isObj(flow.constants)) problems.push('constants must be an object ({} when empty)');

  const functions = list('functions', flow.functions, 0, 100);
  functions.forEach((fn, i) => {
    if (!fields(`functions[${i}]`, fn, FUNCTION_KEYS)) return;
    if (typeof fn.name !== 'string' || fn.name === '') problems.push(`functions[${i}].name must be a name`);
    if (typeof fn.operation !== 'string' || !fn.operation.startsWith('urn:fss:'))
      problems.push(`functions[${i}].operation must be a function URN (urn:fss:...)`);
    if ('metadata' in fn && !isObj(fn.metadata)) problems.push(`functions[${i}].metadata must be an object`);
  });
  const functionNames = functions.filter(isObj).map((fn) => fn.name);
  unique('function', functionNames);

  const retries = list('retries', flow.retries, 0, 200);
  retries.forEach((retry, i) => {
    if (!fields(`retries[${i}]`, retry, RETRY_KEYS)) return;
    // The console's ranges: interval 1-30 s, at most 8 retries.
    if ('delay' in retry && !(Number.isInteger(retry.delay) && (retry.delay as number) >= 1 && (retry.delay as number) <= 30))
      problems.push(`retries[${i}].delay must be 1-30 seconds`);
    if (
      'max_attempts' in retry &&
      !(Number.isInteger(retry.max_attempts) && (retry.max_attempts as number) >= 1 && (retry.max_attempts as number) <= 8)
    ) {
      problems.push(`retries[${i}].max_attempts must be 1-8`);
    }
  });
  const retryNames = retries.filter(isObj).map((retry) => retry.name);
  unique('retry', retryNames);

  const states = list('states', flow.states, 1, 100).filter((state, i) => fields(`states[${i}]`, state, STATE_KEYS)) as Obj[];
  const ids = states.map((state) => state.id);
  unique('state id', ids);
  if (!ids.includes(flow.start)) problems.push(`start ${JSON.stringify(flow.start)} is no state id`);

  const constantAt = (path: string): Json | undefined =>
    path
      .slice('$CONST.'.length)
      .split('.')
      .reduce<Json | undefined>((value, key) => (isObj(value) ? value[key] : undefined), flow.constants as Json);

  for (const state of states) {
    const where = `state ${JSON.stringify(state.id)}`;
    if (typeof state.id !== 'string' || state.id === '') problems.push(`${where}: id must be a string`);
    if (typeof state.name !== 'string' || state.name === '') problems.push(`${where}: name must be a string`);
    if (!STATE_TYPES.includes(state.type as string)) problems.push(`${where}: type must be one of ${STATE_TYPES.join(', ')}`);
    if (typeof state.end !== 'boolean') problems.push(`${where}: end must be true or false`);
    if (state.end === true && 'transition' in state) problems.push(`${where}: an end state has no transition`);
    if (state.end === false && !ids.includes(state.transition))
      problems.push(`${where}: transition ${JSON.stringify(state.transition)} is no state id`);
    if (state.type === 'End' && state.end !== true) problems.push(`${where}: an End state has end true`);
    if ('action_mode' in state && !ACTION_MODES.includes(state.action_mode as string))
      problems.push(`${where}: action_mode must be sequential or parallel`);
    if (state.type === 'Sleep') {
      if (!(Number.isInteger(state.duration) && (state.duration as number) > 0))
        problems.push(`${where}: a Sleep state needs duration, whole seconds`);
    } else if ('duration' in state) {
      problems.push(`${where}: duration is for Sleep states only`);
    }
    if ('state_data_filter' in state) fields(`${where}: state_data_filter`, state.state_data_filter, STATE_DATA_FILTER_KEYS);

    const actions = list(`${where}: actions`, state.actions, 0, 100);
    if (state.type === 'Operation' && actions.length === 0) problems.push(`${where}: an Operation state calls at least one function`);
    if (state.type !== 'Operation' && actions.length > 0) problems.push(`${where}: only Operation states have actions`);
    actions.forEach((action, i) => {
      if (!fields(`${where}: actions[${i}]`, action, ACTION_KEYS)) return;
      const ref = action.function_ref;
      if (!fields(`${where}: actions[${i}].function_ref`, ref, FUNCTION_REF_KEYS)) return;
      if (!functionNames.includes(ref.ref_name))
        problems.push(`${where}: ref_name ${JSON.stringify(ref.ref_name)} is in no functions[].name`);
      if (ref.invoke_mode !== 'synchronize') problems.push(`${where}: invoke_mode must be synchronize (its only value)`);
      if (!isObj(ref.arguments)) {
        problems.push(`${where}: arguments must be an object`);
        return;
      }
      for (const [key, value] of Object.entries(ref.arguments)) {
        // A JsonPath into the input, a constant (number, 'quoted string', boolean) or a constant path $CONST.a.b.
        if (typeof value === 'number' || typeof value === 'boolean') continue;
        if (typeof value === 'string' && /^'[^']*'$/.test(value)) continue;
        if (typeof value === 'string' && value.startsWith('$CONST.')) {
          if (constantAt(value) === undefined) problems.push(`${where}: argument ${key} names ${value}, which constants do not hold`);
          continue;
        }
        if (typeof value === 'string' && /^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/.test(value)) continue;
        problems.push(`${where}: argument ${key} is ${JSON.stringify(value)}, neither a JsonPath, a constant nor a $CONST path`);
      }
    });

    const onErrors = 'on_errors' in state ? list(`${where}: on_errors`, state.on_errors, 0, 100) : [];
    if (state.type !== 'Operation' && onErrors.length > 0) problems.push(`${where}: only Operation states handle errors`);
    onErrors.forEach((handler, i) => {
      if (!fields(`${where}: on_errors[${i}]`, handler, ON_ERROR_KEYS)) return;
      if (typeof handler.error !== 'string' || handler.error === '') problems.push(`${where}: on_errors[${i}].error must be an expression`);
      if (!ids.includes(handler.transition))
        problems.push(`${where}: on_errors[${i}].transition ${JSON.stringify(handler.transition)} is no state id`);
      if ('retry_ref' in handler && !retryNames.includes(handler.retry_ref))
        problems.push(`${where}: on_errors[${i}].retry_ref ${JSON.stringify(handler.retry_ref)} is in no retries[].name`);
    });
  }

  // Every state can be reached from start, through transitions and error handlers.
  const byId = new Map(states.map((state) => [state.id, state]));
  const reached = new Set<Json>();
  const queue: Json[] = [flow.start];
  while (queue.length > 0) {
    const id = queue.shift() as Json;
    if (reached.has(id) || !byId.has(id)) continue;
    reached.add(id);
    const state = byId.get(id) as Obj;
    if (state.end === false) queue.push(state.transition as Json);
    for (const handler of Array.isArray(state.on_errors) ? state.on_errors.filter(isObj) : []) queue.push(handler.transition as Json);
  }
  for (const id of ids) if (!reached.has(id)) problems.push(`state ${JSON.stringify(id)} cannot be reached from start`);
  return problems;
}

const flow = readExample<Obj>(FLOW_EXAMPLE);
const copy = (): Obj => JSON.parse(JSON.stringify(flow)) as Obj;
const state = (definition: Obj, id: string): Obj => (definition.states as Obj[]).find((s) => s.id === id) as Obj;

describe(FLOW_EXAMPLE, () => {
  it('uses only the documented fields, every reference resolved', () => {
    expect(flowProblems(flow)).toEqual([]);
  });

  it('starts the sync with the start function, then waits with the wait function, and handles the same errors as the Step Functions example', () => {
    const start = state(flow, flow.start as string);
    expect(start).toMatchObject({ type: 'Operation', transition: 'wait_for_iam_sync' });
    const wait = state(flow, 'wait_for_iam_sync');
    const errors = (s: Obj) => Object.fromEntries((s.on_errors as Obj[]).map((h) => [h.error, h]));
    expect(errors(start)).toMatchObject({
      ClusterNotFound: { transition: 'cluster_not_found' },
      IamSyncInProgress: { retry_ref: 'other_sync_running' },
      UpstreamThrottled: { retry_ref: 'transient_upstream' },
    });
    expect(errors(wait)).toMatchObject({
      IamSyncStillRunning: { retry_ref: 'still_running', transition: 'sync_not_done_in_time' },
      IamSyncWaitTimedOut: { transition: 'sync_not_done_in_time' },
      ClusterNotFound: { transition: 'cluster_not_found' },
      UpstreamThrottled: { retry_ref: 'transient_upstream' },
      UpstreamUnavailable: { retry_ref: 'transient_upstream' },
      UpstreamTimeout: { retry_ref: 'transient_upstream' },
    });
    // The wait throws when it has to stop, so that the retry policy waits again.
    const [waitAction] = wait.actions as Obj[];
    expect(((waitAction as Obj).function_ref as Obj).arguments).toMatchObject({ cluster_id: '$.cluster_id', on_timeout: "'throw'" });
  });

  const onError = (d: Obj, id: string, i: number) => (state(d, id).on_errors as Obj[])[i] as Obj;
  const functionRef = (d: Obj, id: string) => ((state(d, id).actions as Obj[])[0] as Obj).function_ref as Obj;
  const args = (d: Obj, id: string) => functionRef(d, id).arguments as Obj;

  it.each<[string, (definition: Obj) => void, RegExp]>([
    [
      'an undocumented top-level key',
      (d) => {
        d.comment = 'x';
      },
      /has comment, which the format does not document/,
    ],
    [
      'an undocumented state key',
      (d) => {
        state(d, 'synced').next = 'x';
      },
      /has next, which the format does not document/,
    ],
    [
      'an undocumented on_errors key',
      (d) => {
        onError(d, 'start_iam_sync', 0).catch = 'x';
      },
      /has catch, which/,
    ],
    [
      'a missing required field',
      (d) => {
        delete d.retries;
      },
      /the flow has no retries/,
    ],
    [
      'a state without end',
      (d) => {
        delete state(d, 'synced').end;
      },
      /has no end/,
    ],
    [
      'a ref_name in no functions[]',
      (d) => {
        functionRef(d, 'start_iam_sync').ref_name = 'iam_sync_stat';
      },
      /ref_name "iam_sync_stat" is in no functions/,
    ],
    [
      'a transition to no state',
      (d) => {
        state(d, 'start_iam_sync').transition = 'wait_for_sync';
      },
      /transition "wait_for_sync" is no state id/,
    ],
    [
      'an on_errors transition to no state',
      (d) => {
        onError(d, 'wait_for_iam_sync', 0).transition = 'gone';
      },
      /on_errors\[0\]\.transition "gone" is no state id/,
    ],
    [
      'a retry_ref in no retries[]',
      (d) => {
        onError(d, 'wait_for_iam_sync', 0).retry_ref = 'forever';
      },
      /retry_ref "forever" is in no retries/,
    ],
    [
      'a start that is no state',
      (d) => {
        d.start = 'begin';
      },
      /start "begin" is no state id/,
    ],
    [
      'a Sleep state without duration',
      (d) => {
        (d.states as Obj[]).push({ id: 'pause', name: 'Pause', type: 'Sleep', end: false, transition: 'synced', actions: [] });
      },
      /a Sleep state needs duration/,
    ],
    [
      'an invoke_mode other than synchronize',
      (d) => {
        functionRef(d, 'start_iam_sync').invoke_mode = 'asynchronize';
      },
      /invoke_mode must be synchronize/,
    ],
    [
      'an unquoted string constant argument',
      (d) => {
        args(d, 'wait_for_iam_sync').on_timeout = 'throw';
      },
      /neither a JsonPath, a constant nor a \$CONST path/,
    ],
    [
      'a $CONST path to no constant',
      (d) => {
        args(d, 'wait_for_iam_sync').max_wait_seconds = '$CONST.wait.max_wait';
      },
      /names \$CONST\.wait\.max_wait, which constants do not hold/,
    ],
    [
      'a retry beyond the console range',
      (d) => {
        ((d.retries as Obj[])[0] as Obj).max_attempts = 20;
      },
      /max_attempts must be 1-8/,
    ],
    [
      'an unreachable state',
      (d) => {
        (d.states as Obj[]).push({ id: 'orphan', name: 'Orphan', type: 'End', end: true, actions: [] });
      },
      /"orphan" cannot be reached from start/,
    ],
  ])('rejects %s', (_, breakIt, problem) => {
    const broken = copy();
    breakIt(broken);
    expect(flowProblems(broken)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});
