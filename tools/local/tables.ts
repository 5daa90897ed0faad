import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

const KEY = (name: string, type: 'HASH' | 'RANGE'): KeySchemaElement => ({ AttributeName: name, KeyType: type });
const STRING = (name: string): AttributeDefinition => ({ AttributeName: name, AttributeType: 'S' });

/** The same key schema the Terraform module creates (see docs/adr/0001-handler-contract.md). */
function tableDefinitions(names: { config: string; ledger: string }): CreateTableCommandInput[] {
  return [
    {
      TableName: names.config,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [STRING('pk')],
      KeySchema: [KEY('pk', 'HASH')],
    },
    {
      TableName: names.ledger,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [STRING('pk'), STRING('sk'), STRING('gsi1pk'), STRING('gsi1sk')],
      KeySchema: [KEY('pk', 'HASH'), KEY('sk', 'RANGE')],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-job',
          KeySchema: [KEY('gsi1pk', 'HASH'), KEY('gsi1sk', 'RANGE')],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    },
  ];
}

/** A table's keys and indexes as one comparable text: `pk:S HASH, sk:S RANGE; by-job(gsi1pk:S HASH, ...)`. */
export function keyShape(table: {
  KeySchema?: KeySchemaElement[] | undefined;
  AttributeDefinitions?: AttributeDefinition[] | undefined;
  GlobalSecondaryIndexes?: { IndexName?: string | undefined; KeySchema?: KeySchemaElement[] | undefined }[] | undefined;
}): string {
  const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  const keys = (schema: KeySchemaElement[] = []) =>
    schema.map((key) => `${key.AttributeName}:${types.get(key.AttributeName) ?? '?'} ${key.KeyType}`).join(', ');
  const indexes = (table.GlobalSecondaryIndexes ?? [])
    .map((index) => `${index.IndexName}(${keys(index.KeySchema)})`)
    .sort();
  return [keys(table.KeySchema), ...indexes].join('; ');
}

const describe = async (client: DynamoDBClient, name: string): Promise<TableDescription | undefined> => {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
};

const active = (table: TableDescription | undefined) =>
  table?.TableStatus === 'ACTIVE' &&
  (table.GlobalSecondaryIndexes ?? []).every((index) => (index.IndexStatus ?? 'ACTIVE') === 'ACTIVE');

/**
 * Waits until the table and its indexes are ACTIVE, as DynamoDB's own waiter does (DescribeTable every `pollMs`), at
 * most `timeoutMs`: an emulator or an AWS endpoint takes a while to create a table, and a write before then fails.
 */
export async function waitForActive(
  client: DynamoDBClient,
  name: string,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const { timeoutMs = 60_000, pollMs = 250 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(client, name);
    if (active(table)) return;
    if (Date.now() > deadline)
      throw new Error(
        `DynamoDB table ${name} is not ACTIVE after ${timeoutMs / 1000} s ` +
          `(status ${table?.TableStatus ?? 'not found'}); is the endpoint overloaded?`,
      );
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Creates one table, or reuses it when it exists with the expected keys and indexes (a second local run against the
 * same endpoint); a table of that name with other keys is refused, naming both shapes.
 */
async function ensureTable(client: DynamoDBClient, definition: CreateTableCommandInput): Promise<void> {
  const name = definition.TableName as string;
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    const existing = await describe(client, name);
    // Deleted between the two calls: create it afresh.
    if (!existing) return ensureTable(client, definition);
    const [expected, found] = [keyShape(definition), keyShape(existing)];
    if (expected !== found)
      throw new Error(
        `DynamoDB table ${name} already exists at this endpoint with other keys (${found}; ` +
          `the notifier needs ${expected}): delete it, or use another endpoint with --dynamodb`,
      );
  }
  await waitForActive(client, name);
}

/** The config and ledger tables: created, or reused when they exist with the same keys; ACTIVE when it returns. */
export async function createTables(client: DynamoDBClient, names: { config: string; ledger: string }): Promise<void> {
  for (const definition of tableDefinitions(names)) await ensureTable(client, definition);
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: names.ledger,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    )
    .catch((error: unknown) => {
      // dynalite has no TTL API; DynamoDB Local and AWS do. A table reused from an earlier run has TTL on already.
      if (
        !(
          error instanceof Error &&
          /UnknownOperation|not supported|already enabled/i.test(`${error.name} ${error.message}`)
        )
      )
        throw error;
    });
}
