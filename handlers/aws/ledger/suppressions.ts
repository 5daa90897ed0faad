import { DeleteItemCommand, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type Item, N, readNumber, readString, S } from '../dynamo.js';
import { keyAttributes, SUPPRESSION_PK_PREFIX, suppressionKey } from './keys.js';
import type { LedgerTable } from './table.js';

/** A recipient the senders must not message on a channel, and why. */
export interface Suppression {
  channel: string;
  recipient: string;
  /** Human readable, e.g. "blocked the Page (Graph 551/1545041)". */
  reason: string;
  source: 'send' | 'opt-out' | 'operator';
  /** ISO 8601. */
  at: string;
  /** Epoch seconds after which DynamoDB's TTL deletes the item; absent: never. */
  expiresAt?: number;
}

const SOURCES = new Set<Suppression['source']>(['send', 'opt-out', 'operator']);

function toSuppression(item: Item): Suppression | undefined {
  const source = readString(item, 'source') as Suppression['source'] | undefined;
  const pk = readString(item, 'pk') ?? '';
  if (!source || !SOURCES.has(source) || !pk.startsWith(SUPPRESSION_PK_PREFIX)) return undefined;
  const expiresAt = readNumber(item, 'expiresAt');
  return {
    channel: pk.slice(SUPPRESSION_PK_PREFIX.length),
    recipient: readString(item, 'sk') ?? '',
    reason: readString(item, 'reason') ?? '',
    source,
    at: readString(item, 'at') ?? '',
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/** The suppression list: one ledger item per (channel, recipient), outside any run. */
export class Suppressions {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  /** A plain put: writing the same entry again leaves the same item, so a retry after a lost answer is harmless. */
  async add(entry: Suppression, signal?: AbortSignal): Promise<void> {
    const item: Item = {
      ...keyAttributes(suppressionKey(entry.channel, entry.recipient)),
      reason: S(entry.reason),
      source: S(entry.source),
      at: S(entry.at),
      ...(entry.expiresAt === undefined ? {} : { expiresAt: N(entry.expiresAt) }),
    };
    await this.#table.client.send(
      new PutItemCommand({ TableName: this.#table.name, Item: item }),
      signal ? { abortSignal: signal } : {},
    );
  }

  /** Deleting an item that is not there succeeds: a retried removal is harmless. */
  async remove(channel: string, recipient: string, signal?: AbortSignal): Promise<void> {
    await this.#table.client.send(
      new DeleteItemCommand({ TableName: this.#table.name, Key: keyAttributes(suppressionKey(channel, recipient)) }),
      signal ? { abortSignal: signal } : {},
    );
  }

  /** Which of `recipients` are suppressed on `channel`. */
  async among(channel: string, recipients: readonly string[], signal?: AbortSignal): Promise<Map<string, Suppression>> {
    const keys = [...new Set(recipients)].map((recipient) => suppressionKey(channel, recipient));
    const found = new Map<string, Suppression>();
    for (const item of await this.#table.getMany(keys, signal)) {
      const suppression = toSuppression(item);
      if (suppression) found.set(suppression.recipient, suppression);
    }
    return found;
  }

  /** A channel's suppressions, one Query page at a time; without a channel, every channel's (a Scan). */
  async *list(channel?: string): AsyncIterable<Suppression> {
    let lastKey: Item | undefined;
    do {
      const page = await this.#page(channel, lastKey);
      for (const item of page.Items ?? []) {
        const suppression = toSuppression(item);
        if (suppression) yield suppression;
      }
      lastKey = page.LastEvaluatedKey;
    } while (lastKey);
  }

  #page(channel: string | undefined, lastKey: Item | undefined) {
    const { client, name } = this.#table;
    if (channel === undefined)
      return client.send(
        new ScanCommand({
          TableName: name,
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':prefix': S(SUPPRESSION_PK_PREFIX) },
          ExclusiveStartKey: lastKey,
        }),
      );
    return client.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': S(suppressionKey(channel, '').pk) },
        ExclusiveStartKey: lastKey,
      }),
    );
  }
}
