import { resolveSecret } from '../aws/secrets.js';
import type { Channel } from '../channels/channel.js';
import { channelSecret, createChannel } from '../channels/index.js';
import type { ChannelConfig } from '../config/schema.js';

/**
 * The one place the CLI opens a channel to a provider (`send-test`): a check that must hold for every channel the
 * CLI talks to belongs here. The secret is resolved as the sender resolves it, and never printed.
 */
export async function openChannel(config: ChannelConfig): Promise<Channel> {
  return createChannel(config, await resolveSecret(channelSecret(config)));
}
