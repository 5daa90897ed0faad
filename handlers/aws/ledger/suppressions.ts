import { DeleteItemCommand, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type Item, isConditionFailure, N, readNumber, readString, S } from '../dynamo.js';
import { keyAttributes, SUPPRESSION_PK_PREFIX, suppressionKey } from './keys.js';
import { REASON_CHARS } from './outcomes.js';
import type { LedgerTable } from './table.js';

// The suppression list: who a channel no longer sends to, across runs and jobs
// (docs/adr/0013-window-and-suppressions.md).

/** Who put a recipient on the list: a permanent answer to a send, the person's own opt-out, or an operator. */
export type SuppressionSource = 'send' | 'opt-out' | 'operator';
const SUPPRESSION_SOURCES: readonly SuppressionSource[] = ['send', 'opt-out', 'operator'];
/** Days a re-opt-in's tombstone is kept: past Meta's 36 hours of retries, so a late STOP it overtook still loses. */
const OPT_IN_DAYS = 7;

export interface Suppression {
  readonly channel: string;
  /** The id exactly as the audience column holds it: a PSID, a user_ref or a subscription token. */
  readonly recipient: string;
  readonly reason: string;
  readonly source: SuppressionSource;
  /** When it was put on the list (ISO 8601). */
  readonly at: string;
  /** When DynamoDB's TTL removes it (epoch seconds); absent: never. */
  readonly expiresAt?: number;
}

const isSource = (value: string | undefined): value is SuppressionSource =>
  (SUPPRESSION_SOURCES as readonly (string | undefined)[]).includes(value);

/** An item of the list as a Suppression; undefined for an item that is not one, or that expired and awaits its TTL. */
export function readSuppression(item: Item, nowMs: number): Suppression | undefined {
  const pk = readString(item, 'pk');
  const recipient = readString(item, 'sk');
  const source = readString(item, 'source');
  if (!pk?.startsWith(SUPPRESSION_PK_PREFIX) || recipient === undefined || !isSource(source)) return undefined;
  const expiresAt = readNumber(item, 'expiresAt');
  // TTL deletes an expired item within days, not at once: until then it is read as gone.
  if (expiresAt !== undefined && expiresAt * 1000 <= nowMs) return undefined;
  return {
    channel: pk.slice(SUPPRESSION_PK_PREFIX.length),
    recipient,
    reason: readString(item, 'reason') ?? '',
    source,
    at: readString(item, 'at') ?? '',
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

const options = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});

