import { createLedger } from '../../handlers/surface.js';
import type { Progress } from './run-options.js';
import type { SenderFleet } from './sender-fleet.js';
import { queueDepth } from './sqs.js';
import type { PlannerOutcome, Stack } from './stack.js';

export interface Settling {
  readonly stack: Stack;
  readonly runId: string;
  readonly planning: Promise<PlannerOutcome[]>;
  readonly fleet: SenderFleet;
  readonly deadline: number;
  readonly started: number;
  /** What the progress line's time counts from, as the summary's duration does. */
  readonly plannerStartedAt: number;
  readonly check: () => void;
  readonly onProgress: (progress: Progress) => void;
  /**
   * Other jobs share the queue: the run has settled once its planner is done and every task it enqueued has an
   * outcome counted, or the queue is empty (what is left went to the DLQ).
   */
  readonly sharedQueue?: boolean;
}

/**
 * Polls the run until the planner is done and the queue is empty twice in a row; returns when it first was, after a
 * last progress report at that moment, so that the progress line ends on the summary's duration.
 */
export async function awaitSettled({
  stack,
  runId,
  planning,
  fleet,
  deadline,
  started,
  plannerStartedAt,
  check,
  onProgress,
  sharedQueue = false,
}: Settling): Promise<number> {
  const ledger = createLedger({ table: stack.names.ledger });
  let plannerSettled = false;
  let plannerError: Error | undefined;
  planning.then(
    (outcomes) => {
      plannerSettled = true;
      const failure = outcomes.find((outcome) => !outcome.ok);
      if (failure && !failure.ok) plannerError = failure.error;
    },
    (error: unknown) => {
      plannerSettled = true;
      plannerError = error as Error;
    },
  );
  let quietSince: number | undefined;
  let quiet = 0;
  for (;;) {
    check();
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 250)), fleet.crashed]);
    const observedAt = Date.now();
    const run = await ledger.runs.get(runId);
    const processed = (run?.sent ?? 0) + (run?.failed ?? 0) + (run?.skipped ?? 0);
    const progress = {
      planning: run?.status !== 'enqueued',
      planned: run?.planned ?? 0,
      processed,
      sent: run?.sent ?? 0,
      elapsedMs: observedAt - plannerStartedAt,
    };
    if (plannerError) throw new Error(`the planner failed: ${plannerError.message}`);
    const depth = await queueDepth(stack.sqs, stack.queues.queueUrl);
    // With other jobs on the queue, this run's planner is done once the run says so, whatever theirs do.
    const planned = plannerSettled || (sharedQueue && run?.status === 'enqueued');
    const counted = sharedQueue && run !== undefined && processed >= run.enqueued;
    const empty = planned && (counted || depth.visible + depth.inFlight === 0);
    quiet = empty ? quiet + 1 : 0;
    quietSince = empty ? (quietSince ?? observedAt) : undefined;
    // A quiet poll changes nothing on the line, and its time would pass the settled moment the last report gives.
    if (!empty) onProgress(progress);
    if (quiet >= 2) {
      onProgress({ ...progress, elapsedMs: (quietSince as number) - plannerStartedAt, settled: true });
      return quietSince as number;
    }
    if (Date.now() > deadline)
      throw new Error(
        `the run did not settle within ${deadline - started} ms ` +
          `(${processed} of ${run?.planned ?? '?'} processed); raise --timeout`,
      );
  }
}
