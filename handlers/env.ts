/** Fails at cold start, naming the variable, rather than on the first message with an obscure SDK error. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
