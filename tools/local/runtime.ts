import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  type ConfigItem,
  configuredHosts,
  createLedger,
  type JobConfig,
  LOOPBACK_HOSTS,
  parseAnyConfigItem,
  runIdFor,
  senderEnvironment,
} from '../../handlers/surface.js';
import { divertHandlerOutput } from './handler-output.js';
import { configItemLabel, localConfig, resolveRealSecrets } from './local-config.js';
import type { Service } from './ports.js';
import { type ReceiptsSummary, replayReceipts } from './receipts-replay.js';
import type { LocalRunOptions, Progress, RunHooks, RunJob } from './run-options.js';
import { awaitSettled } from './run-settle.js';
import { type RunSummary, summarize } from './run-summary.js';
import { SAMPLE_JOB, sampleConfig } from './sample.js';
import { type SenderFleet, startSenderFleet } from './sender-fleet.js';
import { LOCAL_ACCESS_TOKEN, type Servers, startServers } from './servers.js';
import { type Stack, startStack } from './stack.js';

export const DEFAULT_JOB = SAMPLE_JOB;

/** Where the handlers' Secrets Manager and SSM clients point in a local run: a loopback port nothing listens on. */
const NO_SECRET_STORE = 'http://127.0.0.1:9';

/**
 * The handler logs go to the log file, so stdout stays the summary's; the sender processes append to it too.
 * `restore` gives stdout back; `close` ends the file, once.
 */
function handlerLog(logFile: string): { restore: () => void; close: () => Promise<void> } {
  writeFileSync(logFile, '');
  const log = createWriteStream(logFile, { flags: 'a' });
  const restore = divertHandlerOutput((text) => void (log.writableEnded || log.write(text)));
  const close = () => new Promise<void>((resolve) => (log.writableEnded ? resolve() : log.end(() => resolve())));
  return { restore, close };
}

/** The run's config items as it stores them: the sample's or --config's, each channel on its local target. */
function runConfig(options: LocalRunOptions, servers: Servers, onNotice: (line: string) => void): ConfigItem[] {
  const channelRate = options.provider.ratePerSecond ? { ratePerSecond: options.provider.ratePerSecond } : {};
  const raw =
    options.configItems ??
    sampleConfig(
      new URL(servers.databaseUrl as string),
      servers.targets.messengerSandbox?.baseUrl ?? options.graphUrl ?? 'https://graph.facebook.com',
      options.accessToken ?? LOCAL_ACCESS_TOKEN,
      channelRate,
    );
  const { items, notices } = localConfig(raw, options, servers.targets);
  for (const notice of notices) onNotice(notice);
  return items as ConfigItem[];
}

/** The ticked jobs as the config describes them. */
function runJobs(options: LocalRunOptions, parsed: readonly ConfigItem[]): RunJob[] {
  return options.jobs.map((tick) => {
    const config = parsed.find((item): item is JobConfig => item.kind === 'job' && item.id === tick.job);
    const channel = parsed.find((item) => item.kind === 'channel' && item.id === config?.channel);
    if (channel?.kind !== 'channel')
      return {
        tick,
        config,
        channelType: undefined,
        channelId: undefined,
        pageId: undefined,
        sandboxPage: undefined,
        channelRate: undefined,
      };
    const pageId = channel.type === 'messenger' ? channel.pageId : undefined;
    const marketing =
      channel.type === 'messenger' && config?.audience.recipientKind === 'subscription_token' && channel.adAccountId;
    return {
      tick,
      config,
      channelType: channel.type,
      channelId: channel.id,
      pageId,
      sandboxPage: marketing ? `act_${marketing}` : pageId,
      channelRate: marketing ? options.provider.ratePerSecond : channel.ratePerSecond,
    };
  });
}

/**
 * The module's tables, queues and Lambda wiring on the emulators, holding the run's config items; pushed on `services`
 * as soon as it runs.
 */
