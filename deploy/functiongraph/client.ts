/**
 * The FunctionGraph v2 calls the deploy tool makes, through `@huaweicloud/huaweicloud-sdk-functiongraph`,
 * behind a small interface (so the plan logic can be read without the SDK). The SDK's logger is
 * silenced before the client is built (sdk-logging.ts); every SDK error becomes a
 * FunctionGraphCallError that says which call failed and carries only the status, the service's
 * error code and message, and the request id: never a header.
 */
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { FunctionGraphClient } from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { isOpenTelekomCloudRegion } from '../../lib/huawei/endpoints';
import type { Credentials } from '../../lib/credentials/types';
import { silenceSdkLogging } from './sdk-logging';

export type Operation =
  | 'listFunctions'
  | 'showFunctionConfig'
  | 'createFunction'
  | 'updateFunctionCode'
  | 'updateFunctionConfig'
  | 'listFunctionTriggers'
  | 'createFunctionTrigger';

/** What the tool reads of a function's config (ShowFunctionConfig / CreateFunction answers). */
export interface RemoteFunctionConfig {
  func_urn?: string;
  func_name?: string;
  package?: string;
  runtime?: string;
  handler?: string;
  memory_size?: number;
  timeout?: number;
  xrole?: string;
  description?: string;
  user_data?: string;
  encrypted_user_data?: string;
  code_type?: string;
  digest?: string;
}

export interface RemoteTrigger {
  trigger_id?: string;
  trigger_type_code?: string;
  trigger_status?: string;
  event_data?: Record<string, unknown>;
}

export interface FunctionGraphApi {
  listFunctions(packageName: string): Promise<RemoteFunctionConfig[]>;
  showFunctionConfig(urn: string): Promise<RemoteFunctionConfig>;
  createFunction(body: Record<string, unknown>): Promise<RemoteFunctionConfig>;
  updateFunctionCode(urn: string, body: Record<string, unknown>): Promise<unknown>;
  updateFunctionConfig(urn: string, body: Record<string, unknown>): Promise<unknown>;
  listFunctionTriggers(urn: string): Promise<RemoteTrigger[]>;
  createFunctionTrigger(urn: string, body: Record<string, unknown>): Promise<RemoteTrigger>;
}

export class FunctionGraphCallError extends Error {
  override readonly name = 'FunctionGraphCallError';
  constructor(
    readonly operation: Operation,
    message: string,
    readonly status?: number,
    readonly errorCode?: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** Default: long enough for a large code upload, short enough that a dead endpoint is noticed. */
export const DEFAULT_TIMEOUT_MS = 60_000;
const LIST_PAGE_SIZE = 400;
/** URNs go into request paths, which the SDK does not encode: only the characters a URN has. */
const URN = /^urn:fss:[A-Za-z0-9_.:-]+$/;

export function functionGraphEndpoint(region: string, override: string | undefined): string {
  if (override !== undefined && override.trim() !== '') return checkEndpoint(override.trim());
  return isOpenTelekomCloudRegion(region)
    ? `https://functiongraph.${region}.otc.t-systems.com`
    : `https://functiongraph.${region}.myhuaweicloud.com`;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function checkEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `FUNCTIONGRAPH_ENDPOINT ${JSON.stringify(value)} is not a URL; give an origin such as https://functiongraph.cn-north-4.myhuaweicloud.com.`,
    );
  }
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    throw new Error('FUNCTIONGRAPH_ENDPOINT must be a bare origin (scheme, host and port only).');
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname))
    throw new Error('FUNCTIONGRAPH_ENDPOINT may use plain http only on a loopback host (tests); use https.');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('FUNCTIONGRAPH_ENDPOINT must be an https URL.');
  return url.origin;
}

interface SdkError {
  httpStatusCode?: number;
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
  message?: string;
}

