import { LeaseLostError } from '../aws/ledger/index.js';
import { resolveSecret } from '../aws/secrets.js';
import { databaseHostRefusal } from '../config/hosts.js';
import { taskSpecFor } from '../config/task-spec.js';
import { Semaphore } from '../core/limiter.js';
import { cursorOf, messageGroupOf, type TaskSpec } from '../core/task.js';
import type { AudienceRow } from '../db/audience.js';
import { redactText } from '../observability/redact.js';
import type { PlannerResult, RunScope } from './deps.js';
import { handOver, mayGoOn } from './handover.js';
import { buildPage, enqueuePage, pageOutcome } from './page.js';
import { RunProgress } from './progress.js';
import { ReadAhead } from './read-ahead.js';

/** Where the pages come from, and what turns and enqueues them. */
interface PageSource {
  readonly reader: ReadAhead<AudienceRow>;
  readonly spec: TaskSpec;
  readonly slots: Semaphore;
}

/**
 * Plans the run from `cursor` on, as far as this invocation's time goes; on a failure, what reached the queue keeps
 * its cursor and the lease is let go for the retry.
 */
export async function planRun(scope: RunScope, cursor: string | null): Promise<PlannerResult> {
  const { deps, runId, owner, job, log, event } = scope;
  const progress = new RunProgress({
    cursor,
    stuck: event.stuck ?? 0,
    save: (last, added) =>
      deps.ledger.runs.saveProgress({ runId, owner, cursor: last, deltas: added, leaseMs: scope.leaseMs() }),
    count: (metric, value) => deps.metrics.count(job.id, metric, value),
  });
  if (cursor !== null) log.info('resuming run from its cursor', { cursor, continuation: event.continuation ?? 0 });
  let source: PageSource | undefined;
  try {
    source = await openAudience(scope, cursor);
    return await planPages(scope, progress, source);
  } catch (error) {
    await source?.reader.close();
    await letGo(scope, progress, error);
    throw error;
  } finally {
    deps.metrics.flush();
  }
}

/**
 * The next page is read while the current one is enqueued, whatever the enqueue's progress, and a page's enqueue
 * starts while the previous page's last calls are still out, sharing `enqueueConcurrency` calls in flight, so
 * PostgreSQL and SQS never wait on each other and the lanes do not run dry at each page's end. Pages still complete
 * in order: a page's cursor is written only after every page before it was enqueued. At most three pages are in
 * memory: one read ahead, two being enqueued. (Reading two ahead measured no faster, and the longer-lived rows cost
 * the garbage collector more.)
 */
async function openAudience({ deps, runId, job }: RunScope, cursor: string | null): Promise<PageSource> {
  const database = await deps.config.database(job.database);
  const refusal = databaseHostRefusal(database, deps.databaseHosts);
  if (refusal) throw refusal;
  const password = await resolveSecret(database.password);
  const spec = taskSpecFor(runId, job);
  const slots = new Semaphore(job.enqueueConcurrency);
  const reader = new ReadAhead({
    read: (from) => deps.readPage(database, password, job, from),
    cursorOf: (row) => cursorOf(row, job.audience),
    from: cursor,
    pageSize: job.pageSize,
    depth: 1,
  });
  return { reader, spec, slots };
}

/** Reads, enqueues and completes pages until the audience ends or the invocation hands over. */
async function planPages(scope: RunScope, progress: RunProgress, source: PageSource): Promise<PlannerResult> {
  for (;;) {
    if (!(await mayGoOn(scope, progress))) return await handOver(scope, progress, () => source.reader.close());
    const started = performance.now();
    const rows = await source.reader.next();
    if (rows.length === 0) break;
    const { tasks, facts } = buildPage(source.spec, scope.job, rows, scope.log);
    const enqueued = enqueuePage(scope.deps.enqueue, tasks, source.slots, messageGroupOf(scope.job.id));
    enqueued.catch(() => undefined);
    const previous = progress.follow(enqueued, async (result) =>
      progress.record(facts.last, await pageOutcome(scope, facts, result, progress.cursor), started),
    );
    // Two pages in flight at most: the one before this must be done before the next is read.
    await previous;
    if (rows.length < scope.job.pageSize) break;
  }
  await progress.settle();
  const run = await scope.deps.ledger.runs.finish({ runId: scope.runId, owner: scope.owner });
  scope.log.info('run enqueued', progress.totals);
  // Nothing was enqueued, or the senders counted everything before the planning ended: no sender ends the run.
  await scope.ends
    .endIfComplete(run, scope.owner)
    .catch((error: unknown) =>
      scope.log.warn("could not end the completed run; the planner's watch ends it", { error }),
    );
  return { status: 'enqueued', runId: scope.runId, ...progress.totals };
}

/** After a failure: the pages in flight land, then the lease goes, with the error `notifier runs` shows. */
async function letGo({ deps, runId, owner, log }: RunScope, progress: RunProgress, error: unknown): Promise<void> {
  await progress.settleAfterFailure((flushError) =>
    log.warn(
      'could not save the cursor of the pages already enqueued; ' +
        'the retry enqueues them again and the senders drop the copies',
      { error: flushError },
    ),
  );
  // The run's last error is shown by `notifier runs`: it is a log line too.
  if (!(error instanceof LeaseLostError))
    await deps.ledger.runs.release({
      runId,
      owner,
      lastError: redactText(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
    });
  log.error('planning failed; a retry resumes from the saved cursor', {
    error,
    cursor: progress.cursor,
    ...progress.totals,
  });
}
