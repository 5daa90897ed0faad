import { parseArgs } from 'node:util';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FailedTick, readFailedTick } from '../common/invocation-record.js';
import { type CliIO, numberOption, requireOption, table, UsageError } from './io.js';

const TICKS_HELP = `notifier ticks [replay [RUN]] [options]

  (no verb)       list the planner invocations that failed after Lambda's retries (scheduler ticks and
                  continuations): run id, job, attempts, age and error; nothing is removed
  replay [RUN]    invoke the planner again (asynchronously) with each failed run's original event, so the run
                  resumes from its cursor under the same run id; a record is deleted only once the planner
                  accepted the invocation. RUN limits it to one run id. A run already finished answers
                  "already-finished" and sends nothing.

Options:
  --queue-url URL     queue of failed planner invocations (default: $NOTIFIER_PLANNER_FAILURES_URL)
  --function NAME     planner function, for replay (default: $NOTIFIER_PLANNER_FUNCTION)
  --max N             records to read at most (default 100)
  --json              machine-readable output`;

/** How long a listed or replayed record stays hidden from other readers while this command holds it. */
const HOLD_SECONDS = 60;

interface Held {
  readonly message: Message;
  readonly read: ReturnType<typeof readFailedTick>;
}

/** Receives up to `max` records, each once, holding them until `release`: the queue is read, not consumed. */
async function receiveAll(sqs: SQSClient, queueUrl: string, max: number): Promise<Held[]> {
  const held = new Map<string, Held>();
  while (held.size < max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - held.size),
        VisibilityTimeout: HOLD_SECONDS,
        WaitTimeSeconds: 0,
      }),
    );
    const fresh = Messages.filter((message) => !held.has(message.MessageId as string));
    if (fresh.length === 0) break;
    for (const message of fresh)
      held.set(message.MessageId as string, { message, read: readFailedTick(message.Body ?? '') });
  }
  return [...held.values()];
}

