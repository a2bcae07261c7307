import { InvalidRequest } from '../lib/errors';
import { isClusterId, isProjectId, requireClusterId } from '../lib/ids';
import { quoteUntrusted } from '../lib/quote';
import { INVALID_CLUSTER_IDS } from './fixtures/events';

describe('cluster ids', () => {
  it.each(['a', 'demo-idle', 'Cluster_01', 'a'.repeat(64), '0-_'])('accepts %j', (id) => {
    expect(requireClusterId(id)).toBe(id);
  });

  it.each(INVALID_CLUSTER_IDS.map((id) => [id]))('refuses %j with InvalidRequest', (id) => {
    expect(isClusterId(id)).toBe(false);
    expect(() => requireClusterId(id)).toThrow(InvalidRequest);
  });

  it('names the field in the message', () => {
    expect(() => requireClusterId('a/b', 'clusterId')).toThrow(/^clusterId must be 1-64 letters/);
  });
});

describe('project ids', () => {
  it('follows the API reference: 1-64 letters and digits', () => {
    expect(isProjectId('0a1b2c3d4e5f60718293a4b5c6d7e8f9')).toBe(true);
    expect(isProjectId('a'.repeat(64))).toBe(true);
    for (const bad of ['', 'a'.repeat(65), 'a-b', 'a_b', 'a/b', 'ab ', 7]) expect(isProjectId(bad)).toBe(false);
  });
});

describe('quoteUntrusted', () => {
  it('escapes markup, control characters and non-ASCII so a value cannot forge logs or HTML', () => {
    const quoted = quoteUntrusted('<img src=x>\n"\u202e&\'`');
    expect(quoted).not.toMatch(/[<>&'`\n\u202e]/);
    expect(quoted).toBe('"\\u003cimg src=x\\u003e\\n\\"\\u202e\\u0026\\u0027\\u0060"');
  });

  it('cuts long values and says how long they were', () => {
    const quoted = quoteUntrusted('x'.repeat(5000));
    expect(quoted.length).toBeLessThan(80);
    expect(quoted).toContain('(5000 characters)');
  });

  it('describes non-strings by type, never by content', () => {
    expect(quoteUntrusted({ secret: 'abc' })).toBe('a value of type object');
    expect(quoteUntrusted(['x'])).toBe('a value of type array');
    expect(quoteUntrusted(12)).toBe('a value of type number');
    expect(quoteUntrusted(undefined)).toBe('nothing');
    expect(quoteUntrusted(null)).toBe('null');
  });
});
