/**
 * The logger's redaction reads field names and scrubs lines without regular expressions where
 * it can (a cold start compiles each expression it runs): the answers must be the expressions'.
 */
import { createLogger, isSecretField, registerSecret, scrubSecrets } from '../lib/log';

/** What lib/log.ts has always matched field names and Authorization parameters with. */
const SECRET_FIELD = /authorization|secret|token|password|signature|credential|access_?key|^sk$|^ak$/i;
const SIGNATURE_PARAMS = /\b(Access|Signature)=[^,\s"]+/g;

const NAMES = [
  'level',
  'message',
  'duration_ms',
  'cluster_id',
  'sk',
  'SK',
  'Sk',
  'ak',
  'AK',
  'aks',
  'task',
  'skip',
  'accessKey',
  'ACCESS_KEY',
  'access-key',
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
  'session',
  'keys',
  'sk ',
  ' ak',
  '',
  'ſecret',
  'K',
  'Kelvin',
  'tokén',
  'SECRET\u0130',
  '\u212Aey',
];

it('names a field secret exactly when the expression does, ASCII or not', () => {
  for (const name of NAMES) expect([name, isSecretField(name)]).toEqual([name, SECRET_FIELD.test(name)]);
  // Every name of up to two letters from an alphabet that can spell the short names, in any case.
  const letters = ['s', 'S', 'k', 'K', 'a', 'A', '_', '\u212A', '\u017F'];
  for (const a of letters) for (const b of letters) expect([a + b, isSecretField(a + b)]).toEqual([a + b, SECRET_FIELD.test(a + b)]);
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
