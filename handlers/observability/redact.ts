/**
 * Every secret the process resolves is registered here, and every line it writes passes through `redact`: a
 * token must not leak through a log line or an error, whatever code path formatted it.
 */
const secrets = new Set<string>();

export function registerSecret(value: string): void {
  // Short values would redact ordinary words; real tokens and keys are long.
  if (value.length >= 8) secrets.add(value);
}

export function redact(text: string): string {
  let result = text;
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join('[REDACTED]');
  return result.replace(/(access_token=)[^&\s"']+/gi, '$1[REDACTED]').replace(/(Bearer )[A-Za-z0-9._~+/=-]{8,}/g, '$1[REDACTED]');
}
