import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CONFIG_KINDS,
  ConfigError,
  type ConfigItem,
  type ConfigKind,
  configKey,
  configTableItem,
  parseAnyConfigItem,
} from '../../handlers/surface.js';
import { describeReach } from '../common/window-policy.js';
import {
  danglingReferences,
  documentKey,
  explainConfigError,
  fileEntries,
  type KnownItems,
  knownItems,
  validateAll,
} from './config-explain.js';
import { readItemsFile, type StoredItem, scanConfigTable } from './config-items.js';
import { type CliIO, requireOption, UsageError } from './io.js';

export const CONFIG_HELP = `notifier config <validate|put|get|list|delete> [options]

  validate <file>           check every item of a JSON file (an array of items, or { "items": [...] }) and that each
                            job's database and channel are among them (with --table: or in the config table); for
                            each job, tell whom it reaches outside Messenger's 24-hour window. Writes nothing
  validate --table NAME     check every item of the config table, references included
  put <file>                validate (references against the file and the table), then write every item
  get <kind> <id>           print one item (kind: job, database, channel)
  list [--kind K]           list items with their validity
  delete <kind> <id>        delete one item

Options:
  --table NAME      config table (default: $NOTIFIER_CONFIG_TABLE)
  --file PATH       operate on a local JSON file instead of the table (get, list, delete)
  --json            print data as JSON
  --help`;

function kindAndId(positionals: readonly string[], verb: string): [ConfigKind, string] {
  const [kind, id] = positionals;
  if (!kind || !id) throw new UsageError(`config ${verb} needs <kind> <id>, e.g. "config ${verb} job daily-digest"`);
  if (!(CONFIG_KINDS as string[]).includes(kind))
    throw new UsageError(`kind must be one of ${CONFIG_KINDS.join(', ')}, got "${kind}"`);
  return [kind as ConfigKind, id];
}

interface ConfigCall {
  readonly verb: string;
  /** The positionals after the verb. */
  readonly args: readonly string[];
  readonly values: {
    readonly file?: string;
    readonly table?: string;
    readonly kind?: string;
    readonly json?: boolean;
  };
  readonly io: CliIO;
  /** The config table: asked for only by what reads or writes it, so a local file needs none. */
  readonly tableName: () => string;
  readonly client: () => DynamoDBClient;
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
  const [verb, ...args] = positionals;
  if (values.help || !verb) {
    io.out(CONFIG_HELP);
    return values.help ? 0 : 2;
  }
  const call: ConfigCall = {
    verb,
    args,
    values,
    io,
    tableName: () => requireOption(values.table, '--table', 'NOTIFIER_CONFIG_TABLE'),
    client: () => new DynamoDBClient({}),
  };
  switch (verb) {
    case 'validate':
    case 'put':
      return await validateOrPut(call);
    case 'get':
      return await getItem(call);
    case 'list':
      return await listItems(call);
    case 'delete':
      return await deleteItem(call);
    default:
      throw new UsageError(`unknown config command "${verb}"; see "notifier config --help"`);
  }
}

/**
 * `validate` and `put`: every item must be valid and each job's database and channel must exist: in the file, or in
 * the config table where one is read (`put`, and `validate --table`). `put` then writes them all; `validate` writes
 * nothing, and without a file checks the table's own items.
 */
async function validateOrPut(call: ConfigCall): Promise<number> {
  const { verb, io, values } = call;
  const path = call.args[0];
  if (!path && (verb === 'put' || !(values.table ?? process.env.NOTIFIER_CONFIG_TABLE)))
    throw new UsageError(
      `config ${verb} needs a file: "notifier config ${verb} config.json"` +
        (verb === 'validate' ? ', or --table NAME to check the config table' : ''),
    );
  const raw = path ? await readItemsFile(path) : [];
  const readsTable = verb === 'put' || !path || values.table !== undefined;
  const stored = readsTable ? await scanConfigTable(call.tableName()) : [];
  const entries = path
    ? fileEntries(path, raw)
    : stored.map((entry) => ({ label: `${call.tableName()} item ${entry.key}`, ...entry }));
  const known = knownItems([...raw.map(documentKey), ...stored.map((entry) => entry.key)]);
  const where = [path, readsTable ? `config table ${call.tableName()}` : undefined].filter(Boolean).join(' or ');
  const { items, documents, errors } = validateAll(entries, known, where);
  for (const error of errors) io.err(`invalid: ${error.message}`);
  if (errors.length > 0) {
    if (values.json)
      io.out(
        JSON.stringify({
          valid: items.length,
          invalid: errors.length,
          errors: errors.map((error) => ({ item: error.item, issues: error.issues })),
        }),
      );
    const dangling = errors.some((error) => error.issues.some((issue) => issue.message.startsWith('names ')));
    io.err(
      `${errors.length} of ${entries.length} items are invalid` +
        (verb === 'put' ? '; nothing was written' : '') +
        (dangling && !readsTable ? '. A job may name items already in the config table: add --table NAME' : ''),
    );
    return 1;
  }
  if (verb === 'validate') {
    printReach(call, items);
    return 0;
  }
  const table = call.tableName();
  const dynamo = call.client();
  for (const [index, item] of items.entries()) {
    await dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: configTableItem({ kind: item.kind, id: item.id, document: documents[index], updatedAt: new Date() }),
      }),
    );
    io.out(`put ${configKey(item.kind, item.id)}`);
  }
  return 0;
}

