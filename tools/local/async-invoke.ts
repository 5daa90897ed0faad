import { randomUUID } from 'node:crypto';
import { failureRecord, type InvocationRecord } from '../common/invocation-record.js';

/** About how long Lambda waits before its first and its second retry of an asynchronous event that failed. */
const LAMBDA_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

export interface AsyncRetryOptions {
  /** Retries after the first attempt, 0 to 2 as Lambda allows. */
  readonly maximumRetryAttempts: number;
  /** Multiplies Lambda's retry delays, so a test can go through them in milliseconds. */
  readonly delayScale?: number;
}

export interface AsyncInvokeDeps {
  readonly functionArn: string;
  /** One attempt of the function: resolves either way, with the error when it threw. */
  readonly attempt: (payload: unknown) => Promise<{ ok: true } | { ok: false; error: Error }>;
  /** The on-failure destination: receives the invocation record once every attempt failed. */
  readonly onFailure: (record: InvocationRecord) => Promise<void>;
  readonly retries: AsyncRetryOptions;
}

/**
 * Lambda's handling of an asynchronous invocation (InvocationType Event): the event is attempted, retried after
 * Lambda's delays while it throws, and once the retries are spent its invocation record goes to the on-failure
 * destination instead of being dropped. One request id spans the attempts, as in Lambda.
 */
export async function invokeAsynchronously(payload: unknown, deps: AsyncInvokeDeps): Promise<void> {
  const { maximumRetryAttempts, delayScale = 1 } = deps.retries;
  if (
    !Number.isInteger(maximumRetryAttempts) ||
    maximumRetryAttempts < 0 ||
    maximumRetryAttempts > LAMBDA_RETRY_DELAYS_MS.length
  ) {
    throw new RangeError(`maximumRetryAttempts must be 0, 1 or 2 as in Lambda, got ${maximumRetryAttempts}`);
  }
  const requestId = randomUUID();
  for (let attempts = 1; ; attempts++) {
    const outcome = await deps.attempt(payload);
    if (outcome.ok) return;
    if (attempts > maximumRetryAttempts) {
      await deps.onFailure(
        failureRecord({
          requestId,
          functionArn: deps.functionArn,
          payload,
          error: outcome.error,
          attempts,
          at: new Date(),
        }),
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, (LAMBDA_RETRY_DELAYS_MS[attempts - 1] as number) * delayScale));
  }
}
