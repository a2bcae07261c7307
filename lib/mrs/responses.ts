/** The success bodies of the MRS IAM-sync APIs, read strictly: a missing field is not a `false`. */
import { jsonBody } from '../huawei/response';
import type { OutboundResponse } from '../huawei/transport';
import { isObject } from '../is-object';
import { malformedAnswer } from './error-mapping';

/** ListClusterSyncTaskStatus: `{"is_synchronizing": <bool>}`, or UpstreamUnavailable. */
export function parseIamSyncStatus(response: OutboundResponse): boolean {
  return booleanField(response, 'is_synchronizing');
}

/** ListClusterSyncStatus: `{"is_synchronous": <bool>}` (has the cluster completed an IAM sync). */
export function parseSyncCompletion(response: OutboundResponse): boolean {
  return booleanField(response, 'is_synchronous');
}

export interface SyncedNames {
  readonly userNames: readonly string[];
  readonly groupNames: readonly string[];
}

/** ShowSyncIamUser: `{"user_names": [...], "group_names": [...]}`. */
export function parseSyncedNames(response: OutboundResponse): SyncedNames {
  const body = objectBody(response);
  return { userNames: stringList(response, body, 'user_names'), groupNames: stringList(response, body, 'group_names') };
}

/** UpdateSyncIamUser: `202 {"state": "synchronizing"}`; the state is reported as MRS gave it. */
export function parseSyncStarted(response: OutboundResponse): string {
  const state = objectBody(response).state;
  if (typeof state !== 'string' || state === '') throw malformedAnswer(response, 'JSON without a state');
  return state;
}

function objectBody(response: OutboundResponse): Record<string, unknown> {
  const body = jsonBody(response);
  if (body === undefined) throw malformedAnswer(response, 'a body that is not JSON');
  if (!isObject(body)) throw malformedAnswer(response, 'JSON that is not an object');
  return body;
}

function booleanField(response: OutboundResponse, field: string): boolean {
  const value = objectBody(response)[field];
  if (typeof value !== 'boolean') throw malformedAnswer(response, `JSON without a boolean ${field}`);
  return value;
}

function stringList(response: OutboundResponse, body: Record<string, unknown>, field: string): readonly string[] {
  const value = body[field];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw malformedAnswer(response, `JSON without a list of names in ${field}`);
  }
  return value as string[];
}
