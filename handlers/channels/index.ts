import type { ChannelConfig } from '../config/schema.js';
import type { Channel } from './channel.js';
import { messengerChannel } from './messenger.js';
import { webhookChannel } from './webhook.js';

/** The one place that knows every provider: a new channel is a new file and one line here. */
export function createChannel(config: ChannelConfig, secret: string): Channel {
  switch (config.type) {
    case 'messenger':
      return messengerChannel(config, secret);
    case 'webhook':
      return webhookChannel(config, secret);
  }
}

export function channelSecret(config: ChannelConfig) {
  return config.type === 'messenger' ? config.accessToken : config.signingSecret;
}
