import { DynamoConfigStore } from './aws/config-store.js';
import { createLedger } from './aws/ledger/index.js';
import { MAX_DELAY_SECONDS, resendDelayed } from './aws/requeue.js';
import { forgetSecrets, resolveSecret } from './aws/secrets.js';
import { requeueAfter } from './aws/visibility.js';
import type { Channel } from './channels/channel.js';
import { channelSecrets, createChannel } from './channels/index.js';
import type { ChannelConfig } from './config/schema.js';
import { createSender } from './delivery/batch.js';
import { readEnvironment, senderEnvironment } from './env.js';
import { withRedactedErrors } from './observability/handler-errors.js';
import { eventLoopLag } from './observability/loop-lag.js';
import { Metrics } from './observability/metrics.js';

// One adapter per config item and secret: a refreshed config item or a rotated secret gets a new one.
const channels = new WeakMap<ChannelConfig, { secrets: string; channel: Channel }>();

// Created once per container, outside the handler: warm invocations reuse clients, secrets and pacing state.
const env = readEnvironment(senderEnvironment);

export const handler = withRedactedErrors(
  createSender({
    config: new DynamoConfigStore(env.configTable, env.configCacheMs),
    ledger: createLedger({ table: env.ledgerTable, ttlDays: env.ledgerTtlDays }),
    // Checked by the sender before this resolves a secret: a channel off its own kind's host list halts its job.
    channelHosts: env.channelHosts,
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
    metrics: new Metrics(env.name, env.metricNamespace),
    runEventBus: env.runEventBus,
    requeue: requeueAfter(env.queueUrl),
    resend: resendDelayed(env.queueUrl),
    probes: { loopLagMs: eventLoopLag() },
    options: {
      parallelism: env.parallelism,
      instances: env.instances,
      rateShare: env.rateShare,
      haltCooldownMs: env.haltCooldownMs,
      stragglerFloorMs: env.stragglerFloorMs,
      pauseRecheckSeconds: Math.min(MAX_DELAY_SECONDS, env.pauseRecheckSeconds),
      suppressions: { enabled: env.suppressions, days: env.suppressionDays },
    },
  }),
);