/** How many items are valid, and whom each job reaches outside Messenger's 24-hour window. */
function printReach({ values, io }: ConfigCall, items: readonly ConfigItem[]): void {
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
      [`${items.length} items valid`, ...jobs.map((job) => `job ${job.id}: ${describeReach(job).summary}`)].join('\n'),
    );
}

const isItem = (item: unknown, kind: ConfigKind, id: string) =>
  item &&
  typeof item === 'object' &&
  (item as { kind?: unknown }).kind === kind &&
  (item as { id?: unknown }).id === id;

/** `get`: prints one item, and fails when it is missing or invalid. */
async function getItem(call: ConfigCall): Promise<number> {
  const { values, io } = call;
  const [kind, id] = kindAndId(call.args, 'get');
  let document: unknown;
  if (values.file) {
    document = (await readItemsFile(values.file)).find((item) => isItem(item, kind, id));
  } else {
    const { Item } = await call.client().send(
      new GetItemCommand({
        TableName: call.tableName(),
        Key: { pk: { S: configKey(kind, id) } },
        ConsistentRead: true,
      }),
    );
    document = Item?.document?.S ? JSON.parse(Item.document.S) : undefined;
  }
  if (document === undefined) {
    io.err(`${configKey(kind, id)} not found in ${values.file ?? call.tableName()}`);
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

/** `list`: every item with its validity; fails when one is invalid. */
async function listItems(call: ConfigCall): Promise<number> {
  const { values, io } = call;
  const stored: StoredItem[] = values.file
    ? (await readItemsFile(values.file)).map((document, index) => ({ key: `#${index + 1}`, document }))
    : await scanConfigTable(call.tableName());
  const known = knownItems(
    stored.map((entry) => (entry.document === undefined ? entry.key : documentKey(entry.document))),
  );
  const where = values.file ?? `config table ${call.tableName()}`;
  const rows = stored
    .map((entry) => listRow(entry, known, where))
    .filter((row) => !values.kind || row.kind === values.kind)
    .sort((a, b) => `${a.kind}#${a.id}`.localeCompare(`${b.kind}#${b.id}`));
  if (values.json) io.out(JSON.stringify(rows));
  else
    for (const row of rows)
      io.out(`${row.kind.padEnd(9)} ${row.id.padEnd(24)} ${row.valid ? 'valid' : `INVALID: ${row.problem}`}`);
  return rows.every((row) => row.valid) ? 0 : 1;
}

/** One stored item as `list` shows it: its kind and id (from its key when the document lacks them), and its problem. */
function listRow({ key, document, problem: storedProblem }: StoredItem, known: KnownItems, where: string) {
  const kind = String((document as { kind?: unknown })?.kind ?? key.split('#')[0] ?? '?');
  const id = String((document as { id?: unknown })?.id ?? key.split('#').slice(1).join('#') ?? '?');
  let problem = storedProblem ? `${key}: ${storedProblem}` : '';
  if (!problem) {
    try {
      parseAnyConfigItem(document, `${kind}#${id}`);
      const dangling = danglingReferences(document, known, where);
      if (dangling.length > 0) problem = new ConfigError(`${kind}#${id}`, dangling).message;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problem = explainConfigError(document, error).message;
    }
  }
  return { kind, id, valid: !problem, problem };
}

/** `delete`: removes one item from the file or the table; fails when it is not there. */
async function deleteItem(call: ConfigCall): Promise<number> {
  const { values, io } = call;
  const [kind, id] = kindAndId(call.args, 'delete');
  if (values.file) {
    const items = await readItemsFile(values.file);
    const kept = items.filter((item) => !isItem(item, kind, id));
    if (kept.length === items.length) {
      io.err(`${configKey(kind, id)} not found in ${values.file}`);
      return 1;
    }
    await writeFile(values.file, `${JSON.stringify(kept, null, 2)}\n`);
  } else {
    try {
      await call.client().send(
        new DeleteItemCommand({
          TableName: call.tableName(),
          Key: { pk: { S: configKey(kind, id) } },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      io.err(`${configKey(kind, id)} not found in ${call.tableName()}`);
      return 1;
    }
  }
  io.out(`deleted ${configKey(kind, id)}`);
  return 0;
}
