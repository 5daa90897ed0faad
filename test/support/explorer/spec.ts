/**
 * The shape of one schedule's world, drawn from its seed: the jobs (each with its own channel, so one batch can mix a
 * 5/s Page, a 300/s Page and a slow webhook), the audiences, the sender fleet and the queue. The sizes are kept small
 * so that a schedule costs tens of milliseconds: the interleavings, not the volume, are what the explorer searches.
 */
import type { ChannelConfig, DatabaseConfig, JobConfig } from '../../../handlers/config/schema.js';
import { parseConfigItem } from '../../../handlers/config/schema.js';
import type { Prng } from './prng.js';
import type { ProviderTails } from './provider.js';

export interface JobSpec {
  readonly id: string;
  /** Recipient ids in audience order (ids 1..n). */
  readonly audience: readonly string[];
  readonly job: JobConfig;
  readonly channel: ChannelConfig;
  /** The provider's real limit, requests a second across the fleet. */
  readonly providerLimit: number;
  readonly latencyMs: number;
  readonly tails: ProviderTails;
}

export interface WorldSpec {
  readonly start: number;
  readonly scheduledTime: string;
  readonly jobs: readonly JobSpec[];
  readonly database: DatabaseConfig;
  readonly sender: {
    readonly lanes: number;
    readonly parallelism: number;
    readonly timeoutMs: number;
    readonly haltCooldownMs: number;
    readonly stragglerFloorMs: number;
    /** When the event source mapping starts polling (a batching window: targeted cases want mixed batches). */
    readonly startDelayMs?: number;
  };
  readonly queue: { readonly visibilityMs: number; readonly maxReceiveCount: number };
  readonly planner: { readonly timeoutMs: number; readonly pageLatencyMs: number };
}

export const SCHEDULED_TIME = '2026-12-01T08:00:00.000Z';
/** NOTIFIER_CHANNEL_HOSTS as the module writes it: each kind of channel may reach its own provider's host. */
export const CHANNEL_HOSTS = 'messenger:graph.facebook.com,webhook:hooks.example.com';

export const databaseConfig = (): DatabaseConfig =>
  parseConfigItem('database', {
    kind: 'database',
    id: 'audience-db',
    host: 'db.internal',
    database: 'app',
    user: 'reader',
    password: { inline: 'sim-password' },
    allowInlineSecrets: true,
  });

export function channelConfig(id: string, options: { rate: number; timeoutMs: number; webhook: boolean }) {
  const common = {
    kind: 'channel',
    id,
    ratePerSecond: options.rate,
    timeoutMs: options.timeoutMs,
    allowInlineSecrets: true,
  };
  return parseConfigItem(
    'channel',
    options.webhook
      ? {
          ...common,
          type: 'webhook',
          url: 'https://hooks.example.com/notify',
          signingSecret: { inline: 'whsec_c2ltdWxhdGlvbg==' },
        }
      : { ...common, type: 'messenger', accessToken: { inline: 'EAAB-sim-token' } },
  );
}

export function jobConfig(id: string, channel: string, options: { pageSize: number; recipientsPerTask: number }) {
  return parseConfigItem('job', {
    kind: 'job',
    id,
    database: 'audience-db',
    channel,
    audience: { sql: 'SELECT id, psid, first_name FROM users', idColumn: 'id', recipientColumn: 'psid' },
    template: { text: 'Hello {{first_name}}' },
    pageSize: options.pageSize,
    enqueueConcurrency: 2,
    recipientsPerTask: options.recipientsPerTask,
  });
}

export const audienceOf = (job: string, size: number) =>
  Array.from({ length: size }, (_, index) => `${job}-p${index + 1}`);

function drawJob(random: Prng, index: number): JobSpec {
  const id = `job${index}`;
  const webhook = random.chance(0.25);
  const rate = random.pick([5, 20, 300]);
  const audience = audienceOf(id, random.int(4, 24));
  const latencyMs = webhook && random.chance(0.5) ? random.int(500, 3_000) : random.int(10, 120);
  const tail = (max: number) => (random.chance(0.5) ? max * random.next() : 0);
  const permanent = new Set(audience.filter(() => random.chance(0.03)));
  return {
    id,
    audience,
    job: jobConfig(id, `${id}-channel`, {
      pageSize: random.pick([10, 10, 25]),
      recipientsPerTask: random.pick([1, 3, 5, 10]),
    }),
    channel: channelConfig(`${id}-channel`, { rate, timeoutMs: random.pick([1_000, 2_000, 10_000]), webhook }),
    providerLimit: random.chance(0.3) ? Math.max(1, Math.floor(rate * 0.6)) : rate,
    latencyMs,
    tails: {
      slow: tail(0.05),
      hang: tail(0.05),
      hangAccepts: random.next(),
      transient: tail(0.1),
      acceptedThenReset: tail(0.03),
      permanent,
    },
  };
}

export function drawWorld(random: Prng): WorldSpec {
  const timeoutMs = random.pick([10_000, 30_000]);
  return {
    start: Date.parse(SCHEDULED_TIME),
    scheduledTime: SCHEDULED_TIME,
    jobs: Array.from({ length: random.chance(0.4) ? 2 : 1 }, (_, index) => drawJob(random, index + 1)),
    database: databaseConfig(),
    sender: {
      lanes: random.int(1, 3),
      parallelism: random.pick([5, 10, 50]),
      timeoutMs,
      haltCooldownMs: 60_000,
      stragglerFloorMs: 500,
    },
    queue: { visibilityMs: 6 * timeoutMs, maxReceiveCount: 5 },
    planner: {
      timeoutMs: random.pick([30_000, 60_000]),
      pageLatencyMs: random.chance(0.2) ? random.int(1_000, 8_000) : 20,
    },
  };
}

export interface FixedJob {
  readonly size: number;
  readonly rate: number;
  readonly recipientsPerTask: number;
  readonly pageSize?: number;
  readonly latencyMs?: number;
  readonly timeoutMs?: number;
  readonly providerLimit?: number;
  readonly tails?: Partial<ProviderTails>;
}

/** A world given in full, for the targeted cases: no tails unless asked for. */
export function fixedWorld(jobs: readonly FixedJob[], sender: Partial<WorldSpec['sender']> = {}): WorldSpec {
  const timeoutMs = sender.timeoutMs ?? 30_000;
  return {
    start: Date.parse(SCHEDULED_TIME),
    scheduledTime: SCHEDULED_TIME,
    jobs: jobs.map((spec, index) => {
      const id = `job${index + 1}`;
      return {
        id,
        audience: audienceOf(id, spec.size),
        job: jobConfig(id, `${id}-channel`, {
          pageSize: spec.pageSize ?? 100,
          recipientsPerTask: spec.recipientsPerTask,
        }),
        channel: channelConfig(`${id}-channel`, {
          rate: spec.rate,
          timeoutMs: spec.timeoutMs ?? 10_000,
          webhook: false,
        }),
        providerLimit: spec.providerLimit ?? spec.rate,
        latencyMs: spec.latencyMs ?? 50,
        tails: {
          slow: 0,
          hang: 0,
          hangAccepts: 0,
          transient: 0,
          acceptedThenReset: 0,
          permanent: new Set(),
          ...spec.tails,
        },
      };
    }),
    database: databaseConfig(),
    sender: { lanes: 1, parallelism: 50, haltCooldownMs: 60_000, stragglerFloorMs: 500, ...sender, timeoutMs },
    queue: { visibilityMs: 6 * timeoutMs, maxReceiveCount: 5 },
    planner: { timeoutMs: 60_000, pageLatencyMs: 20 },
  };
}
