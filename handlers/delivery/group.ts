import type { FinalStatus, NewOutcome, RecordedOutcome } from '../aws/ledger/index.js';
import { channelHostRefusal } from '../config/hosts.js';
import type { GroupJob } from './deps.js';
import { haltJob, type Resolution, sendAll } from './recipient.js';
import { suppress } from './screen.js';

// A task's group in the ledger, from claim to record: who may send it, what earlier receives settled, what is counted.

/**
 * What becomes of a task's message. `done`: it may be deleted. `open`: it goes back to the queue, visible again in
 * `delayMs` when given (a receive counted towards the DLQ). `wait`: nothing failed, the task only waits (its job is
 * paused, or its channel's pace or the invocation's time ran out), so it is sent again as a new message delayed by
 * `delayMs`, whose receive count starts afresh.
 */
export type GroupResult =
  | { kind: 'done' }
  | { kind: 'open'; delayMs?: number }
  | { kind: 'wait'; delayMs: number; why: 'paused' | 'paced' };

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
    if (await state.config.paused(task.job))
      return { kind: 'wait', delayMs: state.options.pauseRecheckSeconds * 1000, why: 'paused' };
    const channelConfig = await state.config.channel(job.channel);
    // Before any claim and before the channel's secret is resolved: whoever wrote the item chose where it goes.
    const refusal = channelHostRefusal(channelConfig, state.channelHosts);
    if (refusal) {
      await haltJob(work, refusal);
      return { kind: 'open', delayMs: state.halts.remainingMs(task.job) };
    }
    if (invocation.deadline <= Date.now()) return { kind: 'wait', delayMs: 0, why: 'paced' };
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
    return await record(work, claimed.claim, resolutions, job.channel);
  } finally {
    letGo();
  }
}

/** Who holds the group's claim in this invocation, and until when. */
const holderOf = ({ task, invocation }: GroupJob) => ({
  runId: task.runId,
  group: task.group,
  owner: invocation.owner,
  until: invocation.claimUntil,
});

/** The claim, and what earlier receives of this task already settled. */
async function claimOpen(
  work: GroupJob,
): Promise<
  | { kind: 'send'; claim: string; previous: ReadonlyMap<string, RecordedOutcome> }
  | { kind: 'stop'; result: GroupResult }
> {
  const { state, task, log } = work;
  const holder = holderOf(work);
  const claim = await state.ledger.groups.claim({ ...holder, job: task.job, recipients: task.recipients.length });
  if (claim.kind === 'busy') {
    log.info('another sender holds the claim: leaving the message for later');
    return { kind: 'stop', result: { kind: 'open' } };
  }
  const orphans = await countOrphans(work, claim.outcomes);
  let previous = claim.outcomes;
  let name = claim.kind === 'claimed' ? claim.claim : '';
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
    previous = reopened.outcomes;
    name = reopened.claim;
  }
  if (orphans.waiting) {
    await state.ledger.groups.record({
      ...holder,
      claim: name,
      outcomes: new Map(),
      settle: false,
      reason: 'waiting for a sender that recorded outcomes in this group to count them',
      signal: work.invocation.recording,
    });
    return { kind: 'stop', result: { kind: 'open' } };
  }
  return { kind: 'send', claim: name, previous };
}

/** The recipients each other invocation recorded in the group, and when the last of its claims ended. */
function byOwner(
  outcomes: ReadonlyMap<string, RecordedOutcome>,
  self: string,
): Map<string, { until: number; recipients: string[] }> {
  const owners = new Map<string, { until: number; recipients: string[] }>();
  for (const [recipient, outcome] of outcomes) {
    if (outcome.owner === self) continue;
    const entry = owners.get(outcome.owner) ?? { until: outcome.until, recipients: [] };
    entry.until = Math.max(entry.until, outcome.until);
    entry.recipients.push(recipient);
    owners.set(outcome.owner, entry);
  }
  return owners;
}

/**
 * Outcomes another invocation recorded in this group and never counted because it died first: counted here once
 * they are taken over (`settledHere`). `waiting` when such an invocation may still be running (its count is open and
 * its time not up): the message waits for its verdict.
 */
async function countOrphans(
  work: GroupJob,
  outcomes: ReadonlyMap<string, RecordedOutcome>,
): Promise<{ settledHere: boolean; waiting: boolean }> {
  const { state, invocation, log } = work;
  const holder = holderOf(work);
  let settledHere = false;
  for (const [from, entry] of byOwner(outcomes, holder.owner)) {
    if (!(await state.ledger.counts.isPending(holder.runId, from))) continue;
    if (Date.now() <= entry.until) return { settledHere, waiting: true };
    if (!invocation.tally.mayTakeOver(holder.runId, holder.group, from)) continue;
    if (await state.ledger.groups.takeOverCounts({ ...holder, recipients: entry.recipients, from })) {
      for (const recipient of entry.recipients)
        invocation.tally.count(holder.runId, work.messageId, (outcomes.get(recipient) as RecordedOutcome).status);
      settledHere = true;
      log.warn('outcomes recorded by a sender that died before counting them: counted now', {
        previousOwner: from,
        recipients: entry.recipients.length,
      });
    }
  }
  return { settledHere, waiting: false };
}

/**
 * One write for every outcome the group reached; the claim is handed back when recipients are still open. The
 * suppressions its answers call for are written beside it, so that neither waits for the other and a failed one
 * costs the other nothing.
 */
async function record(
  work: GroupJob,
  claim: string,
  resolutions: ReadonlyMap<string, Resolution>,
  channel: string,
): Promise<GroupResult> {
  const { state, invocation, task, log } = work;
  const finals = new Map<string, NewOutcome>();
  const suppressions = new Map<string, string>();
  const open: string[] = [];
  let delayMs = 0;
  let waited = true;
  for (const [recipient, resolution] of resolutions) {
    if (resolution.kind === 'final') {
      finals.set(recipient, resolution.outcome);
      if (resolution.suppress !== undefined) suppressions.set(recipient, resolution.suppress);
    } else {
      open.push(`${recipient}: ${resolution.reason}`);
      delayMs = Math.max(delayMs, resolution.delayMs);
      waited &&= resolution.waited;
    }
  }
  const settle = open.length === 0;
  const reason = settle
    ? undefined
    : `${open.length} of ${task.recipients.length} recipients kept for another attempt (${open[0]})`;
  const suppressed = suppress(work, channel, suppressions);
  const recorded = await state.ledger.groups
    .record({
      ...holderOf(work),
      claim,
      outcomes: finals,
      settle,
      signal: invocation.recording,
      ...(reason ? { reason } : {}),
    })
    .catch((error: unknown) => {
      // The sends happened; this line is what is left of them when the ledger refuses the record (ADR 0002). The write
      // may have landed with its answer lost: the run's count stays open so that its outcomes are counted either way.
      invocation.tally.unknown(task.runId, work.messageId);
      log.error('could not record the outcomes; the task comes back and its sent recipients may be sent again', {
        error,
        outcomes: Object.fromEntries([...finals].map(([recipient, outcome]) => [recipient, outcome.status])),
      });
      throw error;
    })
    .finally(() => suppressed);
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
  if (settle) return { kind: 'done' };
  return waited ? { kind: 'wait', delayMs, why: 'paced' } : { kind: 'open', delayMs };
}
