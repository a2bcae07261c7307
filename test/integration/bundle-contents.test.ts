/**
 * What the deployed bundle carries: the SDK's signer without the SDK's HTTP client, logger
 * or MIME database, no lodash or moment (replaced by the signer shims), and the Redis
 * client only in the file beside it that is loaded when REDIS_URL is set.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

describe.each(['iam-sync-status', 'iam-sync-refresh'])('dist/%s', (name) => {
  const file = (leaf: string) => resolve(root, 'dist', name, leaf);
  let main: string;
  let redisTier: string;
  beforeAll(() => {
    main = readFileSync(file('index.js'), 'utf8');
    redisTier = readFileSync(file('redis-tier.js'), 'utf8');
  });

  it('stays under 200 KB', () => {
    expect(statSync(file('index.js')).size).toBeLessThan(200_000);
  });

  it.each([
    ['log4js, which prints failed requests with their credentials', 'log4js'],
    ['axios', 'axios'],
    ['mime-db', 'application/vnd.'],
    ['lodash', 'lodash'],
    ['moment (its own code, not the shim named after it)', 'momentProperties'],
    ['ioredis', 'ioredis'],
  ])('does not carry %s', (_what, marker) => {
    expect(main).not.toContain(marker);
  });

  it('carries the SDK signer', () => {
    expect(main).toContain('SDK-HMAC-SHA256');
  });

  it('requires the Redis tier from beside itself, which holds the client', () => {
    expect(main).toContain('require("./redis-tier.js")');
    expect(redisTier).toContain('ioredis');
  });
});
