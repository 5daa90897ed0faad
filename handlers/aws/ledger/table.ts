import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DYNAMO_RETRY, dynamoClient, type Item, isConditionFailure, N, S } from '../dynamo.js';
import { keyAttributes, type LedgerKey } from './keys.js';

export interface LedgerOptions {
  readonly table: string;
  /** Days a run's items live before DynamoDB's TTL deletes them. */
  readonly ttlDays?: number;
  /** Injected in tests and tools; a Lambda uses the container's one client. */
  readonly client?: DynamoDBClient;
}

/** A conditional write's answer: its result, or the item as it stood when the condition failed (when asked for). */
export type Conditional<T> = { ok: true; value: T } | { ok: false; item: Item | undefined };

/**
 * The one place that tells a failed condition from an error: a failed condition is an answer (someone else holds the
 * claim, the run is finished), anything else is thrown.
 */
export async function conditional<T>(write: Promise<T>): Promise<Conditional<T>> {
  try {
    return { ok: true, value: await write };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { ok: false, item: error.Item };
  }
}

export const iso = (now: number) => S(new Date(now).toISOString());

/** The ledger table and the requests every part of the ledger makes on it. */
export class LedgerTable {
  readonly name: string;
  readonly #ttlSeconds: number;
  readonly #client: DynamoDBClient | undefined;

  constructor(options: LedgerOptions) {
    this.name = options.table;
    this.#ttlSeconds = (options.ttlDays ?? 30) * 86_400;
    this.#client = options.client;
  }

  get client(): DynamoDBClient {
    return this.#client ?? dynamoClient();
  }

  expiresAt(now: number) {
    return N(Math.floor(now / 1000) + this.#ttlSeconds);
  }

  /** `signal` ends the request and the SDK's retries of it. */
  update(key: LedgerKey, input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>, signal?: AbortSignal) {
    return this.client.send(
      new UpdateItemCommand({ TableName: this.name, Key: keyAttributes(key), ...input }),
      signal ? { abortSignal: signal } : {},
    );
  }

  /**
   * A conditional update; when its condition fails, the answer carries the item as it stands. DynamoDB returns it with
   * `ReturnValuesOnConditionCheckFailure`; where the answer lacks it (an emulator), a consistent read fetches it.
   */
  async conditionalUpdate(
    key: LedgerKey,
    input: Omit<UpdateItemCommandInput, 'TableName' | 'Key' | 'ReturnValuesOnConditionCheckFailure'>,
    signal?: AbortSignal,
  ): Promise<Conditional<Awaited<ReturnType<LedgerTable['update']>>>> {
    const result = await conditional(
      this.update(key, { ...input, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }, signal),
    );
    if (result.ok || result.item) return result;
    return { ok: false, item: await this.get(key, undefined, signal) };
  }

  /** Writes an item that must not exist yet; false when it does. */
  async putOnce(key: LedgerKey, attributes: Item, now: number): Promise<boolean> {
    const put = this.client.send(
      new PutItemCommand({
        TableName: this.name,
        Item: { ...keyAttributes(key), ...attributes, updatedAt: iso(now), expiresAt: this.expiresAt(now) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return (await conditional(put)).ok;
  }

  async get(key: LedgerKey, projection?: string, signal?: AbortSignal): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.name,
        Key: keyAttributes(key),
        ConsistentRead: true,
        ...(projection ? { ProjectionExpression: projection } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
    return Item;
  }

  async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const { Items = [] } = await this.client.send(new QueryCommand({ TableName: this.name, ...input }));
    return Items;
  }

  /**
   * Reads of many items, 100 keys a request (BatchGetItem's limit); the keys DynamoDB leaves unprocessed (throttling)
   * are asked again after DYNAMO_RETRY's backoff, until `signal` ends the wait. Items that do not exist are absent.
   */
  async getMany(
    keys: readonly LedgerKey[],
    options: { consistent: boolean; signal?: AbortSignal | undefined },
  ): Promise<Item[]> {
    const items: Item[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_KEYS)
      items.push(...(await this.#batchGet(keys.slice(start, start + BATCH_GET_KEYS).map(keyAttributes), options)));
    return items;
  }

  async #batchGet(keys: Item[], options: { consistent: boolean; signal?: AbortSignal | undefined }): Promise<Item[]> {
    const { consistent, signal } = options;
    const items: Item[] = [];
    let pending: Item[] = keys;
    for (let retry = 0; pending.length > 0; retry++) {
      if (retry > 0)
        await sleep(Math.min(DYNAMO_RETRY.maxBackoffMs, DYNAMO_RETRY.backoffMs * 2 ** (retry - 1)), undefined, {
          signal,
        });
      const answer: BatchGetItemCommandOutput = await this.client.send(
        new BatchGetItemCommand({ RequestItems: { [this.name]: { Keys: pending, ConsistentRead: consistent } } }),
        signal ? { abortSignal: signal } : {},
      );
      items.push(...(answer.Responses?.[this.name] ?? []));
      pending = answer.UnprocessedKeys?.[this.name]?.Keys ?? [];
    }
    return items;
  }
}

const BATCH_GET_KEYS = 100;
