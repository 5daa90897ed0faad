import type { FailureClass } from './errors.js';

export interface RetryBudget {
  /** Total time retries may take inside one invocation. */
  readonly maxRetryTimeMs: number;
  readonly retries: number;
  readonly minDelayMs: number;
}

/** What happens to a message after its in-process retries ended with `failureClass`. */
export type Disposition = 'return-to-queue' | 'record-and-drop' | 'halt-job';

export function dispositionFor(failureClass: FailureClass): Disposition {
  switch (failureClass) {
    case 'transient':
    case 'rate-limited':
      return 'return-to-queue';
    case 'permanent':
      return 'record-and-drop';
    case 'fatal':
      return 'halt-job';
  }
}

/** Only transient and rate-limited failures are retried in process; the rest are decided at once. */
export function isRetryable(failureClass: FailureClass): boolean {
  return failureClass === 'transient' || failureClass === 'rate-limited';
}

/**
 * Delay before retrying a rate-limited request: the provider's Retry-After when it gave one, else exponential.
 * Returns undefined when the wait would not fit in what is left of the budget: better to return the message to
 * the queue than to hold a Lambda idle.
 */
export function rateLimitDelay(attempt: number, retryAfterMs: number | undefined, budgetLeftMs: number, baseMs = 500): number | undefined {
  const delay = retryAfterMs ?? baseMs * 2 ** Math.max(0, attempt - 1);
  return delay <= budgetLeftMs ? delay : undefined;
}