async function startLocalStack(
  options: LocalRunOptions,
  servers: Servers,
  services: Service[],
  onNotice: (line: string) => void,
): Promise<{ stack: Stack; jobs: RunJob[] }> {
  const items = runConfig(options, servers, onNotice);
  const parsed = items.map((item, index) => parseAnyConfigItem(item, configItemLabel(item, index)));
  // The module's allowlists, as a local run needs them: the hosts its config names (all on this machine now that each
  // channel goes to a local target), and the emulators' loopback.
  const hosts = configuredHosts(parsed);
  const stack = await startStack({
    name: 'notifier-local',
    dynamoEndpoint: servers.dynamoEndpoint,
    sqsEndpoint: servers.sqsEndpoint,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    maxReceiveCount: options.maxReceiveCount,
    channelHosts: {
      messenger: [...LOOPBACK_HOSTS, ...hosts.channels.messenger],
      webhook: [...LOOPBACK_HOSTS, ...hosts.channels.webhook],
    },
    databaseHosts: [...LOOPBACK_HOSTS, ...hosts.databases],
    extraEnv: {
      [senderEnvironment.instances.name]: String(options.maximumConcurrency),
      [senderEnvironment.rateShare.name]: options.rateShare ?? senderEnvironment.rateShare.parse(undefined),
      [senderEnvironment.parallelism.name]: String(options.parallelism),
      // Every secret is inline by now: a handler that still asked an AWS secret store would get no answer from here.
      AWS_ENDPOINT_URL_SECRETS_MANAGER: NO_SECRET_STORE,
      AWS_ENDPOINT_URL_SSM: NO_SECRET_STORE,
    },
  });
  services.push(stack);
  for (const item of items) await stack.putConfig(item as Record<string, unknown>);
  return { stack, jobs: runJobs(options, parsed) };
}

/**
 * Meta's events for what the sandbox accepted for a job, into the receiver: only for a Messenger channel on the local
 * sandbox whose pageId is a Page id (the receiver maps events to channels by it); otherwise a notice says why not.
 * With several jobs, only the deliveries on the job's path (its Page, or its ad account) are its events.
 */
async function receiptsAfterRun(input: {
  readonly options: LocalRunOptions;
  readonly servers: Servers;
  readonly stack: Stack;
  readonly runId: string;
  readonly job: RunJob;
  readonly shared: boolean;
  readonly onNotice: (line: string) => void;
}): Promise<ReceiptsSummary | undefined> {
  const { options, servers, stack, runId, job, shared, onNotice } = input;
  if (!options.receipts) return undefined;
  if (job.channelType !== 'messenger' || !servers.sandbox || !job.channelId || !/^\d+$/.test(job.pageId ?? '')) {
    onNotice(
      `--receipts: no receipts replayed for job "${job.tick.job}": they need a Messenger channel on the local ` +
        'sandbox with a numeric pageId',
    );
    return undefined;
  }
  return replayReceipts({
    stack,
    sandbox: servers.sandbox,
    runId,
    channel: { id: job.channelId, pageId: job.pageId as string },
    ...(shared && job.sandboxPage ? { deliveriesOf: job.sandboxPage } : {}),
    plan: options.receipts,
    seed: options.seed,
  });
}

/**
 * The run's scheduled time: this second, or the next free one when the ledger already holds a run of the job at it
 * (a second run against the same DynamoDB endpoint within a second).
 */
async function freshScheduledTime(stack: Stack, job: string): Promise<string> {
  const ledger = createLedger({ table: stack.names.ledger });
  let at = Math.floor(Date.now() / 1000) * 1000;
  while (await ledger.runs.get(runIdFor(job, new Date(at).toISOString()))) at += 1000;
  return new Date(at).toISOString();
}

/** Waits `ms`, or less when `check` throws meanwhile (an interrupt). */
async function waitChecking(ms: number, check: () => void): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    check();
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
  }
}

/** The progress of several jobs as one line: their counts added up, planning while any plans, settled once all are. */
function combinedProgress(count: number, onProgress: (progress: Progress) => void) {
  const latest = new Map<number, Progress>();
  return (index: number, progress: Progress) => {
    latest.set(index, progress);
    const all = [...latest.values()];
    const sum = (key: 'planned' | 'processed' | 'sent') => all.reduce((total, each) => total + each[key], 0);
    const settled = all.length === count && all.every((each) => each.settled);
    onProgress({
      planning: all.some((each) => each.planning),
      planned: sum('planned'),
      processed: sum('processed'),
      sent: sum('sent'),
      elapsedMs: Math.max(...all.map((each) => each.elapsedMs)),
      ...(settled ? { settled } : {}),
    });
  };
}

interface Ticked {
  readonly job: RunJob;
  readonly runId: string;
  readonly tickedAt: number;
  readonly settledAt: number;
}

