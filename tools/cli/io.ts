import type { NumberRange } from '../common/number-range.js';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal: progress bars instead of progress lines. */
  readonly interactive?: boolean;
  readonly signal?: AbortSignal;
  /** Resolves once stdout has taken what was written: a command streaming a large result waits on it between pages. */
  readonly drain?: () => Promise<void>;
}

/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function requireOption(value: string | undefined, flag: string, env: string): string {
  const resolved = value ?? process.env[env];
  if (!resolved)
    throw new UsageError(`${flag} is required (or set ${env}); "terraform output" of the module prints it`);
  return resolved;
}

/** `--limit must be a whole number from 1 to 1000, got "x"`: the option, what it accepts and what it was given. */
function describeRange(range: NumberRange): string {
  const kind = range.integer ? 'a whole number' : 'a number';
  const limit = range.max !== undefined && range.limit ? ` (${range.limit})` : '';
  if (range.above) return `${kind} > ${range.min}${range.max === undefined ? '' : ` and <= ${range.max}${limit}`}`;
  return range.max === undefined ? `${kind} >= ${range.min}` : `${kind} from ${range.min} to ${range.max}${limit}`;
}

/**
 * The one parser of numeric command-line options (the CLI's commands, `notifier cost`, the benches): undefined when
 * the option was not given, its value when it is in range, else a UsageError naming the option.
 */
export function numberOption(flag: string, raw: string, range: NumberRange): number;
export function numberOption(flag: string, raw: unknown, range: NumberRange): number | undefined;
export function numberOption(flag: string, raw: unknown, range: NumberRange): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const value = Number(text);
  const valid =
    text !== '' &&
    Number.isFinite(value) &&
    (range.above ? value > range.min : value >= range.min) &&
    (range.max === undefined || value <= range.max) &&
    (!range.integer || Number.isInteger(value));
  if (!valid) throw new UsageError(`${flag} must be ${describeRange(range)}, got "${String(raw)}"`);
  return value;
}

export function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => String(row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => String(cell).padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
