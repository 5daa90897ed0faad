import { createHash } from 'node:crypto';
import * as z from 'zod';
import { asciiJson } from './ascii-json.js';
import { type SchemaIssue, toIssues } from './issues.js';
import { encodeCursor, type KeyColumns, keyText } from './keyset.js';

const TASK_VERSION = 2;
/** Recipients one task may carry: bounds the ledger item's update expression and the work one message holds. */
export const MAX_RECIPIENTS_PER_TASK = 50;
/**
 * A task body stops growing at this size: ten of them fit one SendMessageBatch (256 KiB), and SQS bills a request per
 * started 64 KiB, so a body never costs more than one request a hop.
 */
export const MAX_TASK_BYTES = 24 * 1024;
/** The longest group name the schema allows; the cost model keeps this much of a body for it. */
export const GROUP_NAME_RESERVE_BYTES = 300;

const fieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const fields = z.record(z.string(), fieldValue);
const runId = z.string().min(1).max(512);
const job = z.string().min(1).max(128);
const recipientId = z.string().min(1).max(256);

const taskV1 = z.strictObject({ v: z.literal(1), runId, job, recipientId, fields });

const taskV2 = z
  .strictObject({
    v: z.literal(2),
    runId,
    job,
    /** The ledger key of this group of recipients: stable across a planner's retry of the same page. */
    group: z.string().min(1).max(GROUP_NAME_RESERVE_BYTES),
    recipients: z
      .array(z.strictObject({ id: recipientId, fields }))
      .min(1)
      .max(MAX_RECIPIENTS_PER_TASK),
  })
  .superRefine((task, context) => {
    const seen = new Set<string>();
    task.recipients.forEach((recipient, index) => {
      if (seen.has(recipient.id))
        context.addIssue({
          code: 'custom',
          path: ['recipients', index, 'id'],
          message: `recipient "${recipient.id}" is listed twice in the task`,
        });
      seen.add(recipient.id);
    });
  });

/**
 * The SQS body of one delivery task: a group of recipients of one run, versioned so old messages in flight survive a
 * deploy (a version 1 body, one recipient, reads as a group of one).
 */
export type DeliveryTask = z.infer<typeof taskV2>;
export type TaskRecipient = DeliveryTask['recipients'][number];

export type ParsedTask = { ok: true; task: DeliveryTask } | { ok: false; issues: SchemaIssue[] };

/** The group key of a recipient the ledger tracks alone (version 1 bodies, or one recipient per task). */
export const singleGroup = (recipient: string) => `r:${recipient}`;

export function parseTask(body: string): ParsedTask {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, issues: [{ path: '(body)', message: `not JSON: ${(error as Error).message}` }] };
  }
  const version = (json as { v?: unknown } | null)?.v;
  if (version === 1) {
    const result = taskV1.safeParse(json);
    if (!result.success) return { ok: false, issues: toIssues(result.error) };
    const { runId, job, recipientId, fields } = result.data;
    return {
      ok: true,
      task: { v: 2, runId, job, group: singleGroup(recipientId), recipients: [{ id: recipientId, fields }] },
    };
  }
  if (version !== TASK_VERSION)
    return {
      ok: false,
      issues: [
        {
          path: 'v',
          message: `unsupported task version ${JSON.stringify(version) ?? 'undefined'}: this sender reads 1 and 2`,
        },
      ],
    };
  const result = taskV2.safeParse(json);
  return result.success ? { ok: true, task: result.data } : { ok: false, issues: toIssues(result.error) };
}

export interface TaskSpec {
  readonly runId: string;
  readonly job: string;
  readonly idColumn: string;
  readonly recipientColumn: string;
  /** The row fields the template needs; only these travel in the task. */
  readonly fields: readonly string[];
}

export type BuiltRecipient =
  | { ok: true; cursor: string; recipient: TaskRecipient }
  | { ok: false; cursor: string | null; recipientId: string | null; reason: string };

