import { InvalidRequest, UpstreamTimeout, UpstreamUnavailable } from '../../lib/errors';
import { createMrsClient } from '../../lib/mrs/client';
import { TransportError, type HttpRequest, type HttpResponse, type Send } from '../../lib/mrs/transport';

const credentials = { accessKey: 'AKEXAMPLE000', secretKey: 'SKEXAMPLE000000' };

function recordingSend(answer: HttpResponse | Error) {
  const calls: Array<{ request: HttpRequest; timeoutMs: number }> = [];
  const send: Send = async (request, timeoutMs) => {
    calls.push({ request, timeoutMs });
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { send, calls };
}

const ok: HttpResponse = { status: 200, headers: { 'x-request-id': 'r1' }, body: '{"is_synchronizing":true}' };

describe('MRS client', () => {
  const now = () => 1_000_000;

  it('asks GET /v2/{project}/clusters/{cluster}/iam-sync, signed, with the project header', async () => {
    const { send, calls } = recordingSend(ok);
    const client = createMrsClient({ endpoint: 'https://mrs.cn-north-4.myhuaweicloud.com', projectId: 'p1', requestTimeoutMs: 3000, send, now });
    await expect(client.getIamSyncStatus('c-1_A', { credentials: () => credentials })).resolves.toEqual({ isSynchronizing: true, requestId: 'r1' });
    expect(calls).toHaveLength(1);
    const { request } = calls[0]!;
    expect(request.method).toBe('GET');
    expect(request.url.href).toBe('https://mrs.cn-north-4.myhuaweicloud.com/v2/p1/clusters/c-1_A/iam-sync');
    expect(request.headers['X-Project-Id']).toBe('p1');
    expect(request.headers['X-Sdk-Date']).toBe('19700101T001640Z');
    expect(request.headers.Authorization).toMatch(/^SDK-HMAC-SHA256 Access=AKEXAMPLE000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/);
    expect(request.headers['X-Security-Token']).toBeUndefined();
  });

  it('sends and signs X-Security-Token for temporary credentials', async () => {
    const { send, calls } = recordingSend(ok);
    const client = createMrsClient({ endpoint: 'https://mrs.example.com', projectId: 'p1', requestTimeoutMs: 3000, send, now });
    await client.getIamSyncStatus('c1', { credentials: () => ({ ...credentials, securityToken: 'TOKEN' }) });
    expect(calls[0]?.request.headers['X-Security-Token']).toBe('TOKEN');
    expect(calls[0]?.request.headers.Authorization).toContain('x-sdk-date;x-security-token');
  });

  it('refuses an invalid cluster id itself, whatever its caller checked, and sends nothing', async () => {
    const { send, calls } = recordingSend(ok);
    const client = createMrsClient({ endpoint: 'https://mrs.example.com', projectId: 'p1', requestTimeoutMs: 3000, send, now });
    await expect(client.getIamSyncStatus('../clusters', { credentials: () => credentials })).rejects.toThrow(InvalidRequest);
    expect(calls).toHaveLength(0);
  });

  it('waits at most the request timeout, and never past the deadline', async () => {
    const { send, calls } = recordingSend(ok);
    const client = createMrsClient({ endpoint: 'https://mrs.example.com', projectId: 'p1', requestTimeoutMs: 3000, send, now });
    await client.getIamSyncStatus('c1', { credentials: () => credentials });
    await client.getIamSyncStatus('c1', { credentials: () => credentials, deadlineAt: now() + 10_000 });
    await client.getIamSyncStatus('c1', { credentials: () => credentials, deadlineAt: now() + 1200 });
    expect(calls.map((c) => c.timeoutMs)).toEqual([3000, 3000, 1200]);
  });

  it('answers UpstreamTimeout without a request when the deadline has passed', async () => {
    const { send, calls } = recordingSend(ok);
    const client = createMrsClient({ endpoint: 'https://mrs.example.com', projectId: 'p1', requestTimeoutMs: 3000, send, now });
    await expect(client.getIamSyncStatus('c1', { credentials: () => credentials, deadlineAt: now() })).rejects.toThrow(UpstreamTimeout);
    expect(calls).toHaveLength(0);
  });

  it('maps transport failures and bad answers', async () => {
    const reset = createMrsClient({ endpoint: 'https://x.example', projectId: 'p', requestTimeoutMs: 10, send: recordingSend(new TransportError('network', 'reset', 'ECONNRESET')).send });
    await expect(reset.getIamSyncStatus('c1', { credentials: () => credentials })).rejects.toThrow(UpstreamUnavailable);
    const slow = createMrsClient({ endpoint: 'https://x.example', projectId: 'p', requestTimeoutMs: 10, send: recordingSend(new TransportError('timeout', 'slow')).send });
    await expect(slow.getIamSyncStatus('c1', { credentials: () => credentials })).rejects.toThrow(UpstreamTimeout);
    const empty = createMrsClient({ endpoint: 'https://x.example', projectId: 'p', requestTimeoutMs: 10, send: recordingSend({ status: 200, headers: {}, body: '{}' }).send });
    await expect(empty.getIamSyncStatus('c1', { credentials: () => credentials })).rejects.toThrow(/without a boolean is_synchronizing/);
  });
});
