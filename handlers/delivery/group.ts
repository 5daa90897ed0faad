import type { ConfigStore } from '../aws/config-store.js';
import type { FinalStatus, Ledger, NewOutcome, RecordedOutcome } from '../aws/ledger/index.js';
import type { Channel } from '../channels/channel.js';
import { channelHostRefusal } from '../config/hosts.js';
import type { ChannelConfig, JobConfig } from '../config/schema.js';
import type { ConfigError, DeliveryError } from '../core/errors.js';
import type { HostAllowlist } from '../core/host-policy.js';
import type { LatencyEstimate, Pacer } from '../core/limiter.js';
import type { DeliveryTask, TaskRecipient } from '../core/task.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Dispatcher, Settlement } from './dispatcher.js';
import type { JobHalts } from './halts.js';
import { countOrphans } from './orphans.js';
import { renderMessage, sendOnce } from './recipient.js';
import type { RunTally } from './run-tally.js';

/** What a container keeps between invocations. */
export interface SenderState {
  readonly config: ConfigStore;
  readonly ledger: Ledger;
  readonly channelHosts: HostAllowlist;
  readonly channel: (config: ChannelConfig) => Promise<Channel>;
  /** The channel's pacing and latency estimate, shared by every send on it in this container. */
  readonly pacing: (config: ChannelConfig) => { pacer: Pacer; latency: LatencyEstimate };
  readonly halts: JobHalts;
  readonly metrics: Metrics;
  readonly onFatal: () => void;
}

/** What the groups of one invocation share. */
export interface InvocationState {
  readonly owner: string;
  readonly tally: RunTally;
  readonly dispatcher: Dispatcher;
  /** Claims last until the invocation is over for sure. */
  readonly claimUntil: number;
  readonly deadline: number;
}

/**
 * `done`: the message may be deleted. `open`: it goes back to the queue, visible again in `delayMs` when given.
 * `paused`: the job is paused; nothing was claimed or sent, and the task waits as a new, delayed message.
 */
export type GroupResult = { kind: 'done' } | { kind: 'open'; delayMs?: number } | { kind: 'paused' };

type Resolution = { kind: 'final'; outcome: NewOutcome } | { kind: 'open'; reason: string; delayMs: number };

const STATUS_METRIC = { sent: 'Sent', skipped: 'Skipped', failed: 'FailedPermanent' } as const satisfies Record<
  FinalStatus,
  string
>;

interface GroupJob {
  readonly state: SenderState;
  readonly invocation: InvocationState;
  readonly task: DeliveryTask;
  readonly messageId: string;
  readonly log: Logger;
}

/**
 * Claims a task's group, sends to its open recipients through the invocation's dispatcher, records what they reached.
 */
export async function deliverGroup(work: GroupJob, release: () => void): Promise<GroupResult> {
  const { state, invocation, task } = work;
  let held = true;
  const letGo = () => {
    if (held) release();
    held = false;
  };
  try {
    const job = await state.config.job(task.job);
    // Before the claim and the run count: a paused job's task leaves no trace in the ledger.
    if (await state.config.paused(task.job)) return { kind: 'paused' };
    const channelConfig = await state.config.channel(job.channel);
    // Before any claim and before the channel's secret is resolved: whoever wrote the item chose where it goes.
    const refusal = channelHostRefusal(channelConfig, state.channelHosts);
    if (refusal) {
      await haltJob(work, refusal);
      return { kind: 'open', delayMs: state.halts.remainingMs(task.job) };
    }
    if (invocation.deadline <= Date.now()) return { kind: 'open' };
    await invocation.tally.open(task.runId);
    const claimed = await claimOpen(work);
    if (claimed.kind !== 'send') return claimed.result;
    const open = task.recipients.filter((recipient) => !claimed.previous.has(recipient.id));
    const resolutions = await sendAll(work, {
      job,
      channelConfig,
      channel: await state.channel(channelConfig),
      open,
      letGo,
    });
    return await record(work, resolutions);
  } finally {
    letGo();
  }
}

