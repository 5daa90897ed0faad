import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { createLedger, type Ledger, parseTask } from '../../handlers/surface.js';
import { type CliIO, numberOption, requireOption, UsageError } from './io.js';

const DLQ_HELP = `notifier dlq <inspect|redrive> [options]

  inspect [--max N] [--json]    count, and up to N sample bodies with the reason the ledger recorded
  redrive [--rate N] [--max N]  move messages back to the delivery queue: StartMessageMoveTask where the
                                endpoint has it, else a receive/send/delete move at N messages per second

Options:
  --dlq-url URL        (default: $NOTIFIER_DLQ_URL)
  --queue-url URL      delivery queue, for redrive (default: $NOTIFIER_QUEUE_URL)
  --ledger-table NAME  for failure reasons (default: $NOTIFIER_LEDGER_TABLE; optional)`;

async function count(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

async function reasonFor(ledger: Ledger | undefined, messageId: string, body: string): Promise<string> {
  const parsed = parseTask(body);
  if (!parsed.ok) return `malformed: ${parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`;
  if (!ledger) return 'no ledger table given';
  const { task } = parsed;
  const group = await ledger.groups.get(task.runId, task.group);
  if (!group) return `never claimed (message ${messageId})`;
  const run = await ledger.runs.get(task.runId);
  const settled = task.recipients.filter((recipient) => group.outcomes.has(recipient.id)).length;
  return (
    `${group.status}, ${settled} of ${task.recipients.length} recipients settled` +
    `${run?.halted ? ', job halted' : ''}: ${group.lastReason ?? 'no reason recorded'}`
  );
}

interface DlqCall {
  readonly values: {
    readonly 'queue-url'?: string;
    readonly max?: string;
    readonly rate?: string;
    readonly json?: boolean;
  };
  readonly io: CliIO;
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  readonly ledger: Ledger | undefined;
}

export async function dlqCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'dlq-url': { type: 'string' },
      'queue-url': { type: 'string' },
      'ledger-table': { type: 'string' },
      max: { type: 'string' },
      rate: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const verb = positionals[0];
  if (values.help || !verb) {
    io.out(DLQ_HELP);
    return values.help ? 0 : 2;
  }
  const sqs = new SQSClient({});
  const dlqUrl = requireOption(values['dlq-url'], '--dlq-url', 'NOTIFIER_DLQ_URL');
  const ledgerTable = values['ledger-table'] ?? process.env.NOTIFIER_LEDGER_TABLE;
  const ledger = ledgerTable ? createLedger({ table: ledgerTable }) : undefined;
  const call: DlqCall = { values, io, sqs, dlqUrl, ledger };
  if (verb === 'inspect') return await inspect(call);
  if (verb === 'redrive') return await redrive(call);
  throw new UsageError(`unknown dlq command "${verb}"; see "notifier dlq --help"`);
}

/** `inspect`: the DLQ's count, and up to --max sample bodies with the reason the ledger recorded. */
async function inspect({ values, io, sqs, dlqUrl, ledger }: DlqCall): Promise<number> {
  const max = numberOption('--max', values.max, { min: 1, integer: true, max: 10 }) ?? 10;
  const total = await count(sqs, dlqUrl);
  // Visibility 0: looking must not hide the messages from a redrive or from another operator.
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: dlqUrl,
      MaxNumberOfMessages: max,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  const samples = [];
  for (const message of Messages) {
    const body = message.Body ?? '';
    samples.push({
      messageId: message.MessageId,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
      reason: await reasonFor(ledger, message.MessageId ?? '', body),
      body: body.slice(0, 500),
    });
  }
  if (values.json) io.out(JSON.stringify({ count: total, samples }));
  else {
    io.out(`${total} messages in the DLQ`);
    for (const sample of samples)
      io.out(`- ${sample.messageId} (received ${sample.receiveCount}x): ${sample.reason}\n  ${sample.body}`);
  }
  return 0;
}

/**
 * `redrive`: moves the DLQ's messages back to the delivery queue, by StartMessageMoveTask where the endpoint has it
 * and no --max is given, else one batch at a time.
 */
async function redrive(call: DlqCall): Promise<number> {
  const { values } = call;
  const queueUrl = requireOption(values['queue-url'], '--queue-url', 'NOTIFIER_QUEUE_URL');
  const rate = numberOption('--rate', values.rate, { min: 0, above: true, max: 3000 }) ?? 50;
  const max = numberOption('--max', values.max, { min: 1, integer: true }) ?? Number.MAX_SAFE_INTEGER;
  if (values.max === undefined && (await startMoveTask(call, queueUrl, rate))) return 0;
  const moved = await moveByBatches(call, { queueUrl, rate, max });
  call.io.out(
    values.json
      ? JSON.stringify({ method: 'receive-send-delete', moved })
      : `moved ${moved} messages back to the delivery queue`,
  );
  return 0;
}

/** Starts SQS's own message move task; false when the endpoint does not have it. */
async function startMoveTask({ values, io, sqs, dlqUrl }: DlqCall, queueUrl: string, rate: number): Promise<boolean> {
  const arnOf = async (url: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes
      ?.QueueArn as string;
  try {
    const task = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: await arnOf(dlqUrl),
        DestinationArn: await arnOf(queueUrl),
        MaxNumberOfMessagesPerSecond: Math.round(rate),
      }),
    );
    io.out(
      values.json
        ? JSON.stringify({ method: 'StartMessageMoveTask', taskHandle: task.TaskHandle })
        : `started message move task ${task.TaskHandle} at ${Math.round(rate)} messages/s`,
    );
    return true;
  } catch (error) {
    const name = (error as Error).name;
    if (
      !/UnsupportedOperation|UnknownOperation|InvalidAction|NotImplemented|InvalidParameterValue/i.test(
        `${name} ${(error as Error).message}`,
      )
    )
      throw error;
    io.err(`StartMessageMoveTask is not available here (${name}); moving messages one batch at a time`);
    return false;
  }
}

/** Receives, sends and deletes up to `max` messages at `rate` a second; answers how many were moved. */
async function moveByBatches(
  { io, sqs, dlqUrl }: DlqCall,
  { queueUrl, rate, max }: { readonly queueUrl: string; readonly rate: number; readonly max: number },
): Promise<number> {
  let moved = 0;
  const started = Date.now();
  while (moved < max && !io.signal?.aborted) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - moved),
        VisibilityTimeout: 30,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) break;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({ Id: String(index), MessageBody: message.Body ?? '' })),
      }),
    );
    // Only what reached the delivery queue leaves the DLQ; the rest reappears there after its visibility timeout.
    const delivered = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const done = Messages.filter((_, index) => delivered.has(String(index)));
    if (done.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: done.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle as string,
          })),
        }),
      );
    moved += done.length;
    if ((sent.Failed ?? []).length > 0)
      io.err(`${sent.Failed?.length} messages could not be sent back; they stay in the DLQ`);
    const ahead = (moved / rate) * 1000 - (Date.now() - started);
    if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
  }
  return moved;
}
