/**
 * MRS (or the gateway in front of it) echoing the caller's credentials back: the built status
 * bundle, as deployed, against a loopback server of this test's own that answers errors whose
 * `error_msg` and headers carry the access key, the secret key, the security token and the
 * whole `Authorization` header of the request it got. (The emulator's `status` fault has a fixed
 * body and cannot echo the request's own signature, hence this server.)
 *
 * No secret value and no signature may reach a log line, a response or a thrown error; and the
 * echoed `error_msg` must still be logged (as `upstream.errorMessage` of the failure line) with
 * the secrets replaced by `[REDACTED]`, which proves the logger scrubbed it rather than that
 * nothing was printed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from '../../tools/loopback-http';
import { functionGraphContext, httpEvent } from '../fixtures/events';
import { coldStart, type Handler } from '../fixtures/load-bundle';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const KEYS = {
  accessKey: 'ECHOACCESSKEY0000001',
  secretKey: 'echo-secret-key-000000000000000000000001',
  securityToken: 'echo-security-token-0000000000000000001',
};
const REDACTED = '[REDACTED]';

/** What an error body's `error_msg` echoes; each fits the 200 characters the adapter keeps. */
type Echo = 'access key' | 'secret key' | 'security token' | 'authorization header' | 'all three keys';
const ECHOES: readonly Echo[] = ['access key', 'secret key', 'security token', 'authorization header', 'all three keys'];

interface Row {
  readonly status: number;
  readonly errorCode: string;
  readonly expected: string;
  readonly httpStatus: number;
  readonly headers?: Record<string, string>;
}

const ROWS: readonly Row[] = [
  { status: 400, errorCode: '12000002', expected: 'UpstreamRejected', httpStatus: 502 },
  { status: 401, errorCode: 'APIGW.0301', expected: 'UpstreamAuthFailed', httpStatus: 502 },
  { status: 403, errorCode: 'APIGW.0302', expected: 'UpstreamAuthFailed', httpStatus: 502 },
  { status: 500, errorCode: 'MRS.0001', expected: 'UpstreamUnavailable', httpStatus: 502 },
  { status: 429, errorCode: 'APIGW.0308', expected: 'UpstreamThrottled', httpStatus: 503, headers: { 'Retry-After': '0' } },
];

interface Received {
  readonly authorization: string;
  readonly securityToken: string | undefined;
}

let server: Server;
let url: string;
/** What the next requests are answered with; set by each test. */
let answer: { row: Row; echo: Echo } | undefined;
const received: Received[] = [];
const printed: string[] = [];

function errorMessage(echo: Echo, request: Received): string {
  switch (echo) {
    case 'access key':
      return `The access key ${KEYS.accessKey} is not valid here.`;
    case 'secret key':
      return `Signature mismatch: computed with secret ${KEYS.secretKey}.`;
    case 'security token':
      return `The token ${request.securityToken ?? ''} has expired.`;
    case 'authorization header':
      return request.authorization;
    case 'all three keys':
      return `ak=${KEYS.accessKey} sk=${KEYS.secretKey} token=${request.securityToken ?? ''}`;
  }
}

function echoing(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    const request: Received = {
      authorization: String(req.headers.authorization ?? ''),
      securityToken: req.headers['x-security-token'] as string | undefined,
    };
    received.push(request);
    if (answer === undefined) {
      res.writeHead(500).end();
      return;
    }
    const { row, echo } = answer;
    const body = JSON.stringify({ error_code: row.errorCode, error_msg: errorMessage(echo, request) });
    res.writeHead(row.status, {
      'Content-Type': 'application/json',
      'X-Request-Id': 'echo0000000000000000000000000001',
      'X-Echo-Authorization': request.authorization,
      'X-Echo-Keys': `${KEYS.accessKey} ${KEYS.secretKey} ${request.securityToken ?? ''}`,
      ...row.headers,
    });
    res.end(body);
  });
}

function capture(chunk: string | Uint8Array): boolean {
  printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  return true;
}

beforeAll(async () => {
  for (const stream of [process.stdout, process.stderr]) jest.spyOn(stream, 'write').mockImplementation(capture);
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
  }
  server = createServer(echoing);
  url = `http://127.0.0.1:${await listenOnLoopback(server, 0)}`;
});