/** A channel's suppression list in the ledger table: one item per recipient. */
export class Suppressions {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  /**
   * Puts a recipient on the list, replacing the entry, its reason and its expiry. An operator's put is unconditional;
   * a send's replaces only no entry, another send's, a RESUME's tombstone or an expired entry, so a block a send found
   * never shortens an operator's entry or Meta's STOP that landed meanwhile. Sent again after a lost answer, either
   * writes the same item (the condition holds for the send's own entry), so the retry is safe
   * (docs/adr/0009-retry-safe-writes.md).
   */
  async add(entry: Suppression, signal?: AbortSignal): Promise<void> {
    const item: Item = {
      ...keyAttributes(suppressionKey(entry.channel, entry.recipient)),
      reason: S(entry.reason.slice(0, REASON_CHARS)),
      source: S(entry.source),
      at: S(entry.at),
      ...(entry.expiresAt === undefined ? {} : { expiresAt: N(entry.expiresAt) }),
    };
    const put = new PutItemCommand({
      TableName: this.#table.name,
      Item: item,
      ...(entry.source === 'send'
        ? {
            // An entry past its expiry that TTL has not removed yet is gone for the readers, and for this put.
            ConditionExpression: 'attribute_not_exists(pk) OR #source IN (:send, :optIn) OR expiresAt <= :now',
            ExpressionAttributeNames: { '#source': 'source' },
            ExpressionAttributeValues: {
              ':send': S('send'),
              ':optIn': S('opt-in'),
              ':now': N(Math.floor(Date.now() / 1000)),
            },
          }
        : {}),
    });
    try {
      await this.#table.client.send(put, options(signal));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Meta's word on a person's Marketing Messages, STOP (`opt-out`) or RESUME (`opt-in`), put only over no entry or an
   * older word of Meta's: a block a send found or an operator's entry stays, and a word retried out of order (Meta
   * retries bodies for up to 36 hours) never overrides a newer one. A RESUME is kept as a tombstone that readers skip
   * and TTL removes after OPT_IN_DAYS, so an older STOP retried meanwhile finds it and loses. The same put again
   * (a lost answer) fails its condition and changes nothing, so a retry is safe.
   */
  async optWord(
    entry: { channel: string; recipient: string; reason: string; at: string; word: 'opt-out' | 'opt-in' },
    signal?: AbortSignal,
  ): Promise<void> {
    const expiresAt =
      entry.word === 'opt-in' ? Math.floor(Date.parse(entry.at) / 1000) + OPT_IN_DAYS * 86_400 : undefined;
    const item: Item = {
      ...keyAttributes(suppressionKey(entry.channel, entry.recipient)),
      reason: S(entry.reason.slice(0, REASON_CHARS)),
      source: S(entry.word),
      at: S(entry.at),
      ...(expiresAt === undefined ? {} : { expiresAt: N(expiresAt) }),
    };
    const put = new PutItemCommand({
      TableName: this.#table.name,
      Item: item,
      ConditionExpression: 'attribute_not_exists(pk) OR (#source IN (:optOut, :optIn) AND #at < :at)',
      ExpressionAttributeNames: { '#source': 'source', '#at': 'at' },
      ExpressionAttributeValues: { ':optOut': S('opt-out'), ':optIn': S('opt-in'), ':at': S(entry.at) },
    });
    try {
      await this.#table.client.send(put, options(signal));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Takes a recipient off the list; removing one that is not there is no error, so a retry is safe. */
  async remove(channel: string, recipient: string, signal?: AbortSignal): Promise<void> {
    await this.#table.client.send(
      new DeleteItemCommand({ TableName: this.#table.name, Key: keyAttributes(suppressionKey(channel, recipient)) }),
      options(signal),
    );
  }

  /**
   * The entries of `recipients` on the channel's list: one BatchGetItem for a task's group (a task carries at most 50),
   * eventually consistent: an entry written a moment ago elsewhere may be missed once, which costs one request that
   * gets the same permanent answer, at half the read units of a consistent read. Keys DynamoDB leaves unprocessed
   * (throttling) are asked again with the SDK's backoff, until `signal` ends the wait.
   */
  async among(channel: string, recipients: readonly string[], signal?: AbortSignal): Promise<Map<string, Suppression>> {
    const found = new Map<string, Suppression>();
    const keys = [...new Set(recipients)].map((id) => suppressionKey(channel, id));
    for (const item of await this.#table.getMany(keys, { consistent: false, signal })) {
      const entry = readSuppression(item, Date.now());
      if (entry) found.set(entry.recipient, entry);
    }
    return found;
  }

  /**
   * Every entry in effect: one channel's by a Query of its partition, or, without a channel, every channel's by a Scan
   * of the whole ledger table (it reads every run's items too: name the channel on a large table).
   */
  async *list(channel?: string): AsyncIterable<Suppression> {
    let lastKey: Item | undefined;
    do {
      const page = await this.#table.client.send(
        channel === undefined
          ? new ScanCommand({
              TableName: this.#table.name,
              FilterExpression: 'begins_with(pk, :prefix)',
              ExpressionAttributeValues: { ':prefix': S(SUPPRESSION_PK_PREFIX) },
              ExclusiveStartKey: lastKey,
            })
          : new QueryCommand({
              TableName: this.#table.name,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': S(suppressionKey(channel, '').pk) },
              ExclusiveStartKey: lastKey,
            }),
      );
      for (const item of page.Items ?? []) {
        const entry = readSuppression(item, Date.now());
        if (entry) yield entry;
      }
      lastKey = page.LastEvaluatedKey;
    } while (lastKey);
  }
}
