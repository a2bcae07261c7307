/** A deployment without REDIS_URL never loads the Redis client library (its cold start stays light). */
describe('Redis client loading', () => {
  it('happens only when REDIS_URL is set', () => {
    let loaded = 0;
    jest.isolateModules(() => {
      jest.doMock('ioredis', () => {
        loaded += 1;
        class FakeRedis {
          status = 'wait';
          on() {
            return this;
          }
          connect() {
            return Promise.resolve();
          }
        }
        return { __esModule: true, default: FakeRedis };
      });
      const { loadConfig } = require('../../lib/config') as typeof import('../../lib/config');
      const { functionParts } = require('../../lib/composition/parts') as typeof import('../../lib/composition/parts');
      const env = { MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'p1' };
      functionParts(loadConfig(env));
      expect(loaded).toBe(0);
      functionParts(loadConfig({ ...env, REDIS_URL: 'redis://127.0.0.1:6379', STATUS_CACHE_TTL_SECONDS: '0' }));
      expect(loaded).toBe(0); // caching off: nothing to share
      functionParts(loadConfig({ ...env, REDIS_URL: 'redis://127.0.0.1:6379' }));
      expect(loaded).toBe(1);
    });
  });
});
