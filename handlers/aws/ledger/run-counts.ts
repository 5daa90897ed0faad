import { S } from '../dynamo.js';
import { runKey } from './keys.js';
import { addCounters, type RunCounters, type RunRecord, toRun } from './runs.js';
import { conditional, type LedgerTable } from './table.js';

/**
 * The senders' share of a run's counters. A sender invocation opens its count before it claims anything and adds its
 * counters at the end, closing the count in the same write. Until then a later sender can tell that the outcomes it
 * recorded might never be counted (it died in between) and count them itself.
 */
export class RunCounts {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  /** Adding an element to a set is idempotent: an SDK retry cannot open two counts. */
  async open(runId: string, owner: string): Promise<void> {
    await this.#table.update(runKey(runId), {
      UpdateExpression: 'ADD pendingCounts :owners',
      ExpressionAttributeValues: { ':owners': { SS: [owner] } },
    });
  }

  /** Whether `owner` opened a count on the run and has not added it yet. */
  async isPending(runId: string, owner: string): Promise<boolean> {
    const item = await this.#table.get(runKey(runId), 'pendingCounts');
    return item?.pendingCounts?.SS?.includes(owner) ?? false;
  }

  /**
   * Adds an invocation's counters and closes its count, on the condition that the count is still open: an SDK retry of
   * a write that already landed cannot add the counters twice. Answers the run as this write left it (for its end),
   * or nothing when the condition failed (the retry of a close that landed: the first answer was lost with it).
   */
  async close(
    runId: string,
    owner: string,
    deltas: Partial<RunCounters>,
    signal?: AbortSignal,
  ): Promise<RunRecord | undefined> {
    const add = addCounters(deltas);
    const result = await conditional(
      this.#table.update(
        runKey(runId),
        {
          UpdateExpression: `${add.expression} DELETE pendingCounts :owners`.trim(),
          ConditionExpression: 'contains(pendingCounts, :owner)',
          ExpressionAttributeValues: { ...add.values, ':owners': { SS: [owner] }, ':owner': S(owner) },
          ReturnValues: 'ALL_NEW',
        },
        signal,
      ),
    );
    return result.ok && result.value.Attributes ? toRun(result.value.Attributes) : undefined;
  }
}
