import { redactLine, redactValue } from './redact.js';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type LogFields = Record<string, unknown>;

type Sink = (line: string) => void;

// Raw stdout, not console: Lambda's JSON log format would wrap console output a second time.
let sink: Sink = (line) => process.stdout.write(`${line}\n`);

/** For tests and benchmarks: collect lines instead of printing them. */
export function setLogSink(next: Sink): void {
  sink = next;
}

/** Writes an encoded line; lines built elsewhere (EMF documents) are redacted in their encoded form. */
export function writeLine(line: string): void {
  sink(redactLine(line));
}

export interface Logger {
  child(fields: LogFields): Logger;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const LEVELS: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

/** Sets the least level logged where Lambda's own log-level setting (AWS_LAMBDA_LOG_LEVEL) does not. */
export const LOG_LEVEL_VARIABLE = 'NOTIFIER_LOG_LEVEL';

function minimumLevel(): number {
  const configured = (process.env.AWS_LAMBDA_LOG_LEVEL ?? process.env[LOG_LEVEL_VARIABLE] ?? 'INFO').toUpperCase();
  return LEVELS[configured as LogLevel] ?? LEVELS.INFO;
}

/** JSON lines carrying the context every line needs (run id, job, message id) so one query finds a delivery. */
export function createLogger(base: LogFields = {}): Logger {
  const threshold = minimumLevel();
  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (LEVELS[level] < threshold) return;
    const entry: LogFields = { timestamp: new Date().toISOString(), level, message, ...base, ...fields };
    // A thrown non-Error still logs as an error object, so one query finds every error's message.
    if (entry.error !== undefined && (entry.error === null || typeof entry.error !== 'object'))
      entry.error = { message: String(entry.error) };
    // Values are redacted before encoding: a secret's encoded form (escaped quotes, backslashes) would not match it.
    writeLine(JSON.stringify(redactValue(entry)));
  };
  return {
    child: (fields) => createLogger({ ...base, ...fields }),
    debug: (message, fields) => emit('DEBUG', message, fields),
    info: (message, fields) => emit('INFO', message, fields),
    warn: (message, fields) => emit('WARN', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
  };
}
