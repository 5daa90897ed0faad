import type { SQSClient } from '@aws-sdk/client-sqs';
import { chunk } from '../core/paging.js';

/** SQS's longest visibility timeout. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

// Loaded on the first returned message: most invocations return none, and their cold starts do not load the client.
let sqs:
  | Promise<{ client: SQSClient; Command: typeof import('@aws-sdk/client-sqs').ChangeMessageVisibilityBatchCommand }>
  | undefined;
const loadSqs = () =>
  (sqs ??= import('@aws-sdk/client-sqs').then(({ SQSClient, ChangeMessageVisibilityBatchCommand }) => ({
    client: new SQSClient({ maxAttempts: 3 }),
    Command: ChangeMessageVisibilityBatchCommand,
  })));

/**
 * Returns messages to the queue after `delayMs` (rounded up to whole seconds, as SQS counts) instead of after the
 * queue's visibility timeout, at least six times the sender's timeout: a recipient returned for a retry comes back
 * when its backoff is over, not minutes later. Entries SQS refuses keep their visibility timeout, which is only slower.
 */
export function requeueAfter(queueUrl: string) {
  return async (
    messages: readonly { receiptHandle: string; delayMs: number }[],
    signal?: AbortSignal,
  ): Promise<void> => {
    const { client, Command } = await loadSqs();
    for (const batch of chunk(messages, 10)) {
      await client.send(
        new Command({
          QueueUrl: queueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.receiptHandle,
            VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(message.delayMs / 1000)),
          })),
        }),
        signal ? { abortSignal: signal } : {},
      );
    }
  };
}
