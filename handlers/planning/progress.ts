import type { CountMetric } from '../observability/metrics.js';
import { Checkpoints, type CheckpointWrite } from './checkpoint.js';

/**
 * At most one cursor write a second: a crash re-enqueues at most a second of pages (which the senders drop), and a
 * fast run does not spend a DynamoDB write per page.
 */
const CHECKPOINT_INTERVAL_MS = 1_000;

/** What one page came to (a type, not an interface: the checkpoints take it as a record of counts). */
export type PageCounts = {
  readonly planned: number;
  readonly enqueued: number;
  readonly failed: number;
  readonly skipped: number;
};

export interface ProgressOptions {
  /** Where the run's earlier invocations stopped; null at its start. */
  readonly cursor: string | null;
  /** The run's stuck count its earlier invocations reached (lead.ts `beyondStuck`); 0 at its start. */
  readonly stuck?: number;
  readonly save: CheckpointWrite;
  /** Counts a metric of the run's job. */
  readonly count: (metric: CountMetric, value: number) => void;
}

/**
 * A run's progress in this invocation: pages complete in page order, each after every page before it, and a page's
 * cursor is saved only once it completed.
 */
export class RunProgress {
  readonly totals = { planned: 0, enqueued: 0, failed: 0 };
  /** The cursor of the last page that completed. */
  cursor: string | null;
  /** The longest a page took from its read to its completion: how much time the next one needs. */
  slowestPageMs = 0;
  /**
   * Outstanding recipients whose count stood still past the lead's stall time, taken as gone (tasks in the DLQ): the
   * lead is measured beyond them, and a continuation carries them on.
   */
  stuck: number;
  readonly #checkpoints: Checkpoints;
  readonly #count: ProgressOptions['count'];
  /** Recipients enqueued by this invocation that its cursor writes have added to the run's counters. */
  #written = 0;
  /** The chain of page completions, in page order. */
  #completed: Promise<void> = Promise.resolve();

  constructor(options: ProgressOptions) {
    this.cursor = options.cursor;
    this.stuck = options.stuck ?? 0;
    this.#checkpoints = new Checkpoints(async (cursor, added) => {
      await options.save(cursor, added);
      this.#written += added.enqueued ?? 0;
    }, CHECKPOINT_INTERVAL_MS);
    this.#count = options.count;
  }

  /**
   * Chains a page: `complete` runs once its enqueue settled and every page before it completed. Answers the previous
   * page's completion, which the caller awaits so that two pages at most are in flight.
   */
  follow<T>(enqueued: Promise<T>, complete: (result: T) => Promise<void>): Promise<void> {
    const previous = this.#completed;
    this.#completed = (async () => {
      const result = await enqueued;
      await previous;
      await complete(result);
    })();
    this.#completed.catch(() => undefined);
    return previous;
  }

  /** A completed page: its cursor and counts go to the checkpoints, the totals and the metrics. */
  record(last: string, page: PageCounts, startedAt: number): void {
    // Cursor writes overlap the next pages' work and are coalesced to one a second; they still land in page order (a
    // crash before one lands only re-enqueues pages the sender deduplicates).
    this.#checkpoints.record(last, page);
    this.cursor = last;
    this.totals.planned += page.planned;
    this.totals.enqueued += page.enqueued;
    this.totals.failed += page.failed;
    this.#count('Planned', page.planned);
    this.#count('Enqueued', page.enqueued);
    if (page.failed) this.#count('EnqueueFailed', page.failed);
    this.slowestPageMs = Math.max(this.slowestPageMs, performance.now() - startedAt);
  }

  /** Recipients of completed pages that the run's counters do not hold yet: their cursor write is still to come. */
  get unwritten(): number {
    return this.totals.enqueued - this.#written;
  }

  /** Waits for every page in flight, then saves the cursor of the last. */
  async settle(): Promise<void> {
    await this.#completed;
    await this.#checkpoints.flush();
  }

  /**
   * After a failure, the page still in flight and the cursor of every page that did reach the queue land before the
   * invocation lets go; a cursor that cannot be saved is reported to `onSaveFailure`, not thrown.
   */
  async settleAfterFailure(onSaveFailure: (error: unknown) => void): Promise<void> {
    await this.#completed.catch(() => undefined);
    await this.#checkpoints.flush().catch(onSaveFailure);
  }
}