/** Makes the records visible again at once, for the next operator or command. */
async function release(sqs: SQSClient, queueUrl: string, records: readonly Held[]): Promise<void> {
  for (let index = 0; index < records.length; index += 10) {
    const entries = records.slice(index, index + 10).map((record, offset) => ({
      Id: String(offset),
      ReceiptHandle: record.message.ReceiptHandle as string,
      VisibilityTimeout: 0,
    }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

/** "45s", "12m", "3h 5m", "2d 4h": how long ago a record was written. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

function listView(records: readonly Held[], now: number) {
  return records.map(({ message, read }) => {
    if (!read.ok) return { messageId: message.MessageId, unreadable: read.reason };
    const { tick } = read;
    const failedAt = Date.parse(tick.failedAt);
    return {
      messageId: message.MessageId,
      runId: tick.runId,
      job: tick.event.job,
      continuation: tick.event.continuation ?? 0,
      attempts: tick.attempts,
      condition: tick.condition,
      failedAt: tick.failedAt,
      age: Number.isNaN(failedAt) ? 'unknown' : formatAge(now - failedAt),
      error: `${tick.errorType}: ${tick.errorMessage}`,
    };
  });
}

async function listTicks(
  sqs: SQSClient,
  queueUrl: string,
  options: { max: number; json: boolean },
  io: CliIO,
): Promise<number> {
  const records = await receiveAll(sqs, queueUrl, options.max);
  await release(sqs, queueUrl, records);
  const view = listView(records, Date.now());
  if (options.json) io.out(JSON.stringify(view));
  else if (view.length === 0) io.out('no failed planner invocations');
  else {
    const rows = view.map((row) =>
      'unreadable' in row
        ? [`(message ${row.messageId})`, '-', '-', '-', `unreadable: ${row.unreadable}`]
        : [row.runId, row.job, row.attempts, row.age, row.error.slice(0, 200)],
    );
    io.out(table([['run', 'job', 'attempts', 'age', 'error'], ...rows]));
  }
  return 0;
}

type Invoke = (event: FailedTick['event']) => Promise<number | undefined>;

async function lambdaInvoker(functionName: string): Promise<Invoke> {
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  const client = new LambdaClient({});
  return async (event) =>
    (
      await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      )
    ).StatusCode;
}

/**
 * One invocation per run, whatever number of records it left (a tick and a continuation of it, say): any
 * invocation of a run resumes from its cursor and plans to the end, and a second one at once would only answer busy.
 */
function groupByRun(
  records: readonly Held[],
  only: string | undefined,
): Map<string, { tick: FailedTick; records: Held[] }> {
  const runs = new Map<string, { tick: FailedTick; records: Held[] }>();
  for (const record of records) {
    if (!record.read.ok || (only !== undefined && record.read.tick.runId !== only)) continue;
    const entry = runs.get(record.read.tick.runId) ?? { tick: record.read.tick, records: [] };
    entry.records.push(record);
    runs.set(record.read.tick.runId, entry);
  }
  return runs;
}

async function replayTicks(
  sqs: SQSClient,
  queueUrl: string,
  options: { only?: string; max: number; json: boolean; invoke: Invoke },
  io: CliIO,
): Promise<number> {
  const records = await receiveAll(sqs, queueUrl, options.max);
  const runs = groupByRun(records, options.only);
  const replayed: { runId: string; records: number }[] = [];
  const refused: { runId: string; reason: string }[] = [];
  const done = new Set<Held>();
  try {
    for (const [runId, run] of runs) {
      const status = await options
        .invoke(run.tick.event)
        .catch((error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
      if (status !== 202) {
        refused.push({ runId, reason: typeof status === 'string' ? status : `the planner answered ${status}` });
        continue;
      }
      // Deleted only now: a record whose invocation was not accepted stays for the next replay.
      const entries = run.records.map((record, index) => ({
        Id: String(index),
        ReceiptHandle: record.message.ReceiptHandle as string,
      }));
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      for (const record of run.records) done.add(record);
      replayed.push({ runId, records: run.records.length });
    }
  } finally {
    await release(
      sqs,
      queueUrl,
      records.filter((record) => !done.has(record)),
    );
  }
  if (options.json) io.out(JSON.stringify({ replayed, refused }));
  else {
    for (const run of replayed)
      io.out(
        `replayed ${run.runId} (${run.records} failed invocation${run.records === 1 ? '' : 's'}); ` +
          `follow it with: notifier status '${run.runId}' --watch`,
      );
    for (const run of refused) io.err(`not replayed ${run.runId}: ${run.reason}; its record stays in the queue`);
  }
  const unreadable = records.filter((record) => !record.read.ok).length;
  if (unreadable > 0)
    io.err(
      `${unreadable} record${unreadable === 1 ? ' is' : 's are'} not a planner invocation ` +
        `and stay in the queue ("notifier ticks" shows why)`,
    );
  if (options.only !== undefined && runs.size === 0) {
    io.err(
      `no failed invocation of run "${options.only}" in the queue ` +
        `(run ids look like <job>@<scheduled time>; "notifier ticks" lists them)`,
    );
    return 1;
  }
  return refused.length > 0 ? 1 : 0;
}

export async function ticksCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'queue-url': { type: 'string' },
      function: { type: 'string' },
      max: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(TICKS_HELP);
    return 0;
  }
  const [verb, run, ...extra] = positionals;
  if (verb !== undefined && verb !== 'replay')
    throw new UsageError(`unknown ticks command "${verb}"; see "notifier ticks --help"`);
  if (extra.length > 0 || (verb === undefined && run !== undefined))
    throw new UsageError(`unexpected argument "${extra[0] ?? run}"`);
  const queueUrl = requireOption(values['queue-url'], '--queue-url', 'NOTIFIER_PLANNER_FAILURES_URL');
  const max = numberOption('--max', values.max, { min: 1, integer: true, max: 10_000 }) ?? 100;
  const sqs = new SQSClient({});
  try {
    if (verb === undefined) return await listTicks(sqs, queueUrl, { max, json: values.json === true }, io);
    const invoke = await lambdaInvoker(requireOption(values.function, '--function', 'NOTIFIER_PLANNER_FUNCTION'));
    return await replayTicks(
      sqs,
      queueUrl,
      { ...(run === undefined ? {} : { only: run }), max, json: values.json === true, invoke },
      io,
    );
  } finally {
    sqs.destroy();
  }
}
