/**
 * functionParts builds at first use what the first answer of a read never needs: the start
 * function's idempotency store and the fallback credential source (a chunk when bundled).
 */
import { functionParts } from '../../lib/composition/parts';
import { loadConfig } from '../../lib/config';
import type { Send } from '../../lib/huawei/transport';
import { createLogger } from '../../lib/log';

const config = loadConfig({
  MRS_REGION: 'cn-north-4',
  MRS_PROJECT_ID: 'p1',
  ECS_METADATA_URL: 'http://127.0.0.1:9/openstack/latest/securitykey',
});
const quiet = createLogger({ level: 'error', write: () => undefined });

it('hands out one idempotency store, the same at every use', async () => {
  const parts = functionParts(config, { log: quiet });
  const store = parts.idempotency;
  expect(parts.idempotency).toBe(store);
  // The first claim is ours (nothing held); a second one in the same instance sees it: the store was not built again.
  expect(await store.claim('key-1', 'hash', Date.now() + 60_000)).toBeUndefined();
  expect(await parts.idempotency.claim('key-1', 'hash', Date.now() + 60_000)).toMatchObject({ status: 'in-progress', requestHash: 'hash' });
});

it('asks the fallback source (here the ECS metadata service) only when asked for credentials, through one source', async () => {
  const send = jest.fn<ReturnType<Send>, Parameters<Send>>(async () => ({
    status: 200,
    headers: {},
    body: JSON.stringify({
      credential: {
        access: 'AK-FROM-METADATA-0001',
        secret: 'sk-from-metadata-000001',
        securitytoken: 'token-0001',
        expires_at: '2099-01-01T00:00:00Z',
      },
    }),
  }));
  const parts = functionParts(config, { log: quiet, send });
  expect(send).not.toHaveBeenCalled();
  await expect(parts.credentialFallback.get()).resolves.toMatchObject({ accessKey: 'AK-FROM-METADATA-0001' });
  await expect(parts.credentialFallback.get()).resolves.toMatchObject({ accessKey: 'AK-FROM-METADATA-0001' });
  // Held by the one source for the life of the instance: asked once.
  expect(send).toHaveBeenCalledTimes(1);
});
