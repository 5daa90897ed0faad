import { CONFIG_CACHE_MS, DynamoConfigStore } from './aws/config-store.js';
import { createLedger } from './aws/ledger/index.js';
import { forgetSecrets, resolveSecret } from './aws/secrets.js';
import { MAX_DELAY_SECONDS, resendDelayed } from './aws/requeue.js';
import { requeueAfter } from './aws/visibility.js';
import type { Channel } from './channels/channel.js';
import { channelSecret, createChannel } from './channels/index.js';
import type { ChannelConfig } from './config/schema.js';
import { createSender } from './delivery/index.js';
import { STRAGGLER_FLOOR_MS } from './delivery/limits.js';
import { positiveEnv, requiredEnv } from './env.js';
import { withRedactedErrors } from './observability/handler-errors.js';
import { eventLoopLag } from './observability/loop-lag.js';
import { Metrics } from './observability/metrics.js';

// One adapter per config item and secret: a refreshed config item or a rotated secret gets a new one.
const channels = new WeakMap<ChannelConfig, { secret: string; channel: Channel }>();

// Created once per container, outside the handler: warm invocations reuse clients, secrets and pacing state.
export const handler = withRedactedErrors(
  createSender({
    config: new DynamoConfigStore(requiredEnv('NOTIFIER_CONFIG_TABLE'), positiveEnv('NOTIFIER_CONFIG_CACHE_MS', CONFIG_CACHE_MS)),
    ledger: createLedger({ table: requiredEnv('NOTIFIER_LEDGER_TABLE'), ttlDays: positiveEnv('NOTIFIER_LEDGER_TTL_DAYS', 30) }),
    channel: async (config) => {
      const secret = await resolveSecret(channelSecret(config));
      const cached = channels.get(config);
      if (cached?.secret === secret) return cached.channel;
      const channel = createChannel(config, secret);
      channels.set(config, { secret, channel });
      return channel;
    },
    onFatal: forgetSecrets,
    metrics: new Metrics(process.env.NOTIFIER_NAME ?? 'notifier', process.env.NOTIFIER_METRIC_NAMESPACE),
    requeue: requeueAfter(requiredEnv('NOTIFIER_QUEUE_URL')),
    resend: resendDelayed(requiredEnv('NOTIFIER_QUEUE_URL')),
    probes: { loopLagMs: eventLoopLag() },
    options: {
      parallelism: positiveEnv('NOTIFIER_SENDER_PARALLELISM', 10),
      instances: positiveEnv('NOTIFIER_SENDER_INSTANCES', 2),
      haltCooldownMs: positiveEnv('NOTIFIER_HALT_COOLDOWN_MS', 60_000),
      stragglerFloorMs: positiveEnv('NOTIFIER_STRAGGLER_FLOOR_MS', STRAGGLER_FLOOR_MS),
      pauseRecheckSeconds: Math.min(MAX_DELAY_SECONDS, positiveEnv('NOTIFIER_PAUSE_RECHECK_SECONDS', 300)),
    },
  }),
);
