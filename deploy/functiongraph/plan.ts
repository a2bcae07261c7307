/**
 * The plan: for each configured function, what FunctionGraph holds now against what the
 * config and the local zip ask for. Pure: the state is read elsewhere (deploy.ts), and
 * nothing here calls anything. Values of environment variables never appear in a plan's
 * text, only their names (encrypted ones are secrets, and plain ones may hold a URL with a password).
 */
import { HANDLER, RUNTIME, type DeployConfig, type DesiredFunction, type DesiredTrigger } from './config';
import type { RemoteFunctionConfig, RemoteTrigger } from './client';

export interface LocalPackage {
  readonly name: string;
  readonly zip: Buffer;
  readonly sha512: string;
}

/** What was read of one function: undefined when it does not exist yet. */
export interface RemoteFunction {
  readonly urn: string;
  readonly config: RemoteFunctionConfig;
  readonly triggers: readonly RemoteTrigger[];
}

export type FunctionAction = 'create' | 'update' | 'unchanged';

export interface TriggerPlan {
  readonly label: string;
  readonly action: 'create' | 'unchanged';
  readonly desired: DesiredTrigger;
  readonly triggerId?: string;
}

export interface FunctionPlan {
  readonly name: string;
  readonly action: FunctionAction;
  readonly urn?: string;
  /** Whether the code must be uploaded (update only; a create uploads it anyway). */
  readonly updateCode: boolean;
  readonly codeChange?: string;
  /** The config fields that differ (update only), described without values for the environment. */
  readonly configChanges: readonly string[];
  readonly triggers: readonly TriggerPlan[];
  /** Triggers FunctionGraph has that the config does not name: left alone. */
  readonly unmanagedTriggers: readonly string[];
  readonly notes: readonly string[];
  readonly desired: DesiredFunction;
  readonly pkg: LocalPackage;
}

export interface Plan {
  readonly functions: readonly FunctionPlan[];
}

export function triggerLabel(trigger: DesiredTrigger): string {
  return trigger.kind === 'APIG'
    ? `${trigger.typeCode} ${trigger.method} ${trigger.path}`
    : `TIMER ${trigger.scheduleType} ${trigger.schedule}`;
}

function remoteTriggerLabel(trigger: RemoteTrigger): string {
  const data = trigger.event_data ?? {};
  const type = trigger.trigger_type_code ?? '?';
  if (type === 'TIMER')
    return `TIMER ${String(data.schedule_type ?? '?')} ${String(data.schedule ?? '?')} (id ${trigger.trigger_id ?? '?'})`;
  if (type === 'APIG' || type === 'DEDICATEDGATEWAY')
    return `${type} ${String(data.req_method ?? '?')} ${String(data.path ?? '?')} (id ${trigger.trigger_id ?? '?'})`;
  return `${type} (id ${trigger.trigger_id ?? '?'})`;
}

export function matches(desired: DesiredTrigger, remote: RemoteTrigger): boolean {
  const data = remote.event_data ?? {};
  if (desired.kind === 'TIMER') {
    return remote.trigger_type_code === 'TIMER' && data.schedule_type === desired.scheduleType && data.schedule === desired.schedule;
  }
  const groupId = desired.body.event_data.group_id;
  return (
    remote.trigger_type_code === desired.typeCode &&
    String(data.req_method ?? '').toUpperCase() === desired.method &&
    data.path === desired.path &&
    (data.group_id === undefined || data.group_id === groupId)
  );
}

/** user_data as FunctionGraph holds it: a JSON object string; anything else counts as different from every config. */
export function parseUserData(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text === null || text === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  } catch {
    return undefined;
  }
}

/** The keys whose presence or value differs; undefined `remote` (unreadable) means every key. */
function changedKeys(desired: Readonly<Record<string, string>>, remote: Record<string, string> | undefined): string[] {
  if (remote === undefined) return ['(unreadable, replaced whole)'];
  const keys = new Set([...Object.keys(desired), ...Object.keys(remote)]);
  return [...keys].filter((key) => desired[key] !== remote[key]).sort();
}

