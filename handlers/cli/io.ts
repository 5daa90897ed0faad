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
  if (!resolved) throw new UsageError(`${flag} is required (or set ${env}); "terraform output" of the module prints it`);
  return resolved;
}

export function positiveNumber(value: string | undefined, flag: string, fallback: number, options: { integer?: boolean; max?: number; allowZero?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  const valid = Number.isFinite(number) && (options.allowZero ? number >= 0 : number > 0) && (!options.integer || Number.isInteger(number)) && (options.max === undefined || number <= options.max);
  if (!valid) throw new UsageError(`${flag} must be ${options.integer ? 'a whole number' : 'a number'} ${options.allowZero ? '>= 0' : '> 0'}${options.max === undefined ? '' : ` and <= ${options.max}`}, got "${value}"`);
  return number;
}

export function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => String(row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => String(cell).padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}
