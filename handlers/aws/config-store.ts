import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../core/errors.js';
import { type ChannelConfig, type ConfigKind, type DatabaseConfig, type JobConfig, configKey, parseConfigItem } from '../config/schema.js';
import { dynamoClient, readString } from './dynamo.js';

export interface ConfigStore {
  job(id: string): Promise<JobConfig>;
  database(id: string): Promise<DatabaseConfig>;
  channel(id: string): Promise<ChannelConfig>;
}

/**
 * Reads config items from the table. Items are JSON documents in the `document` attribute, validated on every
 * read (the table is edited outside this code) and cached briefly so a batch costs one read per item, not per message.
 */
export class DynamoConfigStore implements ConfigStore {
  readonly #table: string;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(table: string, ttlMs = 60_000) {
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

  #load<K extends ConfigKind>(kind: K, id: string): Promise<Extract<JobConfig | DatabaseConfig | ChannelConfig, { kind: K }>> {
    const key = configKey(kind, id);
    const cached = this.#cache.get(key);
    if (cached && Date.now() - cached.at < this.#ttlMs) return cached.value as never;
    const value = this.#fetch(kind, id, key);
    this.#cache.set(key, { at: Date.now(), value });
    value.catch(() => this.#cache.delete(key));
    return value;
  }

  async #fetch<K extends ConfigKind>(kind: K, id: string, key: string) {
    const { Item } = await dynamoClient().send(new GetItemCommand({ TableName: this.#table, Key: { pk: { S: key } }, ConsistentRead: true }));
    const document = readString(Item, 'document');
    if (!document) throw new ConfigError(`config item "${key}"`, [{ path: '(item)', message: Item ? 'has no "document" attribute' : `not found in table ${this.#table}` }]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(document);
    } catch (error) {
      throw new ConfigError(`config item "${key}"`, [{ path: 'document', message: `is not JSON: ${(error as Error).message}` }]);
    }
    const item = parseConfigItem(kind, parsed, `config item "${key}"`);
    if (item.id !== id) throw new ConfigError(`config item "${key}"`, [{ path: 'id', message: `is "${item.id}" but the item key says "${id}"` }]);
    return item;
  }
}
