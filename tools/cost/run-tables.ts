import { CONFIG_CACHE_MS } from '../../handlers/surface.js';
import { ITEM_OVERHEAD_BYTES, writeUnits } from './billing.js';
import type { CostInput } from './input.js';
import { type Occurrence, type OperationGroup, TABLE_OPERATIONS, type WrittenItem } from './operations.js';

/**
 * What one run reads and writes in the tables: each operation of tools/cost/operations.ts, counted per occurrence and
 * sized by the item it writes. A write costs ceil(max(item before, item after) / 1 KB): claiming a new group writes
 * the small item, recording writes it with every outcome; the run item carries one open count per running sender.
 */

/** A running sender's open count on the run item: its request id, a UUID, in the pendingCounts string set. */
const OPEN_COUNT_BYTES = 36;

export interface OperationUsage {
  readonly name: string;
  readonly group: OperationGroup;
  readonly requests: number;
  readonly units: number;
  readonly indexUnits: number;
}

export interface TableUsage {
  readonly ledgerWriteUnits: number;
  readonly indexWriteUnits: number;
  readonly configReadUnits: number;
  /** Write units of one write: claiming a new group item, recording a full group, updating the run item. */
  readonly unitsPerWrite: { readonly claim: number; readonly record: number; readonly run: number };
  /** Group items the run leaves in the ledger, and their bytes with DynamoDB's storage overhead. */
  readonly storedItems: number;
  readonly storedBytes: number;
  readonly operations: readonly OperationUsage[];
}

/** What the run does that the operations are counted by. */
export interface RunCounts {
  /** Tasks of the run by the recipients they carry. */
  readonly tasksBySize: ReadonlyMap<number, number>;
  readonly messages: number;
  readonly perTask: number;
  readonly pages: number;
  readonly plannerInvocations: number;
  readonly batches: number;
  readonly containers: number;
  readonly sendSeconds: number;
}

type TableInput = Pick<
  CostInput,
  'groupItemBaseBytes' | 'groupOutcomeBytes' | 'providerMessageIdBytes' | 'runItemBytes' | 'ledger'
>;

/** A group item of `recipients` recipients once every outcome is recorded. */
export const groupItemBytes = (input: TableInput, recipients: number) =>
  input.groupItemBaseBytes + recipients * (input.groupOutcomeBytes + input.providerMessageIdBytes);

function occurrencesOf(counts: RunCounts): Record<Occurrence, number> {
  return {
    task: counts.messages,
    batch: counts.batches,
    page: counts.pages,
    plannerInvocation: counts.plannerInvocations,
    continuation: counts.plannerInvocations - 1,
    run: 1,
    senderContainerCachePeriod:
      counts.containers * Math.max(1, Math.ceil((counts.sendSeconds * 1000) / CONFIG_CACHE_MS)),
  };
}

/** Write units of `requests` writes of `item`; recording is summed over the run's groups, each sized on its own. */
function unitsOfWrites(input: TableInput, counts: RunCounts) {
  const claim = writeUnits(input.groupItemBaseBytes);
  const run = writeUnits(input.runItemBytes + counts.containers * OPEN_COUNT_BYTES);
  const recordAll = [...counts.tasksBySize].reduce(
    (sum, [recipients, count]) => sum + count * writeUnits(groupItemBytes(input, recipients)),
    0,
  );
  const unitsFor = (item: WrittenItem, requests: number) => {
    switch (item) {
      case 'new group':
        return requests * claim;
      case 'recorded group':
        return (requests / counts.messages) * recordAll;
      case 'run':
        return requests * run;
    }
  };
  return { unitsFor, perWrite: { claim, record: writeUnits(groupItemBytes(input, counts.perTask)), run } };
}

export function tableUsage(input: TableInput, counts: RunCounts): TableUsage {
  const occurrences = occurrencesOf(counts);
  const { unitsFor, perWrite } = unitsOfWrites(input, counts);
  const counted = TABLE_OPERATIONS.filter((operation) => input.ledger || !operation.ledgerOnly).map((operation) => {
    const requests = occurrences[operation.per] * operation.count;
    const usage = { name: operation.name, group: operation.group, requests };
    if (operation.kind === 'read') return { read: true, usage: { ...usage, units: requests, indexUnits: 0 } };
    const units = unitsFor(operation.item, requests);
    // Projection ALL: the index copy of the run item costs what the table's write does.
    const indexUnits = operation.indexWrite ? units : 0;
    return { read: false, usage: { ...usage, units, indexUnits } };
  });
  const total = (pick: (entry: (typeof counted)[number]) => number) =>
    counted.reduce((sum, entry) => sum + pick(entry), 0);
  const storedBytes = [...counts.tasksBySize].reduce(
    (sum, [recipients, count]) => sum + count * (groupItemBytes(input, recipients) + ITEM_OVERHEAD_BYTES),
    0,
  );
  return {
    ledgerWriteUnits: total((entry) => (entry.read ? 0 : entry.usage.units)),
    indexWriteUnits: total((entry) => entry.usage.indexUnits),
    configReadUnits: total((entry) => (entry.read ? entry.usage.units : 0)),
    unitsPerWrite: perWrite,
    storedItems: input.ledger ? counts.messages : 0,
    storedBytes: input.ledger ? storedBytes : 0,
    operations: counted.map((entry) => entry.usage),
  };
}
