/**
 * The schemas and words of the OpenAPI document, keyed by the route table's ids
 * (lib/http-routes.ts): request parameters, the start body, every success body, the error
 * body and the headers. Tools-side only: the functions' bundles never load this.
 * test/openapi checks that every table route, parameter and status has its entry here, and
 * that the functions' real answers fit these schemas.
 */
import { CLUSTER_ID_PATTERN, type ErrorCode, PROJECT_ID_PATTERN, type RouteId } from '../../lib/http-routes';
import { MAX_START_BODY_BYTES, NAME_RULES } from '../../lib/start/route';
import { WAIT_DEFAULTS, WAIT_LIMITS } from '../../lib/wait/route';

/** The part of JSON Schema (as OpenAPI 3.0 takes it) this document uses. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'boolean' | 'number' | 'integer';
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  oneOf?: Schema[];
  example?: unknown;
}

export interface ParameterDoc {
  readonly description: string;
  readonly schema: Schema;
  readonly example?: unknown;
}

export interface RouteDoc {
  readonly summary: string;
  readonly description: string;
  readonly tag: string;
  /** Each query parameter and request header the table lists, by name. */
  readonly parameters: Readonly<Record<string, ParameterDoc>>;
  readonly requestBody?: { readonly description: string; readonly schema: Schema; readonly example: unknown };
  /** Each success status the table lists: its body and the headers besides the common ones. */
  readonly responses: Readonly<
    Record<number, { readonly schema: Schema; readonly headers: readonly HeaderName[]; readonly example: unknown }>
  >;
}

export type HeaderName = 'Cache-Control' | 'Age' | 'X-Cache' | 'Retry-After' | 'Allow' | 'X-Request-Id' | 'X-Content-Type-Options';

/** Every header an answer can carry (lib/triggers/gateway-response.ts and the routes' httpHeaders). */
export const HEADERS: Readonly<Record<HeaderName, { readonly description: string; readonly schema: Schema }>> = {
  'X-Request-Id': {
    description: "The invocation's request id, also in an error body's request_id and in the function's log lines.",
    schema: { type: 'string' },
  },
  'X-Content-Type-Options': { description: 'Always nosniff.', schema: { type: 'string', enum: ['nosniff'] } },
  'Cache-Control': {
    description: 'max-age=<seconds the answer stays fresh> on a read (0 when served stale); no-store on a start, a wait and every error.',
    schema: { type: 'string', pattern: '^(max-age=\\d+|no-store)$' },
  },
  Age: { description: 'Seconds since MRS gave the answer.', schema: { type: 'string', pattern: '^\\d+$' } },
  'X-Cache': {
    description:
      "How the function's cache served the read: HIT, MISS (MRS was asked), or STALE (MRS failed and a recent answer was served).",
    schema: { type: 'string', enum: ['HIT', 'MISS', 'STALE'] },
  },
  'Retry-After': {
    description:
      'Seconds to wait before retrying, when MRS said how long (UpstreamThrottled) or the circuit breaker is open (UpstreamUnavailable).',
    schema: { type: 'string', pattern: '^\\d+$' },
  },
  Allow: { description: 'The methods this path takes (MethodNotAllowed).', schema: { type: 'string', example: 'GET' } },
};

/** Headers on every answer. */
export const COMMON_HEADERS: readonly HeaderName[] = ['X-Request-Id', 'X-Content-Type-Options'];

