// Where config items come from: a JSON file (or stdin) of items, and the config table.
import { readFile } from 'node:fs/promises';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ConfigError, pauseKey } from '../../handlers/surface.js';
import { UsageError } from './io.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export interface StoredItem {
  readonly key: string;
  readonly document?: unknown;
  /** Why the stored item has no usable document (missing attribute, not JSON). */
  readonly problem?: string;
}

/** Every item of the config table, its JSON document parsed; a broken item is reported with its key, not dropped. */
export async function scanConfigTable(table: string): Promise<StoredItem[]> {
  const client = new DynamoDBClient({});
  const items: StoredItem[] = [];
  let lastKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: lastKey }));
    for (const item of page.Items ?? []) {
      const key = item.pk?.S ?? '(no pk)';
      // A pause mark is operational state beside the job's item, not a config item.
      if (key.startsWith(pauseKey(''))) continue;
      const text = item.document?.S;
      if (text === undefined) {
        items.push({ key, problem: 'has no "document" attribute' });
        continue;
      }
      try {
        items.push({ key, document: JSON.parse(text) });
      } catch (error) {
        items.push({ key, problem: `document is not JSON: ${(error as Error).message}` });
      }
    }
    lastKey = page.LastEvaluatedKey;
  } while (lastKey);
  return items;
}

export async function readItemsFile(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [{ path: '(file)', message: `is not JSON: ${(error as Error).message}` }]);
  }
  const items = Array.isArray(json)
    ? json
    : json && typeof json === 'object' && Array.isArray((json as { items?: unknown }).items)
      ? (json as { items: unknown[] }).items
      : undefined;
  if (!items)
    throw new ConfigError(path, [
      { path: '(file)', message: 'must be an array of config items or { "items": [...] }' },
    ]);
  return items;
}
