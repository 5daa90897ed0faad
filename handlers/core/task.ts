import * as z from 'zod';
import { type SchemaIssue, toIssues } from '../config/issues.js';

export const TASK_VERSION = 1;

const fieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** The SQS body of one delivery: versioned so old messages in flight survive a deploy. */
export const deliveryTaskSchema = z.strictObject({
  v: z.literal(TASK_VERSION),
  runId: z.string().min(1).max(512),
  job: z.string().min(1).max(128),
  recipientId: z.string().min(1).max(256),
  fields: z.record(z.string(), fieldValue),
});

export type DeliveryTask = z.infer<typeof deliveryTaskSchema>;

export type ParsedTask = { ok: true; task: DeliveryTask } | { ok: false; issues: SchemaIssue[] };

export function parseTask(body: string): ParsedTask {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, issues: [{ path: '(body)', message: `not JSON: ${(error as Error).message}` }] };
  }
  const result = deliveryTaskSchema.safeParse(json);
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

export type BuiltTask = { ok: true; cursor: string; task: DeliveryTask } | { ok: false; cursor: string | null; recipientId: string | null; reason: string };

function scalar(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** Turns one audience row into a delivery task; a bad row names the column that is wrong. */
export function buildTask(spec: TaskSpec, row: Readonly<Record<string, unknown>>): BuiltTask {
  const id = row[spec.idColumn];
  const cursor = typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint' ? String(id) : null;
  const recipient = row[spec.recipientColumn];
  const recipientId = typeof recipient === 'string' || typeof recipient === 'number' || typeof recipient === 'bigint' ? String(recipient).trim() : null;
  if (cursor === null) return { ok: false, cursor, recipientId, reason: `column "${spec.idColumn}" (idColumn) is missing or not a string/number in the audience row` };
  if (!recipientId) return { ok: false, cursor, recipientId: null, reason: `column "${spec.recipientColumn}" (recipientColumn) is missing or empty in the row with ${spec.idColumn} = ${cursor}` };
  if (recipientId.length > 256) return { ok: false, cursor, recipientId: recipientId.slice(0, 256), reason: `column "${spec.recipientColumn}" is longer than 256 characters` };
  const fields = Object.fromEntries(spec.fields.filter((name) => name in row).map((name) => [name, scalar(row[name])]));
  return { ok: true, cursor, task: { v: TASK_VERSION, runId: spec.runId, job: spec.job, recipientId, fields } };
}
