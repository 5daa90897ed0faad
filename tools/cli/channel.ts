import {
  CHANNEL_HOSTS_ENV,
  type Channel,
  type ChannelConfig,
  channelHostRefusal,
  channelSecrets,
  createChannel,
  parseChannelHostAllowlist,
  resolveSecret,
} from '../../handlers/surface.js';

/** The module's default channel_hosts: what the CLI allows when the operator's environment names no list. */
const DEFAULT_CHANNEL_HOSTS = 'messenger:graph.facebook.com';

/**
 * The one place the CLI opens a channel to a provider (`send-test`). A channel whose host is not on the allowlist of
 * its kind (NOTIFIER_CHANNEL_HOSTS, as the module gives the sender; the module's default without it) is refused before
 * any secret is resolved, as the sender refuses it: an operator's credentials must not carry a token elsewhere either,
 * nor a Page token to a webhook's host. The secret is resolved as the sender resolves it, and never printed.
 */
export async function openChannel(
  config: ChannelConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Channel> {
  const refusal = channelHostRefusal(
    config,
    parseChannelHostAllowlist(env[CHANNEL_HOSTS_ENV] ?? DEFAULT_CHANNEL_HOSTS, CHANNEL_HOSTS_ENV),
  );
  if (refusal) throw refusal;
  return createChannel(config, await Promise.all(channelSecrets(config).map((secret) => resolveSecret(secret))));
}
