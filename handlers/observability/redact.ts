/**
 * Every secret the process resolves is registered here, and every log record is redacted value by value before it is
 * encoded: a token must not leak through a log line or an error, whatever code path formatted it. Redacting the
 * encoded line instead would miss a secret holding `"`, `\` or a character JSON escapes, whose encoded form differs.
 */
const secrets = new Set<string>();

export const REDACTED = '[REDACTED]';

/**
 * A registered secret is redacted inside longer text only from this length. Shorter ones (a 4-digit PIN, a test
 * database's "pw") would also match digits of timestamps, counts and ids, and blank out every line that holds them;
 * they are still redacted wherever they are a whole value (a field, an error message, a cause). Six characters keep a
 * word-like password out of text while ordinary log text rarely holds that exact run of characters by chance, and
 * over-redacting it only obscures a word: the record's structure is never touched.
 */
export const MIN_SUBSTRING_SECRET = 6;

export function registerSecret(value: string): void {
  if (value.length > 0) secrets.add(value);
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
}

const PATTERNS: [RegExp, string][] = [
  [/(access_token=)[^&\s"']+/gi, `$1${REDACTED}`],
  [/(Bearer )[A-Za-z0-9._~+/=-]{8,}/g, `$1${REDACTED}`],
];

/**
 * Redacts one string: a registered secret that is the whole value, any registered secret long enough inside it, and
 * credentials by their shape.
 */
export function redactText(text: string): string {
  if (secrets.has(text)) return REDACTED;
  let result = text;
  for (const secret of secrets)
    if (secret.length >= MIN_SUBSTRING_SECRET && result.includes(secret)) result = result.split(secret).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/**
 * Redacts an already encoded JSON line, for lines built elsewhere (the metrics' EMF documents): each secret is matched
 * in its JSON-escaped form too, and a short secret only as a whole JSON string.
 */
export function redactLine(line: string): string {
  let result = line;
  for (const secret of secrets) {
    const quoted = JSON.stringify(secret);
    result = result.split(quoted).join(`"${REDACTED}"`);
    if (secret.length < MIN_SUBSTRING_SECRET) continue;
    for (const form of new Set([secret, quoted.slice(1, -1)]))
      if (result.includes(form)) result = result.split(form).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/**
 * How deep a log record is walked: deeper values are replaced, so a cyclic or huge structure cannot stall a log call.
 */
const MAX_DEPTH = 8;

/**
 * A copy of a log value with every string redacted: nested objects (their keys too) and arrays, and errors as
 * `{ name, message, details?, cause?, errors? }`, causes included. Stacks stay out of log lines: the runtime prints
 * the stack of an error that is thrown. Cycles and values past MAX_DEPTH become a marker.
 */
export function redactValue(value: unknown, seen: WeakSet<object> = new WeakSet(), depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) return redactErrorRecord(value, seen, depth);
    if (Array.isArray(value)) return value.map((item) => redactValue(item, seen, depth + 1));
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return redactValue(json.call(value), seen, depth + 1);
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redactText(key), redactValue(item, seen, depth + 1)]),
    );
  } finally {
    seen.delete(value);
  }
}

function redactErrorRecord(error: Error, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const record: Record<string, unknown> = { name: error.name, message: redactText(error.message) };
  if ('details' in error) record.details = redactValue(error.details, seen, depth + 1);
  if (error.cause !== undefined) record.cause = redactValue(error.cause, seen, depth + 1);
  if (error instanceof AggregateError) record.errors = redactValue(error.errors, seen, depth + 1);
  return record;
}

/**
 * A stack's header repeats the message: a message that is a short secret as a whole is not found inside the stack by
 * redactText, so the header's copy is replaced by the redacted message.
 */
function redactStack(stack: string, error: Error, message: string): string {
  const at = error.message ? stack.indexOf(error.message) : -1;
  const frames = stack.indexOf('\n    at ');
  if (at < 0 || (frames >= 0 && at > frames)) return redactText(stack);
  return `${redactText(stack.slice(0, at))}${message}${redactText(stack.slice(at + error.message.length))}`;
}

function redactOwnValue(value: unknown, seen: WeakSet<object>): unknown {
  if (value instanceof Error) return redactThrown(value, seen);
  if (typeof value === 'string') return redactText(value);
  return typeof value === 'object' && value !== null ? redactValue(value) : value;
}

/**
 * Redacts a thrown value in place, so whoever catches it (the Lambda runtime prints name, message and stack) sees no
 * secret, and its class stays what it was: its message, stack and every other own field, its cause and aggregated
 * errors, recursively. An error that cannot be changed in place (frozen) is replaced by a redacted equivalent, a
 * thrown string or object by a redacted copy.
 */
export function redactThrown(thrown: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (!(thrown instanceof Error)) return redactOwnValue(thrown, seen);
  if (seen.has(thrown)) return thrown;
  seen.add(thrown);
  const message = redactText(thrown.message);
  // V8 may keep `stack` as an accessor: it is read and set as a property, not through its descriptor.
  const stack = typeof thrown.stack === 'string' ? redactStack(thrown.stack, thrown, message) : undefined;
  let frozen = false;
  for (const key of Object.getOwnPropertyNames(thrown)) {
    const descriptor = Object.getOwnPropertyDescriptor(thrown, key);
    if (key === 'stack' || !descriptor || !('value' in descriptor)) continue;
    const value: unknown = descriptor.value;
    const next = key === 'message' ? message : redactOwnValue(value, seen);
    if (next === value) continue;
    if (descriptor.writable || descriptor.configurable)
      Object.defineProperty(thrown, key, { ...descriptor, value: next });
    else frozen = true;
  }
  if (stack !== undefined && stack !== thrown.stack) {
    try {
      thrown.stack = stack;
    } catch {
      frozen = true;
    }
  }
  if (!frozen && (stack === undefined || thrown.stack === stack)) return thrown;
  const copy = new Error(message, { cause: redactValue(thrown.cause) });
  copy.name = thrown.name;
  copy.stack = stack ?? `${thrown.name}: ${message}`;
  return copy;
}
