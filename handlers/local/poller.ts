import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { BatchResponse, SqsEvent } from '../delivery/index.js';
import { lambdaContext, type Handler } from './bundle.js';

export interface PollerOptions {
  readonly queueUrl: string;
  readonly batchSize: number;
  /** Like the event source mapping's scaling_config.maximum_concurrency: batches in flight at once. */
  readonly maximumConcurrency: number;
  readonly functionTimeoutMs: number;
  readonly functionName?: string;
  /** Called for a batch a sender invocation threw on (the whole batch then returns to the queue, as on Lambda). */
  readonly onInvocationError?: (error: unknown) => void;
  readonly onBatch?: (result: { received: number; failed: number }) => void;
}

/**
 * An event source mapping on one machine: receives up to `batchSize` messages, invokes the sender, deletes what
 * succeeded and leaves each reported batch item failure to reappear after the visibility timeout, so the queue's
 * maxReceiveCount moves poison to the DLQ exactly as on AWS.
 */
export function startPoller(sqs: SQSClient, senders: Handler<SqsEvent, BatchResponse> | readonly Handler<SqsEvent, BatchResponse>[], options: PollerOptions) {
  let stopped = false;
  // One handler per lane when given several: like Lambda, each concurrent invocation has its own container state.
  const pool = Array.isArray(senders) ? senders : [senders];
  const lanes = Array.from({ length: options.maximumConcurrency }, async (_, lane) => {
    const sender = pool[lane % pool.length] as Handler<SqsEvent, BatchResponse>;
    while (!stopped) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: options.queueUrl, MaxNumberOfMessages: options.batchSize, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'] }),
      );
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
        const response = await sender(event, lambdaContext(options.functionName ?? 'sender', options.functionTimeoutMs));
        failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      } catch (error) {
        options.onInvocationError?.(error);
      }
      const done = Messages.filter((message) => !failed.has(message.MessageId as string));
      if (done.length > 0) {
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle as string })) }));
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
