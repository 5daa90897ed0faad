import { randomUUID } from 'node:crypto';
import type { ConfigStore } from '../aws/config-store.js';
import { LeaseLostError, type Ledger } from '../aws/ledger/index.js';
import type { EnqueueFailure, EnqueueResult, OutgoingMessage } from '../aws/queue.js';
import { resolveSecret } from '../aws/secrets.js';
import { databaseHostRefusal } from '../config/hosts.js';
import { type PlannerEvent, parsePlannerEvent } from '../config/planner-event.js';
import type { DatabaseConfig, JobConfig } from '../config/schema.js';
import { taskSpecFor } from '../config/task-spec.js';
import { Checkpoints } from '../core/checkpoint.js';
import type { HostAllowlist } from '../core/host-policy.js';
import { Semaphore } from '../core/limiter.js';
import { HANDOVER_RESERVE_MS, shouldHandOver } from '../core/paging.js';
import { ReadAhead } from '../core/read-ahead.js';
import { planRejections } from '../core/rejections.js';
import { runIdFor } from '../core/run-id.js';
import { buildRecipient, cursorOf, type GroupedTask, groupTasks, type TaskRecipient } from '../core/task.js';
import type { AudienceRow } from '../db/audience.js';
import { createLogger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import { redactText } from '../observability/redact.js';

export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
  readonly functionName?: string;
}

export type PlannerResult =
  | { status: 'enqueued' | 'continued'; runId: string; planned: number; enqueued: number; failed: number }
  | { status: 'already-finished' | 'busy' | 'disabled'; runId: string };

export interface PlannerDeps {
  readonly config: ConfigStore;
  readonly ledger: Ledger;
  /** The hosts a database item may name: the password goes to no other. */
  readonly databaseHosts: HostAllowlist;
  readonly readPage: (
    database: DatabaseConfig,
    password: string,
    job: JobConfig,
    cursor: string | null,
  ) => Promise<AudienceRow[]>;
  /** Sends a page's tasks; `slots` caps the SendMessageBatch calls in flight across the pages being enqueued. */
  readonly enqueue: (messages: readonly OutgoingMessage[], slots: Semaphore) => Promise<EnqueueResult>;
  readonly continueRun: (event: PlannerEvent) => Promise<void>;
  readonly metrics: Metrics;
}

/**
 * At most one cursor write a second: a crash re-enqueues at most a second of pages (which the senders drop), and a
 * fast run does not spend a DynamoDB write per page.
 */
const CHECKPOINT_INTERVAL_MS = 1_000;

/** How often a planner waiting out a pause reads the pause mark (one strongly consistent read each). */
const PAUSE_POLL_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits, holding the lease and the cursor, while the job is paused: true once it is resumed, false when the
 * invocation must hand over first (its continuation waits on). Nothing is enqueued meanwhile.
 */
async function waitWhilePaused(options: {
  readonly paused: () => Promise<boolean>;
  readonly remainingMs: () => number;
  readonly slowestPageMs: number;
}): Promise<boolean> {
  while (await options.paused()) {
    if (shouldHandOver(options.remainingMs(), options.slowestPageMs)) return false;
    await sleep(Math.max(0, Math.min(PAUSE_POLL_MS, options.remainingMs() - HANDOVER_RESERVE_MS)));
  }
  return true;
}

/** Enqueue failures the planner could not get past: the invocation fails and the retry resumes from the cursor. */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
}

interface PageEnqueue {
  /** Tasks that still failed on SQS's side: the page is not done. */
  readonly unsent: readonly EnqueueFailure[];
  /** Recipients whose own single-recipient task SQS rejected. */
  readonly failed: readonly { recipientId: string; reason: string }[];
  /** Groups SQS rejected, whose recipients were sent again one a task. */
  readonly split: readonly EnqueueFailure[];
}

/**
 * Enqueues a page's tasks. A group SQS rejects as the sender's fault is sent again one recipient a task, so one
 * recipient's data fails that recipient only. When tasks are still unsent the page fails and is retried whole, so
 * the split waits for that retry.
 */
async function enqueuePage(
  enqueue: PlannerDeps['enqueue'],
  tasks: readonly GroupedTask[],
  slots: Semaphore,
): Promise<PageEnqueue> {
  const first = await enqueue(tasks, slots);
  const plan = planRejections(tasks, first.rejected);
  if (plan.resend.length === 0 || first.unsent.length > 0)
    return { unsent: first.unsent, failed: plan.failed, split: [] };
  const second = await enqueue(plan.resend, slots);
  // Every re-sent task has one recipient: a rejection now is that recipient's failure.
  const alone = planRejections(plan.resend, second.rejected);
  return {
    unsent: second.unsent,
    failed: [...plan.failed, ...alone.failed],
    split: first.rejected.filter((rejection) => (tasks[rejection.index]?.recipients.length ?? 0) > 1),
  };
}