function scalar(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** A row's keyset cursor (handlers/core/keyset.ts), or null when a key column holds a value that cannot be one. */
export function cursorOf(row: Readonly<Record<string, unknown>>, columns: KeyColumns): string | null {
  const id = keyText(row[columns.idColumn]);
  const recipient = keyText(row[columns.recipientColumn]);
  return id === undefined || recipient === undefined ? null : encodeCursor(id, recipient);
}

/** Why a row's key columns keep it from being a recipient, or null when they do not. */
function keyProblem(spec: TaskSpec, row: Readonly<Record<string, unknown>>): string | null {
  const id = keyText(row[spec.idColumn]);
  if (id === undefined)
    return (
      `column "${spec.idColumn}" (idColumn) is missing or not a string/number in the audience row: ` +
      `select it as text or a number`
    );
  if (keyText(row[spec.recipientColumn]) === undefined)
    return (
      `column "${spec.recipientColumn}" (recipientColumn) is missing or not a string/number ` +
      `in the row with ${spec.idColumn} = ${id ?? 'NULL'}`
    );
  if (id === null)
    return `column "${spec.idColumn}" (idColumn) is NULL in the audience row: the audience's key must not be NULL`;
  return null;
}

/** Turns one audience row into a recipient of a task; a bad row names the column that is wrong. */
export function buildRecipient(spec: TaskSpec, row: Readonly<Record<string, unknown>>): BuiltRecipient {
  const cursor = cursorOf(row, spec);
  const recipient = row[spec.recipientColumn];
  const recipientId =
    typeof recipient === 'string' || typeof recipient === 'number' || typeof recipient === 'bigint'
      ? String(recipient).trim()
      : null;
  const problem = keyProblem(spec, row);
  if (problem !== null) return { ok: false, cursor, recipientId: recipientId || null, reason: problem };
  if (!recipientId)
    return {
      ok: false,
      cursor,
      recipientId: null,
      reason:
        `column "${spec.recipientColumn}" (recipientColumn) is missing or empty ` +
        `in the row with ${spec.idColumn} = ${String(row[spec.idColumn])}`,
    };
  if (recipientId.length > 256)
    return {
      ok: false,
      cursor,
      recipientId: recipientId.slice(0, 256),
      reason: `column "${spec.recipientColumn}" is longer than 256 characters`,
    };
  const values: Record<string, string | number | boolean | null> = {};
  for (const name of spec.fields) if (name in row) values[name] = scalar(row[name]);
  // keyProblem is null only when both key columns read as key text, so the row has a cursor.
  return { ok: true, cursor: cursor as string, recipient: { id: recipientId, fields: values } };
}

/** Printable ASCII: one byte each in any body encoding (JSON escapes only `"` and `\` among them, counted below). */
const PLAIN_GROUP = /^[\x20-\x7e]*$/;

/**
 * The group is part of a DynamoDB key and of the task body, where GROUP_NAME_RESERVE_BYTES is kept for it: a cursor
 * is used as it is only when it is printable ASCII (so no body encoding can grow it) and its JSON string fits the
 * reserve; any other cursor is named by its digest. Either way the same cursor always gives the same name.
 */
const cursorGroup = (cursor: string) => {
  const name = `c:${cursor}`;
  return PLAIN_GROUP.test(name) && JSON.stringify(name).length <= GROUP_NAME_RESERVE_BYTES
    ? name
    : `h:${createHash('sha256').update(cursor).digest('base64url')}`;
};

export interface GroupedTask {
  /** The SQS message's key for the enqueue report: the task's group. */
  readonly key: string;
  readonly body: string;
  readonly recipients: readonly string[];
}

/**
 * Packs a page's recipients, in order, into task bodies of at most `perTask` recipients and MAX_TASK_BYTES each. A
 * group is named by its first recipient's cursor, so a planner that re-reads the same page after a crash produces
 * the same groups and the sender's ledger drops the repeated ones; with one recipient per task the group is the
 * recipient itself, which also drops a recipient the audience lists twice in different pages.
 *
 * Bodies are ASCII JSON (asciiJson): whatever the audience holds, every SQS implementation accepts them. A body is
 * as long in bytes as in characters, and MAX_TASK_BYTES counts the escapes.
 */
export function groupTasks(
  spec: Pick<TaskSpec, 'runId' | 'job'>,
  recipients: readonly { cursor: string; recipient: TaskRecipient }[],
  perTask: number,
): GroupedTask[] {
  const tasks: GroupedTask[] = [];
  const head = `{"v":${TASK_VERSION},"runId":${asciiJson(spec.runId)},"job":${asciiJson(spec.job)},"group":`;
  const middle = ',"recipients":[';
  const tail = ']}';
  let parts: string[] = [];
  let ids: string[] = [];
  let group = '';
  let groupJson = '';
  let bytes = 0;
  const flush = () => {
    if (parts.length === 0) return;
    tasks.push({ key: group, body: `${head}${groupJson}${middle}${parts.join(',')}${tail}`, recipients: ids });
    parts = [];
    ids = [];
  };
  for (const { cursor, recipient } of recipients) {
    const part = asciiJson(recipient);
    // The body so far plus this part and the comma before it, when it is not the first.
    if (parts.length >= perTask || (parts.length > 0 && bytes + 1 + part.length > MAX_TASK_BYTES)) flush();
    if (parts.length === 0) {
      group = perTask === 1 ? singleGroup(recipient.id) : cursorGroup(cursor);
      groupJson = asciiJson(group);
      bytes = head.length + groupJson.length + middle.length + tail.length - 1;
    }
    parts.push(part);
    ids.push(recipient.id);
    bytes += part.length + 1;
  }
  flush();
  return tasks;
}

/**
 * The SQS fair-queue tenant (MessageGroupId) of a task: its job. On a standard queue with fair queues, a job with a
 * backlog then no longer delays the messages of a job that has none
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues.html). The job, not its
 * Page: a job is what ticks and waits, and jobs that share a Page share its rate through the senders' pace anyway.
 */
export const messageGroupOf = (job: string): string => job;

/** The message group of a task body, without validating the rest; undefined for a body that names no job. */
export function messageGroupOfBody(body: string): string | undefined {
  try {
    const job = (JSON.parse(body) as { job?: unknown } | null)?.job;
    return typeof job === 'string' && job.length > 0 ? messageGroupOf(job) : undefined;
  } catch {
    return undefined;
  }
}