/** What each error means for the caller (lib/errors.ts). */
export const ERROR_DESCRIPTIONS: Readonly<Record<ErrorCode, string>> = {
  InvalidRequest: 'The request, or a value in it, is not one this function accepts; the message says which and how to fix it.',
  PayloadTooLarge: 'The body is larger than the route reads; it was refused unread.',
  ClusterNotAllowed: "The function's ALLOWED_CLUSTER_IDS does not include the cluster; MRS was not asked.",
  ProjectNotAllowed: "The project_id named is neither the function's own nor in its ALLOWED_PROJECT_IDS; MRS was not asked.",
  OperationDisabled: 'Starting IAM syncs is off for this deployment (IAM_SYNC_START_ENABLED is not true); MRS was not asked.',
  MethodNotAllowed: 'Another method than the path takes, when the gateway passes every method on (an ANY route); Allow lists the methods.',
  RouteNotFound: 'No route of the function answers the path.',
  ClusterNotFound: 'MRS has no such cluster in the project.',
  IamSyncWaitTimedOut: "The caller's wait_until passed while the sync was still running.",
  IamSyncInProgress: 'A sync is already running on the cluster, so none was started (if_running is "fail").',
  IdempotencyInProgress: 'A request with this idempotency key is still being carried out; retry shortly for its result.',
  IamSyncStillRunning: 'The sync was still running when the wait had to end, and on_timeout is "throw"; retry the wait.',
  IdempotencyKeyMismatch: 'The idempotency key was used before with a different request.',
  ConfigurationError: "The function's configuration or credentials are missing or invalid; its operator must fix the deployment.",
  InternalError: "An unexpected failure; the function's log has the request id.",
  UpstreamAuthFailed: "MRS refused the function's credentials.",
  UpstreamRejected: 'MRS refused the request for another reason; retrying will not help.',
  UpstreamUnavailable:
    'MRS failed, answered something unreadable or could not be reached, or the circuit breaker is open; retry shortly (Retry-After when known).',
  SyncStartOutcomeUnknown: 'The start went out and no answer says what MRS did; it was not retried. Read the status before starting again.',
  UpstreamThrottled: 'MRS asked the function to slow down; retry after Retry-After when given.',
  UpstreamTimeout: 'MRS did not answer in time.',
};

/** `{"error": {"code", "message", "request_id"}}` (lib/triggers/gateway-response.ts), with the codes a response can carry. */
export function errorBodySchema(codes: readonly ErrorCode[]): Schema {
  return {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'request_id'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', enum: [...codes], description: "The error's stable name, for workflows and clients to match." },
          message: { type: 'string', description: 'What happened and what to do; never a credential.' },
          request_id: { type: 'string', description: 'The same as the X-Request-Id header.' },
        },
      },
    },
  };
}

/** Headers an error with these codes can carry besides the common ones and Cache-Control: no-store. */
export function errorHeaders(codes: readonly ErrorCode[]): HeaderName[] {
  const headers: HeaderName[] = ['Cache-Control'];
  if (codes.includes('MethodNotAllowed')) headers.push('Allow');
  if (codes.includes('UpstreamThrottled') || codes.includes('UpstreamUnavailable')) headers.push('Retry-After');
  return headers;
}

const clusterId: Schema = { type: 'string', pattern: CLUSTER_ID_PATTERN, description: 'The cluster, as named in the path.' };
const instant: Schema = { type: 'string', format: 'date-time' };

/** The fields every read answers with, around the read's own. */
function readBody(fields: Record<string, Schema>): Schema {
  return {
    type: 'object',
    required: ['cluster_id', ...Object.keys(fields), 'checked_at', 'cache'],
    additionalProperties: false,
    properties: {
      cluster_id: clusterId,
      ...fields,
      checked_at: { ...instant, description: 'When MRS gave the answer.' },
      cache: {
        type: 'object',
        required: ['status', 'age_seconds'],
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: ['hit', 'miss', 'stale'] },
          age_seconds: { type: 'integer', minimum: 0 },
        },
      },
    },
  };
}

const READ_PARAMETERS: Record<string, ParameterDoc> = {
  fresh: {
    description: "true (or 1, or empty) asks MRS instead of the function's short cache; Cache-Control: no-cache does the same.",
    schema: { type: 'boolean', default: false },
  },
  project_id: {
    description: "Another project than the function's own; it must be in the function's ALLOWED_PROJECT_IDS.",
    schema: { type: 'string', pattern: PROJECT_ID_PATTERN },
  },
  'Cache-Control': { description: 'no-cache reads fresh, as fresh=true does.', schema: { type: 'string' }, example: 'no-cache' },
};
const READ_HEADERS: readonly HeaderName[] = ['Cache-Control', 'Age', 'X-Cache'];
const NO_STORE: readonly HeaderName[] = ['Cache-Control'];
const CHECKED = { checked_at: '2026-11-30T08:00:00.000Z', cache: { status: 'miss', age_seconds: 0 } };

