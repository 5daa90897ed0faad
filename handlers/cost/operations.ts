/**
 * The DynamoDB requests the handlers make on the happy path, as data: what each one is, how often it happens, and
 * whether it also writes the ledger's `by-job` index (projection ALL: every change to a run item that carries
 * `gsi1pk` is written to the index as well, one more WRU). Keep this list in step with handlers/aws/ledger.ts,
 * handlers/delivery.ts and handlers/planning.ts; test/cost.test.ts counts from it.
 *
 * Items stay under 1 KB (writes: 1 WRU) and 4 KB (strongly consistent reads: 1 RRU); the bench measures them.
 */

export type Occurrence =
  /** once per SQS message (one recipient in the shipped design) */
  | 'message'
  /** once per sender invocation (one event source mapping batch) */
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

export type OperationGroup = 'delivery ledger' | 'run counters' | 'planner run item' | 'config';

export interface TableOperation {
  readonly name: string;
  /** The cost line the operation is reported under. */
  readonly group: OperationGroup;
  readonly table: 'ledger' | 'config';
  readonly kind: 'write' | 'read';
  readonly per: Occurrence;
  /** Requests per occurrence. */
  readonly count: number;
  /** Whether the write also lands in the ledger's by-job index. */
  readonly indexWrite: boolean;
  /** Only when the ledger is on (the delivery ledger and the sender's run counters). */
  readonly ledgerOnly: boolean;
  readonly code: string;
}

export const TABLE_OPERATIONS: readonly TableOperation[] = [
  { name: 'config GetItem: job and database', group: 'config', table: 'config', kind: 'read', per: 'plannerInvocation', count: 2, indexWrite: false, ledgerOnly: false, code: 'handlers/planning.ts (config.job, config.database)' },
  { name: 'run lease: acquireRun UpdateItem', group: 'planner run item', table: 'ledger', kind: 'write', per: 'plannerInvocation', count: 1, indexWrite: true, ledgerOnly: false, code: 'handlers/aws/ledger.ts acquireRun' },
  { name: 'cursor and counters: saveProgress UpdateItem', group: 'planner run item', table: 'ledger', kind: 'write', per: 'page', count: 1, indexWrite: true, ledgerOnly: false, code: 'handlers/aws/ledger.ts saveProgress' },
  { name: 'handover: releaseRun UpdateItem', group: 'planner run item', table: 'ledger', kind: 'write', per: 'continuation', count: 1, indexWrite: true, ledgerOnly: false, code: 'handlers/aws/ledger.ts releaseRun' },
  { name: 'run enqueued: finishRun UpdateItem', group: 'planner run item', table: 'ledger', kind: 'write', per: 'run', count: 1, indexWrite: true, ledgerOnly: false, code: 'handlers/aws/ledger.ts finishRun' },
  { name: 'config GetItem: job and channel (cached 60 s per container)', group: 'config', table: 'config', kind: 'read', per: 'senderContainerCachePeriod', count: 2, indexWrite: false, ledgerOnly: false, code: 'handlers/aws/config-store.ts' },
  { name: 'claim: claimDelivery UpdateItem', group: 'delivery ledger', table: 'ledger', kind: 'write', per: 'message', count: 1, indexWrite: false, ledgerOnly: true, code: 'handlers/aws/ledger.ts claimDelivery' },
  { name: 'outcome: completeDelivery UpdateItem', group: 'delivery ledger', table: 'ledger', kind: 'write', per: 'message', count: 1, indexWrite: false, ledgerOnly: true, code: 'handlers/aws/ledger.ts completeDelivery' },
  { name: 'open the run count: openRunCount UpdateItem', group: 'run counters', table: 'ledger', kind: 'write', per: 'batch', count: 1, indexWrite: true, ledgerOnly: true, code: 'handlers/aws/ledger.ts openRunCount (RunTally.open)' },
  { name: 'add run counters: addRunCounters UpdateItem', group: 'run counters', table: 'ledger', kind: 'write', per: 'batch', count: 1, indexWrite: true, ledgerOnly: true, code: 'handlers/aws/ledger.ts addRunCounters (RunTally.close)' },
];
