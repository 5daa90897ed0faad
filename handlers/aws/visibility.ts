import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { chunk } from '../core/paging.js';

/** SQS's longest visibility timeout. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/**
 * Returns messages to the queue after `delayMs` (rounded up to whole seconds, as SQS counts) instead of after the
 * queue's visibility timeout, which is six times the sender's timeout: a recipient returned for a retry comes back when
 * its backoff is over, not minutes later. Entries SQS refuses keep their visibility timeout, which is only slower.
 */
export function requeueAfter(client: SQSClient, queueUrl: string) {
  return async (messages: readonly { receiptHandle: string; delayMs: number }[]): Promise<void> => {
    for (const batch of chunk(messages, 10)) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receiptHandle, VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(message.delayMs / 1000)) })),
        }),
      );
    }
  };
}
