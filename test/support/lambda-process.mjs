// One Lambda container in its own OS process, so a fault test can SIGKILL it at an exact moment: nothing it had
// in flight finishes, exactly like a Lambda that hit its timeout or lost its host. Started by processes.ts.
//   node lambda-process.mjs planner   runs one invocation with the event in NOTIFIER_CHILD_EVENT, reports the result
//   node lambda-process.mjs sender    an event source mapping lane: receive, invoke, delete what succeeded, forever
// NOTIFIER_CHILD_TIMEOUT_MS is the function timeout the context reports; NOTIFIER_CHILD_CLOCK_SKEW_MS shifts Date.now
// (a retry that Lambda delivers a minute later, without waiting a minute).
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readZip } from '../../tools/zip.mjs';

const kind = process.argv[2];
const timeoutMs = Number(process.env.NOTIFIER_CHILD_TIMEOUT_MS ?? 30_000);
const skew = Number(process.env.NOTIFIER_CHILD_CLOCK_SKEW_MS ?? 0);
if (skew) {
  const realNow = Date.now;
  Date.now = () => realNow() + skew;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), `notifier-${kind}-process-`));
for (const file of readZip(readFileSync(join(root, 'dist', `${kind}.zip`)))) {
  mkdirSync(dirname(join(dir, file.name)), { recursive: true });
  writeFileSync(join(dir, file.name), file.data);
}
const { handler } = await import(pathToFileURL(join(dir, 'index.mjs')).href);

const context = () => {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: kind,
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
};

if (kind === 'planner') {
  let message;
  try {
    message = {
      type: 'result',
      result: await handler(JSON.parse(process.env.NOTIFIER_CHILD_EVENT ?? '{}'), context()),
    };
  } catch (error) {
    message = { type: 'error', message: `${error.name}: ${error.message}` };
  }
  // The container keeps its database connection for the next invocation; this one has no next invocation.
  process.send?.(message, () => process.exit(0));
} else {
  const sqs = new SQSClient({});
  const queueUrl = process.env.NOTIFIER_CHILD_QUEUE_URL;
  process.send?.({ type: 'ready' });
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Number(process.env.NOTIFIER_CHILD_BATCH_SIZE ?? 10),
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    if (Messages.length === 0) continue;
    const event = {
      Records: Messages.map((message) => ({
        messageId: message.MessageId,
        receiptHandle: message.ReceiptHandle,
        body: message.Body ?? '',
        attributes: { ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1' },
        eventSource: 'aws:sqs',
      })),
    };
    process.send?.({ type: 'batch', messageIds: Messages.map((message) => message.MessageId) });
    const response = await handler(event, context());
    const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    const done = Messages.filter((message) => !failed.has(message.MessageId));
    if (done.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
  }
}
