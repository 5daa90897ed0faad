import type { Ledger, RecordedOutcome } from '../aws/ledger/index.js';
import type { Logger } from '../observability/log.js';
import type { RunTally } from './run-tally.js';

export interface OrphanCheck {
  readonly ledger: Pick<Ledger, 'counts' | 'groups'>;
  readonly tally: RunTally;
  readonly runId: string;
  readonly group: string;
  readonly messageId: string;
  /** This invocation, and how long its claim lasts. */
  readonly owner: string;
  readonly until: number;
  readonly log: Logger;
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
export async function countOrphans(
  check: OrphanCheck,
  outcomes: ReadonlyMap<string, RecordedOutcome>,
): Promise<{ settledHere: boolean; waiting: boolean }> {
  const { ledger, runId, group, owner, until, log } = check;
  let settledHere = false;
  for (const [from, entry] of byOwner(outcomes, owner)) {
    if (!(await ledger.counts.isPending(runId, from))) continue;
    if (Date.now() <= entry.until) return { settledHere, waiting: true };
    if (await ledger.groups.takeOverCounts({ runId, group, owner, until, recipients: entry.recipients, from })) {
      for (const recipient of entry.recipients)
        check.tally.count(runId, check.messageId, (outcomes.get(recipient) as RecordedOutcome).status);
      settledHere = true;
      log.warn('outcomes recorded by a sender that died before counting them: counted now', {
        previousOwner: from,
        recipients: entry.recipients.length,
      });
    }
  }
  return { settledHere, waiting: false };
}
