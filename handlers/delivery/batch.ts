import { createLogger } from '../observability/log.js';
import type { MalformedRecord, SqsRecord } from './events.js';
import type { GroupResult } from './group-state.js';
import type { Requeue, SenderDeps } from './sender-deps.js';

/**
 * A paused job's tasks go back to the queue as new delayed messages and the received ones are deleted: returning
 * them instead would count a receive each time, and a pause of hours would push them to the DLQ. A task that could
 * not be re-sent stays queued the ordinary way.
 */
export async function resendPaused(
  { resend, options }: Pick<SenderDeps, 'resend' | 'options'>,
  paused: readonly SqsRecord[],
  requestId: string | undefined,
): Promise<ReadonlySet<string>> {
  if (paused.length === 0) return new Set();
  const log = createLogger({ requestId });
  try {
    const sent = await resend(
      paused.map((record) => ({ id: record.messageId, body: record.body })),
      options.pauseRecheckSeconds,
    );
    log.info('job paused: tasks wait as new delayed messages', {
      tasks: sent.size,
      delaySeconds: options.pauseRecheckSeconds,
    });
    return sent;
  } catch (error) {
    log.warn('job paused, but its tasks could not be re-sent; they come back after the visibility timeout', {
      error,
    });
    return new Set();
  }
}

export interface BatchOutcome {
  readonly records: readonly SqsRecord[];
  /** Each record's result, by position. */
  readonly results: readonly (GroupResult | undefined)[];
  /** Messages whose outcomes the run counters did not take: they come back to be counted. */
  readonly uncounted: ReadonlySet<string>;
  /** Paused messages re-sent as new ones. */
  readonly waiting: ReadonlySet<string>;
  readonly malformed: readonly MalformedRecord[];
  /** Whether the ledger kept each malformed record, by position. */
  readonly kept: readonly boolean[];
}

/** The messages that stay queued (the batch's item failures), and those of them to show again after a delay. */
export function unfinished({ records, results, uncounted, waiting, malformed, kept }: BatchOutcome): {
  failures: Set<string>;
  requeue: { receiptHandle: string; delayMs: number }[];
} {
  const failures = new Set<string>();
  const requeue: { receiptHandle: string; delayMs: number }[] = [];
  records.forEach((record, index) => {
    const result = results[index] as GroupResult;
    if (result.kind === 'done' && !uncounted.has(record.messageId)) return;
    if (result.kind === 'paused' && waiting.has(record.messageId)) return;
    failures.add(record.messageId);
    if (result.kind === 'open' && result.delayMs !== undefined && record.receiptHandle)
      requeue.push({ receiptHandle: record.receiptHandle, delayMs: result.delayMs });
  });
  // A malformed record the ledger could not keep stays queued (on to the DLQ) rather than vanish.
  malformed.forEach((entry, index) => {
    if (entry.reportable && !kept[index]) failures.add(entry.messageId);
  });
  return { failures, requeue };
}

/** Shortens the visibility of returned messages to their retry delay; a failure only costs them the wait. */
export async function shortenVisibility(
  requeue: Requeue,
  messages: readonly { receiptHandle: string; delayMs: number }[],
  requestId: string | undefined,
): Promise<void> {
  await requeue(messages).catch((error: unknown) =>
    createLogger({ requestId }).warn(
      'could not shorten the visibility of returned messages; they come back after the visibility timeout',
      { error },
    ),
  );
}
