import type { Channel } from '../channels/channel.js';
import type { ChannelConfig, JobConfig } from '../config/schema.js';
import type { ConfigError, DeliveryError } from '../core/errors.js';
import type { TaskRecipient } from '../core/task.js';
import type { Logger } from '../observability/log.js';
import type { Settlement } from './dispatcher.js';
import type { GroupJob, Resolution } from './group-state.js';
import { renderMessage, sendOnce } from './recipient.js';

/** What the recipients of one group are sent with. */
export interface Sends {
  readonly job: JobConfig;
  readonly channelConfig: ChannelConfig;
  readonly channel: Channel;
  readonly open: readonly TaskRecipient[];
  /** Called once every send of the group is submitted: from then on the dispatcher may cut stragglers. */
  readonly letGo: () => void;
}

/** Every open recipient's resolution; a halted job probes with one recipient before the rest go. */
export async function sendAll(work: GroupJob, sends: Sends): Promise<Map<string, Resolution>> {
  const { state, task } = work;
  const resolutions = new Map<string, Resolution>();
  const { job, open } = sends;
  if (!job.enabled) {
    for (const recipient of open)
      resolutions.set(recipient.id, {
        kind: 'final',
        outcome: { status: 'skipped', reason: 'job disabled after planning' },
      });
    return resolutions;
  }
  const gate = await state.halts.gate(task.job);
  if (gate.kind === 'wait') {
    for (const recipient of open)
      resolutions.set(recipient.id, {
        kind: 'open',
        reason: 'job halted by a fatal channel error',
        delayMs: gate.delayMs,
      });
    return resolutions;
  }
  let rest = open;
  if (gate.kind === 'probe' && open[0]) {
    // One request tells whether the channel is back; a fatal answer halts the job again, and the rest of the group is
    // then kept open without a request.
    try {
      const first = await resolve(work, sends, open[0]);
      resolutions.set(open[0].id, first);
      if (first.kind === 'final' && first.outcome.status === 'sent') await resumeJob(work);
    } finally {
      gate.done();
    }
    rest = open.slice(1);
  }
  const pending = rest.map((recipient) =>
    resolve(work, sends, recipient).then((resolution) => resolutions.set(recipient.id, resolution)),
  );
  sends.letGo();
  await Promise.all(pending);
  return resolutions;
}

async function resumeJob(work: GroupJob): Promise<void> {
  work.state.halts.resume(work.task.job);
  await work.state.ledger.runs
    .clearHalt(work.task.runId)
    .catch((error: unknown) => work.log.warn('could not clear the halt mark on the run', { error }));
  work.log.info('channel recovered: job resumed');
}

/**
 * Renders and sends to one recipient; never throws: one recipient's unexpected error keeps only that recipient open.
 * It submits its send before its first `await`, so a group that lets go of the dispatcher right after calling it for
 * each recipient has every send registered.
 */
async function resolve(work: GroupJob, sends: Sends, recipient: TaskRecipient): Promise<Resolution> {
  const { state, task } = work;
  const log = work.log.child({ recipientId: recipient.id });
  const rendered = renderMessage(task.runId, sends.job, recipient);
  if (!rendered.ok) {
    log.error('template cannot be rendered for this recipient: recorded and dropped', {
      field: rendered.field,
      reason: rendered.reason,
    });
    return { kind: 'final', outcome: { status: 'failed', reason: rendered.reason, failureClass: 'permanent' } };
  }
  try {
    const { channel } = sends;
    const settlement = await work.invocation.dispatcher.submit({
      ...state.pacing(sends.channelConfig),
      timeoutMs: sends.channelConfig.timeoutMs,
      send: (signal) => {
        const heldMs = state.halts.remainingMs(task.job);
        if (heldMs > 0)
          return Promise.resolve({ kind: 'held', reason: 'job halted by a fatal channel error', delayMs: heldMs });
        return sendOnce(channel, rendered.message, signal);
      },
      onAnswer: (latencyMs) => state.metrics.latency(task.job, latencyMs),
      onRetry: ({ attempt, error, decision }) => {
        if (error.failureClass === 'rate-limited') state.metrics.count(task.job, 'RateLimited');
        if (error.failureClass === 'transient') state.metrics.count(task.job, 'Transient');
        if (decision.action === 'retry') {
          state.metrics.count(task.job, 'Retried');
          log.warn('delivery attempt failed; retrying', { attempt, delayMs: decision.delayMs, error });
        }
      },
    });
    return await settle(work, settlement, log);
  } catch (error) {
    log.error('delivery failed unexpectedly; the recipient stays open', { error });
    return {
      kind: 'open',
      reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      delayMs: 0,
    };
  }
}

async function settle(work: GroupJob, settlement: Settlement, log: Logger): Promise<Resolution> {
  const { state, task } = work;
  switch (settlement.kind) {
    case 'sent':
      return {
        kind: 'final',
        outcome: {
          status: 'sent',
          ...(settlement.providerMessageId ? { providerMessageId: settlement.providerMessageId } : {}),
        },
      };
    case 'failed':
      log.warn('permanent failure for this recipient: recorded, never retried', { error: settlement.error });
      return {
        kind: 'final',
        outcome: { status: 'failed', reason: settlement.error.message, failureClass: settlement.error.failureClass },
      };
    case 'open':
      log.warn('delivery returned to the queue for a later attempt', {
        reason: settlement.reason,
        delayMs: Math.round(settlement.delayMs),
      });
      return { kind: 'open', reason: settlement.reason, delayMs: settlement.delayMs };
    case 'fatal':
      await haltJob({ ...work, log }, settlement.error);
      return { kind: 'open', reason: settlement.error.message, delayMs: state.halts.remainingMs(task.job) };
  }
}

/**
 * A fatal channel error (an invalid token, a channel outside the allowlist): the job halts in this container, once per
 * cool-down it alarms and marks the run; nobody is marked failed and the messages are kept.
 */
export async function haltJob(work: GroupJob, error: DeliveryError | ConfigError): Promise<void> {
  const { state, task, log } = work;
  if (!state.halts.halt(task.job)) return;
  state.onFatal();
  await state.ledger.runs
    .halt(task.runId, error.message)
    .catch((haltError: unknown) => log.warn('could not mark the run halted', { error: haltError }));
  state.metrics.count(task.job, 'FatalChannel');
  log.error('FATAL channel error: the job is halted and its messages are kept for later', {
    error,
    failureClass: 'fatal',
  });
}
