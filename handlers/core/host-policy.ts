/**
 * Whoever can write the config table must not be able to send a secret to a server of their choosing: a channel's
 * URL and a database's host must be on lists the module sets (docs/adr/0007-channel-and-database-allowlists.md), the
 * channel's on the list of its kind, so that a Page token never reaches a host listed for webhooks nor a webhook
 * signing secret one listed for Messenger. These are the environment variables that carry them; the module's main.tf
 * sets the same names.
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

const isHostName = (host: string) => HOST_NAME.test(host) || (host.includes(':') && IPV6.test(host));

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
  const invalid = hosts.filter((host) => !isHostName(host));
  if (invalid.length > 0)
    throw new Error(
      `environment variable ${variable} must list host names separated by commas (no scheme, port or wildcard); ` +
        `not a host name: ${invalid.map((host) => JSON.stringify(host)).join(', ')}`,
    );
  return new Set(hosts);
}

/** The kinds of channel, each with a list of its own: the `type` of a channel item, the keys of `channel_hosts`. */
export const CHANNEL_KINDS = ['messenger', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The hosts each kind of channel may send its secret to. */
export type ChannelHostAllowlist = Readonly<Record<ChannelKind, HostAllowlist>>;

const isChannelKind = (kind: string): kind is ChannelKind => (CHANNEL_KINDS as readonly string[]).includes(kind);

/**
 * Reads the channel allowlist: `<kind>:<host>` entries separated by commas, e.g.
 * `messenger:graph.facebook.com,webhook:hooks.example.com`. An entry splits at its first colon, so `messenger:::1`
 * lists the IPv6 loopback. Unset is an error, empty allows nothing; an entry without a kind, of an unknown kind or
 * without a host name is an error naming it, so a list written for the former single-list format refuses to start
 * rather than allow nothing.
 */
export function parseChannelHostAllowlist(text: string | undefined, variable: string): ChannelHostAllowlist {
  if (text === undefined)
    throw new Error(
      `environment variable ${variable} is not set: it lists the hosts each kind of channel may send its secret to`,
    );
  const hosts = Object.fromEntries(CHANNEL_KINDS.map((kind) => [kind, new Set<string>()])) as Record<
    ChannelKind,
    Set<string>
  >;
  const problems: string[] = [];
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const kind = colon === -1 ? '' : entry.slice(0, colon).trim();
    const host = normalizeHost(entry.slice(colon + 1));
    if (colon === -1) problems.push(`${JSON.stringify(entry)} names no kind`);
    else if (!isChannelKind(kind))
      problems.push(`${JSON.stringify(entry)} names an unknown kind ${JSON.stringify(kind)}`);
    else if (!isHostName(host)) problems.push(`${JSON.stringify(entry)}: not a host name: ${JSON.stringify(host)}`);
    else hosts[kind].add(host);
  }
  if (problems.length > 0)
    throw new Error(
      `environment variable ${variable} must list <kind>:<host> entries separated by commas, the kind one of ` +
        `${CHANNEL_KINDS.join(', ')} and the host a host name (no scheme, port or wildcard), e.g. ` +
        `"messenger:graph.facebook.com,webhook:hooks.example.com"; ${problems.join('; ')}`,
    );
  return hosts;
}

/** The channel allowlist as parseChannelHostAllowlist reads it: what the module's main.tf writes from channel_hosts. */
export function formatChannelHosts(hosts: Readonly<Partial<Record<ChannelKind, readonly string[]>>>): string {
  return CHANNEL_KINDS.flatMap((kind) => (hosts[kind] ?? []).map((host) => `${kind}:${host}`)).join(',');
}
