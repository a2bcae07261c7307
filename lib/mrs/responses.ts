/** The success bodies of the MRS IAM-sync APIs, read strictly: a missing field is not a `false`. */
import { jsonBody } from '../huawei/response';
import type { OutboundResponse } from '../huawei/transport';
import { malformedAnswer } from './error-mapping';

/** `{"is_synchronizing": <bool>}`, or UpstreamUnavailable. */
export function parseIamSyncStatus(response: OutboundResponse): boolean {
  const body = jsonBody(response);
  if (body === undefined) throw malformedAnswer(response, 'a body that is not JSON');
  const value = (body as { is_synchronizing?: unknown } | null)?.is_synchronizing;
  if (typeof value !== 'boolean') throw malformedAnswer(response, 'JSON without a boolean is_synchronizing');
  return value;
}
