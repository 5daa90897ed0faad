import type { EnqueueFailure } from '../aws/queue.js';
import type { JobConfig } from '../config/schema.js';
import type { Semaphore } from '../core/limiter.js';
import {
  buildRecipient,
  type GroupedTask,
  groupTasks,
  parseTask,
  type TaskRecipient,
  type TaskSpec,
} from '../core/task.js';
import type { AudienceRow } from '../db/audience.js';
import type { Logger } from '../observability/log.js';
import type { PlannerDeps, RunScope } from './deps.js';
import type { PageCounts } from './progress.js';

// One page of the audience, from its rows to what it came to: its tasks built, enqueued (a group SQS rejects split
// into one task per recipient), and its counts and undeliverable recipients.

/** Enqueue failures the planner could not get past: the invocation fails and the retry resumes from the cursor. */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
}

export interface PageEnqueue {
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
export async function enqueuePage(
  enqueue: PlannerDeps['enqueue'],
  tasks: readonly GroupedTask[],
  slots: Semaphore,
  group: string,
): Promise<PageEnqueue> {
  const first = await enqueue(tasks, slots, group);
  const plan = planRejections(tasks, first.rejected);
  if (plan.resend.length === 0 || first.unsent.length > 0)
    return { unsent: first.unsent, failed: plan.failed, split: [] };
  const second = await enqueue(plan.resend, slots, group);
  // Every re-sent task has one recipient: a rejection now is that recipient's failure.
  const alone = planRejections(plan.resend, second.rejected);
  return {
    unsent: second.unsent,
    failed: [...plan.failed, ...alone.failed],
    split: first.rejected.filter((rejection) => (tasks[rejection.index]?.recipients.length ?? 0) > 1),
  };
}

/** What a page's completion needs once its tasks are enqueued. */
export interface PageFacts {
  /** The cursor of the page's last row: where the next page starts. */
  readonly last: string;
  /** Rows read. */
  readonly planned: number;
  /** Recipients the page's tasks carry. */
  readonly grouped: number;
  /** Repeats of a recipient the page already lists: counted as skipped. */
  readonly repeated: number;
  /** Rows that cannot be a recipient, and why. */
  readonly invalid: readonly { recipientId: string; reason: string }[];
}

export interface BuiltPage {
  readonly tasks: GroupedTask[];
  readonly facts: PageFacts;
}

/**
 * Turns a page of audience rows into its tasks. Only the tasks and the facts outlive the page's turn: the rows and
 * what was built from them die young, which keeps the garbage collector's scavenges cheap while pages wait for their
 * SendMessageBatch answers.
 */
export function buildPage(spec: TaskSpec, job: JobConfig, rows: readonly AudienceRow[], log: Logger): BuiltPage {
  const built = rows.map((row) => buildRecipient(spec, row));
  const last = built.at(-1)?.cursor;
  if (last === null || last === undefined)
    throw new EnqueueError(
      `job "${job.id}": the last row of the page has a "${job.audience.idColumn}" (idColumn) or ` +
        `"${job.audience.recipientColumn}" (recipientColumn) that is not text, a number or NULL, ` +
        `so keyset paging cannot advance past it; select both as text or numbers in audience.sql and replay the run`,
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
  const invalid = built.flatMap((entry) =>
    entry.ok ? [] : [{ recipientId: entry.recipientId ?? `row:${entry.cursor ?? 'unknown'}`, reason: entry.reason }],
  );
  const grouped = tasks.reduce((sum, task) => sum + task.recipients.length, 0);
  return { tasks, facts: { last, planned: rows.length, grouped, repeated, invalid } };
}

/** A task SQS refused for what it is (SenderFault): its position among the tasks sent, and SQS's answer. */
export interface Rejection {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

export interface RejectionPlan {
  /** Single-recipient tasks to send instead of the rejected groups. */
  readonly resend: GroupedTask[];
  /** Recipients whose own task was rejected: nothing else can carry them. */
  readonly failed: { recipientId: string; reason: string }[];
}

/**
 * The tasks a rejected group is sent again as: one per recipient, each group named after its recipient (`r:<id>`).
 * The names are stable, so a planner retrying the page re-sends the same groups and the ledger drops the copies, and
 * they never meet a cursor-named group (`c:`/`h:`).
 */
export function splitTask(task: GroupedTask): GroupedTask[] {
  const parsed = parseTask(task.body);
  // groupTasks wrote this body: a failure here is a bug, not bad input.
  if (!parsed.ok)
    throw new Error(
      `task "${task.key}" does not read back: ` +
        `${parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    );
  // With one recipient per task, groupTasks names each group after its recipient and needs no cursor.
  return groupTasks(
    parsed.task,
    parsed.task.recipients.map((recipient) => ({ cursor: '', recipient })),
    1,
  );
}

/**
 * What to do with the tasks SQS rejected: a group of several recipients is split so that one recipient's data cannot
 * fail the others; a task of one recipient is that recipient's failure, with SQS's reason. Rejections are matched to
 * tasks by position: two tasks may share a key.
 */
export function planRejections(tasks: readonly GroupedTask[], rejections: readonly Rejection[]): RejectionPlan {
  const plan: RejectionPlan = { resend: [], failed: [] };
  for (const { index, code, message } of rejections) {
    const task = tasks[index];
    if (!task) throw new Error(`SQS rejected task ${index} of ${tasks.length}, which was not sent`);
    if (task.recipients.length > 1) plan.resend.push(...splitTask(task));
    else
      plan.failed.push(
        ...task.recipients.map((recipientId) => ({ recipientId, reason: `SQS rejected the task: ${code} ${message}` })),
      );
  }
  return plan;
}

/**
 * What a page's enqueue came to: tasks still unsent fail the invocation (the retry resumes from `cursor`, the last
 * completed page's); recipients that cannot be enqueued are recorded as undeliverable.
 */
export async function pageOutcome(
  { deps, runId, job, log }: RunScope,
  facts: PageFacts,
  result: PageEnqueue,
  cursor: string | null,
): Promise<PageCounts> {
  if (result.unsent.length > 0) {
    deps.metrics.count(job.id, 'EnqueueFailed', result.unsent.length);
    throw new EnqueueError(
      `${result.unsent.length} tasks could not be enqueued ` +
        `(${result.unsent[0]?.code}: ${result.unsent[0]?.message}); ` +
        `the page will be retried from cursor ${cursor ?? '(start)'}`,
    );
  }
  if (result.split.length > 0)
    log.warn(
      'SQS rejected tasks: their recipients were enqueued one a task, ' +
        'and only those SQS still rejected are recorded as failed',
      {
        groups: result.split.map((entry) => entry.key),
        reason: `${result.split[0]?.code} ${result.split[0]?.message}`,
        failed: result.failed.length,
      },
    );
  const undeliverable = [...facts.invalid, ...result.failed];
  for (const entry of undeliverable) {
    log.error('recipient cannot be enqueued', entry);
    await deps.ledger.records.recordUndeliverable({ runId, job: job.id, ...entry });
  }
  return {
    planned: facts.planned,
    enqueued: facts.grouped - result.failed.length,
    failed: undeliverable.length,
    skipped: facts.repeated,
  };
}
