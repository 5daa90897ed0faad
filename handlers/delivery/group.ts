import type { FinalStatus, NewOutcome, RecordedOutcome } from '../aws/ledger/index.js';
import { channelHostRefusal } from '../config/hosts.js';
import { haltJob, sendAll } from './group-send.js';
import type { GroupJob, GroupResult, Resolution } from './group-state.js';
import { countOrphans } from './orphans.js';

const STATUS_METRIC = { sent: 'Sent', skipped: 'Skipped', failed: 'FailedPermanent' } as const satisfies Record<
  FinalStatus,
  string
>;

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
