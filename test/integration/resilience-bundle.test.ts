/**
 * The built status bundle, as deployed, against the local emulator, for what the "one
 * house" restructuring changed in behaviour:
 *
 * - an ECS metadata service that is briefly unreachable or failing (5xx) is an upstream
 *   outage: a cached answer is served stale, and without one the caller gets
 *   UpstreamUnavailable (502), not ConfigurationError; a 404 from it is a ConfigurationError;
 * - errors thrown to direct callers keep their class names in the minified bundle;
 * - the project looked up from IAM may be named by the caller, another one not.
 *
 * The emulator's metadata service is never faulted, so a tiny loopback metadata service of
 * this file's own plays the failing one. It hands out credentials that have already
 * expired, so that every MRS attempt asks it again (as a node does when its credentials
 * are due), and answers the way `mode` says.
 */
import { createServer, type Server } from 'node:http';
import { METADATA_PATH, startEmulator, type Emulator } from '../../emulator/server';
import { closeServer, listenOnLoopback } from '../../tools/loopback-http';
import { functionGraphContext, HTTP_SHAPES, httpEvent } from '../fixtures/events';
import { coldStart } from '../fixtures/load-bundle';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const OTHER_PROJECT = '11112222333344445555666677778888';
const STRANGER_PROJECT = '99990000aaaabbbbccccddddeeeeffff';
const ENV_KEYS = { accessKey: 'RESILIENCEACCESSKEY1', secretKey: 'resilience-secret-key-000000000000000001' };
const NODE_KEYS = {
  accessKey: 'RESILIENCENODEKEY002',
  secretKey: 'resilience-node-secret-00000000000000002',
  securityToken: 'resilience-node-token-0002',
};

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

type MetadataMode = 'ok' | 500 | 503 | 404 | 'reset';

/** A node's metadata service on loopback, answering as `mode` says; counts the requests it gets. */
async function startMetadata(): Promise<{
  url: string;
  requests: () => number;
  set: (mode: MetadataMode) => void;
  close: () => Promise<void>;
}> {
  let mode: MetadataMode = 'ok';
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    if (req.url !== METADATA_PATH) {
      res.writeHead(404).end();
      return;
    }
    if (mode === 'reset') {
      req.socket.destroy();
      return;
    }
    if (mode !== 'ok') {
      res.writeHead(mode, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: `metadata ${mode}` }));
      return;
    }
    const credential = {
      access: NODE_KEYS.accessKey,
      secret: NODE_KEYS.secretKey,
      securitytoken: NODE_KEYS.securityToken,
      // Already due: the function asks again on every attempt, and cannot fall back on them.
      expires_at: new Date(Date.now() - 60_000).toISOString(),
    };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ credential }));
  });
  const port = await listenOnLoopback(server, 0);
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}${METADATA_PATH}`,
    requests: () => requests,
    set: (next) => (mode = next),
    close: () => (closed ??= closeServer(server)),
  };
}

/** A loopback URL nothing listens on: a port just freed. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  const port = await listenOnLoopback(server, 0);
  await closeServer(server);
  return `http://127.0.0.1:${port}${METADATA_PATH}`;
}

const printed: string[] = [];
const logLines = () =>
  printed
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

let emulator: Emulator;

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
  emulator = await startEmulator({
    projectId: PROJECT,
    credentials: [ENV_KEYS, NODE_KEYS],
    clusters: { c1: true, c2: false, c3: true, c4: false, c5: true },
  });
});
afterEach(() => {
  emulator.reset();
  printed.length = 0;
});
afterAll(async () => {
  await emulator.close();
  jest.restoreAllMocks();
});

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (answer) => ({ answer: answer as Record<string, unknown>, error: undefined }),
    (error: Error) => ({ answer: undefined, error }),
  );

