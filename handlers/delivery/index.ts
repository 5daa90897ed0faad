import { randomUUID } from 'node:crypto';
import type { ConfigStore } from '../aws/config-store.js';
import type { Ledger } from '../aws/ledger/index.js';
import type { Channel } from '../channels/channel.js';
import type { ChannelConfig } from '../config/schema.js';
import type { HostAllowlist } from '../core/host-policy.js';
import { LatencyEstimate, Pacer } from '../core/limiter.js';
import { parseTask } from '../core/task.js';
import { createLogger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { LambdaContext } from '../planning/index.js';
import { Dispatcher } from './dispatcher.js';
import { type BatchResponse, type MalformedRecord, readRecords, type SqsRecord } from './events.js';
import { deliverGroup, type GroupResult, type InvocationState, type SenderState } from './group.js';
import { JobHalts } from './halts.js';
import { CLAIM_SKEW_MS, RECORDING_RESERVE_MS } from './limits.js';
import { RunTally } from './run-tally.js';

export type { BatchResponse, SqsEvent, SqsRecord } from './events.js';

export interface SenderOptions {
  /** Sends in flight at once across one invocation's batch. */
  readonly parallelism: number;
  /** Sender instances the event source mapping runs at most: each paces itself to its share of the channel's rate. */
  readonly instances: number;
  /** How long a job stays halted in this container after a fatal channel error before one delivery probes again. */
  readonly haltCooldownMs: number;
  /** How long a paused job's task waits, as a new message, before a sender looks at it again (SQS allows 900). */
  readonly pauseRecheckSeconds: number;
  /** A request still out this long (and ten times the usual latency) when the rest of its batch is done is given up. */
  readonly stragglerFloorMs: number;
}

export interface SenderProbes {
  /** The process's recent event-loop pause (observability/loop-lag.ts); none when not given. */
  readonly loopLagMs?: () => number;
}

/** Makes returned messages visible again after their retry delay, instead of after the whole visibility timeout. */
export type Requeue = (messages: readonly { receiptHandle: string; delayMs: number }[]) => Promise<void>;

/**
 * Sends task bodies to the queue again as new messages, delayed by `delaySeconds`; answers the ids that were sent. A
 * new message starts its receive count afresh, so a task that waits out a pause this way never nears the DLQ.
 */
export type Resend = (
  messages: readonly { id: string; body: string }[],
  delaySeconds: number,
) => Promise<ReadonlySet<string>>;

export interface SenderDeps {
  readonly config: ConfigStore;
  readonly ledger: Ledger;
  /** The hosts a channel may point at; a channel elsewhere halts its job before its secret is resolved. */
  readonly channelHosts: HostAllowlist;
  readonly channel: (config: ChannelConfig) => Promise<Channel>;
  readonly onFatal: () => void;
  readonly metrics: Metrics;
  readonly requeue?: Requeue;
  readonly resend: Resend;
  readonly probes?: SenderProbes;
  readonly options: SenderOptions;
}

export { RECORDING_RESERVE_MS } from './limits.js';

/** The channel's pacing state in this container: its share of the rate, and its latency. */
function pacingPerChannel(options: SenderOptions) {
  const pacing = new Map<string, { pacer: Pacer; latency: LatencyEstimate }>();
  return (channel: ChannelConfig) => {
    let entry = pacing.get(channel.id);
    if (!entry) {
      entry = {
        pacer: new Pacer(channel.ratePerSecond / Math.max(1, options.instances), options.parallelism),
        latency: new LatencyEstimate(),
      };
      pacing.set(channel.id, entry);
    }
    return entry;
  };
}

export function createSender(deps: SenderDeps) {
  const state: SenderState = {
    ...deps,
    pacing: pacingPerChannel(deps.options),
    halts: new JobHalts({ cooldownMs: deps.options.haltCooldownMs }),
  };

  async function keepMalformed(
    entry: MalformedRecord | (SqsRecord & { reason: string }),
    requestId: string | undefined,
  ): Promise<void> {
    const messageId = entry.messageId;
    await deps.ledger.records.recordMalformed({ messageId, reason: entry.reason, body: entry.body });
    deps.metrics.count('(malformed)', 'FailedMalformed');
    createLogger({ messageId, requestId }).error('malformed task body: recorded and dropped', { reason: entry.reason });
  }

  async function handleRecord(
    record: SqsRecord,
    invocation: InvocationState,
    release: () => void,
    requestId: string | undefined,
  ): Promise<GroupResult> {
    const parsed = parseTask(record.body);
    if (!parsed.ok) {
      release();
      await keepMalformed(
        { ...record, reason: parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ') },
        requestId,
      );
      return { kind: 'done' };
    }
    const { task } = parsed;
    const log = createLogger({
      messageId: record.messageId,
      requestId,
      runId: task.runId,
      job: task.job,
      group: task.group,
    });
    try {
      return await deliverGroup({ state, invocation, task, messageId: record.messageId, log }, release);
    } catch (error) {
      // The message goes back to the queue (and after maxReceiveCount to the DLQ): leave the reason where `status` looks.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await deps.ledger.groups
        .noteFailure({ runId: task.runId, job: task.job, group: task.group, reason })
        .catch(() => undefined);
      log.error('delivery failed unexpectedly; the message stays queued', { error });
      return { kind: 'open' };
    }
  }

  /**
   * A paused job's tasks go back to the queue as new delayed messages and the received ones are deleted: returning
   * them instead would count a receive each time, and a pause of hours would push them to the DLQ. A task that could
   * not be re-sent stays queued the ordinary way.
   */
  async function resendPaused(
    paused: readonly SqsRecord[],
    requestId: string | undefined,
  ): Promise<ReadonlySet<string>> {
    if (paused.length === 0) return new Set();
    const log = createLogger({ requestId });
    try {
      const sent = await deps.resend(
        paused.map((record) => ({ id: record.messageId, body: record.body })),
        deps.options.pauseRecheckSeconds,
      );
      log.info('job paused: tasks wait as new delayed messages', {
        tasks: sent.size,
        delaySeconds: deps.options.pauseRecheckSeconds,
      });
      return sent;
    } catch (error) {
      log.warn('job paused, but its tasks could not be re-sent; they come back after the visibility timeout', {
        error,
      });
      return new Set();
    }
  }

  return async function send(event: unknown, context: LambdaContext): Promise<BatchResponse> {
    const owner = context.awsRequestId ?? randomUUID();
    const invocationEnd = Date.now() + context.getRemainingTimeInMillis();
    const deadline = invocationEnd - RECORDING_RESERVE_MS;
    const dispatcher = new Dispatcher({
      parallelism: deps.options.parallelism,
      deadline,
      stragglerFloorMs: deps.options.stragglerFloorMs,
      ...(deps.probes?.loopLagMs ? { loopLagMs: deps.probes.loopLagMs } : {}),
    });
    const invocation: InvocationState = {
      owner,
      tally: new RunTally(deps.ledger.counts, owner),
      dispatcher,
      claimUntil: invocationEnd + CLAIM_SKEW_MS,
      deadline,
    };
    const { records, malformed } = readRecords(event, owner);
    const holds = records.map(() => dispatcher.hold());
    const [results, kept] = await Promise.all([
      Promise.all(
        records.map((record, index) =>
          handleRecord(record, invocation, holds[index] as () => void, context.awsRequestId).catch(
            (error: unknown): GroupResult => {
              // Keeping a malformed body failed (the ledger refused it): the message stays queued, and says why here.
              createLogger({ messageId: record.messageId, requestId: context.awsRequestId }).error(
                'the record could not be handled; the message stays queued',
                { error },
              );
              return { kind: 'open' };
            },
          ),
        ),
      ),
      Promise.all(
        malformed.map((entry) =>
          keepMalformed(entry, context.awsRequestId).then(
            () => true,
            () => false,
          ),
        ),
      ),
    ]);
    const uncounted = await invocation.tally.close();
    const waiting = await resendPaused(
      records.filter((_, index) => results[index]?.kind === 'paused'),
      context.awsRequestId,
    );
    const failures = new Set<string>();
    const requeue: { receiptHandle: string; delayMs: number }[] = [];
    records.forEach((record, index) => {
      const result = results[index] as GroupResult;
      if (result.kind === 'done' && !uncounted.has(record.messageId)) return;
      if (result.kind === 'paused' && waiting.has(record.messageId)) return;
      failures.add(record.messageId);
      if (result.kind === 'open' && result.delayMs !== undefined && record.receiptHandle)
        requeue.push({ receiptHandle: record.receiptHandle, delayMs: result.delayMs });
    });
    // A malformed record the ledger could not keep stays queued (on to the DLQ) rather than vanish.
    malformed.forEach((entry, index) => {
      if (entry.reportable && !kept[index]) failures.add(entry.messageId);
    });
    if (requeue.length > 0 && deps.requeue)
      await deps
        .requeue(requeue)
        .catch((error: unknown) =>
          createLogger({ requestId: context.awsRequestId }).warn(
            'could not shorten the visibility of returned messages; they come back after the visibility timeout',
            { error },
          ),
        );
    deps.metrics.flush();
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
