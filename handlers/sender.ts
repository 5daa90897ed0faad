import { DynamoConfigStore } from './aws/config-store.js';
import { createLedger } from './aws/ledger/index.js';
import { forgetSecrets, resolveSecret } from './aws/secrets.js';
import { requeueAfter } from './aws/visibility.js';
import type { Channel } from './channels/channel.js';
import { channelSecrets, createChannel } from './channels/index.js';
import type { ChannelConfig } from './config/schema.js';
import { CHANNEL_HOSTS_ENV, parseHostAllowlist } from './core/host-policy.js';
import { createSender } from './delivery/index.js';
import { requiredEnv } from './env.js';
import { withRedactedErrors } from './observability/handler-errors.js';
import { Metrics } from './observability/metrics.js';

const positive = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive number, got "${process.env[name]}"`);
  return value;
};

// One adapter per config item and secret: a refreshed config item or a rotated secret gets a new one.
const channels = new WeakMap<ChannelConfig, { secrets: string; channel: Channel }>();

// Created once per container, outside the handler: warm invocations reuse clients, secrets and pacing state.
export const handler = withRedactedErrors(
  createSender({
    config: new DynamoConfigStore(requiredEnv('NOTIFIER_CONFIG_TABLE')),
    ledger: createLedger({ table: requiredEnv('NOTIFIER_LEDGER_TABLE'), ttlDays: positive('NOTIFIER_LEDGER_TTL_DAYS', 30) }),
    // Checked by the sender before this resolves a secret: a channel whose host is not on the list halts its job.
    channelHosts: parseHostAllowlist(process.env[CHANNEL_HOSTS_ENV], CHANNEL_HOSTS_ENV),
    channel: async (config) => {
      const values = await Promise.all(channelSecrets(config).map(resolveSecret));
      const secrets = JSON.stringify(values);
      const cached = channels.get(config);
      if (cached?.secrets === secrets) return cached.channel;
      const channel = createChannel(config, values);
      channels.set(config, { secrets, channel });
      return channel;
    },
    onFatal: forgetSecrets,
    metrics: new Metrics(process.env.NOTIFIER_NAME ?? 'notifier', process.env.NOTIFIER_METRIC_NAMESPACE),
    requeue: requeueAfter(requiredEnv('NOTIFIER_QUEUE_URL')),
    options: {
      parallelism: positive('NOTIFIER_SENDER_PARALLELISM', 10),
      instances: positive('NOTIFIER_SENDER_INSTANCES', 2),
      haltCooldownMs: positive('NOTIFIER_HALT_COOLDOWN_MS', 60_000),
    },
  }),
);
