import type { SQSClient } from '@aws-sdk/client-sqs';
import { chunk } from '../core/paging.js';

/** SQS's longest message delay. */
export const MAX_DELAY_SECONDS = 900;

// Loaded on the first waiting task: most invocations see none, and their cold starts do not load the client.
let sqs:
  | Promise<{ client: SQSClient; Command: typeof import('@aws-sdk/client-sqs').SendMessageBatchCommand }>
  | undefined;
const loadSqs = () =>
  (sqs ??= import('@aws-sdk/client-sqs').then(({ SQSClient, SendMessageBatchCommand }) => ({
    client: new SQSClient({ maxAttempts: 3 }),
    Command: SendMessageBatchCommand,
  })));

/**
 * Sends task bodies to the delivery queue again as new messages, each delayed by its `delaySeconds` (at most SQS's
 * 900). Answers the ids of the messages that were sent; an entry SQS refuses is left out, so its original stays queued.
 * A call that fails throws a PartialResendError naming what was re-sent before it.
 */
/** A re-send that failed part-way: `sent` names the messages re-sent before it, `cause` says why it stopped. */
export class PartialResendError extends Error {
  override readonly name = 'PartialResendError';
  readonly sent: ReadonlySet<string>;

  constructor(sent: ReadonlySet<string>, cause: unknown) {
    super(`re-sent ${sent.size} messages, then: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.sent = sent;
  }
}

export function resendDelayed(queueUrl: string) {
  return async (
    messages: readonly { id: string; body: string; delaySeconds: number; group?: string | undefined }[],
    signal?: AbortSignal,
  ): Promise<ReadonlySet<string>> => {
    const { client, Command } = await loadSqs();
    const sent = new Set<string>();
    for (const batch of chunk(messages, 10)) {
      // A failed call leaves its originals queued; those already re-sent count as sent, or they would wait twice.
      const answer = await client
        .send(
          new Command({
            QueueUrl: queueUrl,
            Entries: batch.map((message, index) => ({
              Id: String(index),
              MessageBody: message.body,
              // The same fair-queue tenant as the original (core/task.ts messageGroupOf).
              ...(message.group ? { MessageGroupId: message.group } : {}),
              DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(message.delaySeconds))),
            })),
          }),
          signal ? { abortSignal: signal } : {},
        )
        .catch((error: unknown) => {
          throw new PartialResendError(sent, error);
        });
      for (const entry of answer.Successful ?? []) {
        const message = batch[Number(entry.Id)];
        if (message) sent.add(message.id);
      }
    }
    return sent;
  };
}
