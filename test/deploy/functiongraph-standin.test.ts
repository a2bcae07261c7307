/**
 * The FunctionGraph stand-in itself: it refuses bad signatures as APIG does, keeps to its
 * project, answers an injected failure once, and serves an ECS node's metadata credentials
 * (which the deploy tool then signs with, security token included).
 */
import { createSdkApi, FunctionGraphCallError } from '../../deploy/functiongraph/client';
import type { FunctionGraphStandIn } from '../../emulator/functiongraph';
import {
  ACCESS_KEY,
  deploy,
  exampleConfig,
  PROJECT_ID,
  REDIS_URL,
  SECRET_KEY,
  standIn,
  type Workspace,
  workspace,
} from './functiongraph-helpers';

describe('FunctionGraph stand-in', () => {
  let fg: FunctionGraphStandIn;
  beforeAll(async () => {
    fg = await standIn({
      credentials: [
        { accessKey: ACCESS_KEY, secretKey: SECRET_KEY },
        { accessKey: 'NODEAGENCYKEY', secretKey: 'node-agency-secret', securityToken: 'node-agency-token' },
      ],
      metadata: { credentials: [{ accessKey: 'NODEAGENCYKEY', secretKey: 'node-agency-secret', securityToken: 'node-agency-token' }] },
    });
  });
  afterAll(() => fg.close());
  beforeEach(() => fg.resetCalls());

  const api = (secretKey = SECRET_KEY, projectId = PROJECT_ID) =>
    createSdkApi({ endpoint: fg.url, projectId, credentials: { accessKey: ACCESS_KEY, secretKey } });

  it('answers a correctly signed call', async () => {
    await expect(api().listFunctions('mrs-iam-sync')).resolves.toEqual([]);
    expect(fg.calls[0]).toMatchObject({ method: 'GET', operation: 'listFunctions', status: 200, verification: { ok: true } });
  });

  it("refuses a wrong signature with APIG's 401 APIGW.0301, and an unsigned request", async () => {
    const error = await api('not-the-secret')
      .listFunctions('mrs-iam-sync')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FunctionGraphCallError);
    expect(error).toMatchObject({
      status: 401,
      errorCode: 'APIGW.0301',
      message: 'Incorrect IAM authentication information: verify aksk signature fail',
    });
    const unsigned = await fetch(`${fg.url}/v2/${PROJECT_ID}/fgs/functions`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
    });
    expect(fg.calls.map((c) => c.verification.ok)).toEqual([false, false]);
  });

  it('keeps to its project', async () => {
    await expect(api(SECRET_KEY, 'ffffffffffffffffffffffffffffffff').listFunctions('x')).rejects.toMatchObject({
      status: 403,
      errorCode: 'APIGW.0302',
    });
  });

  it('answers an injected failure once, then serves again', async () => {
    fg.failNext('listFunctions', { status: 503 });
    await expect(api().listFunctions('x')).rejects.toMatchObject({ status: 503, errorCode: 'FSS.0500' });
    await expect(api().listFunctions('x')).resolves.toEqual([]);
    expect(fg.calls.map((c) => [c.status, c.injected ?? false])).toEqual([
      [503, true],
      [200, false],
    ]);
  });

  it("the deploy tool takes the node agency's credentials from the metadata service and signs with its token", async () => {
    const ws: Workspace = workspace();
    try {
      const run = await deploy(
        ['--config', ws.writeConfig(exampleConfig()), '--apply'],
        { FUNCTIONGRAPH_ENDPOINT: fg.url, ECS_METADATA_URL: `${fg.url}/openstack/latest/securitykey`, IAM_SYNC_REDIS_URL: REDIS_URL },
        ws.packagesDir,
      );
      expect(run.code).toBe(0);
      expect(fg.writes.length).toBeGreaterThan(0);
      expect(fg.calls.every((c) => c.verification.ok && c.verification.accessKey === 'NODEAGENCYKEY')).toBe(true);
      expect(run.text).not.toContain('node-agency');
    } finally {
      ws.remove();
    }
  });

  it('without keys and without a metadata service the deploy tool says what to set', async () => {
    const ws: Workspace = workspace();
    try {
      const run = await deploy(
        ['--config', ws.writeConfig(exampleConfig())],
        {
          FUNCTIONGRAPH_ENDPOINT: fg.url,
          ECS_METADATA_URL: 'http://127.0.0.1:9/openstack/latest/securitykey',
          IAM_SYNC_REDIS_URL: REDIS_URL,
        },
        ws.packagesDir,
      );
      expect(run.code).toBe(2);
      expect(run.err[0]).toMatch(
        /^No credentials: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not set, and the ECS metadata service at http:\/\/127\.0\.0\.1:9 gave none\. Set/,
      );
      expect(fg.calls).toEqual([]);
    } finally {
      ws.remove();
    }
  });

  it('refuses plain http to anything but loopback', async () => {
    const ws: Workspace = workspace();
    try {
      const run = await deploy(
        ['--config', ws.writeConfig(exampleConfig())],
        {
          FUNCTIONGRAPH_ENDPOINT: 'http://functiongraph.example.com',
          HUAWEICLOUD_SDK_AK: 'x1234',
          HUAWEICLOUD_SDK_SK: 'y1234',
          IAM_SYNC_REDIS_URL: REDIS_URL,
        },
        ws.packagesDir,
      );
      expect(run.code).toBe(2);
      expect(run.err).toEqual(['FUNCTIONGRAPH_ENDPOINT may use plain http only on a loopback host (tests); use https.']);
    } finally {
      ws.remove();
    }
  });
});
