import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Semaphore } from '../core/limiter.js';
import { chunk } from '../core/paging.js';

let client: SQSClient | undefined;

function sqsClient(): SQSClient {
  // The MD5 check of every sent body against SQS's digest guards against corruption in transit, which TLS already
  // detects; it costs the planner about half a microsecond of CPU per recipient, 3 to 5 % of the total.
  client ??= new SQSClient({ maxAttempts: 3, md5: false });
  return client;
}

export interface OutgoingMessage {
  readonly key: string;
  readonly body: string;
}

/** An entry that did not reach the queue: `index` is its position in the messages given, `key` names it in logs. */
export interface EnqueueFailure {
  readonly index: number;
  readonly key: string;
  readonly code: string;
  readonly message: string;
}

export interface EnqueueResult {
  readonly enqueued: number;
  /** Entries SQS refused for what they are (SenderFault): retrying the same body cannot help. */
  readonly rejected: EnqueueFailure[];
  /** Entries still failing on SQS's side after every retry: the caller must not advance past them. */
  readonly unsent: EnqueueFailure[];
  readonly retried: number;
}

export interface EnqueueOptions {
  /** The SendMessageBatch calls in flight, shared with other enqueues running at the same time (overlapping pages). */
  readonly slots: Semaphore;
  /** Every entry's MessageGroupId: its tenant on a fair queue (core/task.ts messageGroupOf). */
  readonly group?: string;
  readonly attempts?: number;
  readonly baseDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Pending = { readonly message: OutgoingMessage; readonly index: number };
type BatchFailure = EnqueueFailure & { readonly position: number; readonly senderFault: boolean };

/** The entries of one SendMessageBatch answer that did not succeed; an entry the answer does not mention is retried. */
function failuresOf(pending: readonly Pending[], response: SendMessageBatchCommandOutput): BatchFailure[] {
  const succeeded = new Set(response.Successful?.map((entry) => entry.Id));
  const failed = new Map(response.Failed?.map((entry) => [entry.Id, entry]));
  return pending.flatMap(({ message, index }, position) => {
    const id = String(position);
    if (succeeded.has(id)) return [];
    const entry = failed.get(id);
    return [
      {
        position,
        index,
        key: message.key,
        code: entry?.Code ?? 'NoAnswer',
        message: entry?.Message ?? 'SendMessageBatch did not answer for this entry',
        senderFault: entry?.SenderFault === true,
      },
    ];
  });
}

/**
 * Sends messages with SendMessageBatch, 10 per call and several calls in flight. A partial batch failure is
 * normal SQS behaviour: the failed entries alone are retried with backoff, and whatever still fails is returned,
 * never dropped.
 */
export async function enqueueAll(
  queueUrl: string,
  messages: readonly OutgoingMessage[],
  options: EnqueueOptions,
): Promise<EnqueueResult> {
  const attempts = options.attempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const result: EnqueueResult = { enqueued: 0, rejected: [], unsent: [], retried: 0 };
  let enqueued = 0;
  let retried = 0;

  // Every batch starts at once; the slots decide how many calls are out. A retry waits for its backoff without one.
  // Entries are told apart by their position, never by key: two messages may share a key.
  const sendBatch = async (batch: readonly Pending[]) => {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const entries: SendMessageBatchRequestEntry[] = pending.map(({ message }, position) => ({
        Id: String(position),
        MessageBody: message.body,
        ...(options.group ? { MessageGroupId: options.group } : {}),
      }));
      let failed: BatchFailure[];
      try {
        const response = await options.slots.use(() =>
          sqsClient().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
        );
        enqueued += response.Successful?.length ?? 0;
        failed = failuresOf(pending, response);
      } catch (error) {
        // The whole call failed (throttled, network): every entry is retryable.
        const name = error instanceof Error ? error.name : 'Error';
        const message = error instanceof Error ? error.message : String(error);
        failed = pending.map((entry, position) => ({
          position,
          index: entry.index,
          key: entry.message.key,
          code: name,
          message,
          senderFault: false,
        }));
      }
      const report = ({ index, key, code, message }: EnqueueFailure): EnqueueFailure => ({ index, key, code, message });
      result.rejected.push(...failed.filter((entry) => entry.senderFault).map(report));
      const retryable = failed.filter((entry) => !entry.senderFault);
      if (retryable.length === 0) return;
      if (attempt >= attempts) {
        result.unsent.push(...retryable.map(report));
        return;
      }
      const batchPending = pending;
      pending = retryable.map((entry) => batchPending[entry.position] as Pending);
      retried += pending.length;
      await sleep(baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random()));
    }
  };
  await Promise.all(
    chunk(
      messages.map((message, index) => ({ message, index })),
      10,
    ).map(sendBatch),
  );
  return { ...result, enqueued, retried };
}
