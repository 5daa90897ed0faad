import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  type ConfigItem,
  collectOutcomes,
  configuredHosts,
  createLedger,
  type JobConfig,
  LOOPBACK_HOSTS,
  parseAnyConfigItem,
  runIdFor,
  senderEnvironment,
} from '../../handlers/surface.js';
import { describeReach, failedOutsideWindow } from '../common/window-policy.js';
import { deliveryFigures } from './delivery-figures.js';
import { startDynalite } from './dynalite.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import type { FaultShares } from './fault-plan.js';
import { divertHandlerOutput } from './handler-output.js';
import type { Service } from './ports.js';
import { startPglite } from './postgres.js';
import { SAMPLE_JOB, sampleConfig, sampleWindowModel, seedSampleAudience } from './sample.js';
import { graphError, type Injector, startSandbox } from './sandbox.js';
import { type SenderFleet, startSenderFleet } from './sender-fleet.js';
import { queueDepth, startSqs } from './sqs.js';
import { type PlannerOutcome, type Stack, startStack } from './stack.js';

/** Shares of requests (not recipients) answered with a transient error or a 613, drawn afresh for each request. */
export interface FailureRates {
  readonly transient: number;
  readonly rateLimited: number;
}

/** The local Messenger sandbox as a provider: its limit, its latency and the tails of its answers. */
export interface ProviderModel {
  /** The Page's rate limit R (error 613 beyond it, and the usage header); without it, no limit. */
  readonly ratePerSecond?: number;
  readonly latencyMs: number;
  readonly latencyJitterMs: number;
  /** Per-recipient fault plans (tools/local/fault-plan.ts), drawn from `seed`. */
  readonly faults: FaultShares;
  readonly hangMs: number;
  readonly usageWindowMs: number;
}

export interface LocalRunOptions {
  readonly job: string;
  readonly sampleSize: number;
  readonly databaseUrl?: string;
  readonly seedSample: boolean;
  readonly graphUrl?: string;
  readonly accessToken?: string;
  readonly configItems?: readonly unknown[];
  readonly failures: FailureRates;
  readonly provider: ProviderModel;
  /** Tasks per sender invocation (the module's sender.batch_size). */
  readonly batchSize: number;
  /** Sends in flight per invocation (the module's sender.parallelism). */
  readonly parallelism: number;
  readonly maximumConcurrency: number;
  /** Worker processes for the senders (default: one per core, at most one per sender). */
  readonly senderProcesses?: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly senderTimeoutMs: number;
  readonly timeoutMs: number;
  /** "embedded" (dynalite, no Java), "dynamodb-local" (Java), or an endpoint URL. */
  readonly dynamodb: string;
  readonly seed: number;
  readonly logFile: string;
  readonly scheduledTime?: string;
}

export interface Progress {
  /** The planner is still reading the audience: `planned` is a lower bound, written at most once a second. */
  readonly planning: boolean;
  readonly planned: number;
  readonly processed: number;
  readonly sent: number;
  readonly elapsedMs: number;
}

export interface RunSummary {
  job: string;
  runId: string;
  planned: number;
  enqueued: number;
  sent: number;
  skipped: number;
  failed: number;
  failedByClass: Record<string, number>;
  /** Failed because the Send API refused them as outside the 24-hour messaging window (10/2018278). */
  failedOutsideWindow: number;
  /** The job's recipient kind and messaging type, and what they mean for people outside the window (describeReach). */
  reach: string | null;
  malformed: number;
  retried: number;
  rateLimited: number;
  deadLettered: number;
  providerRequests: number | null;
  /** From the planner's start until the run settled. */
  durationMs: number;
  throughputPerSecond: number;
  /** The provider figures (tools/local/delivery-figures.ts): null with --graph-url, which this cannot observe. */
  sustainedPerSecond: number | null;
  shareOfRate: number | null;
  rejectedForRate: number | null;
  abandoned: number | null;
  duplicates: number | null;
  logFile: string;
}

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

/** Sums an EMF metric over every line the handlers wrote, the sender processes' included. */
function sumMetric(lines: readonly string[], name: string): number {
  let total = 0;
  for (const line of lines) {
    if (!line.includes('"_aws"') || !line.includes(`"${name}"`)) continue;
    const value = (JSON.parse(line) as Record<string, unknown>)[name];
    if (typeof value === 'number') total += value;
  }
  return total;
}

