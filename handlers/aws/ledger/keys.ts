import { createHash } from 'node:crypto';
import { S } from '../dynamo.js';

/**
 * The ledger's keys: one definition each, for the ledger's parts and the tests. A run's items live in partitions
 * named after the run, told apart by the sort key, so a few Queries read a whole run without scanning the table
 * (docs/adr/0008-ledger-keys-by-run.md): the run item and the planner's records in `run#<runId>`, the group items
 * spread over GROUP_SHARDS partitions `run#<runId>#<shard>`, so that a fast run's writes are not all on one
 * partition's 1,000 write units a second.
 */
export interface LedgerKey {
  readonly pk: string;
  readonly sk: string;
}

/** Partitions a run's group items are spread over. Part of the stored format: changing it strands older runs. */
const GROUP_SHARDS = 16;
/** The sort key of the run item itself. */
const RUN_SK = 'run';
export const GROUP_SK_PREFIX = 'group#';
export const DELIVERY_SK_PREFIX = 'delivery#';

const runPartition = (runId: string) => `run#${runId}`;
const groupPartition = (runId: string, shard: number) => `run#${runId}#${shard.toString(16)}`;
/** Stable for a group name, and even over the shards whatever the names look like (cursors grow monotonically). */
const groupShard = (group: string) => (createHash('sha256').update(group).digest()[0] as number) % GROUP_SHARDS;

/** Every partition holding items of a run: the run's own, then its group shards. */
export const runPartitions = (runId: string): string[] => [
  runPartition(runId),
  ...Array.from({ length: GROUP_SHARDS }, (_, shard) => groupPartition(runId, shard)),
];

export const runKey = (runId: string): LedgerKey => ({ pk: runPartition(runId), sk: RUN_SK });
export const groupKey = (runId: string, group: string): LedgerKey => ({
  pk: groupPartition(runId, groupShard(group)),
  sk: `${GROUP_SK_PREFIX}${group}`,
});
/** A recipient the planner could not enqueue, or a `send-test` delivery, recorded alone. */
export const deliveryKey = (runId: string, recipientId: string): LedgerKey => ({
  pk: runPartition(runId),
  sk: `${DELIVERY_SK_PREFIX}${recipientId}`,
});
/** A body that is not a task names no run it could belong to: it keeps a partition of its own. */
export const malformedKey = (messageId: string): LedgerKey => ({ pk: `malformed#${messageId}`, sk: 'malformed' });

/** The partition of a channel's suppression list (docs/adr/0013-window-and-suppressions.md). */
export const SUPPRESSION_PK_PREFIX = 'suppression#';
/**
 * One recipient on one channel's suppression list: the recipient id exactly as the audience column holds it (a PSID,
 * a user_ref or a subscription token), so a whole channel's list is one Query and a group's entries one BatchGetItem.
 */
export const suppressionKey = (channel: string, recipient: string): LedgerKey => ({
  pk: `${SUPPRESSION_PK_PREFIX}${channel}`,
  sk: recipient,
});

/**
 * What Meta reported delivered and read to one person on a channel: one item per (channel, PSID), holding the
 * watermarks (docs/adr/0015-messenger-webhook-receiver.md).
 */
export const receiptKey = (channel: string, psid: string): LedgerKey => ({ pk: `receipt#${channel}`, sk: psid });

/** A webhook body the receiver applied, by the SHA-256 of its bytes: an exact replay is answered, not re-applied. */
export const appliedBodyKey = (bodySha256: string): LedgerKey => ({ pk: `webhook#${bodySha256}`, sk: 'webhook' });

/**
 * The senders working on one channel: one item per channel, an attribute per sender container
 * (docs/adr/0016-pages-and-jobs.md).
 */
export const shareKey = (channel: string): LedgerKey => ({ pk: `share#${channel}`, sk: 'share' });

/** A key as DynamoDB takes it in GetItem, UpdateItem and DeleteItem. */
export const keyAttributes = (key: LedgerKey) => ({ pk: S(key.pk), sk: S(key.sk) });
