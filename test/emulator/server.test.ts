import { Agent } from 'node:http';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../emulator/server';
import { json, type Reply, send } from '../fixtures/http-client';
import { REQUEST_ID, sdkSign } from './helpers';

const PROJECT = 'aaaabbbbccccdddd0000111122223333';
const PERMANENT = { accessKey: 'PERMANENTAK000000001', secretKey: 'permanent-secret-key-0001' };
const TEMPORARY = {
  accessKey: 'TEMPORARYAK000000002',
  secretKey: 'temporary-secret-key-0002',
  securityToken: 'temporary-security-token-0002',
};

function options(overrides: Partial<EmulatorOptions> = {}): EmulatorOptions {
  return { projectId: PROJECT, credentials: [PERMANENT, TEMPORARY], clusters: { 'c-idle': false, 'c-sync': true }, ...overrides };
}

interface CallOptions {
  credential?: { accessKey: string; secretKey: string };
  project?: string;
  clusterId?: string;
  /** Replaces the whole path after the host. */
  path?: string;
  method?: string;
  /** Added before signing (so signed). */
  signed?: Record<string, string>;
  /** Applied to the signed headers before sending. */
  alter?: (headers: Record<string, string>) => void;
  agent?: Agent;
}

/** A request the way sdk-core makes it: Content-Type and X-Project-Id signed along. */
function call(emulator: Emulator, o: CallOptions = {}): Promise<Reply> {
  const path = o.path ?? `/v2/${o.project ?? PROJECT}/clusters/${o.clusterId ?? 'c-idle'}/iam-sync`;
  const url = `${emulator.url}${path}`;
  const credential = o.credential ?? PERMANENT;
  const headers = sdkSign(url, {
    ...credential,
    method: o.method ?? 'GET',
    headers: { 'Content-Type': 'application/json', 'X-Project-Id': o.project ?? PROJECT, ...o.signed },
  });
  o.alter?.(headers);
  return send(url, { method: o.method ?? 'GET', headers, ...(o.agent ? { agent: o.agent } : {}) });
}

function expectApigw(reply: Reply, status: number, code: string, message: string | RegExp): void {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('application/json');
  expect(reply.headers['x-request-id']).toMatch(REQUEST_ID);
  const body = json(reply) as Record<string, unknown>;
  expect(body.error_code).toBe(code);
  expect(body.error_msg).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
  expect(body.request_id).toBe(reply.headers['x-request-id']);
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator(options());
});
afterEach(() => emulator.reset());
afterAll(() => emulator.close());

