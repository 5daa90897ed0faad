import type { FinalStatus, RunCounters, RunCounts, RunRecord } from '../aws/ledger/index.js';
import { createLogger } from '../observability/log.js';

/**
 * The run counters one invocation adds. Before its first claim on a run it opens a count in the ledger; at the end one
 * write adds its counters and closes the count. A sender that dies in between leaves its count open, and whoever
 * receives one of its messages again counts the outcomes it had recorded (see group.ts).
 */
export class RunTally {
  readonly #counts: RunCounts;
  readonly #owner: string;
  readonly #opened = new Map<string, Promise<void>>();
  readonly #deltas = new Map<string, Partial<RunCounters>>();
  readonly #counted = new Map<string, Set<string>>();
  /** Runs with a record write that may have landed unseen: their count stays open for the next receivers. */
  readonly #unknown = new Set<string>();
  /** The dead senders' counts this invocation took over, by run, group and sender. */
  readonly #takenOver = new Set<string>();

  constructor(counts: RunCounts, owner: string) {
    this.#counts = counts;
    this.#owner = owner;
  }

  open(runId: string): Promise<void> {
    let opened = this.#opened.get(runId);
    if (!opened) {
      opened = this.#counts.open(runId, this.#owner);
      this.#opened.set(runId, opened);
      opened.catch(() => this.#opened.delete(runId));
    }
    return opened;
  }

  count(runId: string, messageId: string, status: FinalStatus): void {
    const deltas = this.#deltas.get(runId) ?? {};
    deltas[status] = (deltas[status] ?? 0) + 1;
    this.#deltas.set(runId, deltas);
    const messages = this.#counted.get(runId) ?? new Set<string>();
    this.#counted.set(runId, messages);
    messages.add(messageId);
  }

  /**
   * Whether this invocation may take over the count of `from`'s outcomes in a group: once only, so that two copies of
   * one task in a batch never count them twice (both would see them as taken over by this invocation).
   */
  mayTakeOver(runId: string, group: string, from: string): boolean {
    const key = JSON.stringify([runId, group, from]);
    if (this.#takenOver.has(key)) return false;
    this.#takenOver.add(key);
    return true;
  }

  /**
   * A record write of this run failed in a way that leaves unknown whether it landed (its answer lost, then its
   * retries refused). Its outcomes may be in the ledger under this invocation: the run's count stays open, so that
   * whoever receives the run's messages next counts them by taking the count over, and this invocation's messages of
   * the run go back to be received again.
   */
  unknown(runId: string, messageId: string): void {
    this.#unknown.add(runId);
    const messages = this.#counted.get(runId) ?? new Set<string>();
    this.#counted.set(runId, messages);
    messages.add(messageId);
  }

  /**
   * Adds and closes every count; returns the messages whose outcome could not be counted, to be received again, and
   * the runs as the closing writes left them (the last count of a run ends it). `signal` ends a write still out when
   * the invocation is about to end.
   */
  async close(signal?: AbortSignal): Promise<{ uncounted: Set<string>; closed: RunRecord[] }> {
    const uncounted = new Set<string>();
    const closed: RunRecord[] = [];
    for (const [runId, opened] of this.#opened) {
      if (this.#unknown.has(runId)) {
        for (const messageId of this.#counted.get(runId) ?? []) uncounted.add(messageId);
        continue;
      }
      const deltas = this.#deltas.get(runId) ?? {};
      try {
        await opened;
        const run = await this.#counts.close(runId, this.#owner, deltas, signal);
        if (run) closed.push(run);
      } catch (error) {
        createLogger({ runId }).error(
          'could not add run counters; the messages go back to the queue to be counted again',
          { error, deltas },
        );
        for (const messageId of this.#counted.get(runId) ?? []) uncounted.add(messageId);
      }
    }
    return { uncounted, closed };
  }
}
