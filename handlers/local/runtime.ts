import { createWriteStream, type WriteStream } from 'node:fs';
import { createLedger, scanOutcomes } from '../aws/ledger/index.js';
import { parseAnyConfigItem } from '../config/schema.js';
import { runIdFor } from '../core/run-id.js';
import { startDynalite } from './dynalite.js';
import { divertHandlerOutput } from './handler-output.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { startPoller } from './poller.js';
import { startPglite } from './postgres.js';
import type { Service } from './ports.js';
import { SAMPLE_JOB, sampleConfig, seedSampleAudience } from './sample.js';
import { graphError, startSandbox, type Injector } from './sandbox.js';
import { queueDepth, startSqs } from './sqs.js';
import { startStack } from './stack.js';

export interface FailureRates {
  readonly transient: number;
  readonly rateLimited: number;
  readonly permanent: number;
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
  readonly batchSize: number;
  readonly maximumConcurrency: number;
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
  malformed: number;
  retried: number;
  rateLimited: number;
  deadLettered: number;
  providerRequests: number | null;
  durationMs: number;
  throughputPerSecond: number;
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
  if (!rates.transient && !rates.rateLimited && !rates.permanent) return undefined;
  const next = random(seed);
  const blocked = new Map<string, boolean>();
  return (request) => {
    const recipient = request.recipientId ?? '';
    // Blocking is a property of the recipient, not of one request: the same person stays blocked on retry.
    if (!blocked.has(recipient)) blocked.set(recipient, next() < rates.permanent);
    if (blocked.get(recipient)) return graphError(551, "This person isn't available right now.");
    const roll = next();
    if (roll < rates.rateLimited) return graphError(613, 'Calls to this API have exceeded the rate limit.');
    if (roll < rates.rateLimited + rates.transient) return graphError(2, 'An unexpected error has occurred. Please retry your request later.', undefined, 500);
    return undefined;
  };
}

/** Sums an EMF metric over every line the handlers wrote. */
function sumMetric(lines: readonly string[], name: string): number {
  let total = 0;
  for (const line of lines) {
    if (!line.includes('"_aws"') || !line.includes(`"${name}"`)) continue;
    const value = (JSON.parse(line) as Record<string, unknown>)[name];
    if (typeof value === 'number') total += value;
  }
  return total;
}

/**
 * Runs one scheduler tick of a job through the shipped bundles on local servers, polls the queue like an event source
 * mapping until the run settles, and stops everything it started, also when interrupted (call `abort`).
 */
export interface RunHooks {
  readonly onProgress: (progress: Progress) => void;
  /** Each server it starts, with its address: what "stops everything" must have stopped. */
  readonly onService?: (name: string, endpoint: string) => void;
}

