/**
 * Which clusters the refresh function warms: those named by its event (a FunctionGraph
 * timer's `user_event`, or `{"cluster_ids": [...]}` invoked directly), else the configured
 * REFRESH_CLUSTER_IDS. Every id is validated before any call.
 */
import { InvalidRequest } from '../errors';
import { requireClusterId } from '../ids';
import { quoteUntrusted } from '../quote';
import type { TimerEvent } from '../triggers/classify';
import { isObject } from '../triggers/http-request';

export interface RefreshQuery {
  /** Undefined: the configured list. */
  readonly clusterIds: readonly string[] | undefined;
}

/** One timer run makes at most this many MRS calls, whatever its event says. */
export const MAX_REFRESH_CLUSTERS = 100;

export const REFRESH_SHAPES =
  'Run it from a timer (a FunctionGraph TIMER trigger or an AWS EventBridge schedule) with the clusters in ' +
  'REFRESH_CLUSTER_IDS or in the timer\'s user event as JSON (["c1","c2"] or {"cluster_ids":["c1","c2"]}), ' +
  'or invoke it with {"cluster_ids": ["c1","c2"]}.';

export function refreshQueryFromTimer({ userEvent }: TimerEvent): RefreshQuery {
  if (userEvent === undefined) return { clusterIds: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(userEvent);
  } catch {
    throw new InvalidRequest(`The timer's user event is not JSON: ${quoteUntrusted(userEvent)}. ${REFRESH_SHAPES}`);
  }
  return { clusterIds: clusterIdsFrom(Array.isArray(parsed) ? parsed : isObject(parsed) ? parsed.cluster_ids : parsed) };
}

export function refreshQueryFromDirect(payload: Readonly<Record<string, unknown>>): RefreshQuery {
  return { clusterIds: payload.cluster_ids === undefined ? undefined : clusterIdsFrom(payload.cluster_ids) };
}

function clusterIdsFrom(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidRequest(`cluster_ids must be a non-empty list of cluster ids; got ${quoteUntrusted(value)}. ${REFRESH_SHAPES}`);
  }
  if (value.length > MAX_REFRESH_CLUSTERS) {
    throw new InvalidRequest(`cluster_ids names ${value.length} clusters; one run refreshes at most ${MAX_REFRESH_CLUSTERS}.`);
  }
  return [...new Set(value.map((id, index) => requireClusterId(id, `cluster_ids[${index}]`)))];
}
