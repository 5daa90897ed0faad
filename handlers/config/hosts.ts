import { ConfigError } from '../core/errors.js';
import { CHANNEL_HOSTS_ENV, DATABASE_HOSTS_ENV, type HostAllowlist, normalizeHost } from '../core/host-policy.js';
import type { ChannelConfig, ConfigItem, DatabaseConfig } from './schema.js';

// How the host allowlists (core/host-policy.ts) apply to config items: which host an item names, and when it is
// refused.

/** The field of a channel item that names its endpoint, and the endpoint's host. */
function channelEndpoint(config: ChannelConfig): { field: 'baseUrl' | 'url'; host: string } {
  const [field, url] =
    config.type === 'messenger' ? (['baseUrl', config.baseUrl] as const) : (['url', config.url] as const);
  return { field, host: normalizeHost(new URL(url).hostname) };
}

function refusal(
  target: { item: string; field: string; host: string },
  allowed: HostAllowlist,
  list: { variable: string; moduleVariable: string },
): ConfigError | undefined {
  if (allowed.has(target.host)) return undefined;
  const listed = allowed.size > 0 ? [...allowed].join(', ') : 'nothing';
  return new ConfigError(target.item, [
    {
      path: target.field,
      message:
        `host "${target.host}" is not allowed to receive this item's secret (${list.variable} allows ${listed}); ` +
        `add it to the module's ${list.moduleVariable} if it is meant`,
    },
  ]);
}

/**
 * Why this channel may not be used, or undefined when its host is on the list. Call it before resolving the channel's
 * secret: the sender, and any command that resolves a secret with an operator's credentials.
 */
export function channelHostRefusal(config: ChannelConfig, allowed: HostAllowlist): ConfigError | undefined {
  const { field, host } = channelEndpoint(config);
  return refusal({ item: `channel "${config.id}"`, field, host }, allowed, {
    variable: CHANNEL_HOSTS_ENV,
    moduleVariable: 'channel_hosts',
  });
}

/**
 * Why this database may not be connected to, or undefined when its host is on the list. Call it before resolving the
 * password: the planner, and `notifier preview`.
 */
export function databaseHostRefusal(config: DatabaseConfig, allowed: HostAllowlist): ConfigError | undefined {
  return refusal({ item: `database "${config.id}"`, field: 'host', host: normalizeHost(config.host) }, allowed, {
    variable: DATABASE_HOSTS_ENV,
    moduleVariable: 'database_hosts',
  });
}

/** The hosts a set of config items names: what a local run with `--config` allows. */
export function configuredHosts(items: readonly ConfigItem[]): { channels: string[]; databases: string[] } {
  const channels = new Set<string>();
  const databases = new Set<string>();
  for (const item of items) {
    if (item.kind === 'channel') channels.add(channelEndpoint(item).host);
    if (item.kind === 'database') databases.add(normalizeHost(item.host));
  }
  return { channels: [...channels], databases: [...databases] };
}
