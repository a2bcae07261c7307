/**
 * ClusterNotFound names the project MRS was asked in: the one the caller named
 * (`?project_id=` or `{"project_id"}`, allowed by ALLOWED_PROJECT_IDS), else the function's
 * own (configured, or looked up in IAM), whether MRS said so just now or the cache remembers
 * it. The emulator knows one project only (another one is a 403 there), so this runs the
 * real client and error mapping over a scripted transport.
 */
import { loadConfig } from '../../lib/config';
import { functionParts } from '../../lib/composition/parts';
import type { OutboundRequest, OutboundResponse, Send } from '../../lib/huawei/transport';
import { createLogger } from '../../lib/log';
import { createStatusHandler } from '../../lib/status/handler';
import { functionGraphContext, httpEvent } from '../fixtures/events';

const OWN = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const OTHER = '11112222333344445555666677778888';
const LOOKED_UP = 'aaaabbbbccccdddd0000111122223333';

interface HttpAnswer {
  statusCode: number;
  body: string;
}

/** MRS answers "no such cluster" (`notFound`) to every cluster call; IAM names LOOKED_UP for the region. */
function handlerWith(
  env: Record<string, string>,
  notFound: OutboundResponse = {
    status: 400,
    headers: { 'x-request-id': 'mrs-404' },
    body: JSON.stringify({ error_code: '12000003', error_msg: 'The cluster does not exist.' }),
  },
) {
  const sent: OutboundRequest[] = [];
  const send: Send = async (request) => {
    sent.push(request);
    if (request.url.pathname === '/v3/projects') {
      return { status: 200, headers: {}, body: JSON.stringify({ projects: [{ id: LOOKED_UP, name: 'cn-north-4' }] }) };
    }
    return notFound;
  };
  const handler = createStatusHandler(() =>
    functionParts(
      loadConfig({
        MRS_REGION: 'cn-north-4',
        HUAWEICLOUD_SDK_AK: 'AKPROJECTS0000001',
        HUAWEICLOUD_SDK_SK: 'SKPROJECTS000000000000001',
        ...env,
      }),
      { send, log: createLogger({ level: 'error', write: () => undefined }) },
    ),
  ) as (event: unknown, context: unknown) => Promise<unknown>;
  const mrsPaths = () => sent.filter((r) => r.url.pathname.startsWith('/v2/')).map((r) => r.url.pathname);
  return { handler, mrsPaths };
}

const thrown = async (promise: Promise<unknown>) => (await promise.catch((e: Error) => e)) as Error;

describe('ClusterNotFound names the project', () => {
  const env = { MRS_PROJECT_ID: OWN, ALLOWED_PROJECT_IDS: OTHER };

  it("names the function's own project when the caller names none", async () => {
    const { handler, mrsPaths } = handlerWith(env);
    const error = await thrown(handler({ cluster_id: 'gone' }, functionGraphContext()));
    expect(error.name).toBe('ClusterNotFound');
    expect(error.message).toContain(OWN);
    expect(error.message).not.toContain(OTHER);
    expect(mrsPaths()).toEqual([`/v2/${OWN}/clusters/gone/iam-sync`]);
  });

  it('names the project the caller named directly', async () => {
    const { handler, mrsPaths } = handlerWith(env);
    const error = await thrown(handler({ cluster_id: 'gone', project_id: OTHER }, functionGraphContext()));
    expect(error.name).toBe('ClusterNotFound');
    expect(error.message).toContain(OTHER);
    expect(error.message).not.toContain(OWN);
    expect(mrsPaths()).toEqual([`/v2/${OTHER}/clusters/gone/iam-sync`]);
  });

  it('names the project named with ?project_id= in the 404 answer', async () => {
    const { handler } = handlerWith(env);
    const response = (await handler(
      httpEvent('aws-http-v2', 'gone', { query: { project_id: OTHER } }),
      functionGraphContext(),
    )) as HttpAnswer;
    expect(response.statusCode).toBe(404);
    const { error } = JSON.parse(response.body) as { error: { code: string; message: string } };
    expect(error.code).toBe('ClusterNotFound');
    expect(error.message).toContain(OTHER);
    expect(error.message).not.toContain(OWN);
  });

  it('names the right project when the cache remembers the answer, and keeps the projects apart', async () => {
    const { handler, mrsPaths } = handlerWith(env);
    await thrown(handler({ cluster_id: 'gone', project_id: OTHER }, functionGraphContext()));
    const remembered = await thrown(handler({ cluster_id: 'gone', project_id: OTHER }, functionGraphContext()));
    expect(remembered.name).toBe('ClusterNotFound');
    expect(remembered.message).toContain(OTHER);
    expect(mrsPaths()).toHaveLength(1);
    const own = await thrown(handler({ cluster_id: 'gone' }, functionGraphContext()));
    expect(own.message).toContain(OWN);
    expect(own.message).not.toContain(OTHER);
    const ownAgain = await thrown(handler({ cluster_id: 'gone' }, functionGraphContext()));
    expect(ownAgain.message).toContain(OWN);
    expect(mrsPaths()).toEqual([`/v2/${OTHER}/clusters/gone/iam-sync`, `/v2/${OWN}/clusters/gone/iam-sync`]);
  });

  it('names the project from a plain 404 too', async () => {
    const { handler } = handlerWith(env, {
      status: 404,
      headers: {},
      body: JSON.stringify({ error_code: 'MRS.0011', error_msg: 'not found' }),
    });
    const error = await thrown(handler({ cluster_id: 'gone', project_id: OTHER }, functionGraphContext()));
    expect(error.name).toBe('ClusterNotFound');
    expect(error.message).toContain(OTHER);
  });

  it('names the project looked up in IAM when none is configured', async () => {
    const { handler, mrsPaths } = handlerWith({ ALLOWED_PROJECT_IDS: OTHER });
    const error = await thrown(handler({ cluster_id: 'gone' }, functionGraphContext()));
    expect(error.name).toBe('ClusterNotFound');
    expect(error.message).toContain(LOOKED_UP);
    expect(mrsPaths()).toEqual([`/v2/${LOOKED_UP}/clusters/gone/iam-sync`]);
    const named = await thrown(handler({ cluster_id: 'gone', project_id: OTHER }, functionGraphContext()));
    expect(named.message).toContain(OTHER);
    expect(named.message).not.toContain(LOOKED_UP);
  });
});
