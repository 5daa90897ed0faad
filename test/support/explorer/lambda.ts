/**
 * Lambda's side of the simulation: an invocation with a deadline (`getRemainingTimeInMillis`, and a kill at the
 * timeout, like a crash), the planner's asynchronous invocations (two retries, then the failed tick waits for the
 * operator's replay), and the sender's SQS event source mapping (maximum concurrency, batches of ten, deletes of what
 * the batch did not report as failed).
 */
import type { Container } from './container.js';

export type LambdaOutcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'killed'; readonly reason: string };

export type Handler<E, T> = (
  event: E,
  context: { getRemainingTimeInMillis(): number; awsRequestId: string },
) => Promise<T>;

/**
 * Runs one invocation in `container`; at `timeoutMs` an invocation still running is killed with the container. A
 * container that dies answers `killed` (its own promise never settles).
 */
export function invoke<E, T>(
  container: Container,
  handler: Handler<E, T>,
  event: E,
  timeoutMs: number,
): Promise<LambdaOutcome<T>> {
  const started = Date.now();
  const context = {
    getRemainingTimeInMillis: () => Math.max(0, started + timeoutMs - Date.now()),
    awsRequestId: container.nextRequestId(),
  };
  return new Promise<LambdaOutcome<T>>((resolve) => {
    let over = false;
    const finish = (outcome: LambdaOutcome<T>) => {
      if (over) return;
      over = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const deadline = setTimeout(() => {
      container.kill('deadline', `Task timed out after ${timeoutMs / 1000} seconds`);
      finish({ kind: 'killed', reason: 'timeout' });
    }, timeoutMs);
    // A container killed by a fault at one of its I/O points ends its invocation at once.
    container.whenDead((reason) => finish({ kind: 'killed', reason }));
    handler(event, context).then(
      (value) => finish(container.dead ? { kind: 'killed', reason: 'died' } : { kind: 'ok', value }),
      (error: unknown) => finish(container.dead ? { kind: 'killed', reason: 'died' } : { kind: 'error', error }),
    );
  });
}