/** The claim, and what earlier receives of this task already settled. */
async function claimOpen(
  work: GroupJob,
): Promise<{ kind: 'send'; previous: ReadonlyMap<string, RecordedOutcome> } | { kind: 'stop'; result: GroupResult }> {
  const { state, invocation, task, log } = work;
  const holder = { runId: task.runId, group: task.group, owner: invocation.owner, until: invocation.claimUntil };
  const claim = await state.ledger.groups.claim({ ...holder, job: task.job, recipients: task.recipients.length });
  if (claim.kind === 'busy') {
    log.info('another sender holds the claim: leaving the message for later');
    return { kind: 'stop', result: { kind: 'open' } };
  }
  const orphans = await countOrphans(
    { ledger: state.ledger, tally: invocation.tally, ...holder, messageId: work.messageId, log },
    claim.outcomes,
  );
  let previous = claim.outcomes;
  if (claim.kind === 'settled') {
    if (orphans.waiting) return { kind: 'stop', result: { kind: 'open' } };
    const missing = task.recipients.filter((recipient) => !previous.has(recipient.id)).map((recipient) => recipient.id);
    if (missing.length === 0) {
      if (!orphans.settledHere) {
        state.metrics.count(task.job, 'Skipped', task.recipients.length);
        log.info('already handled in this run: duplicate task skipped');
      }
      return { kind: 'stop', result: { kind: 'done' } };
    }
    // A planner retried a page whose rows had changed: this copy of the group lists recipients the settled one never
    // had. They are reopened and sent; the ones it had keep their outcomes.
    const reopened = await state.ledger.groups.reopen({ ...holder, missing });
    if (!reopened) return { kind: 'stop', result: { kind: 'open' } };
    log.warn('a copy of this task lists recipients its settled group never had: reopened for them', {
      recipients: missing.length,
    });
    previous = reopened;
  }
  if (orphans.waiting) {
    await state.ledger.groups.record({
      ...holder,
      outcomes: new Map(),
      settle: false,
      reason: 'waiting for a sender that recorded outcomes in this group to count them',
    });
    return { kind: 'stop', result: { kind: 'open' } };
  }
  return { kind: 'send', previous };
}

interface Sends {
  readonly job: JobConfig;
  readonly channelConfig: ChannelConfig;
  readonly channel: Channel;
  readonly open: readonly TaskRecipient[];
  /** Called once every send of the group is submitted: from then on the dispatcher may cut stragglers. */
  readonly letGo: () => void;
}

/** Every open recipient's resolution; a halted job probes with one recipient before the rest go. */
async function sendAll(work: GroupJob, sends: Sends): Promise<Map<string, Resolution>> {
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
async function haltJob(work: GroupJob, error: DeliveryError | ConfigError): Promise<void> {
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

/** One write for every outcome the group reached; the claim is handed back when recipients are still open. */
async function record(work: GroupJob, resolutions: ReadonlyMap<string, Resolution>): Promise<GroupResult> {
  const { state, invocation, task, log } = work;
  const finals = new Map<string, NewOutcome>();
  const open: string[] = [];
  let delayMs = 0;
  for (const [recipient, resolution] of resolutions) {
    if (resolution.kind === 'final') finals.set(recipient, resolution.outcome);
    else {
      open.push(`${recipient}: ${resolution.reason}`);
      delayMs = Math.max(delayMs, resolution.delayMs);
    }
  }
  const settle = open.length === 0;
  const reason = settle
    ? undefined
    : `${open.length} of ${task.recipients.length} recipients kept for another attempt (${open[0]})`;
  const holder = { runId: task.runId, group: task.group, owner: invocation.owner, until: invocation.claimUntil };
  const recorded = await state.ledger.groups
    .record({ ...holder, outcomes: finals, settle, ...(reason ? { reason } : {}) })
    .catch((error: unknown) => {
      // The sends happened; this line is what is left of them when the ledger refuses the record (ADR 0002).
      log.error('could not record the outcomes; the task comes back and its sent recipients may be sent again', {
        error,
        outcomes: Object.fromEntries([...finals].map(([recipient, outcome]) => [recipient, outcome.status])),
      });
      throw error;
    });
  if (!recorded) {
    log.warn('claim expired before the outcomes were recorded; the newer claim records them', {
      outcomes: finals.size,
    });
    return { kind: 'open' };
  }
  for (const outcome of finals.values()) {
    invocation.tally.count(task.runId, work.messageId, outcome.status);
    state.metrics.count(task.job, STATUS_METRIC[outcome.status]);
  }
  return settle ? { kind: 'done' } : { kind: 'open', delayMs };
}
