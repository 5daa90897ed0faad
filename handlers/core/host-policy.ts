/**
 * Whoever can write the config table must not be able to send a secret to a server of their choosing: a channel's
 * URL and a database's host must be on lists the module sets (docs/adr/0007-channel-and-database-allowlists.md).
 * These are the environment variables that carry them; the module's main.tf sets the same names.
 */
export const CHANNEL_HOSTS_ENV = 'NOTIFIER_CHANNEL_HOSTS';
export const DATABASE_HOSTS_ENV = 'NOTIFIER_DATABASE_HOSTS';

/**
 * Loopback names the local runtime adds to both allowlists so that its emulators are reachable. Plain http is allowed
 * only to a loopback host (isLoopbackHost, which also takes all of 127.0.0.0/8).
 */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'] as const;

/**
 * Exact host names, lowercase; no wildcards, so a shared domain (`*.amazonaws.com`) can never admit someone else's
 * endpoint.
 */
export type HostAllowlist = ReadonlySet<string>;

// A DNS name or an IP literal: no scheme, port, path, user or wildcard.
const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV6 = /^[0-9a-f:.]+$/;

/** `Graph.Facebook.com.` and `[::1]` as the allowlist spells them: lowercase, no trailing dot, no brackets. */
export function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

export function isLoopbackHost(host: string): boolean {
  const name = normalizeHost(host);
  return name === 'localhost' || name === '::1' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

/**
 * Reads an allowlist from an environment variable: comma-separated host names. Unset is an error (a function deployed
 * without the list refuses to start rather than allow everything); empty allows nothing.
 */
export function parseHostAllowlist(text: string | undefined, variable: string): HostAllowlist {
  if (text === undefined)
    throw new Error(
      `environment variable ${variable} is not set: it lists the hosts this function may send credentials to`,
    );
  const hosts = text.split(',').map(normalizeHost).filter(Boolean);
  const invalid = hosts.filter((host) => !HOST_NAME.test(host) && !(host.includes(':') && IPV6.test(host)));
  if (invalid.length > 0)
    throw new Error(
      `environment variable ${variable} must list host names separated by commas (no scheme, port or wildcard); ` +
        `not a host name: ${invalid.map((host) => JSON.stringify(host)).join(', ')}`,
    );
  return new Set(hosts);
}
