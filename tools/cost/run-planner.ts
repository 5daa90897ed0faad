import { HANDOVER_RESERVE_MS } from '../../handlers/surface.js';
import { lambdaBilledMs, SQS_BATCH_ENTRIES, split, sqsBilledRequests } from './billing.js';
import type { CostInput } from './input.js';
import { plannerPageMs } from './input-checks.js';

/**
 * What the planner does in one run: pages of pageSize rows, each grouped into tasks and enqueued with
 * SendMessageBatch (10 tasks per call, billed per 64 KB of the call's bodies), in as many invocations as its timeout
 * needs.
 */

export interface Enqueued {
  readonly pages: number;
  /** Tasks of the whole run by the recipients they carry. */
  readonly tasksBySize: ReadonlyMap<number, number>;
  /** Tasks, i.e. SQS messages and group items. */
  readonly messages: number;
  readonly sendCalls: number;
  readonly sendRequests: number;
}

export interface PlannerTiming {
  readonly plannerWorkMs: number;
  readonly pagesPerPlannerInvocation: number;
  readonly plannerInvocations: number;
  /** Billed time of all invocations of a run, INIT included. */
  readonly plannerBilledMs: number;
}

/** The tasks the planner builds from a page of `rows` recipients, in order: full ones first, the short one last. */
function pageTaskSizes(rows: number, perTask: number): number[] {
  const sizes = Array.from({ length: Math.floor(rows / perTask) }, () => perTask);
  if (rows % perTask > 0) sizes.push(rows % perTask);
  return sizes;
}

/** The run's tasks and SendMessageBatch calls, for tasks of `perTask` recipients with bodies of `bodyBytes`. */
export function enqueue(
  input: Pick<CostInput, 'audience' | 'pageSize'>,
  task: { readonly perTask: number; readonly bodyBytes: (recipients: number) => number },
  chunkBytes: number,
): Enqueued {
  const pages = split(input.audience, input.pageSize);
  const tasksBySize = new Map<number, number>();
  let sendCalls = 0;
  let sendRequests = 0;
  for (const [rows, times] of [
    [input.pageSize, pages.full],
    [pages.rest, pages.rest > 0 ? 1 : 0],
  ] as const) {
    if (times === 0) continue;
    const sizes = pageTaskSizes(rows, task.perTask);
    for (const recipients of sizes) tasksBySize.set(recipients, (tasksBySize.get(recipients) ?? 0) + times);
    for (let first = 0; first < sizes.length; first += SQS_BATCH_ENTRIES) {
      const payload = sizes
        .slice(first, first + SQS_BATCH_ENTRIES)
        .reduce((sum, recipients) => sum + task.bodyBytes(recipients), 0);
      sendCalls += times;
      sendRequests += sqsBilledRequests(payload, chunkBytes) * times;
    }
  }
  const messages = [...tasksBySize.values()].reduce((sum, count) => sum + count, 0);
  return { pages: pages.count, tasksBySize, messages, sendCalls, sendRequests };
}

/**
 * The planner's invocations and billed time. Before each page it checks whether less than the handover reserve plus
 * twice its slowest page remains (the input's checks make sure a full page fits, so an invocation does at least one);
 * only the last page can be short, and it belongs to the last invocation.
 */
export function plannerTiming(
  input: Pick<CostInput, 'audience' | 'pageSize' | 'plannerTimeoutSeconds' | 'durations'>,
  pages: number,
): PlannerTiming {
  const { plannerMsPer1000, plannerInitMs } = input.durations;
  // The slowest page: a full one, or the whole audience when that is smaller.
  const pageMs = plannerPageMs(Math.min(input.pageSize, input.audience), input.durations);
  const budgetMs = input.plannerTimeoutSeconds * 1000 - HANDOVER_RESERVE_MS - 2 * pageMs;
  const pagesPerPlannerInvocation = Math.floor(budgetMs / pageMs) + 1;
  const plannerInvocations = Math.max(1, Math.ceil(pages / pagesPerPlannerInvocation));
  const billedFor = (rows: number) => lambdaBilledMs((rows / 1000) * plannerMsPer1000 + plannerInitMs);
  const lastInvocationRows = input.audience - (plannerInvocations - 1) * pagesPerPlannerInvocation * input.pageSize;
  return {
    plannerWorkMs: (input.audience / 1000) * plannerMsPer1000,
    pagesPerPlannerInvocation,
    plannerInvocations,
    plannerBilledMs:
      (plannerInvocations - 1) * billedFor(pagesPerPlannerInvocation * input.pageSize) + billedFor(lastInvocationRows),
  };
}