/** Ticks one job (its run at `scheduledTime`) at its time after `firstTickAt`; waits until its run settles. */
async function tickJob(
  context: {
    stack: Stack;
    fleet: SenderFleet;
    options: LocalRunOptions;
    started: number;
    firstTickAt: number;
    shared: boolean;
    check: () => void;
    onProgress: (progress: Progress) => void;
  },
  job: RunJob,
  scheduledTime: string,
): Promise<Ticked> {
  const { stack, fleet, options, started, firstTickAt, check } = context;
  await waitChecking(firstTickAt + job.tick.afterSeconds * 1000 - Date.now(), check);
  const runId = runIdFor(job.tick.job, scheduledTime);
  const tickedAt = Date.now();
  const planning = stack.tick(job.tick.job, scheduledTime, { timeoutMs: options.timeoutMs });
  const settledAt = await awaitSettled({
    stack,
    runId,
    planning,
    fleet,
    deadline: started + options.timeoutMs,
    started,
    // A single job's clock starts at its tick, as the summary's duration does; several share the first tick's.
    plannerStartedAt: context.shared ? firstTickAt : tickedAt,
    check,
    onProgress: context.onProgress,
    sharedQueue: context.shared,
  });
  return { job, runId, tickedAt, settledAt };
}

/**
 * After the senders stopped: each job's receipts (--receipts), then, the handler log closed, each job's summary in the
 * order of `ticked`.
 */
async function summarizeJobs(input: {
  readonly options: LocalRunOptions;
  readonly servers: Servers;
  readonly stack: Stack;
  readonly ticked: readonly Awaited<ReturnType<typeof tickJob>>[];
  readonly shared: boolean;
  readonly started: number;
  readonly firstTickAt: number;
  readonly log: { close: () => Promise<void> };
  readonly onNotice: (line: string) => void;
}): Promise<RunSummary[]> {
  const { options, servers, stack, ticked, shared, started, firstTickAt, log, onNotice } = input;
  // One job at a time: each replay runs its own receiver endpoint.
  const receipts: (ReceiptsSummary | undefined)[] = [];
  for (const { job, runId } of ticked)
    receipts.push(await receiptsAfterRun({ options, servers, stack, runId, job, shared, onNotice }));
  await log.close();
  const lines = readFileSync(options.logFile, 'utf8').split('\n');
  const summaries: RunSummary[] = [];
  for (const [index, { job, runId, tickedAt, settledAt }] of ticked.entries())
    summaries.push(
      await summarize({
        options,
        job,
        receipts: receipts[index],
        stack,
        runId,
        servers,
        lines,
        startedAt: started,
        plannerStartedAt: tickedAt,
        firstTickAt,
        settledAt,
        shared,
      }),
    );
  return summaries;
}

/**
 * Runs one scheduler tick of each job through the shipped bundles on local servers, all through the same stack and
 * senders, each at its time; polls the queue like an event source mapping until every run settles, and stops
 * everything it started, also when `signal` aborts. One summary per job, in the order of `options.jobs`.
 */
export async function runLocal(options: LocalRunOptions, hooks: RunHooks, signal?: AbortSignal): Promise<RunSummary[]> {
  const announce = (name: string, endpoint: string) => hooks.onService?.(name, endpoint);
  const onNotice = (line: string) => hooks.onNotice?.(line);
  const services: Service[] = [];
  const log = handlerLog(options.logFile);
  const started = Date.now();
  try {
    const check = () => {
      if (signal?.aborted) throw new Error('interrupted');
    };
    // Before anything points the AWS SDK at the emulators: --real-secrets resolves with the caller's credentials.
    let run = options;
    if (options.realSecrets && options.configItems) {
      const resolved = await resolveRealSecrets(
        options.configItems,
        options.jobs.map((tick) => tick.job),
        options,
      );
      for (const notice of resolved.notices) onNotice(notice);
      run = { ...options, configItems: resolved.items };
    }
    const servers = await startServers(run, services, announce, check);
    const { stack, jobs } = await startLocalStack(run, servers, services, onNotice);

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

    // Before the first tick, so that each tick comes at its time after it.
    const scheduledTimes = await Promise.all(jobs.map((job) => freshScheduledTime(stack, job.tick.job)));
    const firstTickAt = Date.now();
    const progress = combinedProgress(jobs.length, hooks.onProgress);
    const shared = jobs.length > 1;
    const ticked = await Promise.all(
      jobs.map((job, index) =>
        tickJob(
          {
            stack,
            fleet,
            options,
            started,
            firstTickAt,
            shared,
            check,
            onProgress: (each) => progress(index, each),
          },
          job,
          scheduledTimes[index] as string,
        ),
      ),
    );
    await fleet.stop();
    return await summarizeJobs({ options, servers, stack, ticked, shared, started, firstTickAt, log, onNotice });
  } finally {
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    log.restore();
    await log.close();
  }
}