/** What the caller of `runLocal` hears while the run goes on. */
export interface RunHooks {
  readonly onProgress: (progress: Progress) => void;
  /** Each server it starts, with its address: what "stops everything" must have stopped. */
  readonly onService?: (name: string, endpoint: string) => void;
}

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

interface Servers {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly databaseUrl: string;
  readonly graphUrl: string;
  readonly accessToken: string;
  readonly sandbox: Sandbox | undefined;
}

/** The emulators, the database and the sandbox, each pushed on `services` as soon as it runs. */
async function startServers(
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

interface Settling {
  readonly stack: Stack;
  readonly runId: string;
  readonly planning: Promise<PlannerOutcome[]>;
  readonly fleet: SenderFleet;
  readonly deadline: number;
  readonly started: number;
  readonly check: () => void;
  readonly onProgress: (progress: Progress) => void;
}

/** Polls the run until the planner is done and the queue is empty twice in a row; returns when it first was. */
async function awaitSettled({
  stack,
  runId,
  planning,
  fleet,
  deadline,
  started,
  check,
  onProgress,
}: Settling): Promise<number> {
  const ledger = createLedger({ table: stack.names.ledger });
  let plannerSettled = false;
  let plannerError: Error | undefined;
  planning.then(
    (outcomes) => {
      plannerSettled = true;
      const failure = outcomes.find((outcome) => !outcome.ok);
      if (failure && !failure.ok) plannerError = failure.error;
    },
    (error: unknown) => {
      plannerSettled = true;
      plannerError = error as Error;
    },
  );
  let quietSince: number | undefined;
  let quiet = 0;
  for (;;) {
    check();
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 250)), fleet.crashed]);
    const observedAt = Date.now();
    const run = await ledger.runs.get(runId);
    const processed = (run?.sent ?? 0) + (run?.failed ?? 0) + (run?.skipped ?? 0);
    onProgress({
      planning: run?.status !== 'enqueued',
      planned: run?.planned ?? 0,
      processed,
      sent: run?.sent ?? 0,
      elapsedMs: observedAt - started,
    });
    if (plannerError) throw new Error(`the planner failed: ${plannerError.message}`);
    const depth = await queueDepth(stack.sqs, stack.queues.queueUrl);
    const empty = plannerSettled && depth.visible + depth.inFlight === 0;
    quiet = empty ? quiet + 1 : 0;
    quietSince = empty ? (quietSince ?? observedAt) : undefined;
    if (quiet >= 2) return quietSince as number;
    if (Date.now() > deadline)
      throw new Error(
        `the run did not settle within ${deadline - started} ms (${processed} of ${run?.planned ?? '?'} processed); raise --timeout`,
      );
  }
}

/**
 * Runs one scheduler tick of a job through the shipped bundles on local servers, polls the queue like an event source
 * mapping until the run settles, and stops everything it started, also when `signal` aborts.
 */
export async function runLocal(options: LocalRunOptions, hooks: RunHooks, signal?: AbortSignal): Promise<RunSummary> {
  const announce = (name: string, endpoint: string) => hooks.onService?.(name, endpoint);
  const services: Service[] = [];
  // The handler logs go to the log file, so stdout stays the summary's; the sender processes append to it too.
  writeFileSync(options.logFile, '');
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const restoreStdout = divertHandlerOutput((text) => void (log.writableEnded || log.write(text)));
  const closeLog = () => new Promise<void>((resolve) => (log.writableEnded ? resolve() : log.end(() => resolve())));

  const started = Date.now();
  try {
    const check = () => {
      if (signal?.aborted) throw new Error('interrupted');
    };
    const servers = await startServers(options, services, announce, check);
    const channelRate = options.provider.ratePerSecond ? { ratePerSecond: options.provider.ratePerSecond } : {};
    const items =
      options.configItems ??
      sampleConfig(new URL(servers.databaseUrl), servers.graphUrl, servers.accessToken, channelRate);
    const parsed = items.map((item, index) => parseAnyConfigItem(item, `config item #${index + 1}`));
    // The module's allowlists, as a local run needs them: the hosts its config names, and the emulators' loopback.
    const hosts = configuredHosts(parsed);
    const stack = await startStack({
      name: 'notifier-local',
      dynamoEndpoint: servers.dynamoEndpoint,
      sqsEndpoint: servers.sqsEndpoint,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      maxReceiveCount: options.maxReceiveCount,
      channelHosts: [...LOOPBACK_HOSTS, ...hosts.channels],
      databaseHosts: [...LOOPBACK_HOSTS, ...hosts.databases],
      extraEnv: {
        [senderEnvironment.instances.name]: String(options.maximumConcurrency),
        [senderEnvironment.parallelism.name]: String(options.parallelism),
      },
    });
    services.push(stack);
    const job = parsed.find((item: ConfigItem): item is JobConfig => item.kind === 'job' && item.id === options.job);
    for (const item of items) await stack.putConfig(item as Record<string, unknown>);

    const scheduledTime = options.scheduledTime ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const runId = runIdFor(options.job, scheduledTime);
    // startStack set the environment the module gives its senders; the sender processes inherit it.
    const fleet = await startSenderFleet({
      instances: options.maximumConcurrency,
      processes: options.senderProcesses ?? availableParallelism(),
      queueUrl: stack.queues.queueUrl,
      batchSize: options.batchSize,
      functionTimeoutMs: options.senderTimeoutMs,
      logFile: options.logFile,
    });
    services.push(fleet);
    check();
    fleet.go();

    const plannerStartedAt = Date.now();
    const planning = stack.tick(options.job, scheduledTime, { timeoutMs: options.timeoutMs });
    const settledAt = await awaitSettled({
      stack,
      runId,
      planning,
      fleet,
      deadline: started + options.timeoutMs,
      started,
      check,
      onProgress: hooks.onProgress,
    });
    await fleet.stop();
    await closeLog();
    const lines = readFileSync(options.logFile, 'utf8').split('\n');
    return await summarize({
      options,
      job,
      stack,
      runId,
      sandbox: servers.sandbox,
      lines,
      plannerStartedAt,
      settledAt,
    });
  } finally {
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    restoreStdout();
    await closeLog();
  }
}

