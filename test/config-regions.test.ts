/**
 * Regions of the whole Huawei family (Huawei Cloud and Open Telekom Cloud), their default
 * MRS and IAM endpoints, and the overrides that always win; REDIS_URL database numbers;
 * and a configuration with several mistakes refused once, naming every one.
 */
import { loadConfig } from '../lib/config';
import { ConfigurationError } from '../lib/errors';
import { stubbedStatusHandler } from './fixtures/stub-handler';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const withRegion = (region: string, extra: Record<string, string> = {}) => ({ MRS_REGION: region, MRS_PROJECT_ID: PROJECT, ...extra });

/** The ConfigurationError loadConfig throws for `env`, or a failure when it throws none. */
function refusal(env: Record<string, string>): ConfigurationError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('regions of the Huawei family', () => {
  it.each([
    'eu-de',
    'eu-nl',
    'eu-ch2',
    'la-north-2',
    'tr-west-1',
    'cn-north-4',
    'ap-southeast-1',
    'eu-west-101',
    'sa-brazil-1',
    'af-south-1',
    'ru-northwest-2',
  ])('accepts %s', (region) => {
    const config = loadConfig(withRegion(region));
    expect(config.region).toBe(region);
    expect(config.endpoint).toMatch(new RegExp(`^https://mrs\\.${region}\\.`));
  });

  it.each(['eu-de', 'cn-north-4'])('accepts %s as HUAWEICLOUD_SDK_REGION too', (region) => {
    expect(loadConfig({ HUAWEICLOUD_SDK_REGION: region, MRS_PROJECT_ID: PROJECT }).region).toBe(region);
  });

  it.each(['Mars', 'cn_north_4', 'CN-NORTH-4', 'eu-', 'eu', '-eu-de', 'eu-de-', 'cn-north-4/../x', 'cn north 4'])(
    'refuses %j, naming MRS_REGION',
    (region) => {
      expect(refusal(withRegion(region)).message).toContain('MRS_REGION');
    },
  );

  it('refuses a junk region even when MRS_ENDPOINT is given', () => {
    expect(refusal(withRegion('Mars', { MRS_ENDPOINT: 'https://mrs.example.com' })).message).toContain('MRS_REGION');
  });
});

describe('default endpoints', () => {
  it.each([
    ['eu-de', 'https://mrs.eu-de.otc.t-systems.com', 'https://iam.eu-de.otc.t-systems.com'],
    ['eu-nl', 'https://mrs.eu-nl.otc.t-systems.com', 'https://iam.eu-nl.otc.t-systems.com'],
    ['eu-ch2', 'https://mrs.eu-ch2.otc.t-systems.com', 'https://iam.eu-ch2.otc.t-systems.com'],
  ])('Open Telekom Cloud %s: MRS %s, IAM %s', (region, mrs, iam) => {
    const config = loadConfig(withRegion(region));
    expect(config.endpoint).toBe(mrs);
    expect(config.iamEndpoint).toBe(iam);
  });

  it.each([
    ['cn-north-4', 'https://mrs.cn-north-4.myhuaweicloud.com'],
    ['la-north-2', 'https://mrs.la-north-2.myhuaweicloud.com'],
    ['tr-west-1', 'https://mrs.tr-west-1.myhuaweicloud.com'],
    ['af-south-1', 'https://mrs.af-south-1.myhuaweicloud.com'],
    ['sa-brazil-1', 'https://mrs.sa-brazil-1.myhuaweicloud.com'],
  ])('Huawei Cloud %s: MRS %s, the global IAM', (region, mrs) => {
    const config = loadConfig(withRegion(region));
    expect(config.endpoint).toBe(mrs);
    expect(config.iamEndpoint).toBe('https://iam.myhuaweicloud.com');
  });

  it('the project looked up from IAM on Open Telekom Cloud is asked of its regional IAM', () => {
    const config = loadConfig({ MRS_REGION: 'eu-de' });
    expect(config.projectId).toBeUndefined();
    expect(config.iamEndpoint).toBe('https://iam.eu-de.otc.t-systems.com');
  });

  it.each(['eu-de', 'cn-north-4', 'eu-ch2', 'ap-southeast-1'])('MRS_ENDPOINT and IAM_ENDPOINT win over the defaults of %s', (region) => {
    const config = loadConfig(
      withRegion(region, { MRS_ENDPOINT: 'https://mrs.proxy.example.com:8443', IAM_ENDPOINT: 'https://iam.proxy.example.com' }),
    );
    expect(config.endpoint).toBe('https://mrs.proxy.example.com:8443');
    expect(config.iamEndpoint).toBe('https://iam.proxy.example.com');
  });

  it('each override wins alone', () => {
    const mrsOnly = loadConfig(withRegion('eu-de', { MRS_ENDPOINT: 'http://127.0.0.1:9000' }));
    expect(mrsOnly.endpoint).toBe('http://127.0.0.1:9000');
    expect(mrsOnly.iamEndpoint).toBe('https://iam.eu-de.otc.t-systems.com');
    const iamOnly = loadConfig(withRegion('eu-de', { IAM_ENDPOINT: 'http://localhost:9001' }));
    expect(iamOnly.endpoint).toBe('https://mrs.eu-de.otc.t-systems.com');
    expect(iamOnly.iamEndpoint).toBe('http://localhost:9001');
  });
});

