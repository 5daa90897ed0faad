/**
 * The DynamoDB requests the handlers make on the happy path, as data; keep it in step with handlers/aws/ledger/,
 * handlers/delivery/ and handlers/planning/ (test/cost.test.ts checks that each file named holds the call named).
 *
 * A write costs ceil(max(item before, item after) / 1 KB) write units, so each write names the item that sets its
 * units: a group item as claimed (new, no outcomes yet), as recorded (every outcome), or the run item (with the open
 * counts of running senders). Only run items carry the ledger's `by-job` index keys (projection ALL: each write to
 * them is written to the index too, at the same units); a run's items live in partitions named after the run
 * (ADR 0008), so reading a run is a Query and costs no write. Config items stay under 4 KB (consistent read: 1 RRU).
 */

/** How often it happens in a run: per task (one SQS message and group item), sender invocation, page, etc. */
export type Occurrence = 'task' | 'batch' | 'page' | 'plannerInvocation' | 'continuation' | 'run' | 'senderCachePeriod';
export type OperationGroup = 'delivery ledger' | 'run counters' | 'planner run item' | 'config';

export interface TableOperation {
  readonly name: string;
  /** The cost line it is reported under. */
  readonly group: OperationGroup;
  readonly per: Occurrence;
  /** Requests per occurrence. */
  readonly count: number;
  /** A read, or the item whose size sets the write's units. */
  readonly item: 'read' | 'new group' | 'recorded group' | 'run';
  /** Where the handlers make it: `file call` pairs, comma-separated. */
  readonly code: string;
}

const op = (
  name: string,
  group: OperationGroup,
  per: Occurrence,
  count: number,
  item: TableOperation['item'],
  code: string,
): TableOperation => ({ name, group, per, count, item, code });

export const TABLE_OPERATIONS: readonly TableOperation[] = [
  op(
    'config GetItem: job, database and pause mark',
    'config',
    'plannerInvocation',
    3,
    'read',
    'handlers/planning/lease.ts config.job, handlers/planning/run.ts config.database, ' +
      'handlers/planning/handover.ts config.paused',
  ),
  op(
    'run lease: runs.acquire UpdateItem',
    'planner run item',
    'plannerInvocation',
    1,
    'run',
    'handlers/aws/ledger/runs.ts acquire',
  ),
  op(
    'cursor and counters: runs.saveProgress UpdateItem (at most one a second; counted per page, an upper bound)',
    'planner run item',
    'page',
    1,
    'run',
    'handlers/aws/ledger/runs.ts saveProgress',
  ),
  op(
    'handover: runs.release UpdateItem',
    'planner run item',
    'continuation',
    1,
    'run',
    'handlers/aws/ledger/runs.ts release',
  ),
  op('run enqueued: runs.finish UpdateItem', 'planner run item', 'run', 1, 'run', 'handlers/aws/ledger/runs.ts finish'),
  op(
    'config GetItem: job, channel and pause mark (cached 60 s per container)',
    'config',
    'senderCachePeriod',
    3,
    'read',
    'handlers/aws/config-store.ts',
  ),
  op(
    'claim a group: groups.claim UpdateItem',
    'delivery ledger',
    'task',
    1,
    'new group',
    'handlers/aws/ledger/groups.ts claim',
  ),
  op(
    "record the group's outcomes: groups.record UpdateItem",
    'delivery ledger',
    'task',
    1,
    'recorded group',
    'handlers/aws/ledger/groups.ts record',
  ),
  op(
    'open the run count: counts.open UpdateItem',
    'run counters',
    'batch',
    1,
    'run',
    'handlers/aws/ledger/run-counts.ts open (RunTally.open)',
  ),
  op(
    'add run counters: counts.close UpdateItem',
    'run counters',
    'batch',
    1,
    'run',
    'handlers/aws/ledger/run-counts.ts close (RunTally.close)',
  ),
];
