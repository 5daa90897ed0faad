import { GroupLedger } from './groups.js';
import { RecordLedger } from './records.js';
import { RunCounts } from './run-counts.js';
import { RunLedger } from './runs.js';
import { RateShares } from './shares.js';
import { Suppressions } from './suppressions.js';
import { type LedgerOptions, LedgerTable } from './table.js';

export type { GroupClaim, GroupState, GroupStatus } from './groups.js';
export {
  deliveryKey,
  groupKey,
  keyAttributes,
  type LedgerKey,
  malformedKey,
  runKey,
  SUPPRESSION_PK_PREFIX,
  suppressionKey,
} from './keys.js';
export type { FinalStatus, NewOutcome, RecordedOutcome } from './outcomes.js';
export { collectOutcomes, type RunPage, runOutcomePages, type StoredOutcome } from './read-run.js';
export { LeaseLostError, type RunCounters, type RunLease, type RunRecord, type RunStatus } from './runs.js';
export type { ShareEntries } from './shares.js';
export type { Suppression, SuppressionSource } from './suppressions.js';
export { type LedgerOptions, LedgerTable } from './table.js';
export { GroupLedger, RateShares, RecordLedger, RunCounts, RunLedger, Suppressions };

/**
 * The ledger makes SQS's at-least-once delivery exactly-once in effect. One table, six concerns: the run item (lease,
 * cursor, counters, halt), the senders' open counts on it, one item per task's group of recipients (claim and
 * outcomes), the records of what never became a group (unenqueueable recipients, malformed bodies), each
 * channel's suppression list, which outlives runs, and the senders working on each channel, which share its rate.
 */
export interface Ledger {
  readonly table: LedgerTable;
  readonly runs: RunLedger;
  readonly counts: RunCounts;
  readonly groups: GroupLedger;
  readonly records: RecordLedger;
  readonly suppressions: Suppressions;
  readonly shares: RateShares;
}

export function createLedger(options: LedgerOptions): Ledger {
  const table = new LedgerTable(options);
  return {
    table,
    runs: new RunLedger(table),
    counts: new RunCounts(table),
    groups: new GroupLedger(table),
    records: new RecordLedger(table),
    suppressions: new Suppressions(table),
    shares: new RateShares(table),
  };
}
