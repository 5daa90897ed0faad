import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type Item, readString, S } from '../dynamo.js';
import { DELIVERY_SK_PREFIX, GROUP_SK_PREFIX, malformedKey, runPartitions } from './keys.js';
import { type FinalStatus, type NewOutcome, readOutcomes } from './outcomes.js';
import type { LedgerTable } from './table.js';

/** A recipient's final outcome as stored: in a group item (the sender), or alone (the planner, or `send-test`). */
export interface StoredOutcome extends NewOutcome {
  readonly recipientId: string;
  readonly item: 'group' | 'planner';
  /** The group it was sent in (group items only). */
  readonly group?: string;
  /** When it was recorded (ISO 8601); absent on group entries written before outcomes carried a time. */
  readonly at?: string;
}

function plannerOutcome(item: Item): StoredOutcome {
  const optional = {
    reason: readString(item, 'reason'),
    failureClass: readString(item, 'failureClass'),
    providerMessageId: readString(item, 'providerMessageId'),
    at: readString(item, 'updatedAt'),
  };
  return {
    recipientId: readString(item, 'recipientId') ?? '',
    item: 'planner',
    status: (readString(item, 'status') ?? 'failed') as FinalStatus,
    ...Object.fromEntries(Object.entries(optional).filter(([, text]) => text !== undefined)),
  };
}

function groupOutcomes(item: Item, group: string): StoredOutcome[] {
  return [...readOutcomes(item)].map(([recipientId, { owner: _, until: __, at, ...outcome }]) => ({
    recipientId,
    item: 'group',
    group,
    ...outcome,
    ...(at === undefined ? {} : { at: new Date(at).toISOString() }),
  }));
}

/** The outcomes on one page of a run's partitions, and how many items the page held (the run item included). */
export interface RunPage {
  readonly outcomes: StoredOutcome[];
  readonly items: number;
}

/**
 * A run's final outcomes, one Query page (up to 1 MB) at a time, partition after partition: the run's partitions hold
 * its run item, its group items and the planner's records, so nothing outside the run is read, and a caller that
 * writes each page out before asking for the next holds one page in memory however large the run.
 */
export async function* runOutcomePages(table: LedgerTable, runId: string): AsyncGenerator<RunPage> {
  for (const partition of runPartitions(runId)) yield* partitionPages(table, partition);
}

async function* partitionPages(table: LedgerTable, partition: string): AsyncGenerator<RunPage> {
  let lastKey: Item | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': S(partition) },
        ExclusiveStartKey: lastKey,
        ConsistentRead: true,
      }),
    );
    const outcomes: StoredOutcome[] = [];
    for (const item of page.Items ?? []) {
      const sk = readString(item, 'sk') ?? '';
      if (sk.startsWith(GROUP_SK_PREFIX)) outcomes.push(...groupOutcomes(item, sk.slice(GROUP_SK_PREFIX.length)));
      else if (sk.startsWith(DELIVERY_SK_PREFIX)) outcomes.push(plannerOutcome(item));
    }
    yield { outcomes, items: page.Items?.length ?? 0 };
    lastKey = page.LastEvaluatedKey;
  } while (lastKey);
}

/**
 * Every final outcome of a run, and the malformed task bodies kept in the table (they name no run, so counting them
 * scans the table): for the local runtime's report and the tests, never for a Lambda's path.
 */
export async function collectOutcomes(
  table: LedgerTable,
  runId: string,
): Promise<{ outcomes: StoredOutcome[]; malformed: number }> {
  const outcomes: StoredOutcome[] = [];
  for await (const page of runOutcomePages(table, runId)) outcomes.push(...page.outcomes);
  let malformed = 0;
  let lastKey: Item | undefined;
  do {
    const page = await table.client.send(
      new ScanCommand({
        TableName: table.name,
        FilterExpression: 'begins_with(pk, :malformed)',
        ExpressionAttributeValues: { ':malformed': S(malformedKey('').pk) },
        Select: 'COUNT',
        ExclusiveStartKey: lastKey,
        ConsistentRead: true,
      }),
    );
    malformed += page.Count ?? 0;
    lastKey = page.LastEvaluatedKey;
  } while (lastKey);
  return { outcomes, malformed };
}
