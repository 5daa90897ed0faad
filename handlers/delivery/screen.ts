import type { NewOutcome, Suppression } from '../aws/ledger/index.js';
import type { JobConfig } from '../config/schema.js';
import { windowBound } from '../config/task-spec.js';
import type { TaskRecipient } from '../core/task.js';
import { windowVerdict } from '../core/window.js';
import type { GroupJob } from './deps.js';

// Who of a group gets no request at all, and who is put on the channel's suppression list after their answer
// (docs/adr/0013-window-and-suppressions.md): the 24-hour window judged at send time from the last-message column the
// task carries, and the list read for the group's open recipients in one BatchGetItem.

/** Days a suppression the sender adds lasts when the sender's options do not say. */
const DEFAULT_SUPPRESSION_DAYS = 365;

/** Whether the job's sends heed and add to its channel's suppression list: the module's switch, then the job's. */
export const suppressionsOn = (work: GroupJob, job: JobConfig): boolean =>
  (work.state.options.suppressions?.enabled ?? true) && job.suppressionList;

/** The last-message column of a job Meta's window binds (`windowBound`), when the job names one. */
const windowColumn = (job: JobConfig): string | undefined =>
  windowBound(job) ? job.audience.lastMessageColumn : undefined;

/** The recipients to send to, and the outcomes of those who get no request. */
export interface Screened {
  readonly outcomes: Map<string, NewOutcome>;
  readonly send: TaskRecipient[];
}

/**
 * Sorts a group's open recipients: outside the window (skipped), a last-message value that is no time (failed), on
 * the suppression list (skipped), or to send to. The window goes first: it costs no read.
 */
export async function screen(work: GroupJob, job: JobConfig, open: readonly TaskRecipient[]): Promise<Screened> {
  const outcomes = new Map<string, NewOutcome>();
  const column = windowColumn(job);
  const now = Date.now();
  let send = open.filter((recipient) => {
    if (column === undefined) return true;
    const verdict = windowVerdict(recipient.fields, column, now);
    if (verdict.kind === 'inside') return true;
    outcomes.set(
      recipient.id,
      verdict.kind === 'outside'
        ? { status: 'skipped', reason: verdict.reason }
        : { status: 'failed', reason: verdict.reason, failureClass: 'permanent' },
    );
    return false;
  });
  if (send.length > 0 && suppressionsOn(work, job)) {
    const listed = await work.state.ledger.suppressions.among(
      job.channel,
      send.map((recipient) => recipient.id),
      work.invocation.recording,
    );
    send = send.filter((recipient) => {
      const entry = listed.get(recipient.id);
      if (entry) outcomes.set(recipient.id, { status: 'skipped', reason: suppressedReason(entry) });
      return !entry;
    });
  }
  if (outcomes.size > 0) work.log.info('recipients recorded without a request', { recipients: outcomes.size });
  return { outcomes, send };
}

const suppressedReason = (entry: Suppression) =>
  `on the suppression list of channel "${entry.channel}": ${entry.reason} (${entry.source}, since ${entry.at})`;

/**
 * Puts the recipients whose answer was permanent for them on the channel's list; each put is retry-safe. A put that
 * fails is logged and lost: the outcome is recorded apart, and the next run's request gets the same answer and adds it.
 */
export async function suppress(work: GroupJob, channel: string, reasons: ReadonlyMap<string, string>): Promise<void> {
  const now = Date.now();
  const days = work.state.options.suppressions?.days ?? DEFAULT_SUPPRESSION_DAYS;
  await Promise.all(
    [...reasons].map(([recipient, reason]) =>
      work.state.ledger.suppressions
        .add(
          {
            channel,
            recipient,
            reason,
            source: 'send',
            at: new Date(now).toISOString(),
            expiresAt: Math.floor(now / 1000) + Math.round(days * 86_400),
          },
          work.invocation.recording,
        )
        .then(
          () => work.state.metrics.count(work.task.job, 'Suppressed'),
          (error: unknown) =>
            work.log.warn('could not put the recipient on the suppression list; the next run asks again', {
              recipientId: recipient,
              error,
            }),
        ),
    ),
  );
}
