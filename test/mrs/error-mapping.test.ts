import {
  ClusterNotFound,
  ConfigurationError,
  UpstreamAuthFailed,
  UpstreamRejected,
  UpstreamThrottled,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../../lib/errors';
import { parseRetryAfter } from '../../lib/huawei/response';
import { errorForTransport } from '../../lib/huawei/signed-request';
import type { OutboundResponse } from '../../lib/huawei/transport';
import { TransportError } from '../../lib/huawei/transport';
import { errorForResponse } from '../../lib/mrs/error-mapping';
import { parseIamSyncStatus } from '../../lib/mrs/responses';

const c1 = { projectId: 'p1', clusterId: 'c1' };

function response(status: number, body: unknown, headers: Record<string, string> = {}): OutboundResponse {
  return { status, headers: { 'x-request-id': 'req-123', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

describe('errorForResponse', () => {
  it.each([
    [404, { error_code: 'MRS.404', error_msg: 'not found' }, ClusterNotFound, 404],
    [400, { error_code: '12000003', error_msg: 'The cluster does not exist.' }, ClusterNotFound, 404],
    [404, { error_code: 'APIGW.0101', error_msg: 'The API does not exist' }, ConfigurationError, 500],
    [401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information' }, UpstreamAuthFailed, 502],
    [403, { error_code: 'APIGW.0302', error_msg: 'forbidden' }, UpstreamAuthFailed, 502],
    [429, { error_code: 'APIGW.0308', error_msg: 'throttled' }, UpstreamThrottled, 503],
    [500, { error_code: '0023', error_msg: 'Failed to obtain cluster details.' }, UpstreamUnavailable, 502],
    [502, '<html>Bad Gateway</html>', UpstreamUnavailable, 502],
    [503, '', UpstreamUnavailable, 502],
    [504, 'gateway timeout', UpstreamUnavailable, 502],
    [400, { error_code: '0023', error_msg: 'Failed to obtain cluster details.' }, UpstreamRejected, 502],
    [409, {}, UpstreamRejected, 502],
    [302, '', UpstreamUnavailable, 502],
  ])('HTTP %i %j -> %p', (status, body, type, statusCode) => {
    const error = errorForResponse(response(status, body), c1);
    expect(error).toBeInstanceOf(type);
    expect(error.statusCode).toBe(statusCode);
    expect(error.message).toContain('X-Request-Id req-123');
    expect(error.upstream?.httpStatus).toBe(status);
  });

  it('carries the MRS error_code into the message, and never the free-text error_msg', () => {
    const error = errorForResponse(response(400, { error_code: '12000003', error_msg: 'internal detail <b>' }), c1);
    expect(error.message).toContain('MRS error_code 12000003');
    expect(error.message).not.toContain('internal detail');
    // The free text stays for the logs, cleaned and cut short.
    expect(error.upstream).toEqual({ httpStatus: 400, errorCode: '12000003', requestId: 'req-123', errorMessage: 'internal detail <b>' });
  });

  it('cuts a long error_msg and removes control characters from it', () => {
    const error = errorForResponse(response(500, { error_code: '0023', error_msg: `line one\nline two${'x'.repeat(500)}` }), c1);
    expect(error.upstream?.errorMessage).toMatch(/^line one line twox+\.\.\.$/);
    expect(error.upstream?.errorMessage?.length).toBeLessThanOrEqual(203);
  });

  it('names the project MRS was asked in when the cluster does not exist', () => {
    const error = errorForResponse(response(404, {}), { projectId: 'otherproject1', clusterId: 'gone' });
    expect(error.message).toContain('no cluster "gone" in project "otherproject1"');
    expect(error.message).not.toContain('configured project');
  });

  it('does not repeat an error_code that is not a short token', () => {
    const error = errorForResponse(response(500, { error_code: 'x'.repeat(200) }), c1);
    expect(error.upstream?.errorCode).toBeUndefined();
  });

  it('passes Retry-After on', () => {
    const throttled = errorForResponse(response(429, {}, { 'retry-after': '7' }), c1) as UpstreamThrottled;
    expect(throttled.retryAfterSeconds).toBe(7);
    expect(throttled.message).toContain('Retry after 7 s');
    const without = errorForResponse(response(429, {}), c1) as UpstreamThrottled;
    expect(without.retryAfterSeconds).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  it('reads seconds and HTTP dates, caps at an hour and ignores garbage', () => {
    expect(parseRetryAfter('3', now)).toBe(3);
    expect(parseRetryAfter('Sat, 28 Nov 2026 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sat, 28 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999', now)).toBe(3600);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('parseIamSyncStatus', () => {
  it('reads the boolean', () => {
    expect(parseIamSyncStatus(response(200, { is_synchronizing: true }))).toBe(true);
    expect(parseIamSyncStatus(response(200, { is_synchronizing: false }))).toBe(false);
  });

  it.each([['not json'], ['{}'], ['{"is_synchronizing":"false"}'], ['{"is_synchronizing":null}'], ['null'], ['[]'], ['<html></html>']])(
    'treats %s as an upstream failure, not as false',
    (body) => {
      expect(() => parseIamSyncStatus(response(200, body))).toThrow(UpstreamUnavailable);
    },
  );
});

describe('errorForTransport', () => {
  it('maps timeouts and network failures', () => {
    expect(errorForTransport('MRS', new TransportError('timeout', 'no answer within 5 ms'))).toBeInstanceOf(UpstreamTimeout);
    const reset = errorForTransport('MRS', new TransportError('network', 'socket hang up', 'ECONNRESET'));
    expect(reset).toBeInstanceOf(UpstreamUnavailable);
    expect(reset.message).toContain('ECONNRESET');
    expect(errorForTransport('MRS', new TransportError('too-large', 'big'))).toBeInstanceOf(UpstreamUnavailable);
  });
});