describe('a correctly signed request', () => {
  it.each([
    ['c-idle', false],
    ['c-sync', true],
  ])('gets the state of %s', async (clusterId, expected) => {
    const reply = await call(emulator, { clusterId });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers['x-request-id']).toMatch(REQUEST_ID);
    expect(json(reply)).toEqual({ is_synchronizing: expected });
  });

  it('is recorded with its raw path, headers and verification outcome', async () => {
    await call(emulator, { clusterId: 'c-sync' });
    expect(emulator.requests).toHaveLength(1);
    const [recorded] = emulator.requests;
    expect(recorded).toMatchObject({
      method: 'GET',
      path: `/v2/${PROJECT}/clusters/c-sync/iam-sync`,
      query: '',
      verification: { ok: true, accessKey: PERMANENT.accessKey },
      status: 200,
    });
    expect(recorded.headers.authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=PERMANENTAK000000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date, /,
    );
  });

  it('with a temporary key and its token signed is accepted', async () => {
    const reply = await call(emulator, { credential: TEMPORARY, signed: { 'X-Security-Token': TEMPORARY.securityToken } });
    expect(reply.status).toBe(200);
  });

  it('with signed query parameters is accepted', async () => {
    const url = `${emulator.url}/v2/${PROJECT}/clusters/c-idle/iam-sync?b=2&a=x%20y`;
    const headers = sdkSign(url, { ...PERMANENT, queryParams: { b: '2', a: 'x y' } });
    const reply = await send(url, { headers });
    expect(reply.status).toBe(200);
    expect(emulator.requests[0].query).toBe('b=2&a=x%20y');
  });

  it('follows setCluster and removeCluster', async () => {
    emulator.setCluster('c-new', true);
    expect(json(await call(emulator, { clusterId: 'c-new' }))).toEqual({ is_synchronizing: true });
    emulator.setCluster('c-new', false);
    expect(json(await call(emulator, { clusterId: 'c-new' }))).toEqual({ is_synchronizing: false });
    emulator.removeCluster('c-new');
    expect((await call(emulator, { clusterId: 'c-new' })).status).toBe(400);
  });

  it('works over one kept-alive socket', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await call(emulator, { agent });
      const second = await call(emulator, { clusterId: 'c-sync', agent });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(json(second)).toEqual({ is_synchronizing: true });
      expect(second.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('rejects invalid options and cluster ids', async () => {
    await expect(startEmulator(options({ projectId: 'has-dash' }))).rejects.toThrow(RangeError);
    await expect(startEmulator(options({ credentials: [PERMANENT, PERMANENT] }))).rejects.toThrow(/twice/);
    expect(() => emulator.setCluster('bad id!', true)).toThrow(RangeError);
  });
});

describe('authentication failures answer 401 APIGW.0301', () => {
  const prefix = 'Incorrect IAM authentication information: ';

  it('tampered signature', async () => {
    const reply = await call(emulator, {
      alter: (h) => {
        h.Authorization = h.Authorization.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
      },
    });
    expectApigw(reply, 401, 'APIGW.0301', `${prefix}verify aksk signature fail`);
    expect(emulator.requests[0].verification).toMatchObject({ ok: false, reason: 'signature-mismatch' });
  });

  it('wrong secret key, and the body echoes neither key nor signature', async () => {
    let signature = '';
    const reply = await call(emulator, {
      credential: { accessKey: PERMANENT.accessKey, secretKey: 'not-the-secret' },
      alter: (h) => {
        signature = /Signature=([0-9a-f]+)/.exec(h.Authorization)?.[1] ?? '';
      },
    });
    expectApigw(reply, 401, 'APIGW.0301', `${prefix}verify aksk signature fail`);
    expect(signature).toHaveLength(64);
    expect(reply.body).not.toContain(signature);
    expect(reply.body).not.toContain('not-the-secret');
  });

  it('unknown access key', async () => {
    const reply = await call(emulator, { credential: { accessKey: 'UNKNOWNAK', secretKey: PERMANENT.secretKey } });
    expectApigw(reply, 401, 'APIGW.0301', `${prefix}ak UNKNOWNAK not exist`);
  });

  it('no Authorization header', async () => {
    const reply = await send(`${emulator.url}/v2/${PROJECT}/clusters/c-idle/iam-sync`);
    expectApigw(reply, 401, 'APIGW.0301', `${prefix}x-auth-token not found`);
  });

  it('unparseable Authorization header', async () => {
    const reply = await call(emulator, {
      alter: (h) => {
        h.Authorization = 'Basic dXNlcjpwYXNz';
      },
    });
    expectApigw(reply, 401, 'APIGW.0301', /not a valid SDK-HMAC-SHA256 authorization/);
  });

  it('missing X-Sdk-Date', async () => {
    const reply = await call(emulator, { alter: (h) => void delete h['X-Sdk-Date'] });
    expectApigw(reply, 401, 'APIGW.0301', `${prefix}x-sdk-date not found`);
  });

  it('malformed X-Sdk-Date', async () => {
    const reply = await call(emulator, {
      alter: (h) => {
        h['X-Sdk-Date'] = new Date().toISOString();
      },
    });
    expectApigw(reply, 401, 'APIGW.0301', /x-sdk-date is not in the format/);
  });

  it('a signed header that was not sent', async () => {
    const reply = await call(emulator, { alter: (h) => void delete h['X-Project-Id'] });
    expectApigw(reply, 401, 'APIGW.0301', /signed header x-project-id not found/);
  });

  it('temporary key without its token', async () => {
    const reply = await call(emulator, { credential: TEMPORARY });
    expectApigw(reply, 401, 'APIGW.0301', `${prefix}x-security-token not found, ak ${TEMPORARY.accessKey} is a temporary access key`);
  });

  it('temporary key with another token, which is not echoed', async () => {
    const reply = await call(emulator, { credential: TEMPORARY, signed: { 'X-Security-Token': 'someone-elses-token' } });
    expectApigw(reply, 401, 'APIGW.0301', /x-security-token does not belong to ak/);
    expect(reply.body).not.toContain('someone-elses-token');
    expect(reply.body).not.toContain(TEMPORARY.securityToken);
  });

  it('temporary key with its token sent but not signed', async () => {
    const reply = await call(emulator, {
      credential: TEMPORARY,
      alter: (h) => {
        h['X-Security-Token'] = TEMPORARY.securityToken;
      },
    });
    expectApigw(reply, 401, 'APIGW.0301', `${prefix}x-security-token is not among the signed headers`);
  });

  it('authentication comes before routing', async () => {
    const reply = await send(`${emulator.url}/no/such/api`);
    expect(reply.status).toBe(401);
  });
});

describe('the clock', () => {
  const minutes = (n: number) => n * 60_000;
  let skewed: Emulator | undefined;
  afterEach(() => skewed?.close());

  it.each([
    ['16 minutes behind the client', 401, minutes(-16)],
    ['16 minutes ahead of the client', 401, minutes(16)],
    ['14 minutes ahead of the client', 200, minutes(14)],
  ])('server %s -> %d', async (_label, status, offset) => {
    skewed = await startEmulator(options({ now: () => Date.now() + offset }));
    const reply = await call(skewed);
    expect(reply.status).toBe(status);
    if (status === 401) expectApigw(reply, 401, 'APIGW.0301', /x-sdk-date is too far from the server time/);
  });

  it('honours maxClockSkewSeconds', async () => {
    skewed = await startEmulator(options({ now: () => Date.now() + 120_000, maxClockSkewSeconds: 60 }));
    expect((await call(skewed)).status).toBe(401);
  });
});

describe('routing', () => {
  it('a project id other than the emulator’s -> 403', async () => {
    const reply = await call(emulator, { project: 'ffffffffffffffffffffffffffffffff' });
    expectApigw(reply, 403, 'APIGW.0302', /project ID in the request does not match the credentials/);
  });

  it('an X-Project-Id header other than the path’s -> 403', async () => {
    const reply = await call(emulator, { signed: { 'X-Project-Id': 'ffffffffffffffffffffffffffffffff' } });
    expect(reply.status).toBe(403);
  });

  it('an unknown cluster -> 400 12000003 (an MRS body, no request_id)', async () => {
    const reply = await call(emulator, { clusterId: 'c-missing' });
    expect(reply.status).toBe(400);
    expect(reply.headers['x-request-id']).toMatch(REQUEST_ID);
    expect(json(reply)).toEqual({ error_code: '12000003', error_msg: 'The cluster does not exist.' });
  });

  it.each([
    `/v2/${PROJECT}/clusters/c-idle/iam-sync/is-synchronous/`,
    `/v2/${PROJECT}/clusters/c-idle/iam-sync-users`,
    `/v2/${PROJECT}/clusters/c-idle/iam-sync/`,
    `/v1/${PROJECT}/clusters/c-idle/iam-sync`,
    '/',
  ])('an unknown path %s -> 404', async (path) => {
    const reply = await call(emulator, { path });
    expectApigw(reply, 404, 'APIGW.0101', 'The API does not exist or has not been published in the environment.');
  });

  it('another method on the API path -> 404', async () => {
    const reply = await call(emulator, { method: 'POST' });
    expectApigw(reply, 404, 'APIGW.0101', 'The API does not exist.');
  });
});
