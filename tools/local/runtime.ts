import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  type ChannelConfig,
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
import type { LocalRunOptions, RunHooks } from './run-options.js';
import { awaitSettled } from './run-settle.js';
import { type RunSummary, summarize } from './run-summary.js';
import { SAMPLE_JOB, sampleConfig } from './sample.js';
import { startSenderFleet } from './sender-fleet.js';
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

/**
 * The module's tables, queues and Lambda wiring on the emulators, holding the run's config items; pushed on `services`
 * as soon as it runs.
 */
async function startLocalStack(
  options: LocalRunOptions,
  servers: Servers,
  services: Service[],
  onNotice: (line: string) => void,
): Promise<{ stack: Stack; job: JobConfig | undefined; channel: ChannelConfig | undefined }> {
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
      [senderEnvironment.parallelism.name]: String(options.parallelism),
      // Every secret is inline by now: a handler that still asked an AWS secret store would get no answer from here.
      AWS_ENDPOINT_URL_SECRETS_MANAGER: NO_SECRET_STORE,
      AWS_ENDPOINT_URL_SSM: NO_SECRET_STORE,
    },
  });
  services.push(stack);
  const job = parsed.find((item: ConfigItem): item is JobConfig => item.kind === 'job' && item.id === options.job);
  for (const item of items) await stack.putConfig(item as Record<string, unknown>);
  const channel = parsed.find(
    (item: ConfigItem): item is ChannelConfig => item.kind === 'channel' && item.id === job?.channel,
  );
  return { stack, job, channel };
}

/**
 * Meta's events for what the sandbox accepted, into the receiver: only for a Messenger channel on the local sandbox
 * whose pageId is a Page id (the receiver maps events to channels by it); otherwise a notice says why not.
 */
async function receiptsAfterRun(input: {
  readonly options: LocalRunOptions;
  readonly servers: Servers;
  readonly stack: Stack;
  readonly runId: string;
  readonly channel: ChannelConfig | undefined;
  readonly onNotice: (line: string) => void;
}): Promise<ReceiptsSummary | undefined> {
  const { options, servers, stack, runId, channel, onNotice } = input;
  if (!options.receipts) return undefined;
  if (channel?.type !== 'messenger' || !servers.sandbox || !/^\d+$/.test(channel.pageId)) {
    onNotice(
      '--receipts: no receipts replayed: they need a Messenger channel on the local sandbox with a numeric pageId',
    );
    return undefined;
  }
  return replayReceipts({
    stack,
    sandbox: servers.sandbox,
    runId,
    channel: { id: channel.id, pageId: channel.pageId },
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

/**
 * Runs one scheduler tick of a job through the shipped bundles on local servers, polls the queue like an event source
 * mapping until the run settles, and stops everything it started, also when `signal` aborts.
 */
export async function runLocal(options: LocalRunOptions, hooks: RunHooks, signal?: AbortSignal): Promise<RunSummary> {
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
      const resolved = await resolveRealSecrets(options.configItems, options.job, options);
      for (const notice of resolved.notices) onNotice(notice);
      run = { ...options, configItems: resolved.items };
    }
    const servers = await startServers(run, services, announce, check);
    const { stack, job, channel } = await startLocalStack(run, servers, services, onNotice);

    const scheduledTime = options.scheduledTime ?? (await freshScheduledTime(stack, options.job));
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
      plannerStartedAt,
      check,
      onProgress: hooks.onProgress,
    });
    await fleet.stop();
    const receipts = options.receipts
      ? await receiptsAfterRun({ options, servers, stack, runId, channel, onNotice })
      : undefined;
    await log.close();
    const lines = readFileSync(options.logFile, 'utf8').split('\n');
    return await summarize({
      options,
      job,
      channelType: channel?.type,
      receipts,
      stack,
      runId,
      servers,
      lines,
      startedAt: started,
      plannerStartedAt,
      settledAt,
    });
  } finally {
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    log.restore();
    await log.close();
  }
}
