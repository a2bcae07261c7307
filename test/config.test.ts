import { DEFAULTS, loadConfig } from '../lib/config';
import { ConfigurationError } from '../lib/errors';

const base = { MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'abc123' };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadConfig', () => {
  it('derives the endpoint from the region', () => {
    expect(loadConfig(base).endpoint).toBe('https://mrs.cn-north-4.myhuaweicloud.com');
    expect(loadConfig({ ...base, MRS_REGION: 'ap-southeast-1' }).endpoint).toBe('https://mrs.ap-southeast-1.myhuaweicloud.cn');
    expect(loadConfig({ ...base, MRS_REGION: 'ru-northwest-2' }).endpoint).toBe('https://mrs.ru-northwest-2.myhuaweicloud.cn');
    expect(loadConfig({ ...base, MRS_REGION: 'eu-west-101' }).endpoint).toBe('https://mrs.eu-west-101.myhuaweicloud.eu');
  });

  it('falls back to the SDK region variable', () => {
    expect(loadConfig({ HUAWEICLOUD_SDK_REGION: 'la-south-2', MRS_PROJECT_ID: 'p1' }).region).toBe('la-south-2');
  });

  it('applies documented defaults', () => {
    const config = loadConfig(base);
    expect(config.requestTimeoutMs).toBe(DEFAULTS.requestTimeoutMs);
    expect(config.deadlineMarginMs).toBe(DEFAULTS.deadlineMarginMs);
    expect(config.logLevel).toBe('info');
    expect(config.environmentCredentials).toBeUndefined();
  });

  it('takes an endpoint override, http only for loopback hosts', () => {
    expect(loadConfig({ MRS_PROJECT_ID: 'p', MRS_ENDPOINT: 'http://127.0.0.1:8080' }).endpoint).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ MRS_PROJECT_ID: 'p', MRS_ENDPOINT: 'http://localhost:1' }).endpoint).toBe('http://localhost:1');
    expect(loadConfig({ MRS_PROJECT_ID: 'p', MRS_ENDPOINT: 'http://[::1]:1' }).endpoint).toBe('http://[::1]:1');
    expect(loadConfig({ MRS_PROJECT_ID: 'p', MRS_ENDPOINT: 'https://mrs.example.com/' }).endpoint).toBe('https://mrs.example.com');
    expect(problemsOf({ MRS_PROJECT_ID: 'p', MRS_ENDPOINT: 'http://mrs.example.com' })).toMatch(/http only for a loopback host/);
    expect(problemsOf({ MRS_PROJECT_ID: 'p', MRS_ENDPOINT: 'ftp://127.0.0.1' })).toMatch(/https URL/);
    expect(problemsOf({ MRS_PROJECT_ID: 'p', MRS_ENDPOINT: 'https://mrs.example.com/v2' })).toMatch(/bare origin/);
    expect(problemsOf({ MRS_PROJECT_ID: 'p', MRS_ENDPOINT: 'https://u:p@mrs.example.com' })).toMatch(/bare origin/);
    expect(problemsOf({ MRS_PROJECT_ID: 'p', MRS_ENDPOINT: 'not a url' })).toMatch(/not a URL/);
  });

  it('finds the project in MRS_PROJECT_ID, then the SDK variable, then FunctionGraph', () => {
    expect(loadConfig({ MRS_REGION: 'cn-north-4', RUNTIME_PROJECT_ID: 'fg1' }).projectId).toBe('fg1');
    expect(loadConfig({ MRS_REGION: 'cn-north-4', RUNTIME_PROJECT_ID: 'fg1', HUAWEICLOUD_SDK_PROJECT_ID: 'sdk1' }).projectId).toBe('sdk1');
    expect(loadConfig({ ...base, HUAWEICLOUD_SDK_PROJECT_ID: 'sdk1' }).projectId).toBe('abc123');
    expect(problemsOf({ MRS_REGION: 'cn-north-4', MRS_PROJECT_ID: 'a-b' })).toMatch(/project id must be 1-64 letters and digits/);
  });

  it('reads environment credentials only as a pair', () => {
    expect(loadConfig({ ...base, HUAWEICLOUD_SDK_AK: 'AK', HUAWEICLOUD_SDK_SK: 'SK' }).environmentCredentials).toEqual({
      accessKey: 'AK',
      secretKey: 'SK',
    });
    expect(
      loadConfig({ ...base, HUAWEICLOUD_SDK_AK: 'AK', HUAWEICLOUD_SDK_SK: 'SK', HUAWEICLOUD_SDK_SECURITY_TOKEN: 'T' })
        .environmentCredentials,
    ).toEqual({ accessKey: 'AK', secretKey: 'SK', securityToken: 'T' });
    expect(problemsOf({ ...base, HUAWEICLOUD_SDK_AK: 'AK' })).toMatch(/both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK/);
    expect(problemsOf({ ...base, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'T' })).toMatch(/without HUAWEICLOUD_SDK_AK/);
  });

  it('never repeats a secret in its message', () => {
    const message = problemsOf({ ...base, HUAWEICLOUD_SDK_SK: 'very-secret-sk-value' });
    expect(message).not.toContain('very-secret-sk-value');
  });

  it('validates numbers and the log level', () => {
    expect(loadConfig({ ...base, MRS_TIMEOUT_MS: '1500', DEADLINE_MARGIN_MS: '0', LOG_LEVEL: 'DEBUG' })).toMatchObject({
      requestTimeoutMs: 1500,
      deadlineMarginMs: 0,
      logLevel: 'debug',
    });
    expect(problemsOf({ ...base, MRS_TIMEOUT_MS: '-1' })).toMatch(/MRS_TIMEOUT_MS must be a whole number from 1 to 60000/);
    expect(problemsOf({ ...base, MRS_TIMEOUT_MS: '1e3' })).toMatch(/MRS_TIMEOUT_MS/);
    expect(problemsOf({ ...base, LOG_LEVEL: 'loud' })).toMatch(/LOG_LEVEL must be one of debug, info, warn, error/);
  });

  it('reports every problem at once', () => {
    const message = problemsOf({ MRS_REGION: 'Mars', MRS_PROJECT_ID: 'p-1', MRS_TIMEOUT_MS: 'soon' });
    expect(message).toMatch(/not a region id/);
    expect(message).toMatch(/project id must be/);
    expect(message).toMatch(/MRS_TIMEOUT_MS/);
  });
});