/** Only the fields the SDK's exceptions carry that are about the answer; the request (headers) is never read. */
function toCallError(operation: Operation, error: unknown): FunctionGraphCallError {
  if (error instanceof FunctionGraphCallError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkError;
  const status = typeof e.httpStatusCode === 'number' ? e.httpStatusCode : undefined;
  const code = typeof e.errorCode === 'string' && e.errorCode !== '' ? e.errorCode : undefined;
  const text = typeof e.errorMsg === 'string' && e.errorMsg !== '' ? e.errorMsg : typeof e.message === 'string' ? e.message : String(error);
  const requestId = typeof e.requestId === 'string' && e.requestId !== '' ? e.requestId : undefined;
  return new FunctionGraphCallError(operation, text.slice(0, 500), status, code, requestId);
}

function checkUrn(operation: Operation, urn: string): string {
  if (!URN.test(urn))
    throw new FunctionGraphCallError(operation, `refusing to call with the function URN ${JSON.stringify(urn)}: not a FunctionGraph URN`);
  return urn;
}

export interface SdkClientOptions {
  readonly endpoint: string;
  readonly projectId: string;
  readonly credentials: Credentials;
  readonly timeoutMs?: number;
}

/** The SDK-backed API. Silences the SDK's logger first (before the client exists). */
export function createSdkApi(options: SdkClientOptions): FunctionGraphApi {
  silenceSdkLogging();
  const credential = new BasicCredentials()
    .withAk(options.credentials.accessKey)
    .withSk(options.credentials.secretKey)
    .withProjectId(options.projectId);
  if (options.credentials.securityToken !== undefined) credential.withSecurityToken(options.credentials.securityToken);
  const client = FunctionGraphClient.newBuilder()
    .withCredential(credential)
    .withEndpoint(options.endpoint)
    // axios options: the SDK has no timeout of its own; it sends no retries either (one endpoint).
    .withOptions({
      axiosRequestConfig: { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBodyLength: Infinity, maxContentLength: 16 * 1024 * 1024 },
    })
    .build();

  const call = async <T>(operation: Operation, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toCallError(operation, error);
    }
  };
  // The SDK's request classes are plain data to it: a plain object with the wire field names is read the same way.
  const sdk = client as unknown as Record<Operation, (request: Record<string, unknown>) => Promise<unknown>>;

  return {
    async listFunctions(packageName) {
      const found: RemoteFunctionConfig[] = [];
      let marker: string | undefined = '0';
      for (let page = 0; marker !== undefined && page < 100; page++) {
        const answer = (await call('listFunctions', () =>
          sdk.listFunctions({ package_name: packageName, maxitems: String(LIST_PAGE_SIZE), marker }),
        )) as { functions?: RemoteFunctionConfig[]; next_marker?: number | string; count?: number };
        const functions = Array.isArray(answer.functions) ? answer.functions : [];
        found.push(...functions);
        // next_marker is where the next page starts; a page that is empty, or a marker that does not move on, ends the listing.
        const next = Number(answer.next_marker);
        const more: boolean =
          functions.length > 0 && Number.isInteger(next) && next > Number(marker) && next < (answer.count ?? Number.POSITIVE_INFINITY);
        marker = more ? String(next) : undefined;
      }
      return found;
    },
    showFunctionConfig: (urn) =>
      call('showFunctionConfig', () =>
        sdk.showFunctionConfig({ function_urn: checkUrn('showFunctionConfig', urn) }),
      ) as Promise<RemoteFunctionConfig>,
    createFunction: (body) => call('createFunction', () => sdk.createFunction({ body })) as Promise<RemoteFunctionConfig>,
    updateFunctionCode: (urn, body) =>
      call('updateFunctionCode', () => sdk.updateFunctionCode({ function_urn: checkUrn('updateFunctionCode', urn), body })),
    updateFunctionConfig: (urn, body) =>
      call('updateFunctionConfig', () => sdk.updateFunctionConfig({ function_urn: checkUrn('updateFunctionConfig', urn), body })),
    async listFunctionTriggers(urn) {
      const answer = await call('listFunctionTriggers', () =>
        sdk.listFunctionTriggers({ function_urn: checkUrn('listFunctionTriggers', urn) }),
      );
      // The API answers a bare JSON array; the SDK hands it back as it is (its typings say `body`).
      if (Array.isArray(answer)) return answer as RemoteTrigger[];
      const body = (answer as { body?: unknown }).body;
      return Array.isArray(body) ? (body as RemoteTrigger[]) : [];
    },
    createFunctionTrigger: (urn, body) =>
      call('createFunctionTrigger', () =>
        sdk.createFunctionTrigger({ function_urn: checkUrn('createFunctionTrigger', urn), body }),
      ) as Promise<RemoteTrigger>,
  };
}

/** What to do about a failed call, by what failed. */
export function adviceFor(error: FunctionGraphCallError): string {
  const status = error.status;
  if (status === undefined) {
    return 'No answer from FunctionGraph: check the network, the region, and FUNCTIONGRAPH_ENDPOINT if set; then run the same command again.';
  }
  if (status === 401) {
    return 'FunctionGraph refused the credentials: check HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (and HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), that they belong to this account, and the clock.';
  }
  if (status === 403) {
    return 'The caller may not do this: grant it FunctionGraph permissions (for example the FunctionGraph FullAccess policy) in this project, and check that the agencies named in the config exist.';
  }
  if (status === 404) return 'Not found: check project_id and region in the config (and FUNCTIONGRAPH_ENDPOINT if set).';
  if (status === 429) return 'FunctionGraph is throttling: wait a minute, then run the same command again.';
  if (status >= 500) return 'FunctionGraph failed to answer: run the same command again; steps already done will show as unchanged.';
  return 'FunctionGraph refused the request as sent: check the config values named in the message.';
}

export function describeCallError(error: FunctionGraphCallError): string {
  const parts = [error.status === undefined ? 'no answer' : `HTTP ${error.status}`];
  if (error.errorCode !== undefined) parts.push(error.errorCode);
  const where = error.requestId === undefined ? '' : ` (request id ${error.requestId})`;
  return `${error.operation} failed: ${parts.join(' ')}: ${error.message}${where}`;
}