export function createPlanner(deps: PlannerDeps) {
  return async function plan(input: unknown, context: LambdaContext): Promise<PlannerResult> {
    const event = parsePlannerEvent(input);
    const runId = runIdFor(event.job, event.scheduledTime);
    const log = createLogger({ runId, job: event.job, requestId: context.awsRequestId });
    const job = await deps.config.job(event.job).catch((error: unknown) => {
      log.error('the job cannot be loaded; nothing planned', { error });
      throw error;
    });
    if (!job.enabled) {
      log.info('job is disabled; nothing planned');
      return { status: 'disabled', runId };
    }

    const owner = context.awsRequestId ?? randomUUID();
    const leaseMs = () => context.getRemainingTimeInMillis() + 5_000;
    const lease = await deps.ledger.runs.acquire({
      runId,
      job: job.id,
      scheduledTime: new Date(event.scheduledTime).toISOString(),
      owner,
      leaseMs: leaseMs(),
    });
    if (lease.kind === 'finished') {
      log.info('run already enqueued: repeated tick ignored');
      return { status: 'already-finished', runId };
    }
    if (lease.kind === 'busy') {
      log.info('run is being planned by another invocation: repeated tick ignored');
      return { status: 'busy', runId };
    }

    const totals = { planned: 0, enqueued: 0, failed: 0 };
    const checkpoints = new Checkpoints(
      (last, added) => deps.ledger.runs.saveProgress({ runId, owner, cursor: last, deltas: added, leaseMs: leaseMs() }),
      CHECKPOINT_INTERVAL_MS,
    );
    // The chain of page completions, in page order.
    let completed: Promise<void> = Promise.resolve();
    let cursor = lease.run.cursor;
    if (cursor !== null) log.info('resuming run from its cursor', { cursor, continuation: event.continuation ?? 0 });
    let reader: ReadAhead<AudienceRow> | undefined;
    try {
      const database = await deps.config.database(job.database);
      const refusal = databaseHostRefusal(database, deps.databaseHosts);
      if (refusal) throw refusal;
      const password = await resolveSecret(database.password);
      const spec = taskSpecFor(runId, job);
      let slowestPageMs = 0;
      const slots = new Semaphore(job.enqueueConcurrency);
      // The next page is read while the current one is enqueued, whatever the enqueue's progress, and a page's
      // enqueue starts while the previous page's last calls are still out, sharing `enqueueConcurrency` calls in
      // flight, so PostgreSQL and SQS never wait on each other and the lanes do not run dry at each page's end. Pages
      // still complete in order: a page's cursor is written only after every page before it was enqueued. At most
      // three pages are in memory: one read ahead, two being enqueued. (Reading two ahead measured no faster, and
      // the longer-lived rows cost the garbage collector more.)
      reader = new ReadAhead({
        read: (from) => deps.readPage(database, password, job, from),
        cursorOf: (row) => cursorOf(row, job.audience),
        from: cursor,
        pageSize: job.pageSize,
        depth: 1,
      });
      for (;;) {
        let resumed = true;
        if (await deps.config.paused(job.id)) {
          // What was enqueued before the pause shows in `status` while the job waits.
          await completed;
          await checkpoints.flush();
          log.info('job paused: planning waits with its lease and cursor', { cursor });
          resumed = await waitWhilePaused({
            paused: () => deps.config.paused(job.id, { fresh: true }),
            remainingMs: () => context.getRemainingTimeInMillis(),
            slowestPageMs,
          });
          if (resumed) log.info('job resumed: planning goes on', { cursor });
        }
        if (!resumed || shouldHandOver(context.getRemainingTimeInMillis(), slowestPageMs)) {
          const next = {
            job: event.job,
            scheduledTime: event.scheduledTime,
            continuation: (event.continuation ?? 0) + 1,
          };
          await reader.close();
          await completed;
          await checkpoints.flush();
          await deps.ledger.runs.release({ runId, owner });
          await deps.continueRun(next);
          deps.metrics.count(job.id, 'Continuations');
          log.info('handed the rest of the audience to a continuation', {
            cursor,
            ...totals,
            continuation: next.continuation,
          });
          return { status: 'continued', runId, ...totals };
        }
        const started = performance.now();
        const rows = await reader.next();
        if (rows.length === 0) break;

        const built = rows.map((row) => buildRecipient(spec, row));
        const last = built.at(-1)?.cursor;
        if (last === null || last === undefined)
          throw new EnqueueError(
            `job "${job.id}": the last row of the page has a "${job.audience.idColumn}" (idColumn) or "${job.audience.recipientColumn}" (recipientColumn) that is not text, a number or NULL, so keyset paging cannot advance past it; select both as text or numbers in audience.sql and replay the run`,
          );
        const recipients: { cursor: string; recipient: TaskRecipient }[] = [];
        const seen = new Set<string>();
        let repeated = 0;
        for (const entry of built) {
          if (!entry.ok) continue;
          // A recipient listed twice in one page gets one message; the repeat is counted as skipped.
          if (seen.has(entry.recipient.id)) repeated++;
          else recipients.push(entry);
          seen.add(entry.recipient.id);
        }
        if (repeated)
          log.warn(
            'recipients listed more than once in an audience page: each is sent once, the repeats are counted as skipped',
            { repeated, page: last },
          );
        const tasks = groupTasks(spec, recipients, job.recipientsPerTask);
        // Only these outlive the page's turn: the rows and what was built from them die young, which keeps the
        // garbage collector's scavenges cheap while pages wait for their SendMessageBatch answers.
        const planned = rows.length;
        const invalid = built.flatMap((entry) =>
          entry.ok
            ? []
            : [{ recipientId: entry.recipientId ?? `row:${entry.cursor ?? 'unknown'}`, reason: entry.reason }],
        );
        const enqueued = enqueuePage(deps.enqueue, tasks, slots);
        enqueued.catch(() => undefined);
        const grouped = tasks.reduce((sum, task) => sum + task.recipients.length, 0);

        const previous = completed;
        completed = (async () => {
          const result = await enqueued;
          await previous;
          if (result.unsent.length > 0) {
            deps.metrics.count(job.id, 'EnqueueFailed', result.unsent.length);
            throw new EnqueueError(
              `${result.unsent.length} tasks could not be enqueued (${result.unsent[0]?.code}: ${result.unsent[0]?.message}); the page will be retried from cursor ${cursor ?? '(start)'}`,
            );
          }
          if (result.split.length > 0)
            log.warn(
              'SQS rejected tasks: their recipients were enqueued one a task, and only those SQS still rejected are recorded as failed',
              {
                groups: result.split.map((entry) => entry.key),
                reason: `${result.split[0]?.code} ${result.split[0]?.message}`,
                failed: result.failed.length,
              },
            );
          const undeliverable = [...invalid, ...result.failed];
          for (const entry of undeliverable) {
            log.error('recipient cannot be enqueued', entry);
            await deps.ledger.records.recordUndeliverable({ runId, job: job.id, ...entry });
          }

          const page = {
            planned,
            enqueued: grouped - result.failed.length,
            failed: undeliverable.length,
            skipped: repeated,
          };
          // Cursor writes overlap the next pages' work and are coalesced to one a second; they still land in page
          // order (a crash before one lands only re-enqueues pages the sender deduplicates).
          checkpoints.record(last, page);
          cursor = last;
          totals.planned += page.planned;
          totals.enqueued += page.enqueued;
          totals.failed += page.failed;
          deps.metrics.count(job.id, 'Planned', page.planned);
          deps.metrics.count(job.id, 'Enqueued', page.enqueued);
          if (page.failed) deps.metrics.count(job.id, 'EnqueueFailed', page.failed);
          slowestPageMs = Math.max(slowestPageMs, performance.now() - started);
        })();
        completed.catch(() => undefined);
        // Two pages in flight at most: the one before this must be done before the next is read.
        await previous;
        if (rows.length < job.pageSize) break;
      }
      await completed;
      await checkpoints.flush();
      await deps.ledger.runs.finish({ runId, owner });
      log.info('run enqueued', totals);
      return { status: 'enqueued', runId, ...totals };
    } catch (error) {
      // A page still in flight, and the cursor of every page that did reach the queue, land before letting go.
      await reader?.close();
      await completed.catch(() => undefined);
      await checkpoints
        .flush()
        .catch((flushError: unknown) =>
          log.warn(
            'could not save the cursor of the pages already enqueued; the retry enqueues them again and the senders drop the copies',
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
      log.error('planning failed; a retry resumes from the saved cursor', { error, cursor, ...totals });
      throw error;
    } finally {
      deps.metrics.flush();
    }
  };
}