const names = (field: keyof typeof NAME_RULES): Schema => ({
  type: 'array',
  maxItems: NAME_RULES[field].maxCount,
  items: { type: 'string', minLength: 1, maxLength: NAME_RULES[field].maxLength },
});

const seconds = (max: number, fallback: number | undefined, description: string): ParameterDoc => ({
  description,
  schema: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: max, ...(fallback !== undefined && { default: fallback }) },
});

const started: Schema = {
  type: 'object',
  required: ['cluster_id', 'started', 'state', 'started_at'],
  additionalProperties: false,
  properties: {
    cluster_id: clusterId,
    started: { type: 'boolean', enum: [true] },
    state: { type: 'string', description: "MRS's answer to the start." },
    started_at: instant,
    replayed: { type: 'boolean', enum: [true], description: 'This is the first answer to the same idempotency key, replayed.' },
  },
};
const skipped: Schema = {
  type: 'object',
  required: ['cluster_id', 'started', 'reason'],
  additionalProperties: false,
  properties: {
    cluster_id: clusterId,
    started: { type: 'boolean', enum: [false] },
    reason: { type: 'string', enum: ['already-running'] },
    replayed: { type: 'boolean', enum: [true] },
  },
};

const waited = { polls: { type: 'integer', minimum: 1 }, waited_seconds: { type: 'number', minimum: 0 } } satisfies Record<string, Schema>;

