import { HANDOVER_RESERVE_MS, shouldHandOver } from '../core/paging.js';
import type { PlannerResult, RunScope } from './deps.js';
import { aheadOfLead, beyondStuck, outstanding, waitForLead } from './lead.js';
import type { RunProgress } from './progress.js';

/** How often a planner waiting out a pause reads the pause mark (one strongly consistent read each). */
const PAUSE_POLL_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits, holding the lease and the cursor, while the job is paused: true once it is resumed, false when the
 * invocation must hand over first (its continuation waits on). Nothing is enqueued meanwhile.
 */
async function waitWhilePaused(options: {
  readonly paused: () => Promise<boolean>;
  readonly renewLease: () => Promise<void>;
  readonly remainingMs: () => number;
  readonly slowestPageMs: number;
}): Promise<boolean> {
  while (await options.paused()) {
    if (shouldHandOver(options.remainingMs(), options.slowestPageMs)) return false;
    // The lease lasts 45 s past its last write (lease.ts): renewed at each poll, it is still held after a long pause.
    await options.renewLease();
    await sleep(Math.max(0, Math.min(PAUSE_POLL_MS, options.remainingMs() - HANDOVER_RESERVE_MS)));
  }
  return true;
}

/**
 * Whether this invocation reads another page: not when the job is paused past its time or ahead of its lead past its
 * time, nor when the time left is too short for one more page.
 */
export async function mayGoOn(scope: RunScope, progress: RunProgress): Promise<boolean> {
  const { deps, job, context, log, runId, owner, leaseMs } = scope;
  let resumed = true;
  if (await deps.config.paused(job.id)) {
    // What was enqueued before the pause shows in `status` while the job waits.
    await progress.settle();
    log.info('job paused: planning waits with its lease and cursor', { cursor: progress.cursor });
    resumed = await waitWhilePaused({
      paused: () => deps.config.paused(job.id, { fresh: true }),
      renewLease: () => deps.ledger.runs.renewLease({ runId, owner, leaseMs: leaseMs() }),
      remainingMs: () => context.getRemainingTimeInMillis(),
      slowestPageMs: progress.slowestPageMs,
    });
    if (resumed) log.info('job resumed: planning goes on', { cursor: progress.cursor });
  }
  if (resumed && !shouldHandOver(context.getRemainingTimeInMillis(), progress.slowestPageMs))
    resumed = (await keepLead(scope, progress)) === 'go';
  return resumed && !shouldHandOver(context.getRemainingTimeInMillis(), progress.slowestPageMs);
}

/**
 * The bounded lead: the next page is read only while the run holds less than `leadSeconds` of its channel's rate
 * enqueued but not done (lead.ts), so the queue stays shallow, a pause takes effect within the lead and a job ticking
 * later is not queued behind this one's whole audience. What it bounds is the tasks with no outcome yet, not the
 * DLQ: a count that stood still past the stall time is taken as gone (`progress.stuck`, carried to continuations), so
 * a bad template sends to the DLQ a lead's worth per stall, up to the whole audience, at a stall's pace at worst.
 * One read of the run item per page; while ahead, one every LEAD_POLL_MS.
 */
async function keepLead(scope: RunScope, progress: RunProgress): Promise<'go' | 'hand-over'> {
  const { deps, job, context, log, runId, owner, leaseMs } = scope;
  if (job.leadSeconds === 0) return 'go';
  const channel = await deps.config.channel(job.channel);
  const lead = { leadSeconds: job.leadSeconds, ratePerSecond: channel.ratePerSecond, pageSize: job.pageSize };
  const count = async () => {
    const run = await deps.ledger.runs.get(runId);
    return run ? outstanding(run) : 0;
  };
  const read = async () => {
    const measured = beyondStuck(await count(), progress.stuck);
    progress.stuck = measured.stuck;
    return measured.waiting;
  };
  // The counters lag by the completed pages not yet written and the page still being enqueued: counted here, they
  // keep the estimate at or above the truth. Only near the lead are the pages in flight written and the counters read
  // again, exactly.
  if (!aheadOfLead(lead, (await read()) + progress.unwritten + job.pageSize)) return 'go';
  await progress.settle();
  if (!aheadOfLead(lead, await read())) return 'go';
  log.info('ahead of the lead: planning waits for the senders', { cursor: progress.cursor, ...lead });
  const { next, stuck } = await waitForLead({
    lead,
    outstanding: count,
    stuck: progress.stuck,
    renewLease: () => deps.ledger.runs.renewLease({ runId, owner, leaseMs: leaseMs() }),
    remainingMs: () => context.getRemainingTimeInMillis(),
    slowestPageMs: progress.slowestPageMs,
  });
  if (stuck > progress.stuck) log.warn('the count stood still: its outstanding tasks are taken as gone', { stuck });
  progress.stuck = stuck;
  return next;
}

/**
 * Hands the rest of the audience to a continuation: the pages in flight complete and their cursor is saved before
 * the lease is let go and the continuation invoked.
 */
export async function handOver(
  { deps, event, runId, owner, job, log }: RunScope,
  progress: RunProgress,
  stopReading: () => Promise<void>,
): Promise<PlannerResult & { status: 'continued' }> {
  const next = {
    job: event.job,
    scheduledTime: event.scheduledTime,
    continuation: (event.continuation ?? 0) + 1,
    ...(progress.stuck ? { stuck: progress.stuck } : {}),
  };
  await stopReading();
  await progress.settle();
  await deps.ledger.runs.release({ runId, owner });
  await deps.continueRun(next);
  deps.metrics.count(job.id, 'Continuations');
  log.info('handed the rest of the audience to a continuation', {
    cursor: progress.cursor,
    ...progress.totals,
    continuation: next.continuation,
  });
  return { status: 'continued', runId, ...progress.totals };
}
