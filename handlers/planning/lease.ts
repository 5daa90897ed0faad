import { randomUUID } from 'node:crypto';
import type { RunEnds } from '../aws/run-events.js';
import type { PlannerEvent } from '../config/planner-event.js';
import type { LambdaContext } from '../core/lambda-context.js';
import type { Logger } from '../observability/log.js';
import type { PlannerDeps, PlannerResult, RunScope } from './deps.js';

export interface RunStart {
  readonly deps: PlannerDeps;
  readonly ends: RunEnds;
  readonly event: PlannerEvent;
  readonly context: LambdaContext;
  readonly runId: string;
  readonly log: Logger;
}

/** The run to plan, with the cursor its earlier invocations reached; or why this invocation plans nothing. */
export type Started =
  | { readonly kind: 'plan'; readonly scope: RunScope; readonly cursor: string | null }
  | { readonly kind: 'stop'; readonly result: PlannerResult };

/**
 * How long a planner's lease lasts past its last cursor write (one a second while pages complete). Shorter than the
 * minute Lambda waits before it retries a failed asynchronous invocation: the retry of a planner that crashed or timed
 * out finds the lease expired and resumes the run, instead of reading it as busy and leaving it in planning for good.
 * A live planner whose lease lapsed (a page slower than this) loses the run to whoever takes it over, and stops at its
 * next cursor write.
 */
export const PLANNER_LEASE_MS = 45_000;

/**
 * Loads the job and takes the run's lease: a disabled job, a finished run or one another invocation plans stop here.
 */
export async function startRun({ deps, ends, event, context, runId, log }: RunStart): Promise<Started> {
  const job = await deps.config.job(event.job).catch((error: unknown) => {
    log.error('the job cannot be loaded; nothing planned', { error });
    throw error;
  });
  if (!job.enabled) {
    log.info('job is disabled; nothing planned');
    return { kind: 'stop', result: { status: 'disabled', runId } };
  }

  const owner = context.awsRequestId ?? randomUUID();
  const leaseMs = () => Math.min(PLANNER_LEASE_MS, context.getRemainingTimeInMillis() + 5_000);
  const lease = await deps.ledger.runs.acquire({
    runId,
    job: job.id,
    scheduledTime: new Date(event.scheduledTime).toISOString(),
    owner,
    leaseMs: leaseMs(),
  });
  if (lease.kind === 'finished') {
    log.info('run already enqueued: repeated tick ignored');
    return { kind: 'stop', result: { status: 'already-finished', runId } };
  }
  if (lease.kind === 'busy') {
    log.info('run is being planned by another invocation: repeated tick ignored');
    return { kind: 'stop', result: { status: 'busy', runId } };
  }
  return {
    kind: 'plan',
    scope: { deps, event, context, runId, owner, job, log, leaseMs, ends },
    cursor: lease.run.cursor,
  };
}