export const ROUTE_DOCS: Readonly<Record<RouteId, RouteDoc>> = {
  getIamSyncStatus: {
    tag: 'reads',
    summary: 'Is an IAM sync running on the cluster?',
    description: "MRS ListClusterSyncTaskStatus, through the function's short cache (X-Cache says how it was served).",
    parameters: READ_PARAMETERS,
    responses: {
      200: {
        schema: readBody({ is_synchronizing: { type: 'boolean' } }),
        headers: READ_HEADERS,
        example: { cluster_id: 'c1', is_synchronizing: false, ...CHECKED },
      },
    },
  },
  getIamSyncCompletion: {
    tag: 'reads',
    summary: 'Has the cluster completed IAM sync?',
    description: 'MRS ListClusterSyncStatus.',
    parameters: READ_PARAMETERS,
    responses: {
      200: {
        schema: readBody({ is_synchronous: { type: 'boolean' } }),
        headers: READ_HEADERS,
        example: { cluster_id: 'c1', is_synchronous: true, ...CHECKED },
      },
    },
  },
  listIamSyncedNames: {
    tag: 'reads',
    summary: 'The users and groups synced to the cluster',
    description: 'MRS ShowSyncIamUser.',
    parameters: READ_PARAMETERS,
    responses: {
      200: {
        schema: readBody({
          user_names: { type: 'array', items: { type: 'string' } },
          group_names: { type: 'array', items: { type: 'string' } },
        }),
        headers: READ_HEADERS,
        example: { cluster_id: 'c1', user_names: ['alice'], group_names: ['analysts'], ...CHECKED },
      },
    },
  },
  startIamSync: {
    tag: 'start',
    summary: 'Start an IAM sync on the cluster',
    description:
      'MRS UpdateSyncIamUser, after a fresh status read: with a sync running, if_running "fail" answers 409 IamSyncInProgress and "skip" 200 with started: false. ' +
      'Off unless the function has IAM_SYNC_START_ENABLED=true. Not retried when MRS may have acted (SyncStartOutcomeUnknown); send an Idempotency-Key to retry safely.',
    parameters: {
      'Idempotency-Key': {
        description:
          "A key for this request (1-256 printable characters without spaces): a repeat gets the first answer back, with replayed: true. Or the body's idempotency_key.",
        schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,256}$' },
      },
    },
    requestBody: {
      description: `Either "is_all_sync": true or at least one name (IAM's rules; at most ${NAME_RULES.user_names.maxCount} of each); at most ${MAX_START_BODY_BYTES} bytes. The cluster is the path's.`,
      schema: {
        type: 'object',
        additionalProperties: true,
        properties: {
          cluster_id: { ...clusterId, description: "Optional; if sent, the path's cluster." },
          project_id: { type: 'string', pattern: PROJECT_ID_PATTERN },
          is_all_sync: { type: 'boolean', description: 'Sync every user and group (not with names).' },
          user_names: names('user_names'),
          group_names: names('group_names'),
          if_running: { type: 'string', enum: ['fail', 'skip'], default: 'fail' },
          idempotency_key: { type: 'string', pattern: '^[\\x21-\\x7e]{1,256}$' },
        },
      },
      example: { is_all_sync: true, if_running: 'skip' },
    },
    responses: {
      202: {
        schema: started,
        headers: NO_STORE,
        example: { cluster_id: 'c1', started: true, state: 'synchronizing', started_at: '2026-11-30T08:00:00.000Z' },
      },
      200: { schema: skipped, headers: NO_STORE, example: { cluster_id: 'c1', started: false, reason: 'already-running' } },
    },
  },
  waitForIamSync: {
    tag: 'wait',
    summary: "Wait until the cluster's IAM sync has ended (a long poll)",
    description:
      "Polls the status on the AWS SDK waiters' schedule until no sync runs, or until max_wait_seconds, wait_until or the invocation's time; then answers done: false " +
      'with next_poll_after_seconds (on_timeout "return"), or 409 IamSyncStillRunning ("throw"). Over HTTP keep max_wait_seconds under the gateway\'s timeout.',
    parameters: {
      project_id: READ_PARAMETERS.project_id,
      max_wait_seconds: seconds(
        WAIT_LIMITS.maxWaitSeconds,
        WAIT_DEFAULTS.maxWaitSeconds,
        'The longest this call waits; above min_delay_seconds.',
      ),
      min_delay_seconds: seconds(WAIT_LIMITS.delaySeconds, WAIT_DEFAULTS.minDelaySeconds, 'The shortest delay between polls.'),
      max_delay_seconds: seconds(
        WAIT_LIMITS.delaySeconds,
        WAIT_DEFAULTS.maxDelaySeconds,
        'The longest delay between polls; at least min_delay_seconds.',
      ),
      wait_until: {
        description:
          'An ISO 8601 time with a zone after which waiting is not wanted: past it with the sync running, 408 IamSyncWaitTimedOut.',
        schema: { type: 'string', format: 'date-time' },
        example: '2026-11-30T12:00:00Z',
      },
      on_timeout: {
        description: 'What to do when the wait ends with the sync running: "return" it (done: false) or "throw" 409 IamSyncStillRunning.',
        schema: { type: 'string', enum: ['return', 'throw'], default: 'return' },
      },
    },
    responses: {
      200: {
        schema: {
          oneOf: [
            {
              type: 'object',
              required: ['cluster_id', 'is_synchronizing', 'done', 'polls', 'waited_seconds'],
              additionalProperties: false,
              properties: {
                cluster_id: clusterId,
                is_synchronizing: { type: 'boolean', enum: [false] },
                done: { type: 'boolean', enum: [true] },
                ...waited,
              },
            },
            {
              type: 'object',
              required: ['cluster_id', 'is_synchronizing', 'done', 'polls', 'waited_seconds', 'next_poll_after_seconds'],
              additionalProperties: false,
              properties: {
                cluster_id: clusterId,
                is_synchronizing: { type: 'boolean', enum: [true] },
                done: { type: 'boolean', enum: [false] },
                ...waited,
                next_poll_after_seconds: { type: 'integer', minimum: 1, description: 'When to call again, in whole seconds.' },
              },
            },
          ],
        },
        headers: NO_STORE,
        example: { cluster_id: 'c1', is_synchronizing: false, done: true, polls: 3, waited_seconds: 12.4 },
      },
    },
  },
};
