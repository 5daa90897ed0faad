import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  type ConfigItem,
  configuredHosts,
  type JobConfig,
  LOOPBACK_HOSTS,
  parseAnyConfigItem,
  runIdFor,
  senderEnvironment,
} from '../../handlers/surface.js';
import { divertHandlerOutput } from './handler-output.js';
import type { Service } from './ports.js';
import type { LocalRunOptions, RunHooks } from './run-options.js';
import { awaitSettled } from './run-settle.js';
import { type RunSummary, summarize } from './run-summary.js';
import { SAMPLE_JOB, sampleConfig } from './sample.js';
import { startSenderFleet } from './sender-fleet.js';
import { type Servers, startServers } from './servers.js';
import { type Stack, startStack } from './stack.js';

export const DEFAULT_JOB = SAMPLE_JOB;

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

/**
 * The module's tables, queues and Lambda wiring on the emulators, holding the run's config items (the sample's unless
 * given); pushed on `services` as soon as it runs.
 */
async function startLocalStack(
  options: LocalRunOptions,
  servers: Servers,
  services: Service[],
): Promise<{ stack: Stack; job: JobConfig | undefined }> {
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
    channelHosts: {
      messenger: [...LOOPBACK_HOSTS, ...hosts.channels.messenger],
      webhook: [...LOOPBACK_HOSTS, ...hosts.channels.webhook],
    },
    databaseHosts: [...LOOPBACK_HOSTS, ...hosts.databases],
    extraEnv: {
      [senderEnvironment.instances.name]: String(options.maximumConcurrency),
      [senderEnvironment.parallelism.name]: String(options.parallelism),
    },
  });
  services.push(stack);
  const job = parsed.find((item: ConfigItem): item is JobConfig => item.kind === 'job' && item.id === options.job);
  for (const item of items) await stack.putConfig(item as Record<string, unknown>);
  return { stack, job };
}

/**
 * Runs one scheduler tick of a job through the shipped bundles on local servers, polls the queue like an event source
 * mapping until the run settles, and stops everything it started, also when `signal` aborts.
 */
export async function runLocal(options: LocalRunOptions, hooks: RunHooks, signal?: AbortSignal): Promise<RunSummary> {
  const announce = (name: string, endpoint: string) => hooks.onService?.(name, endpoint);
  const services: Service[] = [];
  const log = handlerLog(options.logFile);
  const started = Date.now();
  try {
    const check = () => {
      if (signal?.aborted) throw new Error('interrupted');
    };
    const servers = await startServers(options, services, announce, check);
    const { stack, job } = await startLocalStack(options, servers, services);

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
    await log.close();
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
    log.restore();
    await log.close();
  }
}
