/**
 * Which clusters the refresh function warms: those named by its event (a FunctionGraph
 * timer's `user_event`, or `{"cluster_ids": [...]}` invoked directly), else the configured
 * REFRESH_CLUSTER_IDS. Every id is validated before any call; duplicates are dropped here,
 * and the per-run limit is applied by the handler to whichever list it uses.
 */
import { InvalidRequest } from '../errors';
import { requireClusterId } from '../ids';
import { isObject } from '../is-object';
import { quoteUntrusted } from '../quote';
import type { TimerEvent } from '../triggers/classify';
import type { TriggerRoute } from '../triggers/route';

export interface RefreshQuery {
  /** Undefined: the configured list. */
  readonly clusterIds: readonly string[] | undefined;
}

export type RefreshResult =
  | { readonly cluster_id: string; readonly outcome: 'refreshed'; readonly is_synchronizing: boolean; readonly checked_at: string }
  | { readonly cluster_id: string; readonly outcome: 'failed'; readonly error: { readonly code: string; readonly message: string } };

export interface RefreshReport {
  readonly refreshed: number;
  readonly failed: number;
  readonly results: readonly RefreshResult[];
  /** Clusters named but not refreshed because one run refreshes at most MAX_REFRESH_CLUSTERS. */
  readonly skipped?: readonly string[];
}

/** An event list longer than this is refused outright: it is not a list of clusters anyone meant. */
const MAX_EVENT_LIST = 10_000;

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
  if (value.length > MAX_EVENT_LIST) {
    throw new InvalidRequest(
      `cluster_ids names ${value.length} entries; send at most ${MAX_EVENT_LIST} (one run refreshes at most 100 of them).`,
    );
  }
  return [...new Set(value.map((id, index) => requireClusterId(id, `cluster_ids[${index}]`)))];
}

export const refreshRoute: TriggerRoute<RefreshQuery, RefreshReport> = {
  acceptedShapes: REFRESH_SHAPES,
  fromTimer: refreshQueryFromTimer,
  fromDirect: refreshQueryFromDirect,
  toBody: (report) => report,
  logFields: (report) => ({
    refreshed: report.refreshed,
    failed: report.failed,
    ...(report.skipped && { skipped: report.skipped.length }),
  }),
};
