/**
 * One signed call to a Huawei service API (MRS, IAM, ...): builds the URL, signs method,
 * path, query, headers and the JSON body's hash, caps the request's timeout by the caller's
 * deadline, sends, and turns transport failures into the adapter's named errors. It reads
 * no answer: each service client parses and maps its own.
 */
import type { CredentialProvider, Credentials } from '../credentials/types';
import { UpstreamTimeout, UpstreamUnavailable } from '../errors';
import type { Logger } from '../log';
import { serialiseBody, signRequest, type SignedMethod } from './signer';
import { type OutboundResponse, type Send, TransportError } from './transport';

/** How one invocation calls Huawei APIs: with which credentials, by when, logging where. */
export interface CallOptions {
  readonly credentials: CredentialProvider;
  /** Epoch milliseconds by which the answer must be in (the invocation's deadline, less its margin). */
  readonly deadlineAt?: number | undefined;
  /** The invocation's logger, so that why a call gave up is logged with its request id. */
  readonly log?: Logger | undefined;
}

export interface SignedCall {
  /** The service's name in messages: "MRS", "IAM". */
  readonly service: string;
  /** An origin, e.g. `https://mrs.cn-north-4.myhuaweicloud.com`. */
  readonly endpoint: string;
  readonly method: SignedMethod;
  /** The path, its parameters already validated and percent-encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** A JSON body (POST, DELETE); sent as `application/json;charset=UTF-8`. */
  readonly body?: unknown;
  /** Extra headers to sign, e.g. `X-Project-Id`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly credentials: Credentials;
  /** The longest this one request may take; the deadline cuts it shorter. */
  readonly timeoutMs: number;
  /** Epoch milliseconds by which the answer must be in. */
  readonly deadlineAt?: number | undefined;
}

export type SignedRequester = (call: SignedCall) => Promise<OutboundResponse>;

export function createSignedRequester({ send, now = Date.now }: { send: Send; now?: () => number }): SignedRequester {
  return async (call) => {
    const timeoutMs = Math.min(call.timeoutMs, (call.deadlineAt ?? Infinity) - now());
    if (timeoutMs <= 0) throw new UpstreamTimeout(`The invocation has no time left to ask ${call.service}. Raise the function timeout.`);
    const url = new URL(call.path, call.endpoint);
    for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
    const body = serialiseBody(call.body);
    // GET keeps the content type sdk-core sends; a body says its charset, as the API reference shows.
    const contentType = body === undefined ? 'application/json' : 'application/json;charset=UTF-8';
    const headers = signRequest(
      { method: call.method, url, headers: { 'Content-Type': contentType, ...call.headers }, body: call.body },
      call.credentials,
      new Date(now()),
    );
    try {
      return await send({ method: call.method, url, headers, body }, timeoutMs);
    } catch (error) {
      throw error instanceof TransportError ? errorForTransport(call.service, error) : error;
    }
  };
}

/** The transport failure, named; the TransportError stays as the cause (it tells whether the request went out). */
export function errorForTransport(service: string, error: TransportError): UpstreamTimeout | UpstreamUnavailable {
  if (error.failure === 'timeout') {
    return new UpstreamTimeout(
      `${service} did not answer in time (${error.message}). Retry, or raise MRS_TIMEOUT_MS and the function's timeout.`,
      {
        cause: error,
      },
    );
  }
  const what = error.code === undefined ? error.message : `${error.code}: ${error.message}`;
  return new UpstreamUnavailable(`Could not get an answer from ${service} (${what}). Retry shortly.`, { cause: error });
}
