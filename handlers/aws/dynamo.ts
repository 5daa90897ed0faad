import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

let client: DynamoDBClient | undefined;

/**
 * How the functions' DynamoDB client retries: every ledger write is safe to retry (docs/adr/0009-retry-safe-writes.md),
 * so a lost answer costs a retry, not a wrong count. The bounds are what the sender's recording reserve is sized by:
 * at most `attempts` requests of `requestTimeoutMs` each, with backoffs that double from `backoffMs` up to
 * `maxBackoffMs`, where the SDK's own default backs off throttling from 1 s, doubling, for 5 attempts.
 */
export const DYNAMO_RETRY = { attempts: 4, requestTimeoutMs: 1_000, backoffMs: 50, maxBackoffMs: 400 } as const;

/** The longest one write can take with its retries. */
export const DYNAMO_WRITE_WORST_MS =
  DYNAMO_RETRY.attempts * DYNAMO_RETRY.requestTimeoutMs +
  Array.from({ length: DYNAMO_RETRY.attempts - 1 }, (_, retry) =>
    Math.min(DYNAMO_RETRY.maxBackoffMs, DYNAMO_RETRY.backoffMs * 2 ** retry),
  ).reduce((sum, wait) => sum + wait, 0);

/** The client settings behind DYNAMO_RETRY, for any DynamoDB client the functions' code is given. */
export function dynamoRetrySettings() {
  return {
    retryStrategy: new ConfiguredRetryStrategy(DYNAMO_RETRY.attempts, (retry: number) =>
      Math.min(DYNAMO_RETRY.maxBackoffMs, DYNAMO_RETRY.backoffMs * 2 ** Math.max(0, retry - 1)),
    ),
    requestHandler: { requestTimeout: DYNAMO_RETRY.requestTimeoutMs, connectionTimeout: DYNAMO_RETRY.requestTimeoutMs },
  };
}

/** One client per container, created on first use: warm invocations reuse its connections. */
export function dynamoClient(): DynamoDBClient {
  client ??= new DynamoDBClient(dynamoRetrySettings());
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