describe('REDIS_URL database numbers', () => {
  const PASSWORD = 'Rd1s-pa55-w0rd-xyz';

  it.each(['/999', '/256', '/1000'])('refuses database %s, without quoting the URL or its password', (db) => {
    const url = `redis://:${PASSWORD}@redis.internal.example:6379${db}`;
    const { message } = refusal(withRegion('cn-north-4', { REDIS_URL: url }));
    expect(message).toContain('REDIS_URL');
    expect(message).toContain(db.slice(1));
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain('redis.internal.example');
  });

  it.each(['/0', '/15', '/255', '', '/'])('accepts database %j', (db) => {
    const url = `rediss://:${PASSWORD}@redis.internal.example:6380${db}`;
    expect(loadConfig(withRegion('cn-north-4', { REDIS_URL: url })).cache.redisUrl).toBe(url);
  });

  it('refuses database 256 at cold start: every invocation answers ConfigurationError, the password nowhere', async () => {
    const printed: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
    try {
      const { handler, calls } = stubbedStatusHandler({ env: { REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:6379/256` } });
      for (let i = 0; i < 2; i += 1) {
        const error = (await handler({ cluster_id: 'c1' }, {}).catch((e: Error) => e)) as Error;
        expect(error.name).toBe('ConfigurationError');
        expect(error.message).toContain('REDIS_URL');
        expect(error.message).not.toContain(PASSWORD);
      }
      expect(calls).toHaveLength(0);
    } finally {
      spy.mockRestore();
    }
    expect(printed.join('')).not.toContain(PASSWORD);
  });
});

describe('every problem at once', () => {
  it('three mistakes: one ConfigurationError naming all three', () => {
    const { message } = refusal({
      MRS_REGION: 'Mars',
      MRS_PROJECT_ID: PROJECT,
      MRS_TIMEOUT_MS: 'soon',
      REDIS_URL: 'redis://:hunter2-pw@cache.example:6379/999',
    });
    expect(message).toContain('MRS_REGION');
    expect(message).toContain('MRS_TIMEOUT_MS');
    expect(message).toContain('REDIS_URL');
    expect(message).not.toContain('hunter2-pw');
  });

  it('three other mistakes, each named', () => {
    const { message } = refusal({
      MRS_REGION: 'CN-NORTH-4',
      MRS_PROJECT_ID: 'not/a/project',
      CORS_ALLOW_ORIGINS: 'console.example.com',
    });
    expect(message).toContain('MRS_REGION');
    expect(message).toMatch(/project id/i);
    expect(message).toContain('CORS_ALLOW_ORIGINS');
  });
});
