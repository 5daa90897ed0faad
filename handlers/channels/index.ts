import type { ChannelConfig, SecretRef } from '../config/schema.js';
import type { Channel } from './channel.js';
import { messengerChannel } from './messenger.js';
import { webhookChannel } from './webhook.js';

/** The one place that knows every provider: a new channel is a new file and one line here. */
export function createChannel(config: ChannelConfig, secrets: readonly string[]): Channel {
  switch (config.type) {
    case 'messenger':
      return messengerChannel(config, secrets[0] ?? '');
    case 'webhook':
      return webhookChannel(config, secrets);
  }
}

/** The secrets a channel uses, in the order createChannel takes their values: a webhook in rotation has two. */
export function channelSecrets(config: ChannelConfig): SecretRef[] {
  if (config.type === 'messenger') return [config.accessToken];
  return config.previousSigningSecret ? [config.signingSecret, config.previousSigningSecret] : [config.signingSecret];
}
