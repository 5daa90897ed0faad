/** Fails at cold start, naming the variable, rather than on the first message with an obscure SDK error. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** A positive number from the environment, or `fallback` when the variable is unset. */
export function positiveEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive number, got "${process.env[name]}"`);
  return value;
}