/** Serialised with sorted keys, so the same environment always sends the same text. */
export function serialiseUserData(values: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

export function configChanges(desired: DesiredFunction, remote: RemoteFunctionConfig): string[] {
  const changes: string[] = [];
  const field = (name: string, want: string | number, have: string | number | undefined) => {
    if (want !== have) changes.push(`${name} ${have === undefined ? '(unset)' : JSON.stringify(have)} -> ${JSON.stringify(want)}`);
  };
  field('runtime', RUNTIME, remote.runtime);
  field('handler', HANDLER, remote.handler);
  field('memory_size', desired.memorySize, remote.memory_size);
  field('timeout', desired.timeout, remote.timeout);
  field('xrole', desired.agency, remote.xrole);
  if (desired.description !== (remote.description ?? '')) changes.push('description');
  const userData = changedKeys(desired.userData, parseUserData(remote.user_data));
  if (userData.length > 0) changes.push(`user_data: ${userData.join(', ')}`);
  const encrypted = changedKeys(desired.encryptedUserData, parseUserData(remote.encrypted_user_data));
  if (encrypted.length > 0) changes.push(`encrypted_user_data: ${encrypted.join(', ')}`);
  return changes;
}

export function planFunction(desired: DesiredFunction, pkg: LocalPackage, remote: RemoteFunction | undefined): FunctionPlan {
  if (remote === undefined) {
    return {
      name: desired.name,
      action: 'create',
      updateCode: false,
      configChanges: [],
      triggers: desired.triggers.map((t) => ({ label: triggerLabel(t), action: 'create', desired: t })),
      unmanagedTriggers: [],
      notes: desired.notes,
      desired,
      pkg,
    };
  }
  const digest = remote.config.digest;
  const updateCode = digest !== pkg.sha512;
  const changes = configChanges(desired, remote.config);
  const claimed = new Set<RemoteTrigger>();
  const triggers = desired.triggers.map((t): TriggerPlan => {
    const found = remote.triggers.find((r) => !claimed.has(r) && matches(t, r));
    if (found === undefined) return { label: triggerLabel(t), action: 'create', desired: t };
    claimed.add(found);
    return {
      label: triggerLabel(t),
      action: 'unchanged',
      desired: t,
      ...(found.trigger_id !== undefined && { triggerId: found.trigger_id }),
    };
  });
  return {
    name: desired.name,
    action: updateCode || changes.length > 0 ? 'update' : 'unchanged',
    urn: remote.urn,
    updateCode,
    ...(updateCode && {
      codeChange: `sha512 ${digest === undefined || digest === '' ? '(unknown)' : `${digest.slice(0, 12)}…`} -> ${pkg.sha512.slice(0, 12)}…`,
    }),
    configChanges: changes,
    triggers,
    unmanagedTriggers: remote.triggers.filter((r) => !claimed.has(r)).map(remoteTriggerLabel),
    notes: desired.notes,
    desired,
    pkg,
  };
}

export interface PlanCounts {
  create: number;
  updateCode: number;
  updateConfig: number;
  unchangedFunctions: number;
  createTriggers: number;
  unchangedTriggers: number;
  writes: number;
}

export function countPlan(plan: Plan): PlanCounts {
  const counts: PlanCounts = {
    create: 0,
    updateCode: 0,
    updateConfig: 0,
    unchangedFunctions: 0,
    createTriggers: 0,
    unchangedTriggers: 0,
    writes: 0,
  };
  for (const fn of plan.functions) {
    if (fn.action === 'create') counts.create++;
    if (fn.updateCode) counts.updateCode++;
    if (fn.configChanges.length > 0) counts.updateConfig++;
    if (fn.action === 'unchanged') counts.unchangedFunctions++;
    for (const t of fn.triggers) {
      if (t.action === 'create') counts.createTriggers++;
      else counts.unchangedTriggers++;
    }
  }
  counts.writes = counts.create + counts.updateCode + counts.updateConfig + counts.createTriggers;
  return counts;
}

/** The plan as the terminal shows it. */
export function renderPlan(config: DeployConfig, plan: Plan, endpoint: string): string[] {
  const lines = [`Plan for FunctionGraph project ${config.projectId} in ${config.region}, app ${config.packageName} (${endpoint}):`];
  for (const fn of plan.functions) {
    if (fn.action === 'create') {
      const d = fn.desired;
      lines.push(
        `  ${fn.name}: create (zip ${(fn.pkg.zip.length / 1024).toFixed(1)} KiB, sha512 ${fn.pkg.sha512.slice(0, 12)}…; ${d.memorySize} MB, ${d.timeout} s, agency ${d.agency})`,
      );
    } else if (fn.action === 'unchanged') {
      lines.push(`  ${fn.name}: unchanged`);
    } else {
      if (fn.updateCode) lines.push(`  ${fn.name}: update code (${fn.codeChange ?? ''})`);
      if (fn.configChanges.length > 0) lines.push(`  ${fn.name}: update config (${fn.configChanges.join('; ')})`);
    }
    for (const t of fn.triggers) lines.push(`    trigger ${t.label}: ${t.action}`);
    for (const label of fn.unmanagedTriggers) lines.push(`    trigger ${label}: not in the config, left alone`);
    for (const note of fn.notes) lines.push(`    ${note}`);
  }
  const c = countPlan(plan);
  lines.push(
    `Summary: ${c.create} to create, ${c.updateCode} code update${c.updateCode === 1 ? '' : 's'}, ${c.updateConfig} config update${c.updateConfig === 1 ? '' : 's'}, ` +
      `${c.unchangedFunctions} unchanged; triggers: ${c.createTriggers} to create, ${c.unchangedTriggers} unchanged.`,
  );
  return lines;
}
