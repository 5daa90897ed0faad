import { randomUUID } from 'node:crypto';
import { RunEnds } from '../aws/run-events.js';
import { type PlannerEvent, parsePlannerInput } from '../config/planner-event.js';
import type { LambdaContext } from '../core/lambda-context.js';
import { runIdFor } from '../core/run-id.js';
import { createLogger } from '../observability/log.js';
import type { PlannerDeps, PlannerResult } from './deps.js';
import { startRun } from './lease.js';
import { planRun } from './run.js';
import { watchRuns } from './watch.js';

export type { PlannerDeps, PlannerResult } from './deps.js';
export { EnqueueError } from './page.js';

/**
 * The planner: one scheduler tick (or its continuation) takes the run's lease, reads the job's audience page by page
 * from the saved cursor and enqueues its tasks, then hands over or finishes the run. The watch schedule's event looks
 * at the jobs' open runs instead (watch.ts).
 */
export function createPlanner(deps: PlannerDeps) {
  const ends = new RunEnds({ runs: deps.ledger.runs, metrics: deps.metrics, bus: deps.runEventBus });
  return async function plan(input: unknown, context: LambdaContext): Promise<PlannerResult> {
    const parsed = parsePlannerInput(input);
    if (parsed.kind === 'watch') {
      const owner = context.awsRequestId ?? randomUUID();
      const log = createLogger({ requestId: context.awsRequestId });
      return await watchRuns({ deps, ends, owner, log, now: Date.now() }, parsed.event);
    }
    return await tick(deps, ends, parsed.event, context);
  };
}

async function tick(deps: PlannerDeps, ends: RunEnds, event: PlannerEvent, context: LambdaContext) {
  const runId = runIdFor(event.job, event.scheduledTime);
  const log = createLogger({ runId, job: event.job, requestId: context.awsRequestId });
  const started = await startRun({ deps, ends, event, context, runId, log });
  return started.kind === 'stop' ? started.result : await planRun(started.scope, started.cursor);
}