describe('ECS metadata credentials: an outage of the metadata service', () => {
  let metadata: Awaited<ReturnType<typeof startMetadata>>;
  beforeEach(async () => {
    metadata = await startMetadata();
  });
  afterEach(() => metadata.close());

  const nodeEnv = (url: string) => ({
    MRS_ENDPOINT: emulator.url,
    MRS_PROJECT_ID: PROJECT,
    ECS_METADATA_URL: url,
    STATUS_CACHE_STALE_IF_ERROR_SECONDS: '600',
  });

  it('works while it answers: the node agency signs the MRS call', async () => {
    const handler = coldStart('iam-sync-status', nodeEnv(metadata.url));
    await expect(handler({ cluster_id: 'c1' }, functionGraphContext())).resolves.toMatchObject({
      is_synchronizing: true,
      cache: { status: 'miss' },
    });
    expect(emulator.requests.map((r) => [r.status, r.headers['x-security-token']])).toEqual([[200, NODE_KEYS.securityToken]]);
  });

  it.each([503, 500, 'reset'] as const)('%s from it: a cached answer is served stale (direct call)', async (failure) => {
    const handler = coldStart('iam-sync-status', nodeEnv(metadata.url));
    await expect(handler({ cluster_id: 'c2' }, functionGraphContext())).resolves.toMatchObject({ cache: { status: 'miss' } });
    metadata.set(failure);
    const before = metadata.requests();
    const { answer, error } = await outcome(handler({ cluster_id: 'c2', fresh: true }, functionGraphContext()));
    expect(error).toBeUndefined();
    expect(answer).toMatchObject({ cluster_id: 'c2', is_synchronizing: false, cache: { status: 'stale' } });
    // Asked once per attempt; MRS never, for want of credentials.
    expect(metadata.requests() - before).toBe(3);
    expect(emulator.requests).toHaveLength(1);
    const gaveUp = logLines().filter((line) => line.message === 'MRS call gave up');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({
      give_up: 'attempts-exhausted',
      attempts: expect.arrayContaining([expect.objectContaining({ outcome: 'credentials UpstreamUnavailable' })]),
    });
    expect(logLines().find((line) => line.message === 'answered' && line.cache === 'stale')).toMatchObject({ level: 'warn' });
  });

  it.each(HTTP_SHAPES)('503 from it: a cached answer is served stale over HTTP (%s), X-Cache STALE', async (shape) => {
    const handler = coldStart('iam-sync-status', nodeEnv(metadata.url));
    expect(((await handler(httpEvent(shape, 'c3'), functionGraphContext())) as HttpAnswer).headers['X-Cache']).toBe('MISS');
    metadata.set(503);
    const response = (await handler(
      httpEvent(shape, 'c3', { headers: { 'Cache-Control': 'no-cache' } }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(response.headers['X-Cache']).toBe('STALE');
    expect(JSON.parse(response.body)).toMatchObject({ cluster_id: 'c3', is_synchronizing: true, cache: { status: 'stale' } });
  });

  it('briefly: once it answers again, so does MRS', async () => {
    const handler = coldStart('iam-sync-status', nodeEnv(metadata.url));
    metadata.set(503);
    await expect(handler({ cluster_id: 'c4' }, functionGraphContext())).rejects.toMatchObject({ name: 'UpstreamUnavailable' });
    metadata.set('ok');
    await expect(handler({ cluster_id: 'c4' }, functionGraphContext())).resolves.toMatchObject({
      is_synchronizing: false,
      cache: { status: 'miss' },
    });
  });

  it.each([503, 500, 'reset'] as const)('%s from it and no cached answer: UpstreamUnavailable, not ConfigurationError', async (failure) => {
    metadata.set(failure);
    const handler = coldStart('iam-sync-status', nodeEnv(metadata.url));
    const { error } = await outcome(handler({ cluster_id: 'c5' }, functionGraphContext()));
    expect(error?.name).toBe('UpstreamUnavailable');
    expect(emulator.requests).toHaveLength(0);
  });

  it.each(HTTP_SHAPES)('unreachable (connection refused) and no cached answer: 502 UpstreamUnavailable over HTTP (%s)', async (shape) => {
    const handler = coldStart('iam-sync-status', nodeEnv(await refusedUrl()));
    const response = (await handler(httpEvent(shape, 'c5'), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(502);
    expect(JSON.parse(response.body).error.code).toBe('UpstreamUnavailable');
    expect(emulator.requests).toHaveLength(0);
  });

  it('answering 404 (the node has no agency) is a ConfigurationError, tried once', async () => {
    metadata.set(404);
    const handler = coldStart('iam-sync-status', nodeEnv(metadata.url));
    const { error } = await outcome(handler({ cluster_id: 'c5' }, functionGraphContext()));
    expect(error?.name).toBe('ConfigurationError');
    expect(metadata.requests()).toBe(1);
    const response = (await handler(httpEvent('aws-http-v2', 'c5'), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body).error.code).toBe('ConfigurationError');
  });

  it('answering 404 is a ConfigurationError even with a cached answer: never covered by a stale one', async () => {
    const handler = coldStart('iam-sync-status', nodeEnv(metadata.url));
    await handler({ cluster_id: 'c1' }, functionGraphContext());
    metadata.set(404);
    await expect(handler({ cluster_id: 'c1', fresh: true }, functionGraphContext())).rejects.toMatchObject({ name: 'ConfigurationError' });
  });
});

describe('class names: errors thrown to direct callers keep them in the minified bundle', () => {
  const handler = () =>
    coldStart('iam-sync-status', {
      MRS_ENDPOINT: emulator.url,
      MRS_PROJECT_ID: PROJECT,
      HUAWEICLOUD_SDK_AK: ENV_KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: ENV_KEYS.secretKey,
    });

  it('ClusterNotFound', async () => {
    const error = (await handler()({ cluster_id: 'no-such-cluster' }, functionGraphContext()).catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ClusterNotFound');
    expect(error.constructor.name).toBe('ClusterNotFound');
    expect(emulator.requests).toHaveLength(1);
  });

  it.each([[{ cluster_id: 'a/b' }], [{}], [{ cluster_id: 'c1', fresh: 'yes' }], ['not an object']])(
    'InvalidRequest for %j',
    async (event) => {
      const error = (await handler()(event, functionGraphContext()).catch((e: Error) => e)) as Error;
      expect(error.name).toBe('InvalidRequest');
      expect(error.constructor.name).toBe('InvalidRequest');
      expect(emulator.requests).toHaveLength(0);
    },
  );

  it('ProjectNotAllowed and ConfigurationError too', async () => {
    const notAllowed = (await handler()({ cluster_id: 'c1', project_id: STRANGER_PROJECT }, functionGraphContext()).catch(
      (e: Error) => e,
    )) as Error;
    expect([notAllowed.name, notAllowed.constructor.name]).toEqual(['ProjectNotAllowed', 'ProjectNotAllowed']);
    const misconfigured = coldStart('iam-sync-status', { MRS_REGION: 'Mars' });
    const error = (await misconfigured({ cluster_id: 'c1' }, functionGraphContext()).catch((e: Error) => e)) as Error;
    expect([error.name, error.constructor.name]).toEqual(['ConfigurationError', 'ConfigurationError']);
  });
});

describe('the project looked up from IAM may be named', () => {
  const lookedUp = () =>
    coldStart('iam-sync-status', {
      MRS_REGION: 'cn-north-4',
      MRS_ENDPOINT: emulator.url,
      IAM_ENDPOINT: emulator.url,
      HUAWEICLOUD_SDK_AK: ENV_KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: ENV_KEYS.secretKey,
      ALLOWED_PROJECT_IDS: OTHER_PROJECT,
    });
  const mrsAsked = () => emulator.requests.filter((r) => r.path.startsWith('/v2/')).map((r) => r.path);
  const iamAsked = () => emulator.requests.filter((r) => r.path === '/v3/projects');

  it('with ?project_id= over HTTP: accepted, and MRS is asked in that project', async () => {
    const response = (await lookedUp()(
      httpEvent('aws-http-v2', 'c1', { query: { project_id: PROJECT } }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ cluster_id: 'c1', is_synchronizing: true });
    expect(iamAsked()).toHaveLength(1);
    expect(mrsAsked()).toEqual([`/v2/${PROJECT}/clusters/c1/iam-sync`]);
  });

  it.each(HTTP_SHAPES)('with ?project_id= (%s): accepted', async (shape) => {
    const response = (await lookedUp()(httpEvent(shape, 'c2', { query: { project_id: PROJECT } }), functionGraphContext())) as HttpAnswer;
    expect(response.statusCode).toBe(200);
    expect(mrsAsked()).toEqual([`/v2/${PROJECT}/clusters/c2/iam-sync`]);
  });

  it('with {"project_id"} directly: accepted, and MRS is asked', async () => {
    await expect(lookedUp()({ cluster_id: 'c2', project_id: PROJECT }, functionGraphContext())).resolves.toMatchObject({
      cluster_id: 'c2',
      is_synchronizing: false,
    });
    expect(mrsAsked()).toEqual([`/v2/${PROJECT}/clusters/c2/iam-sync`]);
  });

  it('another project, not in ALLOWED_PROJECT_IDS: ProjectNotAllowed, and MRS is not asked', async () => {
    const handler = lookedUp();
    const response = (await handler(
      httpEvent('aws-rest-v1', 'c1', { query: { project_id: STRANGER_PROJECT } }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body).error.code).toBe('ProjectNotAllowed');
    await expect(handler({ cluster_id: 'c1', project_id: STRANGER_PROJECT }, functionGraphContext())).rejects.toMatchObject({
      name: 'ProjectNotAllowed',
    });
    expect(mrsAsked()).toEqual([]);
  });

  it('a project in ALLOWED_PROJECT_IDS is accepted without asking IAM', async () => {
    // The emulator knows one project only and refuses the other (403); what matters is that MRS was asked in it.
    const response = (await lookedUp()(
      httpEvent('aws-http-v2', 'c1', { query: { project_id: OTHER_PROJECT } }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(JSON.parse(response.body).error?.code).not.toBe('ProjectNotAllowed');
    expect(iamAsked()).toHaveLength(0);
    expect(mrsAsked()).toEqual([`/v2/${OTHER_PROJECT}/clusters/c1/iam-sync`]);
  });
});
