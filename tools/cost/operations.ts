/**
 * The DynamoDB requests the handlers make on the happy path, as data: what each one is, how often it happens, which
 * item it writes, and whether it also writes the ledger's `by-job` index (projection ALL: every change to a run item
 * that carries `gsi1pk` is written to the index as well, at the same write units). Keep this list in step with
 * handlers/aws/ledger/, handlers/delivery/ and handlers/planning/; test/cost.test.ts counts from it.
 *
 * A run's items live in partitions named after the run (handlers/aws/ledger/keys.ts, ADR 0008): `notifier outcomes`
 * reads a run with a Query on each, which costs no write at all; only run items carry the by-job index's keys, so
 * group items are never written to an index.
 *
 * A write costs ceil(max(item before, item after) / 1 KB) write units, so the model sizes each write by its item
 * (tools/cost/run-tables.ts); the bench measures the items. Config items stay under 4 KB (strongly consistent reads:
 * 1 RRU).
 */

export type Occurrence =
  /** once per task: one SQS message, one group of recipients, one group item in the ledger */
  | 'task'
  /** once per sender invocation (one event source mapping batch of tasks) */
  | 'batch'
  /** once per non-empty audience page the planner enqueues */
  | 'page'
  /** once per planner invocation (the first one and each continuation) */
  | 'plannerInvocation'
  /** once per continuation (a planner invocation that hands over) */
  | 'continuation'
  /** once per run */
  | 'run'
  /** once per sender container and config-cache period (60 s) while a run is being sent */
  | 'senderContainerCachePeriod';

/**
 * The item a write's units follow from: a group item as claimed (new, no outcomes yet), a group item with every
 * recipient's outcome recorded, or the run item (with the open counts of running senders).
 */
export type WrittenItem = 'new group' | 'recorded group' | 'run';

export type OperationGroup = 'delivery ledger' | 'run counters' | 'planner run item' | 'config';

interface OperationBase {
  readonly name: string;
  /** The cost line the operation is reported under. */
  readonly group: OperationGroup;
  readonly table: 'ledger' | 'config';
  readonly per: Occurrence;
  /** Requests per occurrence. */
  readonly count: number;
  /** Whether the write also lands in the ledger's by-job index. */
  readonly indexWrite: boolean;
  /** Only when the ledger is on (the delivery ledger and the sender's run counters). */
  readonly ledgerOnly: boolean;
  /** Where the handlers make it: `file name` pairs, comma-separated (test/cost.test.ts checks each file holds it). */
  readonly code: string;
}

export type TableOperation =
  | (OperationBase & { readonly kind: 'read' })
  /** `item`: the item whose size sets the write's units. */
  | (OperationBase & { readonly kind: 'write'; readonly item: WrittenItem });

export const TABLE_OPERATIONS: readonly TableOperation[] = [
  {
    name: 'config GetItem: job, database and pause mark',
    group: 'config',
    table: 'config',
    kind: 'read',
    per: 'plannerInvocation',
    count: 3,
    indexWrite: false,
    ledgerOnly: false,
    code:
      'handlers/planning/lease.ts config.job, handlers/planning/run.ts config.database, ' +
      'handlers/planning/handover.ts config.paused',
  },
  {
    name: 'run lease: runs.acquire UpdateItem',
    group: 'planner run item',
    table: 'ledger',
    kind: 'write',
    item: 'run',
    per: 'plannerInvocation',
    count: 1,
    indexWrite: true,
    ledgerOnly: false,
    code: 'handlers/aws/ledger/runs.ts acquire',
  },
  {
    name: 'cursor and counters: runs.saveProgress UpdateItem (at most one a second; counted per page, an upper bound)',
    group: 'planner run item',
    table: 'ledger',
    kind: 'write',
    item: 'run',
    per: 'page',
    count: 1,
    indexWrite: true,
    ledgerOnly: false,
    code: 'handlers/aws/ledger/runs.ts saveProgress',
  },
  {
    name: 'handover: runs.release UpdateItem',
    group: 'planner run item',
    table: 'ledger',
    kind: 'write',
    item: 'run',
    per: 'continuation',
    count: 1,
    indexWrite: true,
    ledgerOnly: false,
    code: 'handlers/aws/ledger/runs.ts release',
  },
  {
    name: 'run enqueued: runs.finish UpdateItem',
    group: 'planner run item',
    table: 'ledger',
    kind: 'write',
    item: 'run',
    per: 'run',
    count: 1,
    indexWrite: true,
    ledgerOnly: false,
    code: 'handlers/aws/ledger/runs.ts finish',
  },
  {
    name: 'config GetItem: job, channel and pause mark (cached 60 s per container)',
    group: 'config',
    table: 'config',
    kind: 'read',
    per: 'senderContainerCachePeriod',
    count: 3,
    indexWrite: false,
    ledgerOnly: false,
    code: 'handlers/aws/config-store.ts',
  },
  {
    name: 'claim a group: groups.claim UpdateItem',
    group: 'delivery ledger',
    table: 'ledger',
    kind: 'write',
    item: 'new group',
    per: 'task',
    count: 1,
    indexWrite: false,
    ledgerOnly: true,
    code: 'handlers/aws/ledger/groups.ts claim',
  },
  {
    name: "record the group's outcomes: groups.record UpdateItem",
    group: 'delivery ledger',
    table: 'ledger',
    kind: 'write',
    item: 'recorded group',
    per: 'task',
    count: 1,
    indexWrite: false,
    ledgerOnly: true,
    code: 'handlers/aws/ledger/groups.ts record',
  },
  {
    name: 'open the run count: counts.open UpdateItem',
    group: 'run counters',
    table: 'ledger',
    kind: 'write',
    item: 'run',
    per: 'batch',
    count: 1,
    indexWrite: true,
    ledgerOnly: true,
    code: 'handlers/aws/ledger/run-counts.ts open (RunTally.open)',
  },
  {
    name: 'add run counters: counts.close UpdateItem',
    group: 'run counters',
    table: 'ledger',
    kind: 'write',
    item: 'run',
    per: 'batch',
    count: 1,
    indexWrite: true,
    ledgerOnly: true,
    code: 'handlers/aws/ledger/run-counts.ts close (RunTally.close)',
  },
];
