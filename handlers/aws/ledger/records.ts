import { S } from '../dynamo.js';
import { deliveryKey, malformedKey } from './keys.js';
import { type NewOutcome, REASON_CHARS } from './outcomes.js';
import type { LedgerTable } from './table.js';

/**
 * What never became a claimable group: recipients the planner could not enqueue, and task bodies that are not tasks.
 */
export class RecordLedger {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  /** A recipient the planner could not turn into a task (bad row, rejected by SQS): recorded once, with why. */
  async recordUndeliverable(options: {
    readonly runId: string;
    readonly job: string;
    readonly recipientId: string;
    readonly reason: string;
    readonly now?: number;
  }): Promise<boolean> {
    const { runId, job, recipientId, reason, now = Date.now() } = options;
    return this.#table.putOnce(
      deliveryKey(runId, recipientId),
      {
        status: S('failed'),
        failureClass: S('invalid'),
        reason: S(reason.slice(0, REASON_CHARS)),
        runId: S(runId),
        job: S(job),
        recipientId: S(recipientId),
      },
      now,
    );
  }

  /**
   * The outcome of one `notifier send-test` delivery, under a run id of its own (no run item: it is no run, and no
   * job's run counts it). Recorded once.
   */
  async recordTest(options: {
    readonly runId: string;
    readonly job: string;
    readonly recipientId: string;
    readonly outcome: NewOutcome;
    readonly now?: number;
  }): Promise<boolean> {
    const { runId, job, recipientId, outcome, now = Date.now() } = options;
    const optional = {
      reason: outcome.reason?.slice(0, REASON_CHARS),
      failureClass: outcome.failureClass,
      providerMessageId: outcome.providerMessageId,
    };
    const attributes = Object.fromEntries(
      Object.entries(optional).flatMap(([name, text]) => (text === undefined ? [] : [[name, S(text)] as const])),
    );
    return this.#table.putOnce(
      deliveryKey(runId, recipientId),
      {
        status: S(outcome.status),
        runId: S(runId),
        job: S(job),
        recipientId: S(recipientId),
        test: { BOOL: true },
        ...attributes,
      },
      now,
    );
  }

  /** A message body that is not a valid task: kept with its reason so nothing is dropped silently. */
  async recordMalformed(options: {
    readonly messageId: string;
    readonly reason: string;
    readonly body: string;
    readonly now?: number;
  }): Promise<boolean> {
    const { messageId, reason, body, now = Date.now() } = options;
    return this.#table.putOnce(
      malformedKey(messageId),
      {
        status: S('failed'),
        failureClass: S('malformed'),
        reason: S(reason.slice(0, REASON_CHARS)),
        body: S(body.slice(0, 4000) || '(empty)'),
      },
      now,
    );
  }
}