interface SummaryInput {
  readonly options: LocalRunOptions;
  readonly job: JobConfig | undefined;
  readonly stack: Stack;
  readonly runId: string;
  readonly sandbox: Sandbox | undefined;
  readonly lines: readonly string[];
  readonly plannerStartedAt: number;
  readonly settledAt: number;
}

async function summarize({
  options,
  job,
  stack,
  runId,
  sandbox,
  lines,
  plannerStartedAt,
  settledAt,
}: SummaryInput): Promise<RunSummary> {
  const ledger = createLedger({ table: stack.names.ledger });
  const run = await ledger.runs.get(runId);
  const failedByClass: Record<string, number> = {};
  const { outcomes, malformed } = await collectOutcomes(ledger.table, runId);
  let failedOutside = 0;
  for (const { status, failureClass = 'unknown', reason } of outcomes) {
    if (status !== 'failed') continue;
    failedByClass[failureClass] = (failedByClass[failureClass] ?? 0) + 1;
    if (failedOutsideWindow(reason)) failedOutside++;
  }
  const deadLettered = await queueDepth(stack.sqs, stack.queues.dlqUrl);
  const span = {
    startedAt: plannerStartedAt,
    endedAt: settledAt,
    ...(options.provider.ratePerSecond ? { providerRate: options.provider.ratePerSecond } : {}),
  };
  const counts = sandbox?.counts();
  const figures =
    sandbox && counts
      ? deliveryFigures({ ...counts, acceptedAt: sandbox.deliveries.map((delivery) => delivery.at) }, span)
      : undefined;
  const durationMs = settledAt - plannerStartedAt;
  return {
    job: options.job,
    runId,
    planned: run?.planned ?? 0,
    enqueued: run?.enqueued ?? 0,
    sent: run?.sent ?? 0,
    skipped: run?.skipped ?? 0,
    failed: run?.failed ?? 0,
    failedByClass,
    failedOutsideWindow: failedOutside,
    reach: job ? describeReach(job).summary : null,
    malformed,
    retried: sumMetric(lines, 'Retried'),
    rateLimited: sumMetric(lines, 'RateLimited'),
    deadLettered: deadLettered.visible + deadLettered.inFlight,
    providerRequests: counts ? counts.requests : null,
    durationMs,
    throughputPerSecond: durationMs > 0 ? Math.round(((run?.sent ?? 0) / durationMs) * 1000 * 10) / 10 : 0,
    sustainedPerSecond:
      figures?.sustainedPerSecond === null || !figures ? null : Math.round(figures.sustainedPerSecond * 10) / 10,
    shareOfRate: figures?.shareOfRate ?? null,
    rejectedForRate: figures ? figures.rejectedForRate : null,
    abandoned: figures ? figures.abandoned : null,
    duplicates: figures ? figures.duplicates : null,
    logFile: options.logFile,
  };
}

export const DEFAULT_JOB = SAMPLE_JOB;
