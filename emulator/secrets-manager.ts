/**
 * A loopback stand-in for AWS Secrets Manager's `GetSecretValue`, which the real AWS SDK
 * client reaches through `AWS_ENDPOINT_URL_SECRETS_MANAGER=<url>`. It speaks the service's
 * JSON 1.1 protocol (`POST /`, `X-Amz-Target: secretsmanager.GetSecretValue`, body
 * `{"SecretId": ...}`), checks each request's SigV4 signature (its own verifier, not the
 * SDK's signer) against the one AWS key pair it knows, and answers errors as the service
 * does: HTTP 400 with `{"__type": "ResourceNotFoundException", "message": ...}`.
 * For tests, the bench and local runs only; it listens on 127.0.0.1 and is never deployed.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { closeServer, listenOnLoopback, readBody, sendBody } from '../tools/loopback-http';

export interface AwsKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SecretsManagerStandInOptions {
  /** 0 or omitted: a free port. */
  port?: number;
  /** The region requests must be signed for; default us-east-1. */
  region?: string;
  /** The one AWS key pair requests must be signed with (what the function's role would have). */
  credentials: AwsKeyPair;
  /** Secret name -> its string. Copied: later changes go through setSecret/deleteSecret. */
  secrets?: Record<string, string>;
  /** How far X-Amz-Date may be from the stand-in's clock; default 300 s, as AWS allows. */
  maxClockSkewSeconds?: number;
}

export type StandInFault =
  | { kind: 'access-denied' }
  | { kind: 'throttled' }
  | { kind: 'internal-error' }
  | { kind: 'deleted' }
  | { kind: 'decryption-failure' };

export interface SecretsManagerRequest {
  target: string | undefined;
  secretId: string | undefined;
  /** Whether the SigV4 signature checked out, and why not. */
  verification: { ok: true } | { ok: false; reason: string };
  status: number;
  errorType?: string;
}

export interface SecretsManagerStandIn {
  url: string;
  port: number;
  /** The ARN the stand-in gives a secret of this name (answers and lookups accept it). */
  arnOf(name: string): string;
  /** Creates a secret or puts a new version in it (a rotation). */
  setSecret(name: string, value: string): void;
  /** Stores binary data instead of a string. */
  setBinarySecret(name: string, value: Buffer): void;
  deleteSecret(name: string): void;
  /** Answers reads of this secret with an error until cleared (undefined). */
  setFault(name: string, fault: StandInFault | undefined): void;
  /** Every request, in order. */
  requests: SecretsManagerRequest[];
  /** How many GetSecretValue requests named this secret (by name or ARN) and were answered 200. */
  reads(name: string): number;
  close(): Promise<void>;
}

const ACCOUNT = '123456789012';
const GET_SECRET_VALUE = 'secretsmanager.GetSecretValue';
const JSON_11 = 'application/x-amz-json-1.1';

interface Stored {
  string?: string;
  binary?: Buffer;
  versionId: string;
  createdAt: number;
  suffix: string;
}

