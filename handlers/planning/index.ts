import { parsePlannerEvent } from '../config/planner-event.js';
import type { LambdaContext } from '../core/lambda-context.js';
import { runIdFor } from '../core/run-id.js';
import { createLogger } from '../observability/log.js';
import type { PlannerDeps, PlannerResult } from './deps.js';
import { startRun } from './lease.js';
import { planRun } from './run.js';

export type { PlannerDeps, PlannerResult } from './deps.js';
export { EnqueueError } from './page.js';

/**
 * The planner: one scheduler tick (or its continuation) takes the run's lease, reads the job's audience page by page
 * from the saved cursor and enqueues its tasks, then hands over or finishes the run.
 */
export function createPlanner(deps: PlannerDeps) {
  return async function plan(input: unknown, context: LambdaContext): Promise<PlannerResult> {
    const event = parsePlannerEvent(input);
    const runId = runIdFor(event.job, event.scheduledTime);
    const log = createLogger({ runId, job: event.job, requestId: context.awsRequestId });
    const started = await startRun({ deps, event, context, runId, log });
    return started.kind === 'stop' ? started.result : await planRun(started.scope, started.cursor);
  };
}
