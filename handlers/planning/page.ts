import type { JobConfig } from '../config/schema.js';
import { buildRecipient, type GroupedTask, groupTasks, type TaskRecipient, type TaskSpec } from '../core/task.js';
import type { AudienceRow } from '../db/audience.js';
import type { Logger } from '../observability/log.js';
import { EnqueueError } from './enqueue.js';

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