export async function runLocal(options: LocalRunOptions, hooks: RunHooks, signal?: AbortSignal): Promise<RunSummary> {
  const { onProgress } = hooks;
  const announce = (name: string, endpoint: string) => hooks.onService?.(name, endpoint);
  const services: Service[] = [];
  const metricLines: string[] = [];
  const log: WriteStream = createWriteStream(options.logFile);
  // The handler logs go to the log file, so stdout stays the summary's.
  const restoreStdout = divertHandlerOutput((text) => {
    log.write(text);
    for (const line of text.split('\n')) if (line.includes('"_aws"')) metricLines.push(line);
  });

  const started = Date.now();
  try {
    const check = () => {
      if (signal?.aborted) throw new Error('interrupted');
    };
    const dynamo = options.dynamodb === 'embedded' ? await startDynalite() : options.dynamodb === 'dynamodb-local' ? await startDynamoDbLocal() : { endpoint: options.dynamodb, stop: async () => undefined };
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
    const usingSample = !options.configItems;
    if (usingSample && (!options.databaseUrl || options.seedSample)) await seedSampleAudience(databaseUrl, options.sampleSize);

    const accessToken = options.accessToken ?? 'local-sandbox-page-access-token';
    let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
    let graphUrl = options.graphUrl;
    if (!graphUrl) {
      sandbox = await startSandbox({ accessToken });
      sandbox.inject(failureInjector(options.failures, options.seed));
      services.push(sandbox);
      graphUrl = sandbox.baseUrl;
      announce('Messenger sandbox', sandbox.baseUrl);
    }
    check();

    const stack = await startStack({
      name: 'notifier-local',
      dynamoEndpoint: dynamo.endpoint,
      sqsEndpoint: sqs.endpoint,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      maxReceiveCount: options.maxReceiveCount,
      extraEnv: { NOTIFIER_SENDER_INSTANCES: String(options.maximumConcurrency), NOTIFIER_SENDER_PARALLELISM: String(Math.min(10, options.batchSize)) },
    });
    services.push(stack);
    const items = options.configItems ?? sampleConfig(new URL(databaseUrl), graphUrl, accessToken);
    items.forEach((item, index) => parseAnyConfigItem(item, `config item #${index + 1}`));
    for (const item of items) await stack.putConfig(item as Record<string, unknown>);

    const scheduledTime = options.scheduledTime ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const runId = runIdFor(options.job, scheduledTime);
    const ledger = createLedger({ table: stack.names.ledger });
    const senders = await Promise.all(Array.from({ length: options.maximumConcurrency }, () => stack.loadSender()));
    const poller = startPoller(stack.sqs, senders, {
      queueUrl: stack.queues.queueUrl,
      batchSize: options.batchSize,
      maximumConcurrency: options.maximumConcurrency,
      functionTimeoutMs: options.senderTimeoutMs,
    });
    services.push({ stop: () => poller.stop() });

    const planning = stack.tick(options.job, scheduledTime, { timeoutMs: options.timeoutMs });
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

    const deadline = started + options.timeoutMs;
    let quiet = 0;
    for (;;) {
      check();
      await new Promise((resolve) => setTimeout(resolve, 250));
      const run = await ledger.runs.get(runId);
      const processed = (run?.sent ?? 0) + (run?.failed ?? 0) + (run?.skipped ?? 0);
      onProgress({ planned: run?.planned ?? 0, processed, sent: run?.sent ?? 0, elapsedMs: Date.now() - started });
      if (plannerError) throw new Error(`the planner failed: ${plannerError.message}`);
      const depth = await queueDepth(stack.sqs, stack.queues.queueUrl);
      quiet = plannerSettled && depth.visible + depth.inFlight === 0 ? quiet + 1 : 0;
      if (quiet >= 2) break;
      if (Date.now() > deadline) throw new Error(`the run did not settle within ${options.timeoutMs} ms (${processed} of ${run?.planned ?? '?'} processed); raise --timeout`);
    }
    await poller.stop();

    const run = await ledger.runs.get(runId);
    const failedByClass: Record<string, number> = {};
    const { outcomes, malformed } = await scanOutcomes(ledger.table, runId);
    for (const { status, failureClass = 'unknown' } of outcomes) if (status === 'failed') failedByClass[failureClass] = (failedByClass[failureClass] ?? 0) + 1;
    const deadLettered = await queueDepth(stack.sqs, stack.queues.dlqUrl);
    const durationMs = Date.now() - started;
    return {
      job: options.job,
      runId,
      planned: run?.planned ?? 0,
      enqueued: run?.enqueued ?? 0,
      sent: run?.sent ?? 0,
      skipped: run?.skipped ?? 0,
      failed: run?.failed ?? 0,
      failedByClass,
      malformed,
      retried: sumMetric(metricLines, 'Retried'),
      rateLimited: sumMetric(metricLines, 'RateLimited'),
      deadLettered: deadLettered.visible + deadLettered.inFlight,
      providerRequests: sandbox ? sandbox.requests.length : null,
      durationMs,
      throughputPerSecond: Math.round(((run?.sent ?? 0) / durationMs) * 1000 * 10) / 10,
      logFile: options.logFile,
    };
  } finally {
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    restoreStdout();
    await new Promise<void>((resolve) => log.end(() => resolve()));
  }
}

export const DEFAULT_JOB = SAMPLE_JOB;
