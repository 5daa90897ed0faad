import type { SecretRef } from '../config/schema.js';
import { registerSecret } from '../observability/redact.js';

class SecretError extends Error {
  override readonly name = 'SecretError';
}

const CACHE_MS = 5 * 60_000;
const cache = new Map<string, { at: number; value: Promise<string> }>();

// The SDK clients are imported on first use: a job that uses only one secret store never loads the other.
let ssm: Promise<{ get(name: string): Promise<string | undefined> }> | undefined;
let secretsManager: Promise<{ get(id: string): Promise<string | undefined> }> | undefined;

function ssmClient() {
  ssm ??= import('@aws-sdk/client-ssm').then(({ SSMClient, GetParameterCommand }) => {
    const client = new SSMClient({});
    return {
      get: async (name: string) =>
        (await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value,
    };
  });
  return ssm;
}

function secretsManagerClient() {
  secretsManager ??= import('@aws-sdk/client-secrets-manager').then(
    ({ SecretsManagerClient, GetSecretValueCommand }) => {
      const client = new SecretsManagerClient({});
      return {
        get: async (id: string) => (await client.send(new GetSecretValueCommand({ SecretId: id }))).SecretString,
      };
    },
  );
  return secretsManager;
}

async function fetchSecret(ref: SecretRef): Promise<string> {
  if ('inline' in ref) return ref.inline;
  if ('ssmParameter' in ref) {
    const value = await (await ssmClient()).get(ref.ssmParameter);
    if (!value) throw new SecretError(`SSM parameter "${ref.ssmParameter}" has no value`);
    return value;
  }
  const value = await (await secretsManagerClient()).get(ref.secretsManager);
  if (!value) throw new SecretError(`secret "${ref.secretsManager}" has no string value`);
  if (!ref.jsonKey) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new SecretError(
      `secret "${ref.secretsManager}" is not a JSON object, but jsonKey "${ref.jsonKey}" was given`,
    );
  }
  const field = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[ref.jsonKey] : undefined;
  if (typeof field !== 'string' || field === '')
    throw new SecretError(`secret "${ref.secretsManager}" has no string key "${ref.jsonKey}"`);
  return field;
}

/** Resolves a secret reference, cached for five minutes so a rotated secret is picked up without a deploy. */
export function resolveSecret(ref: SecretRef): Promise<string> {
  const key = JSON.stringify(ref);
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
  const value = fetchSecret(ref).then((secret) => {
    registerSecret(secret);
    return secret;
  });
  cache.set(key, { at: Date.now(), value });
  value.catch(() => cache.delete(key));
  return value;
}

/** After a provider rejects a credential, the next read must go to the store, not to the cache. */
export function forgetSecrets(): void {
  cache.clear();
}
