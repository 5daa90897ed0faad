import type { FailureClass } from './errors.js';

/**
 * What to do with a recipient after a failed attempt. The one place that decides retries: the sender asks it after
 * every failed send, and nothing else waits, backs off or gives up on its own.
 * - `record`: permanent for this recipient; recorded as failed and never retried.
 * - `halt`: the job's channel is broken; the job halts and its recipients stay open.
 * - `retry`: again in this invocation after `delayMs` (outside any send slot, so the rest of the batch goes on).
 * - `return`: back to the queue, visible again in `delayMs`: the wait would outlast the invocation or the attempts, or
 *   the recipient is deferred (a per-person limit).
 */
export type RetryDecision =
  | { action: 'record' }
  | { action: 'halt' }
  | { action: 'retry'; delayMs: number }
  | { action: 'return'; delayMs: number };

export interface RetryPolicy {
  /** Attempts per recipient in one invocation; later ones wait for the message's next receive. */
  readonly maxAttempts: number;
  /** First backoff after a transient failure; it doubles with each attempt, jittered down by up to half. */
  readonly transientBaseMs: number;
  /** First backoff after a rate-limit answer without Retry-After; it doubles with each attempt. */
  readonly rateLimitBaseMs: number;
  readonly maxDelayMs: number;
  /** How long a deferred recipient (a per-person limit without Retry-After) stays away before the next attempt. */
  readonly deferredDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  transientBaseMs: 200,
  rateLimitBaseMs: 1_000,
  maxDelayMs: 30_000,
  deferredDelayMs: 15 * 60_000,
};

export interface FailedAttempt {
  readonly failureClass: FailureClass;
  /** 1 for the first attempt of this recipient in this invocation. */
  readonly attempt: number;
  /** The provider's Retry-After, when it sent one. */
  readonly retryAfterMs?: number;
  /** Time the invocation may still spend sending. */
  readonly timeLeftMs: number;
}

export function decideRetry(
  failed: FailedAttempt,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): RetryDecision {
  if (failed.failureClass === 'permanent') return { action: 'record' };
  if (failed.failureClass === 'fatal') return { action: 'halt' };
  // Never retried in this invocation: a per-person limit lasts hours, not seconds.
  if (failed.failureClass === 'deferred')
    return { action: 'return', delayMs: failed.retryAfterMs ?? policy.deferredDelayMs };
  const exponent = 2 ** Math.max(0, failed.attempt - 1);
  // A rate limit is the provider's to lift: its Retry-After, else a doubling wait, never jittered below it.
  const delayMs = Math.min(
    policy.maxDelayMs,
    failed.failureClass === 'rate-limited'
      ? (failed.retryAfterMs ?? policy.rateLimitBaseMs * exponent)
      : Math.ceil(policy.transientBaseMs * exponent * (0.5 + random() / 2)),
  );
  if (failed.attempt >= policy.maxAttempts || delayMs >= failed.timeLeftMs) return { action: 'return', delayMs };
  return { action: 'retry', delayMs };
}
