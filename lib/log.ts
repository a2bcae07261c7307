/**
 * Structured JSON logging, one line per event, with the invocation's request id.
 * Everything that leaves through here is scrubbed: fields whose names say they hold a
 * secret are replaced, and the values of credentials this process has seen (registered
 * with `registerSecret`) are cut out of every string, so that a message built from an
 * upstream answer or a stack trace cannot carry them either.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (for example the request id). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout unless a test or benchmark says otherwise. */
  write?: (line: string) => void;
  fields?: LogFields;
}

const REDACTED = '[REDACTED]';
const SECRET_FIELD = /authorization|secret|token|password|signature|credential|access_?key|^sk$|^ak$/i;
const SIGNATURE_PARAMS = /\b(Access|Signature)=[^,\s"]+/g;
const MIN_SECRET_LENGTH = 4;
const secrets = new Set<string>();

/** Remembers a credential value so that no log line or response text can carry it. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** Cuts registered secrets and Authorization header parameters out of a text. */
export function scrubSecrets(text: string): string {
  // SIGNATURE_PARAMS matches only where one of these is: most lines have neither.
  let scrubbed = text.includes('Access=') || text.includes('Signature=') ? text.replace(SIGNATURE_PARAMS, `$1=${REDACTED}`) : text;
  for (const secret of secrets) {
    if (scrubbed.includes(secret)) scrubbed = scrubbed.split(secret).join(REDACTED);
  }
  return scrubbed;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.fields ?? {};
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const record = { level, time: new Date().toISOString(), message, ...base, ...fields };
    write(scrubSecrets(JSON.stringify(record, redactingReplacer)));
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** Errors as `{name, message}` (plus the cause's, for unexpected ones); secret-named fields replaced. */
function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && isSecretField(key)) return REDACTED;
  if (value instanceof Error) {
    const cause =
      value.cause instanceof Error ? { name: value.cause.name, message: value.cause.message, stack: value.cause.stack } : undefined;
    return { name: value.name, message: value.message, ...(cause && { cause }) };
  }
  return value;
}

/** Whether a field's name says it holds a secret. */
export function isSecretField(key: string): boolean {
  return SECRET_FIELD.test(key);
}
