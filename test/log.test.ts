/**
 * The logger's redaction: which field names count as secret, and the Authorization
 * parameters it cuts out (read only on lines that can hold them).
 */
import { createLogger, isSecretField, registerSecret, scrubSecrets } from '../lib/log';

/** What lib/log.ts has always matched Authorization parameters with. */
const SIGNATURE_PARAMS = /\b(Access|Signature)=[^,\s"]+/g;

it('names a field secret when its name says it holds a credential, in any case', () => {
  const secret = [
    'sk',
    'SK',
    'ak',
    'AK',
    'accessKey',
    'ACCESS_KEY',
    'accesskeyid',
    'AccessKeyId',
    'secretKey',
    'X-Security-Token',
    'Authorization',
    'authorizationHeader',
    'password',
    'PassWord',
    'signature',
    'credentials',
    'tokenSource',
    'id_token',
  ];
  const plain = ['level', 'message', 'duration_ms', 'cluster_id', 'aks', 'task', 'skip', 'access-key', 'session', 'keys', 'sk ', ' ak', ''];
  for (const name of secret) expect([name, isSecretField(name)]).toEqual([name, true]);
  for (const name of plain) expect([name, isSecretField(name)]).toEqual([name, false]);
});

it('scrubs Authorization parameters exactly as the expression does, and lines without them unchanged', () => {
  const texts = [
    '{"level":"info","message":"answered"}',
    'Authorization: SDK-HMAC-SHA256 Access=AKIDEXAMPLE, SignedHeaders=host;x-sdk-date, Signature=abcdef0123',
    'xAccess=nope Signature= Access="q" Signature=1,2',
    'access=lower-case-is-not-a-parameter',
  ];
  for (const text of texts) expect(scrubSecrets(text)).toBe(text.replace(SIGNATURE_PARAMS, '$1=[REDACTED]'));
});

it('still redacts secret-named fields and registered secrets in a line', () => {
  registerSecret('registered-secret-value-0001');
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
  log.info('answered', {
    accessKey: 'AKID',
    nested: { Password: 'p', ok: 'value registered-secret-value-0001' },
    header: 'Signature=deadbeef',
  });
  expect(JSON.parse(lines[0] as string)).toMatchObject({
    accessKey: '[REDACTED]',
    nested: { Password: '[REDACTED]', ok: 'value [REDACTED]' },
    header: 'Signature=[REDACTED]',
  });
});
