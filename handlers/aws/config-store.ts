import { type AttributeValue, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  type ChannelConfig,
  type ConfigKind,
  configKey,
  type DatabaseConfig,
  type JobConfig,
  parseConfigItem,
} from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { dynamoClient, readString } from './dynamo.js';

export interface ConfigStore {
  job(id: string): Promise<JobConfig>;
  database(id: string): Promise<DatabaseConfig>;
  channel(id: string): Promise<ChannelConfig>;
  /**
   * Whether `notifier pause` holds the job: its open runs wait, nobody is failed or skipped. `fresh` reads past the
   * cache (a planner waiting for the resume).
   */
  paused(job: string, options?: { readonly fresh?: boolean }): Promise<boolean>;
}

/**
 * The pause mark of a job: an item of its own beside the job's, so that writing the job's document (`config put`,
 * Terraform's inline definitions) never lifts a pause, and lifting it never touches the document.
 */
export const pauseKey = (job: string) => `pause#${job}`;

/**
 * A config item as the table holds it: the key, the JSON document as written (defaults not filled in), and when it
 * was written. `notifier config put` and the local runtime write through this; Terraform's inline jobs
 * (modules/tables) write `pk` and `document` alone, since a write time in Terraform would change on every plan
 * (test/terraform-contract.test.ts holds them to this shape).
 */
export function configTableItem(item: {
  readonly kind: ConfigKind;
  readonly id: string;
  readonly document: unknown;
  readonly updatedAt: Date;
}): Record<string, AttributeValue> {
  return {
    pk: { S: configKey(item.kind, item.id) },
    document: { S: JSON.stringify(item.document) },
    updatedAt: { S: item.updatedAt.toISOString() },
  };
}

/** How long a container keeps a config item (and a pause mark) before reading it again. */
export const CONFIG_CACHE_MS = 60_000;

/**
 * Reads config items from the table. Items are JSON documents in the `document` attribute, validated on every
 * read (the table is edited outside this code) and cached briefly so a batch costs one read per item, not per message.
 */
export class DynamoConfigStore implements ConfigStore {
  readonly #table: string;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(table: string, ttlMs = CONFIG_CACHE_MS) {
    this.#table = table;
    this.#ttlMs = ttlMs;
  }

  job(id: string) {
    return this.#load('job', id);
  }

  database(id: string) {
    return this.#load('database', id);
  }

  channel(id: string) {
    return this.#load('channel', id);
  }

  /** Cached like the items: a pause or a resume takes effect within the cache period. */
  paused(job: string, options: { readonly fresh?: boolean } = {}): Promise<boolean> {
    const key = pauseKey(job);
    const cached = this.#cache.get(key);
    if (!options.fresh && cached && Date.now() - cached.at < this.#ttlMs) return cached.value as Promise<boolean>;
    const value = dynamoClient()
      .send(
        new GetItemCommand({
          TableName: this.#table,
          Key: { pk: { S: key } },
          ConsistentRead: true,
          ProjectionExpression: 'pk',
        }),
      )
      .then(({ Item }) => Item !== undefined);
    this.#cache.set(key, { at: Date.now(), value });
    value.catch(() => this.#cache.delete(key));
    return value;
  }

  /**
   * The ids of the Messenger channel items whose pageId is `pageId`: one Scan of the config table's channel items,
   * cached like the items. An item that does not parse is left out (the sender names its problem when a job uses it).
   */
  channelsOfPage(pageId: string): Promise<string[]> {
    const key = 'channels-by-page';
    const cached = this.#cache.get(key);
    const pages =
      cached && Date.now() - cached.at < this.#ttlMs
        ? (cached.value as Promise<Map<string, string[]>>)
        : this.#scanChannels();
    if (pages !== cached?.value) {
      this.#cache.set(key, { at: Date.now(), value: pages });
      pages.catch(() => this.#cache.delete(key));
    }
    return pages.then((byPage) => byPage.get(pageId) ?? []);
  }

  async #scanChannels(): Promise<Map<string, string[]>> {
    const byPage = new Map<string, string[]>();
    let lastKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamoClient().send(
        new ScanCommand({
          TableName: this.#table,
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':prefix': { S: configKey('channel', '') } },
          ExclusiveStartKey: lastKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) {
        const channel = parseChannelItem(item);
        if (channel?.type === 'messenger')
          byPage.set(channel.pageId, [...(byPage.get(channel.pageId) ?? []), channel.id]);
      }
      lastKey = page.LastEvaluatedKey;
    } while (lastKey);
    return byPage;
  }

  #load<K extends ConfigKind>(
    kind: K,
    id: string,
  ): Promise<Extract<JobConfig | DatabaseConfig | ChannelConfig, { kind: K }>> {
    const key = configKey(kind, id);
    const cached = this.#cache.get(key);
    if (cached && Date.now() - cached.at < this.#ttlMs) return cached.value as never;
    const value = this.#fetch(kind, id, key);
    this.#cache.set(key, { at: Date.now(), value });
    value.catch(() => this.#cache.delete(key));
    return value;
  }

  async #fetch<K extends ConfigKind>(kind: K, id: string, key: string) {
    const { Item } = await dynamoClient().send(
      new GetItemCommand({ TableName: this.#table, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    const document = readString(Item, 'document');
    if (!document)
      throw new ConfigError(`config item "${key}"`, [
        { path: '(item)', message: Item ? 'has no "document" attribute' : `not found in table ${this.#table}` },
      ]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(document);
    } catch (error) {
      throw new ConfigError(`config item "${key}"`, [
        { path: 'document', message: `is not JSON: ${(error as Error).message}` },
      ]);
    }
    const item = parseConfigItem(kind, parsed, `config item "${key}"`);
    if (item.id !== id)
      throw new ConfigError(`config item "${key}"`, [
        { path: 'id', message: `is "${item.id}" but the item key says "${id}"` },
      ]);
    return item;
  }
}

function parseChannelItem(item: Record<string, AttributeValue>): ChannelConfig | undefined {
  try {
    return parseConfigItem('channel', JSON.parse(readString(item, 'document') ?? ''), 'channel item');
  } catch {
    return undefined;
  }
}
