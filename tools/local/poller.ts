import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { BatchResponse, SqsEvent } from '../../handlers/surface.js';
import { type Handler, lambdaContext } from './bundle.js';

export interface PollerOptions {
  readonly queueUrl: string;
  /** Messages per invocation, up to the event source mapping's 10,000: gathered from several receives above 10. */
  readonly batchSize: number;
  /** How long a batch above 10 messages may take to gather (the mapping's maximum_batching_window_in_seconds). */
  readonly batchingWindowMs?: number;
  /** Like the event source mapping's scaling_config.maximum_concurrency: batches in flight at once. */
  readonly maximumConcurrency: number;
  readonly functionTimeoutMs: number;
  readonly functionName?: string;
  /** Called for a batch a sender invocation threw on (the whole batch then returns to the queue, as on Lambda). */
  readonly onInvocationError?: (error: unknown) => void;
  readonly onBatch?: (result: { received: number; failed: number }) => void;
}

const SQS_MAX_BATCH = 10;

/**
 * One batch as the event source mapping gathers it: a long poll for the first messages, then more receives until the
 * batch is full, the queue has nothing visible or the batching window is over.
 */
async function gather(sqs: SQSClient, options: PollerOptions): Promise<Message[]> {
  const messages: Message[] = [];
  const windowEnds = Date.now() + (options.batchingWindowMs ?? 1_000);
  while (messages.length < options.batchSize) {
    const first = messages.length === 0;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(SQS_MAX_BATCH, options.batchSize - messages.length),
        WaitTimeSeconds: first ? 1 : 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    messages.push(...Messages);
    if (Messages.length === 0 || Date.now() >= windowEnds) break;
  }
  return messages;
}

/**
 * An event source mapping on one machine: receives up to `batchSize` messages, invokes the sender, deletes what
 * succeeded and leaves each reported batch item failure to reappear after the visibility timeout, so the queue's
 * maxReceiveCount moves poison to the DLQ exactly as on AWS.
 */
export function startPoller(
  sqs: SQSClient,
  senders: Handler<SqsEvent, BatchResponse> | readonly Handler<SqsEvent, BatchResponse>[],
  options: PollerOptions,
) {
  let stopped = false;
  // One handler per lane when given several: like Lambda, each concurrent invocation has its own container state.
  const pool = Array.isArray(senders) ? senders : [senders];
  const lanes = Array.from({ length: options.maximumConcurrency }, async (_, lane) => {
    const sender = pool[lane % pool.length] as Handler<SqsEvent, BatchResponse>;
    while (!stopped) {
      const Messages = await gather(sqs, options);
      if (Messages.length === 0 || stopped) continue;
      const event: SqsEvent = {
        Records: Messages.map((message) => ({
          messageId: message.MessageId as string,
          receiptHandle: message.ReceiptHandle,
          body: message.Body ?? '',
          attributes: { ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1' },
          eventSource: 'aws:sqs',
        })),
      };
      let failed = new Set(Messages.map((message) => message.MessageId as string));
      try {
        const response = await sender(
          event,
          lambdaContext(options.functionName ?? 'sender', options.functionTimeoutMs),
        );
        failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      } catch (error) {
        options.onInvocationError?.(error);
      }
      const done = Messages.filter((message) => !failed.has(message.MessageId as string));
      for (let start = 0; start < done.length; start += SQS_MAX_BATCH) {
        const entries = done
          .slice(start, start + SQS_MAX_BATCH)
          .map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle as string }));
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }));
      }
      options.onBatch?.({ received: Messages.length, failed: failed.size });
    }
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.allSettled(lanes);
    },
    done: Promise.all(lanes),
  };
}
