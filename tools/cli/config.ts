import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ConfigError,
  type ConfigItem,
  type ConfigKind,
  configKey,
  configTableItem,
  parseAnyConfigItem,
  pauseKey,
} from '../../handlers/surface.js';
import { describeReach } from '../common/window-policy.js';
import { type CliIO, requireOption, UsageError } from './io.js';

export const CONFIG_HELP = `notifier config <validate|put|get|list|delete> [options]

  validate <file>           check every item of a JSON file (an array of items, or { "items": [...] }); for each job,
                            tell whom it reaches outside Messenger's 24-hour window
  put <file>                validate, then write every item to the config table
  get <kind> <id>           print one item (kind: job, database, channel)
  list [--kind K]           list items with their validity
  delete <kind> <id>        delete one item

Options:
  --table NAME      config table (default: $NOTIFIER_CONFIG_TABLE)
  --file PATH       operate on a local JSON file instead of the table (get, list, delete)
  --json            print data as JSON
  --help`;

const KINDS = ['job', 'database', 'channel'];

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
  let lastKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
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

function validateAll(items: readonly unknown[], source: string): { items: ConfigItem[]; errors: ConfigError[] } {
  const valid: ConfigItem[] = [];
  const errors: ConfigError[] = [];
  items.forEach((item, index) => {
    const id =
      item && typeof item === 'object' && 'id' in item ? String((item as { id: unknown }).id) : `#${index + 1}`;
    try {
      valid.push(parseAnyConfigItem(item, `${source} item ${id}`));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      errors.push(error);
    }
  });
  return { items: valid, errors };
}

function kindAndId(positionals: string[], verb: string): [ConfigKind, string] {
  const [kind, id] = positionals;
  if (!kind || !id) throw new UsageError(`config ${verb} needs <kind> <id>, e.g. "config ${verb} job daily-digest"`);
  if (!KINDS.includes(kind)) throw new UsageError(`kind must be one of ${KINDS.join(', ')}, got "${kind}"`);
  return [kind as ConfigKind, id];
}

export async function configCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      file: { type: 'string' },
      kind: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const [verb, ...rest] = positionals;
  if (values.help || !verb) {
    io.out(CONFIG_HELP);
    return values.help ? 0 : 2;
  }
  const client = () => new DynamoDBClient({});
  const tableName = () => requireOption(values.table, '--table', 'NOTIFIER_CONFIG_TABLE');

  switch (verb) {
    case 'validate':
    case 'put': {
      const path = rest[0];
      if (!path) throw new UsageError(`config ${verb} needs a file: "notifier config ${verb} config.json"`);
      const raw = await readItemsFile(path);
      const { items, errors } = validateAll(raw, path);
      for (const error of errors) io.err(`invalid: ${error.message}`);
      if (errors.length > 0) {
        io.err(`${errors.length} of ${items.length + errors.length} items are invalid; nothing was written`);
        return 1;
      }
      if (verb === 'validate') {
        const jobs = items.filter((item) => item.kind === 'job');
        if (values.json)
          io.out(
            JSON.stringify({
              valid: items.length,
              reach: Object.fromEntries(jobs.map((job) => [job.id, describeReach(job)])),
            }),
          );
        else
          io.out(
            [`${items.length} items valid`, ...jobs.map((job) => `job ${job.id}: ${describeReach(job).summary}`)].join(
              '\n',
            ),
          );
        return 0;
      }
      const table = tableName();
      const dynamo = client();
      for (const [index, item] of items.entries()) {
        await dynamo.send(
          new PutItemCommand({
            TableName: table,
            Item: configTableItem({ kind: item.kind, id: item.id, document: raw[index], updatedAt: new Date() }),
          }),
        );
        io.out(`put ${configKey(item.kind, item.id)}`);
      }
      return 0;
    }
    case 'get': {
      const [kind, id] = kindAndId(rest, 'get');
      let document: unknown;
      if (values.file) {
        document = (await readItemsFile(values.file)).find(
          (item) =>
            item &&
            typeof item === 'object' &&
            (item as { kind?: unknown }).kind === kind &&
            (item as { id?: unknown }).id === id,
        );
      } else {
        const { Item } = await client().send(
          new GetItemCommand({ TableName: tableName(), Key: { pk: { S: configKey(kind, id) } }, ConsistentRead: true }),
        );
        document = Item?.document?.S ? JSON.parse(Item.document.S) : undefined;
      }
      if (document === undefined) {
        io.err(`${configKey(kind, id)} not found in ${values.file ?? tableName()}`);
        return 1;
      }
      io.out(JSON.stringify(document, null, 2));
      try {
        parseAnyConfigItem(document, configKey(kind, id));
      } catch (error) {
        io.err(`warning: the stored item is invalid: ${(error as Error).message}`);
        return 1;
      }
      return 0;
    }
    case 'list': {
      const stored: StoredItem[] = values.file
        ? (await readItemsFile(values.file)).map((document, index) => ({ key: `#${index + 1}`, document }))
        : await scanConfigTable(tableName());
      const rows = stored
        .map(({ key, document, problem: storedProblem }) => {
          const kind = String((document as { kind?: unknown })?.kind ?? key.split('#')[0] ?? '?');
          const id = String((document as { id?: unknown })?.id ?? key.split('#').slice(1).join('#') ?? '?');
          let problem = storedProblem ? `${key}: ${storedProblem}` : '';
          if (!problem) {
            try {
              parseAnyConfigItem(document, `${kind}#${id}`);
            } catch (error) {
              problem = (error as Error).message;
            }
          }
          return { kind, id, valid: !problem, problem };
        })
        .filter((row) => !values.kind || row.kind === values.kind)
        .sort((a, b) => `${a.kind}#${a.id}`.localeCompare(`${b.kind}#${b.id}`));
      if (values.json) io.out(JSON.stringify(rows));
      else
        for (const row of rows)
          io.out(`${row.kind.padEnd(9)} ${row.id.padEnd(24)} ${row.valid ? 'valid' : `INVALID: ${row.problem}`}`);
      return rows.every((row) => row.valid) ? 0 : 1;
    }
    case 'delete': {
      const [kind, id] = kindAndId(rest, 'delete');
      if (values.file) {
        const items = await readItemsFile(values.file);
        const kept = items.filter(
          (item) =>
            !(
              item &&
              typeof item === 'object' &&
              (item as { kind?: unknown }).kind === kind &&
              (item as { id?: unknown }).id === id
            ),
        );
        if (kept.length === items.length) {
          io.err(`${configKey(kind, id)} not found in ${values.file}`);
          return 1;
        }
        await writeFile(values.file, `${JSON.stringify(kept, null, 2)}\n`);
      } else {
        try {
          await client().send(
            new DeleteItemCommand({
              TableName: tableName(),
              Key: { pk: { S: configKey(kind, id) } },
              ConditionExpression: 'attribute_exists(pk)',
            }),
          );
        } catch (error) {
          if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
          io.err(`${configKey(kind, id)} not found in ${tableName()}`);
          return 1;
        }
      }
      io.out(`deleted ${configKey(kind, id)}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown config command "${verb}"; see "notifier config --help"`);
  }
}
