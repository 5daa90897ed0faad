import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { type Item, readString } from '../dynamo.js';
import { deliveryKey, groupKey, malformedKey } from './keys.js';
import { type FinalStatus, type NewOutcome, readOutcomes } from './outcomes.js';
import type { LedgerTable } from './table.js';

/** A recipient's final outcome as stored: in a group item (the sender), or alone (the planner could not enqueue it). */
export interface StoredOutcome extends NewOutcome {
  readonly recipientId: string;
  readonly item: 'group' | 'planner';
}

function plannerOutcome(item: Item): StoredOutcome {
  const optional = { reason: readString(item, 'reason'), failureClass: readString(item, 'failureClass') };
  return {
    recipientId: readString(item, 'recipientId') ?? '',
    item: 'planner',
    status: (readString(item, 'status') ?? 'failed') as FinalStatus,
    ...Object.fromEntries(Object.entries(optional).filter(([, text]) => text !== undefined)),
  };
}

/**
 * Every final outcome of a run, and the malformed task bodies kept in the table, read with a full scan: for the local
 * runtime's report and the tests, never for a Lambda's path.
 */
export async function scanOutcomes(table: LedgerTable, runId: string): Promise<{ outcomes: StoredOutcome[]; malformed: number }> {
  const outcomes: StoredOutcome[] = [];
  let malformed = 0;
  let lastKey: Item | undefined;
  do {
    const page = await table.client.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey: lastKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) {
      const pk = readString(item, 'pk') ?? '';
      if (pk.startsWith(malformedKey(''))) malformed++;
      else if (pk.startsWith(groupKey(runId, ''))) {
        for (const [recipientId, { owner: _, until: __, ...outcome }] of readOutcomes(item)) outcomes.push({ recipientId, item: 'group', ...outcome });
      } else if (pk.startsWith(deliveryKey(runId, ''))) outcomes.push(plannerOutcome(item));
    }
    lastKey = page.LastEvaluatedKey;
  } while (lastKey);
  return { outcomes, malformed };
}