export async function startSecretsManagerStandIn(options: SecretsManagerStandInOptions): Promise<SecretsManagerStandIn> {
  const region = options.region ?? 'us-east-1';
  const maxSkewMs = (options.maxClockSkewSeconds ?? 300) * 1000;
  const store = new Map<string, Stored>();
  const faults = new Map<string, StandInFault>();
  const requests: SecretsManagerRequest[] = [];
  const suffixOf = (name: string) =>
    store.get(name)?.suffix ??
    createHash('sha256')
      .update(name)
      .digest('base64url')
      .replace(/[^A-Za-z0-9]/g, 'x')
      .slice(0, 6);
  const arnOf = (name: string) => `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffixOf(name)}`;
  const put = (name: string, value: { string?: string; binary?: Buffer }) => {
    store.set(name, { ...value, versionId: randomUUID(), createdAt: Math.floor(Date.now() / 1000), suffix: suffixOf(name) });
  };
  for (const [name, value] of Object.entries(options.secrets ?? {})) put(name, { string: value });
  /** The secret's name for an id given as its name, its full ARN, or its ARN without the random suffix (as AWS accepts). */
  const nameOf = (id: string): string | undefined => {
    if (store.has(id)) return id;
    for (const name of store.keys())
      if (id === arnOf(name) || id === `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}`) return name;
    return undefined;
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const target = header(req.headers, 'x-amz-target');
    let secretId: string | undefined;
    const answer = (status: number, payload: unknown, errorType?: string) => {
      requests.push({ target, secretId, verification, status, ...(errorType && { errorType }) });
      sendBody(res, status, JSON.stringify(payload), {
        'Content-Type': JSON_11,
        'x-amzn-RequestId': randomUUID(),
        ...(errorType && { 'x-amzn-ErrorType': errorType }),
      });
    };
    const fail = (type: string, message: string, status = 400) => answer(status, { __type: type, message }, type);
    const verification = verifySigV4(req.method ?? '', req.url ?? '', req.headers, body, {
      ...options.credentials,
      region,
      service: 'secretsmanager',
      maxSkewMs,
    });
    try {
      secretId = (JSON.parse(body.toString('utf8')) as { SecretId?: unknown }).SecretId as string | undefined;
    } catch {
      secretId = undefined;
    }
    if (req.method !== 'POST' || req.url !== '/') return fail('UnknownOperationException', 'Only POST / is served.', 404);
    if (!verification.ok) {
      return verification.reason === 'unknown-access-key'
        ? fail('UnrecognizedClientException', 'The security token included in the request is invalid.')
        : fail(
            'InvalidSignatureException',
            `The request signature we calculated does not match the signature you provided (${verification.reason}).`,
          );
    }
    if (target !== GET_SECRET_VALUE) return fail('UnknownOperationException', `This stand-in serves ${GET_SECRET_VALUE} only.`);
    if (!/^application\/x-amz-json-1\.1/.test(header(req.headers, 'content-type') ?? ''))
      return fail('SerializationException', 'Expected application/x-amz-json-1.1.');
    if (typeof secretId !== 'string' || secretId === '') return fail('InvalidParameterException', 'SecretId is required.');
    const name = nameOf(secretId);
    const fault = name === undefined ? undefined : faults.get(name);
    if (fault?.kind === 'access-denied') {
      return fail(
        'AccessDeniedException',
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/stand-in/function is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretId} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
      );
    }
    if (fault?.kind === 'throttled') return fail('ThrottlingException', 'Rate exceeded');
    if (fault?.kind === 'internal-error') return fail('InternalServiceError', 'An error occurred on the server side.', 500);
    if (fault?.kind === 'deleted')
      return fail('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    if (fault?.kind === 'decryption-failure')
      return fail('DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using the provided KMS key.");
    const stored = name === undefined ? undefined : store.get(name);
    if (name === undefined || stored === undefined)
      return fail('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return answer(200, {
      ARN: arnOf(name),
      Name: name,
      VersionId: stored.versionId,
      ...(stored.string !== undefined && { SecretString: stored.string }),
      ...(stored.binary !== undefined && { SecretBinary: stored.binary.toString('base64') }),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: stored.createdAt,
    });
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    arnOf,
    setSecret: (name, value) => put(name, { string: value }),
    setBinarySecret: (name, value) => put(name, { binary: value }),
    deleteSecret: (name) => {
      store.delete(name);
    },
    setFault: (name, fault) => {
      if (fault === undefined) faults.delete(name);
      else faults.set(name, fault);
    },
    requests,
    reads: (name) => requests.filter((r) => r.status === 200 && r.secretId !== undefined && nameOf(r.secretId) === name).length,
    close: () => (closing ??= closeServer(server)),
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

interface SigV4Expectation extends AwsKeyPair {
  region: string;
  service: string;
  maxSkewMs: number;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * AWS Signature Version 4, checked from its definition: the canonical request (method, path,
 * query, the signed headers, the body's SHA-256), the string to sign over the credential
 * scope, and the HMAC chain from the secret key. Exported for its own tests.
 */
export function verifySigV4(
  method: string,
  target: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  expected: SigV4Expectation,
): { ok: true } | { ok: false; reason: string } {
  const authorization = header(headers, 'authorization');
  if (authorization === undefined) return { ok: false, reason: 'authorization-missing' };
  const match = AUTHORIZATION.exec(authorization);
  if (match === null) return { ok: false, reason: 'authorization-malformed' };
  const [, accessKeyId, day, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (accessKeyId !== expected.accessKeyId) return { ok: false, reason: 'unknown-access-key' };
  if (region !== expected.region) return { ok: false, reason: `signed for region ${region}, not ${expected.region}` };
  if (service !== expected.service) return { ok: false, reason: `signed for service ${service}` };
  const amzDate = header(headers, 'x-amz-date');
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(day as string))
    return { ok: false, reason: 'x-amz-date missing or not the scope date' };
  const at = Date.UTC(
    +amzDate.slice(0, 4),
    +amzDate.slice(4, 6) - 1,
    +amzDate.slice(6, 8),
    +amzDate.slice(9, 11),
    +amzDate.slice(11, 13),
    +amzDate.slice(13, 15),
  );
  if (Math.abs(Date.now() - at) > expected.maxSkewMs) return { ok: false, reason: 'x-amz-date too far from the clock' };
  const signedHeaders = (signedHeaderList as string).split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date'))
    return { ok: false, reason: 'host or x-amz-date not signed' };
  const canonicalHeaders = signedHeaders.map((name) => {
    const value = header(headers, name);
    return value === undefined ? undefined : `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
  });
  if (canonicalHeaders.includes(undefined)) return { ok: false, reason: 'a signed header is missing' };
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : canonicalQuery(target.slice(q + 1));
  const hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
  const canonicalRequest = [method, path, query, canonicalHeaders.join(''), signedHeaderList, hex(body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonicalRequest)].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${expected.secretAccessKey}`, day as string), region as string), service as string),
    'aws4_request',
  );
  const computed = Buffer.from(hmac(signingKey, stringToSign).toString('hex'));
  const given = Buffer.from(signature as string);
  return computed.length === given.length && timingSafeEqual(computed, given) ? { ok: true } : { ok: false, reason: 'signature-mismatch' };
}

function canonicalQuery(query: string): string {
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string?])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v ?? ''}`)
    .join('&');
}
