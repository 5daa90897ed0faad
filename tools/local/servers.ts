import { startDynalite } from './dynalite.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import type { Service } from './ports.js';
import { startPglite } from './postgres.js';
import type { FailureRates, LocalRunOptions } from './run-options.js';
import { sampleWindowModel, seedSampleAudience } from './sample.js';
import { type Injector, startSandbox } from './sandbox.js';
import { graphError } from './sandbox-reply.js';
import { startSqs } from './sqs.js';

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

/** Where the local servers listen; the sandbox too when it plays the provider. */
export interface Servers {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly databaseUrl: string;
  readonly graphUrl: string;
  readonly accessToken: string;
  readonly sandbox: Sandbox | undefined;
}

/** The emulators, the database and the sandbox, each pushed on `services` as soon as it runs. */
export async function startServers(
  options: LocalRunOptions,
  services: Service[],
  announce: (name: string, endpoint: string) => void,
  check: () => void,
): Promise<Servers> {
  const dynamo =
    options.dynamodb === 'embedded'
      ? await startDynalite()
      : options.dynamodb === 'dynamodb-local'
        ? await startDynamoDbLocal()
        : { endpoint: options.dynamodb, stop: async () => undefined };
  services.push(dynamo);
  announce(`DynamoDB (${options.dynamodb})`, dynamo.endpoint);
  const sqs = await startSqs();
  services.push(sqs);
  announce('SQS (fauxqs)', sqs.endpoint);
  check();

  let databaseUrl = options.databaseUrl;
  if (!databaseUrl) {
    const pglite = await startPglite();
    services.push(pglite);
    databaseUrl = pglite.url;
    announce('PostgreSQL (PGlite)', `${pglite.host}:${pglite.port}`);
  }
  const sample = !options.configItems && (!options.databaseUrl || options.seedSample);
  if (sample) await seedSampleAudience(databaseUrl, options.sampleSize);

  const accessToken = options.accessToken ?? 'local-sandbox-page-access-token';
  let sandbox: Sandbox | undefined;
  if (!options.graphUrl) {
    const { provider } = options;
    sandbox = await startSandbox({
      accessToken,
      latencyMs: provider.latencyMs,
      latencyJitterMs: provider.latencyJitterMs,
      faults: { seed: options.seed, shares: provider.faults, hangMs: provider.hangMs },
      usageWindowMs: provider.usageWindowMs,
      // The sandbox knows the sample audience's windows and tokens; it cannot know those of your own audience.
      ...(sample ? { window: sampleWindowModel(options.sampleSize, Date.now()) } : {}),
      ...(provider.ratePerSecond ? { ratePerSecond: provider.ratePerSecond } : {}),
    });
    sandbox.inject(failureInjector(options.failures, options.seed));
    services.push(sandbox);
    announce('Messenger sandbox', sandbox.baseUrl);
  }
  check();
  return {
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
    databaseUrl,
    graphUrl: options.graphUrl ?? (sandbox as Sandbox).baseUrl,
    accessToken,
    sandbox,
  };
}
