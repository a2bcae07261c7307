/**
 * The status function's one log line per invocation: an answer served stale is logged at
 * warn with `cache: 'stale'` (a hit at info with `cache: 'hit'`); a CORS preflight, which
 * middy answers before the after steps run, still writes exactly one `answered` line; and a
 * failure from MRS carries MRS's free-text `error_msg` in the `failed` line's
 * `upstream.errorMessage`, cut short, but never in what the caller is told.
 */
import { loadConfig } from '../../lib/config';
import { functionParts } from '../../lib/composition/parts';
import { UpstreamUnavailable } from '../../lib/errors';
import type { OutboundRequest, OutboundResponse, Send } from '../../lib/huawei/transport';
import { createLogger } from '../../lib/log';
import { createStatusHandler } from '../../lib/status/handler';
import { functionGraphContext, HTTP_SHAPES, httpEvent } from '../fixtures/events';
import { stubbedStatusHandler } from '../fixtures/stub-handler';

type Line = Record<string, unknown> & { level: string; message: string };
interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const parse = (logs: string[]): Line[] => logs.map((line) => JSON.parse(line) as Line);
const withMessage = (logs: string[], message: string) => parse(logs).filter((line) => line.message === message);

describe('status logging: cache outcomes', () => {
  /** A stub MRS that answers until told to fail. */
  function flaky() {
    let failing = false;
    const stub = stubbedStatusHandler({
      answer: () =>
        failing
          ? new UpstreamUnavailable('MRS failed to answer (HTTP 503). Retry shortly.')
          : { isSynchronizing: true, requestId: 'mrs-1' },
    });
    return { ...stub, fail: () => (failing = true) };
  }

  it('logs a miss and a hit at info, with their cache status', async () => {
    const { handler, logs } = flaky();
    await expect(handler({ cluster_id: 'c1' }, functionGraphContext())).resolves.toMatchObject({ cache: { status: 'miss' } });
    await expect(handler({ cluster_id: 'c1' }, functionGraphContext())).resolves.toMatchObject({ cache: { status: 'hit' } });
    const answered = withMessage(logs, 'answered');
    expect(answered).toHaveLength(2);
    expect(answered[0]).toMatchObject({ level: 'info', cache: 'miss' });
    expect(answered[1]).toMatchObject({ level: 'info', cache: 'hit' });
  });

  it('logs an answer served stale at warn, with cache stale and its age', async () => {
    const { handler, logs, fail, calls } = flaky();
    await handler({ cluster_id: 'c1' }, functionGraphContext());
    fail();
    // Fresh: the cached answer will not do, MRS is asked and fails, the cached answer is served stale.
    await expect(handler({ cluster_id: 'c1', fresh: true }, functionGraphContext())).resolves.toMatchObject({ cache: { status: 'stale' } });
    expect(calls).toHaveLength(2);
    const answered = withMessage(logs, 'answered');
    expect(answered).toHaveLength(2);
    expect(answered[1]).toMatchObject({ level: 'warn', cache: 'stale', age_seconds: expect.any(Number) });
    expect(withMessage(logs, 'failed')).toHaveLength(0);
  });

  it.each(HTTP_SHAPES)('logs a stale HTTP answer (%s) at warn too, with status 200 and X-Cache STALE', async (shape) => {
    const { handler, logs, fail } = flaky();
    await handler(httpEvent(shape, 'c1'), functionGraphContext());
    fail();
    const response = (await handler(
      httpEvent(shape, 'c1', { headers: { 'Cache-Control': 'no-cache' } }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(response.headers['X-Cache']).toBe('STALE');
    expect(withMessage(logs, 'answered')[1]).toMatchObject({ level: 'warn', cache: 'stale', status: 200 });
  });
});

describe('status logging: CORS preflights', () => {
  const ORIGIN = 'https://console.example.com';

  it.each(HTTP_SHAPES)('a preflight (%s) writes exactly one answered line, status 204, preflight true', async (shape) => {
    const { handler, logs, calls } = stubbedStatusHandler({ env: { CORS_ALLOW_ORIGINS: `${ORIGIN},https://other.example.com` } });
    const event = httpEvent(shape, 'c1', { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' } });
    const response = (await handler(event, functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(204);
    expect(calls).toHaveLength(0);
    const lines = parse(logs);
    expect(lines.filter((line) => line.message === 'answered')).toEqual([
      expect.objectContaining({ level: 'info', status: 204, preflight: true, request_id: 'fg-request-1' }),
    ]);
    expect(lines.filter((line) => line.message === 'failed')).toHaveLength(0);
  });

  it('an ordinary request after a preflight is not marked as one', async () => {
    const { handler, logs } = stubbedStatusHandler({ env: { CORS_ALLOW_ORIGINS: ORIGIN } });
    await handler(
      httpEvent('aws-http-v2', 'c1', { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' } }),
      functionGraphContext(),
    );
    await handler(httpEvent('aws-http-v2', 'c1', { headers: { Origin: ORIGIN } }), functionGraphContext());
    const answered = withMessage(logs, 'answered');
    expect(answered).toHaveLength(2);
    expect(answered[1]).toMatchObject({ status: 200 });
    expect(answered[1]?.preflight).toBeUndefined();
  });
});

describe('status logging: what MRS said, for the log only', () => {
  const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
  const SECRET_SAYING = 'Quota-Backend-7 refused: tenant acme internal shard db-eu-17 is read-only';
  const LONG_SAYING = `${SECRET_SAYING} ${'x'.repeat(400)} TAIL-THAT-IS-CUT`;

  /** The real client and error mapping, over a transport that answers `answer` to MRS. */
  function withMrsAnswering(answer: OutboundResponse) {
    const logs: string[] = [];
    const sent: OutboundRequest[] = [];
    const send: Send = async (request) => {
      sent.push(request);
      return answer;
    };
    const handler = createStatusHandler(() =>
      functionParts(
        loadConfig({
          MRS_REGION: 'cn-north-4',
          MRS_PROJECT_ID: PROJECT,
          HUAWEICLOUD_SDK_AK: 'AKLOGGING00000001',
          HUAWEICLOUD_SDK_SK: 'SKLOGGING0000000000000001',
          MRS_MAX_ATTEMPTS: '1',
        }),
        { send, log: createLogger({ level: 'info', write: (line) => logs.push(line) }) },
      ),
    ) as (event: unknown, context: unknown) => Promise<unknown>;
    return { handler, logs, sent };
  }
  const mrsError = (status: number, message: string): OutboundResponse => ({
    status,
    headers: { 'x-request-id': 'mrs-req-9' },
    body: JSON.stringify({ error_code: 'MRS.1234', error_msg: message }),
  });

  it.each([
    ['a plain 400', 400, 'UpstreamRejected'],
    ['a 503', 503, 'UpstreamUnavailable'],
    ['a 403', 403, 'UpstreamAuthFailed'],
  ])('%s: the failed line has upstream.errorMessage; the HTTP answer does not', async (_label, status, code) => {
    const { handler, logs, sent } = withMrsAnswering(mrsError(status, SECRET_SAYING));
    const response = (await handler(httpEvent('aws-rest-v1', 'c1'), functionGraphContext())) as HttpAnswer;
    expect(sent).toHaveLength(1);
    expect(response.statusCode).toBe(502);
    const { error } = JSON.parse(response.body) as { error: { code: string; message: string } };
    expect(error.code).toBe(code);
    expect(response.body).not.toContain('Quota-Backend-7');
    expect(error.message).not.toContain(SECRET_SAYING);
    const failed = withMessage(logs, 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      level: 'error',
      upstream: { httpStatus: status, errorCode: 'MRS.1234', requestId: 'mrs-req-9', errorMessage: SECRET_SAYING },
      error: { name: code },
    });
    expect(JSON.stringify(failed[0]?.error)).not.toContain('Quota-Backend-7');
  });

  it('a direct caller is not told either: the thrown error carries no error_msg', async () => {
    const { handler, logs } = withMrsAnswering(mrsError(400, SECRET_SAYING));
    const thrown = await handler({ cluster_id: 'c1' }, functionGraphContext()).catch((e: Error) => e);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('UpstreamRejected');
    expect((thrown as Error).message).not.toContain('Quota-Backend-7');
    expect(withMessage(logs, 'failed')[0]).toMatchObject({ upstream: { errorMessage: SECRET_SAYING } });
  });

  it('cuts a long error_msg to about 200 characters in the log', async () => {
    const { handler, logs } = withMrsAnswering(mrsError(400, LONG_SAYING));
    const response = (await handler(httpEvent('aws-http-v2', 'c1'), functionGraphContext())) as HttpAnswer;
    expect(response.body).not.toContain('Quota-Backend-7');
    const logged = (withMessage(logs, 'failed')[0]?.upstream as { errorMessage: string } | undefined)?.errorMessage ?? '';
    expect(logged.startsWith(SECRET_SAYING)).toBe(true);
    expect(logged.length).toBeGreaterThanOrEqual(190);
    expect(logged.length).toBeLessThanOrEqual(210);
    expect(logged).not.toContain('TAIL-THAT-IS-CUT');
  });
});
