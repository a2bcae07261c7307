import { httpEvent } from '../fixtures/events';
import { stubbedStatusHandler } from '../fixtures/stub-handler';

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const preflight = (origin: string) =>
  httpEvent('aws-http-v2', 'c1', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });

describe('CORS', () => {
  it('adds no CORS headers, and answers OPTIONS with 405, when CORS_ALLOW_ORIGINS is unset', async () => {
    const { handler } = stubbedStatusHandler();
    const answer = (await handler(
      httpEvent('aws-http-v2', 'c1', { headers: { Origin: 'https://console.example.com' } }),
      {},
    )) as HttpAnswer;
    expect(answer.headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect(((await handler(preflight('https://console.example.com'), {})) as HttpAnswer).statusCode).toBe(405);
  });

  it('answers a preflight from an allowed origin, without calling MRS', async () => {
    const { handler, calls } = stubbedStatusHandler({
      env: { CORS_ALLOW_ORIGINS: 'https://console.example.com, https://ops.example.com' },
    });
    const answer = (await handler(preflight('https://ops.example.com'), {})) as HttpAnswer;
    expect(answer.statusCode).toBe(204);
    expect(answer.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://ops.example.com',
      'Access-Control-Allow-Methods': 'GET',
      Vary: 'Origin',
    });
    expect(calls).toHaveLength(0);
  });

  it('lets an allowed origin read answers and errors, and no other', async () => {
    const { handler } = stubbedStatusHandler({ env: { CORS_ALLOW_ORIGINS: 'https://console.example.com' } });
    const allowed = (await handler(
      httpEvent('functiongraph-apig', 'c1', { headers: { Origin: 'https://console.example.com' } }),
      {},
    )) as HttpAnswer;
    expect(allowed.headers['Access-Control-Allow-Origin']).toBe('https://console.example.com');
    expect(allowed.headers['Access-Control-Expose-Headers']).toContain('X-Cache');
    const error = (await handler(
      httpEvent('functiongraph-apig', 'a/b', { headers: { Origin: 'https://console.example.com' } }),
      {},
    )) as HttpAnswer;
    expect(error.statusCode).toBe(400);
    expect(error.headers['Access-Control-Allow-Origin']).toBe('https://console.example.com');
    const other = (await handler(httpEvent('functiongraph-apig', 'c1', { headers: { Origin: 'https://evil.example' } }), {})) as HttpAnswer;
    expect(other.headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect(((await handler(preflight('https://evil.example'), {})) as HttpAnswer).statusCode).toBe(405);
  });

  it('answers any origin with * when told to', async () => {
    const { handler } = stubbedStatusHandler({ env: { CORS_ALLOW_ORIGINS: '*' } });
    const answer = (await handler(httpEvent('aws-rest-v1', 'c1', { headers: { Origin: 'https://a.example' } }), {})) as HttpAnswer;
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('*');
  });
});

describe('request bodies', () => {
  const withBody = (body: string, isBase64Encoded: boolean) => ({ ...httpEvent('functiongraph-apig', 'c1'), body, isBase64Encoded });

  it('refuses a body over 8 KiB with 413 before reading it, and without calling MRS', async () => {
    const { handler, calls } = stubbedStatusHandler();
    const big = (await handler(withBody('x'.repeat(8 * 1024 + 1), false), {})) as HttpAnswer;
    expect(big.statusCode).toBe(413);
    expect(JSON.parse(big.body).error.code).toBe('PayloadTooLarge');
    const bigBase64 = (await handler(withBody(Buffer.alloc(9000).toString('base64'), true), {})) as HttpAnswer;
    expect(bigBase64.statusCode).toBe(413);
    expect(calls).toHaveLength(0);
  });

  it('ignores a small body', async () => {
    const { handler } = stubbedStatusHandler();
    const small = (await handler(withBody(Buffer.alloc(6000).toString('base64'), true), {})) as HttpAnswer;
    expect(small.statusCode).toBe(200);
  });
});

describe('security headers', () => {
  it('marks every HTTP answer nosniff, and errors no-store', async () => {
    const { handler } = stubbedStatusHandler();
    const ok = (await handler(httpEvent('aws-http-v2', 'c1'), {})) as HttpAnswer;
    const bad = (await handler(httpEvent('aws-http-v2', 'a b'), {})) as HttpAnswer;
    expect(ok.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(bad.headers).toMatchObject({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  });
});
