import { SQSClient, SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { chunk } from '../core/paging.js';
import type { Semaphore } from '../core/limiter.js';

let client: SQSClient | undefined;

function sqsClient(): SQSClient {
  // The MD5 check of every sent body against SQS's digest guards against corruption in transit, which TLS already
  // detects; it cost the planner about half a microsecond of CPU per recipient, 3 to 5 % of the total.
  client ??= new SQSClient({ maxAttempts: 3, md5: false });
  return client;
}

export interface OutgoingMessage {
  readonly key: string;
  readonly body: string;
}

export interface EnqueueResult {
  readonly enqueued: number;
  /** Entries SQS refused for what they are (SenderFault): retrying cannot help. */
  readonly rejected: { key: string; code: string; message: string }[];
  /** Entries still failing on SQS's side after every retry: the caller must not advance past them. */
  readonly unsent: { key: string; code: string; message: string }[];
  readonly retried: number;
}

export interface EnqueueOptions {
  /** The SendMessageBatch calls in flight, shared with other enqueues running at the same time (overlapping pages). */
  readonly slots: Semaphore;
  readonly attempts?: number;
  readonly baseDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends messages with SendMessageBatch, 10 per call and several calls in flight. A partial batch failure is
 * normal SQS behaviour: the failed entries alone are retried with backoff, and whatever still fails is returned,
 * never dropped.
 */
export async function enqueueAll(queueUrl: string, messages: readonly OutgoingMessage[], options: EnqueueOptions): Promise<EnqueueResult> {
  const attempts = options.attempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const result: EnqueueResult = { enqueued: 0, rejected: [], unsent: [], retried: 0 };
  let enqueued = 0;
  let retried = 0;

  // Every batch starts at once; the slots decide how many calls are out. A retry waits for its backoff without one.
  const sendBatch = async (batch: readonly OutgoingMessage[]) => {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const entries: SendMessageBatchRequestEntry[] = pending.map((message, index) => ({ Id: String(index), MessageBody: message.body }));
      let failed: { key: string; code: string; message: string; senderFault: boolean }[];
      try {
        const response = await options.slots.use(() => sqsClient().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })));
        enqueued += response.Successful?.length ?? 0;
        failed = (response.Failed ?? []).map((entry) => ({
          key: pending[Number(entry.Id)]?.key ?? String(entry.Id),
          code: entry.Code ?? 'Unknown',
          message: entry.Message ?? '',
          senderFault: entry.SenderFault === true,
        }));
      } catch (error) {
        // The whole call failed (throttled, network): every entry is retryable.
        const name = error instanceof Error ? error.name : 'Error';
        const message = error instanceof Error ? error.message : String(error);
        failed = pending.map((entry) => ({ key: entry.key, code: name, message, senderFault: false }));
      }
      result.rejected.push(...failed.filter((entry) => entry.senderFault).map(({ senderFault: _, ...entry }) => entry));
      const retryable = failed.filter((entry) => !entry.senderFault);
      if (retryable.length === 0) return;
      if (attempt >= attempts) {
        result.unsent.push(...retryable.map(({ senderFault: _, ...entry }) => entry));
        return;
      }
      const keys = new Set(retryable.map((entry) => entry.key));
      pending = pending.filter((message) => keys.has(message.key));
      retried += pending.length;
      await sleep(baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random()));
    }
  };
  await Promise.all(chunk(messages, 10).map(sendBatch));
  return { ...result, enqueued, retried };
}
