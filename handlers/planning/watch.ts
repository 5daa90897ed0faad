import type { RunRecord } from '../aws/ledger/index.js';
import type { RunEnds } from '../aws/run-events.js';
import type { WatchEvent } from '../config/planner-event.js';
import { type RunDeadlines, watchVerdict } from '../core/run-end.js';
import type { Logger } from '../observability/log.js';
import type { PlannerDeps } from './deps.js';

/**
 * An end whose event is still pending this long after it was written is the watch's to publish: younger, the
 * invocation that ended the run is most likely publishing it now.
 */
export const PUBLISH_GRACE_MS = 60_000;

export interface WatchResult {
  readonly status: 'watched';
  readonly runs: number;
  readonly overdue: number;
  readonly ended: number;
  readonly published: number;
}

interface WatchScope {
  readonly deps: PlannerDeps;
  readonly ends: RunEnds;
  readonly owner: string;
  readonly log: Logger;
  readonly now: number;
}

type Tally = { runs: number; overdue: number; ended: number; published: number };

/**
 * One watch over the scheduled jobs' open runs (docs/adr/0014-run-alarms-and-end-of-run-event.md): ends the complete
 * runs nobody ended and those past their job's `endAfter`, publishes the events a crashed publisher left pending,
 * and emits each job's overdue runs (0 included) and a heartbeat, so a silent watch shows as missing data. A job
 * whose runs cannot be read does not keep the others from being watched; the watch then fails, for Lambda's retry
 * and the error alarm.
 */
export async function watchRuns(scope: WatchScope, event: WatchEvent): Promise<WatchResult> {
  const tally: Tally = { runs: 0, overdue: 0, ended: 0, published: 0 };
  const failures: string[] = [];
  try {
    // The heartbeat: a watch that stopped shows as missing data, whatever the runs.
    scope.deps.metrics.run({ name: 'RunWatches', value: 1 });
    for (const [job, seconds] of Object.entries(event.watch.jobs)) {
      const deadlines = {
        overdueAfterMs: seconds.overdueAfterSeconds * 1000,
        endAfterMs: seconds.endAfterSeconds * 1000,
      };
      await watchJob(scope, job, deadlines, tally).catch((error: unknown) => {
        scope.log.error('could not watch the runs of a job', { job, error });
        failures.push(job);
      });
    }
  } finally {
    scope.deps.metrics.flush();
  }
  if (failures.length > 0) throw new Error(`the watch could not read the runs of ${failures.join(', ')}`);
  scope.log.info('runs watched', tally);
  return { status: 'watched', ...tally };
}

async function watchJob(scope: WatchScope, job: string, deadlines: RunDeadlines, tally: Tally): Promise<void> {
  const { deps, now } = scope;
  // Twice the end's deadline back: a run is ended at `endAfter`, and a watch that was down as long still ends it.
  const runs = await deps.ledger.runs.unsettled(job, now - 2 * deadlines.endAfterMs);
  const paused = runs.some((run) => !run.end) ? await deps.config.paused(job, { fresh: true }) : false;
  let overdue = 0;
  for (const run of runs) {
    tally.runs += 1;
    const outcome = await watchRun(scope, run, { ...deadlines, paused });
    if (outcome === 'overdue') overdue += 1;
    if (outcome === 'ended') tally.ended += 1;
    if (outcome === 'published') tally.published += 1;
  }
  tally.overdue += overdue;
  deps.metrics.run({ name: 'RunsOverdue', job, value: overdue });
}

async function watchRun(
  { ends, owner, log, now }: WatchScope,
  run: RunRecord,
  options: RunDeadlines & { readonly paused: boolean },
): Promise<'on-time' | 'overdue' | 'ended' | 'published' | 'waiting'> {
  if (run.end) {
    if (now - Date.parse(run.end.endedAt) < PUBLISH_GRACE_MS) return 'waiting';
    await ends.announce(run);
    return 'published';
  }
  const verdict = watchVerdict(run, { ...options, now });
  if (verdict.kind === 'end') {
    await ends.end(run, verdict, owner, undefined, now);
    return 'ended';
  }
  if (verdict.kind === 'overdue')
    log.warn("run overdue: it has not ended within its job's deadline", {
      runId: run.runId,
      lateMs: verdict.lateMs,
      planned: run.planned,
      sent: run.sent,
      failed: run.failed,
      skipped: run.skipped,
    });
  return verdict.kind;
}
