import { ConfigError } from '../core/errors.js';
import {
  CHANNEL_HOSTS_ENV,
  CHANNEL_KINDS,
  type ChannelHostAllowlist,
  type ChannelKind,
  DATABASE_HOSTS_ENV,
  type HostAllowlist,
  normalizeHost,
} from '../core/host-policy.js';
import type { ChannelConfig, ConfigItem, DatabaseConfig } from './schema.js';

// How the host allowlists (core/host-policy.ts) apply to config items: which host an item names, and when it is
// refused. A channel's host is checked against the list of its own kind (its `type`) only.

// Every type of channel item has a list of its own: a new type does not compile here until it has one.
const kindOfChannel = (type: ChannelConfig['type']): ChannelKind => type;

/** The field of a channel item that names its endpoint, and the endpoint's host. */
function channelEndpoint(config: ChannelConfig): { field: 'baseUrl' | 'url'; host: string } {
  const [field, url] =
    config.type === 'messenger' ? (['baseUrl', config.baseUrl] as const) : (['url', config.url] as const);
  return { field, host: normalizeHost(new URL(url).hostname) };
}

function refusal(
  target: { item: string; field: string; host: string; secret: string },
  allowed: HostAllowlist,
  list: { variable: string; listed: string; moduleVariable: string; note?: string },
): ConfigError | undefined {
  if (allowed.has(target.host)) return undefined;
  return new ConfigError(target.item, [
    {
      path: target.field,
      message:
        `host "${target.host}" is not allowed to receive ${target.secret} (${list.variable} allows ${list.listed}` +
        `${list.note ?? ''}); add it to the module's ${list.moduleVariable} if it is meant`,
    },
  ]);
}

/**
 * Why this channel may not be used, or undefined when its host is on the list. Call it before resolving the channel's
 * secret: the sender, and any command that resolves a secret with an operator's credentials.
 */
export function channelHostRefusal(config: ChannelConfig, allowed: ChannelHostAllowlist): ConfigError | undefined {
  const { field, host } = channelEndpoint(config);
  const kind = kindOfChannel(config.type);
  const own = allowed[kind];
  const elsewhere = CHANNEL_KINDS.filter((other) => other !== kind && allowed[other].has(host));
  return refusal({ item: `channel "${config.id}"`, field, host, secret: `a ${kind} channel's secret` }, own, {
    variable: CHANNEL_HOSTS_ENV,
    listed: own.size > 0 ? [...own].map((name) => `${kind}:${name}`).join(', ') : `no ${kind} host`,
    moduleVariable: `channel_hosts.${kind}`,
    note: elsewhere.length > 0 ? `; the host is listed for ${elsewhere.join(', ')} channels only` : '',
  });
}

/**
 * Why this database may not be connected to, or undefined when its host is on the list. Call it before resolving the
 * password: the planner, and `notifier preview`.
 */
export function databaseHostRefusal(config: DatabaseConfig, allowed: HostAllowlist): ConfigError | undefined {
  return refusal(
    { item: `database "${config.id}"`, field: 'host', host: normalizeHost(config.host), secret: "this item's secret" },
    allowed,
    {
      variable: DATABASE_HOSTS_ENV,
      listed: allowed.size > 0 ? [...allowed].join(', ') : 'nothing',
      moduleVariable: 'database_hosts',
    },
  );
}

/** The hosts a set of config items names, channels by kind: what a local run with `--config` allows. */
export function configuredHosts(items: readonly ConfigItem[]): {
  channels: Record<ChannelKind, string[]>;
  databases: string[];
} {
  const channels = Object.fromEntries(CHANNEL_KINDS.map((kind) => [kind, new Set<string>()])) as Record<
    ChannelKind,
    Set<string>
  >;
  const databases = new Set<string>();
  for (const item of items) {
    if (item.kind === 'channel') channels[kindOfChannel(item.type)].add(channelEndpoint(item).host);
    if (item.kind === 'database') databases.add(normalizeHost(item.host));
  }
  return {
    channels: Object.fromEntries(CHANNEL_KINDS.map((kind) => [kind, [...channels[kind]]])) as Record<
      ChannelKind,
      string[]
    >,
    databases: [...databases],
  };
}