afterAll(async () => {
  await closeServer(server);
  jest.restoreAllMocks();
});

/** A fresh instance per test, as the platform would start it, signing with the environment's keys and token. */
function instance(): Handler {
  return coldStart('iam-sync-status', {
    MRS_ENDPOINT: url,
    MRS_PROJECT_ID: PROJECT,
    HUAWEICLOUD_SDK_AK: KEYS.accessKey,
    HUAWEICLOUD_SDK_SK: KEYS.secretKey,
    HUAWEICLOUD_SDK_SECURITY_TOKEN: KEYS.securityToken,
    MRS_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'debug',
    STATUS_CACHE_TTL_SECONDS: '0',
    MRS_MAX_ATTEMPTS: '2',
    MRS_BREAKER_FAILURES: '1000',
  });
}

/** Log lines are JSON; the ones this invocation printed, parsed. */
function logLines(from: number): Array<Record<string, unknown>> {
  return printed
    .slice(from)
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function expectNoSecret(text: string, signatures: readonly string[]): void {
  for (const secret of [KEYS.accessKey, KEYS.secretKey, KEYS.securityToken, ...signatures]) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/Signature=[0-9a-f]{64}/);
}

const cases = ROWS.flatMap((row) => ECHOES.map((echo) => ({ ...row, echo })));

describe.each([
  ['an HTTP event', 'http'],
  ['a direct invocation', 'direct'],
] as const)('MRS echoing the credentials, for %s', (_label, kind) => {
  it.each(cases)('HTTP $status echoing the $echo -> $expected, with no secret anywhere and the scrubbed error_msg logged', async (row) => {
    answer = { row, echo: row.echo };
    received.length = 0;
    const from = printed.length;
    const handler = instance();
    const context = functionGraphContext({ remainingMs: 10_000 });

    let outcome: string;
    if (kind === 'http') {
      const response = (await handler(httpEvent('functiongraph-apig', 'c1'), context)) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      expect(response.statusCode).toBe(row.httpStatus);
      expect(JSON.parse(response.body).error.code).toBe(row.expected);
      outcome = JSON.stringify(response);
    } else {
      const error = (await handler({ cluster_id: 'c1' }, context).then(
        () => undefined,
        (thrown: unknown) => thrown,
      )) as Error | undefined;
      expect(error).toBeInstanceOf(Error);
      expect(error?.name).toBe(row.expected);
      outcome = [error?.message, error?.stack, JSON.stringify(error), JSON.stringify(error, Object.getOwnPropertyNames(error))].join('\n');
    }

    // MRS really got the credentials and echoed them: the check below is not vacuous.
    expect(received.length).toBeGreaterThanOrEqual(1);
    const signatures = received.map((r) => /Signature=([0-9a-f]{64})$/.exec(r.authorization)?.[1] ?? '');
    expect(signatures.every((s) => s.length === 64)).toBe(true);
    expect(received.every((r) => r.authorization.includes(`Access=${KEYS.accessKey}`) && r.securityToken === KEYS.securityToken)).toBe(
      true,
    );

    expectNoSecret(outcome, signatures);
    const output = printed.slice(from).join('');
    expectNoSecret(output, signatures);

    // The failure line logs MRS's error_msg, scrubbed: the secrets replaced, the rest kept.
    const failed = logLines(from).filter((line) => line.message === 'failed');
    expect(failed).toHaveLength(1);
    const upstream = failed[0]?.upstream as { httpStatus?: number; errorCode?: string; errorMessage?: string } | undefined;
    expect(upstream).toMatchObject({ httpStatus: row.status, errorCode: row.errorCode });
    const logged = upstream?.errorMessage ?? '';
    expect(logged).toContain(REDACTED);
    const unscrubbed = errorMessage(row.echo, received[received.length - 1] as Received);
    expect(logged).toBe(
      unscrubbed
        .split(KEYS.accessKey)
        .join(REDACTED)
        .split(KEYS.secretKey)
        .join(REDACTED)
        .split(KEYS.securityToken)
        .join(REDACTED)
        .replace(/Signature=[0-9a-f]{64}/, `Signature=${REDACTED}`),
    );
  });
});
