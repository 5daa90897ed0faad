import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

let client: DynamoDBClient | undefined;

/** One client per container, created on first use: warm invocations reuse its connections. */
export function dynamoClient(): DynamoDBClient {
  client ??= new DynamoDBClient({ maxAttempts: 5 });
  return client;
}

export type Item = Record<string, AttributeValue>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });

export function readString(item: Item | undefined, name: string): string | undefined {
  const value = item?.[name];
  return value && 'S' in value ? value.S : undefined;
}

export function readNumber(item: Item | undefined, name: string): number | undefined {
  const value = item?.[name];
  return value && 'N' in value && value.N !== undefined ? Number(value.N) : undefined;
}

export function isConditionFailure(error: unknown): error is Error & { Item?: Item } {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
