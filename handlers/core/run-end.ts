// How a run ends, and what is said when it does (docs/adr/0014-run-alarms-and-end-of-run-event.md). Pure: the ledger
// writes the end, the events adapter publishes it, the planner's watch decides on the runs nobody else ends.

/**
 * `completed`: every planned recipient has an outcome. The others are ended by the watch once a run is still open
 * its job's `endAfter` past its tick: `halted` when a fatal channel marked it, `expired-while-paused` when its job is
 * paused, `expired` otherwise (recipients in the DLQ, a tick whose retries were spent).
 */
export const RUN_ENDINGS = ['completed', 'halted', 'expired-while-paused', 'expired'] as const;
export type RunEnding = (typeof RUN_ENDINGS)[number];

/** The source and detail type of the end-of-run event on the bus: a rule matches on both. */
export const RUN_EVENT_SOURCE = 'notifier';
export const RUN_EVENT_DETAIL_TYPE = 'Notifier Run Ended';

/** What of a run the end and its event read. */
export interface RunFacts {
  readonly runId: string;
  readonly job: string;
  readonly scheduledTime: string;
  readonly status: 'planning' | 'enqueued';
  readonly planned: number;
  readonly enqueued: number;
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /** Sender invocations that opened a count on the run and have not added it yet. */
  readonly openCounts: number;
  readonly halted?: string;
}

/** Recipients with an outcome: the senders' and the planner's (repeats skipped, rows that could not be enqueued). */
const outcomes = (run: RunFacts) => run.sent + run.skipped + run.failed;

/**
 * Whether every planned recipient has an outcome and is counted: planning is over and no sender's count is open (an
 * open count may hold outcomes counted twice or not yet, docs/adr/0009-retry-safe-writes.md).
 */
export function isComplete(run: RunFacts): boolean {
  return run.status === 'enqueued' && run.openCounts === 0 && outcomes(run) >= run.planned;
}

/** Failed recipients as a percentage of those with an outcome; 0 for a run without any. */
export function failedPercent(run: RunFacts): number {
  const total = outcomes(run);
  return total === 0 ? 0 : Math.round((run.failed / total) * 10_000) / 100;
}

/** When a job's open run is overdue, and when the watch ends it, in milliseconds after its tick. */
export interface RunDeadlines {
  readonly overdueAfterMs: number;
  readonly endAfterMs: number;
}

export type WatchVerdict =
  | { readonly kind: 'on-time' }
  | { readonly kind: 'overdue'; readonly lateMs: number }
  | { readonly kind: 'end'; readonly ending: RunEnding; readonly cause: string };

/** What the watch does with an open run: nothing yet, count it overdue, or end it (completed, or past its time). */
export function watchVerdict(
  run: RunFacts,
  options: RunDeadlines & { readonly now: number; readonly paused: boolean },
): WatchVerdict {
  // A sender that crashed between its count and the end leaves a complete run open: the watch ends it.
  if (isComplete(run)) return { kind: 'end', ending: 'completed', cause: completedCause(run) };
  const age = options.now - Date.parse(run.scheduledTime);
  if (age >= options.endAfterMs) return { kind: 'end', ...expiredEnding(run, options) };
  if (age >= options.overdueAfterMs) return { kind: 'overdue', lateMs: age - options.overdueAfterMs };
  return { kind: 'on-time' };
}

/** Why a complete run ended: its failed share, which the failed-share alarm reads too. */
export function completedCause(run: RunFacts): string {
  return `every planned recipient has an outcome (${failedPercent(run)} % failed)`;
}

function expiredEnding(
  run: RunFacts,
  { endAfterMs, paused }: RunDeadlines & { readonly paused: boolean },
): { ending: RunEnding; cause: string } {
  const open = Math.max(0, run.planned - outcomes(run));
  const hours = Math.round((endAfterMs / 3_600_000) * 100) / 100;
  const left = `${open} of ${run.planned} planned recipients without an outcome ${hours} h after the tick`;
  if (run.halted) return { ending: 'halted', cause: `a fatal channel error: ${run.halted}; ${left}` };
  if (paused) return { ending: 'expired-while-paused', cause: `the job is paused (notifier pause); ${left}` };
  const planning = run.status === 'planning' ? 'planning never finished (see notifier ticks); ' : '';
  return { ending: 'expired', cause: `${planning}${left} (see notifier dlq inspect)` };
}

/** How the run ended, as the ledger holds it. */
export interface RunEnd {
  readonly ending: RunEnding;
  readonly cause: string;
  /** ISO 8601. */
  readonly endedAt: string;
}

/**
 * The end-of-run event's detail. `eventId` is the run id: the event is published at least once (a lost answer, or a
 * watch that publishes what a crashed sender could not), so a consumer drops a repeat by it.
 */
export interface RunEndedDetail {
  readonly eventId: string;
  readonly runId: string;
  readonly job: string;
  readonly scheduledTime: string;
  readonly ending: RunEnding;
  readonly cause: string;
  readonly endedAt: string;
  readonly counts: {
    readonly planned: number;
    readonly enqueued: number;
    readonly sent: number;
    readonly skipped: number;
    readonly failed: number;
    /** Planned recipients without an outcome when the run ended (0 when completed). */
    readonly open: number;
  };
  readonly failedPercent: number;
}

export function runEndedDetail(run: RunFacts, end: RunEnd): RunEndedDetail {
  const { planned, enqueued, sent, skipped, failed } = run;
  return {
    eventId: run.runId,
    runId: run.runId,
    job: run.job,
    scheduledTime: run.scheduledTime,
    ending: end.ending,
    cause: end.cause,
    endedAt: end.endedAt,
    counts: { planned, enqueued, sent, skipped, failed, open: Math.max(0, planned - outcomes(run)) },
    failedPercent: failedPercent(run),
  };
}
