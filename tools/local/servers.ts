import { parseAnyConfigItem } from '../../handlers/surface.js';
import { startDynalite } from './dynalite.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import type { LocalTargets } from './local-config.js';
import type { Service } from './ports.js';
import { startPglite } from './postgres.js';
import type { ProviderTap } from './provider-tap.js';
import { startRelay } from './relay.js';
import type { FailureRates, LocalRunOptions } from './run-options.js';
import { sampleWindowModel, seedSampleAudience } from './sample.js';
import { type Injector, startSandbox } from './sandbox.js';
import { graphError } from './sandbox-reply.js';
import { startSqsProcess } from './sqs.js';
import { startWebhookSandbox } from './webhook-sandbox.js';

/** The page access token the Messenger sandbox takes: a local run's Messenger channels send it. */
export const LOCAL_ACCESS_TOKEN = 'local-sandbox-page-access-token';

/** A deterministic generator, so an injected failure pattern can be replayed with --seed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/** Answers a share of the sandbox's requests with a transient error or a 613, the same ones for the same seed. */
function failureInjector(rates: FailureRates, seed: number): Injector | undefined {
  if (!rates.transient && !rates.rateLimited) return undefined;
  const next = random(seed);
  return () => {
    const roll = next();
    if (roll < rates.rateLimited) return graphError(613, 'Calls to this API have exceeded the rate limit.');
    if (roll < rates.rateLimited + rates.transient)
      return graphError(2, 'An unexpected error has occurred. Please retry your request later.', undefined, 500);
    return undefined;
  };
}

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

/** Where the local servers listen, and what saw the senders' provider requests. */
export interface Servers {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  /** The sample's database: the embedded one, or --database-url with --seed-sample; undefined with --config. */
  readonly databaseUrl: string | undefined;
  /** The sample audience is in the database: the sandbox knows its people's windows and tokens. */
  readonly sample: boolean;
  readonly targets: LocalTargets;
  /** The Messenger sandbox, when one runs (the tests and benches look into it). */
  readonly sandbox: Sandbox | undefined;
  readonly taps: readonly ProviderTap[];
}

/** The channel types of the run's config; the sample has one Messenger channel. */
function channelTypes(options: LocalRunOptions): Set<string> {
  if (!options.configItems) return new Set(['messenger']);
  return new Set(
    options.configItems.flatMap((item) => {
      const { kind, type } = (item ?? {}) as { kind?: unknown; type?: unknown };
      return kind === 'channel' && typeof type === 'string' ? [type] : [];
    }),
  );
}

/**
 * With --page-limits, each Page's limit by page id: its Messenger channel's ratePerSecond. The sample's one Page has
 * --provider-rate's.
 */
function pageRates(options: LocalRunOptions): Record<string, number> | undefined {
  if (!options.provider.pageLimits || !options.configItems) return undefined;
  const rates: Record<string, number> = {};
  for (const [index, raw] of options.configItems.entries()) {
    const item = parseAnyConfigItem(raw, `config item #${index + 1}`);
    if (item.kind === 'channel' && item.type === 'messenger') rates[item.pageId] = item.ratePerSecond;
  }
  return rates;
}

/** The Messenger sandbox as the provider of a local run: its rate, latency, faults and, for the sample, windows. */
async function startMessengerSandbox(options: LocalRunOptions, sample: boolean): Promise<Sandbox> {
  const { provider } = options;
  const rates = pageRates(options);
  const sandbox = await startSandbox({
    accessToken: LOCAL_ACCESS_TOKEN,
    latencyMs: provider.latencyMs,
    latencyJitterMs: provider.latencyJitterMs,
    faults: { seed: options.seed, shares: provider.faults, hangMs: provider.hangMs },
    usageWindowMs: provider.usageWindowMs,
    // The sandbox knows the sample audience's windows and tokens; it cannot know those of your own audience.
    ...(sample ? { window: sampleWindowModel(options.sampleSize, Date.now()) } : {}),
    ...(provider.ratePerSecond ? { ratePerSecond: provider.ratePerSecond } : {}),
    ...(rates ? { pageRates: rates } : {}),
  });
  sandbox.inject(failureInjector(options.failures, options.seed));
  return sandbox;
}

/**
 * Where the channels send: the Messenger sandbox and the webhook sandbox, each when a channel goes to it (all do by
 * default), and the relay to the channels' own endpoints with --real-sends or --graph-url.
 */
async function startTargets(
  options: LocalRunOptions,
  sample: boolean,
  started: (name: string, service: Service, endpoint: string) => void,
): Promise<{ targets: LocalTargets; sandbox: Sandbox | undefined; taps: ProviderTap[] }> {
  const types = channelTypes(options);
  const taps: ProviderTap[] = [];
  let sandbox: Sandbox | undefined;
  const targets: { -readonly [K in keyof LocalTargets]: LocalTargets[K] } = {};
  if (!options.realSends && !options.graphUrl && types.has('messenger')) {
    sandbox = await startMessengerSandbox(options, sample);
    started('Messenger sandbox', sandbox, sandbox.baseUrl);
    targets.messengerSandbox = { baseUrl: sandbox.baseUrl, accessToken: LOCAL_ACCESS_TOKEN };
    const messenger = sandbox;
    taps.push({
      label: 'the local Messenger sandbox',
      tally: () => ({ ...messenger.counts(), acceptedAt: messenger.deliveries.map((delivery) => delivery.at) }),
    });
  }
  if (!options.realSends && types.has('webhook')) {
    const webhook = await startWebhookSandbox();
    started('webhook sandbox', webhook, webhook.url);
    targets.webhookSandbox = webhook;
    taps.push(webhook);
  }
  if (options.realSends || options.graphUrl) {
    const relay = await startRelay();
    started('relay to the real endpoints', relay, relay.endpoint);
    targets.relay = relay;
    taps.push(relay);
  }
  return { targets, sandbox, taps };
}

/** The emulators, the database and the provider targets, each pushed on `services` as soon as it runs. */
export async function startServers(
  options: LocalRunOptions,
  services: Service[],
  announce: (name: string, endpoint: string) => void,
  check: () => void,
): Promise<Servers> {
  const started = (name: string, service: Service, endpoint: string) => {
    services.push(service);
    announce(name, endpoint);
  };
  const dynamo =
    options.dynamodb === 'embedded'
      ? await startDynalite()
      : options.dynamodb === 'dynamodb-local'
        ? await startDynamoDbLocal()
        : { endpoint: options.dynamodb, stop: async () => undefined };
  started(`DynamoDB (${options.dynamodb})`, dynamo, dynamo.endpoint);
  // In a process of its own, which silences the experimental warning of the node:sqlite it loads, and nothing else.
  const sqs = await startSqsProcess();
  started('SQS (fauxqs)', sqs, sqs.endpoint);
  check();

  const sample = !options.configItems;
  let databaseUrl = options.databaseUrl;
  if (sample && !databaseUrl) {
    const pglite = await startPglite();
    started('PostgreSQL (PGlite)', pglite, `${pglite.host}:${pglite.port}`);
    databaseUrl = pglite.url;
  }
  if (sample && databaseUrl) await seedSampleAudience(databaseUrl, options.sampleSize);
  const { targets, sandbox, taps } = await startTargets(options, sample, started);
  check();
  return { dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint, databaseUrl, sample, targets, sandbox, taps };
}
