import type { EnqueueFailure } from '../aws/queue.js';
import type { Semaphore } from '../core/limiter.js';
import type { GroupedTask } from '../core/task.js';
import type { PlannerDeps } from './deps.js';
import { planRejections } from './rejections.js';

/** Enqueue failures the planner could not get past: the invocation fails and the retry resumes from the cursor. */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
}

export interface PageEnqueue {
  /** Tasks that still failed on SQS's side: the page is not done. */
  readonly unsent: readonly EnqueueFailure[];
  /** Recipients whose own single-recipient task SQS rejected. */
  readonly failed: readonly { recipientId: string; reason: string }[];
  /** Groups SQS rejected, whose recipients were sent again one a task. */
  readonly split: readonly EnqueueFailure[];
}

/**
 * Enqueues a page's tasks. A group SQS rejects as the sender's fault is sent again one recipient a task, so one
 * recipient's data fails that recipient only. When tasks are still unsent the page fails and is retried whole, so
 * the split waits for that retry.
 */
export async function enqueuePage(
  enqueue: PlannerDeps['enqueue'],
  tasks: readonly GroupedTask[],
  slots: Semaphore,
): Promise<PageEnqueue> {
  const first = await enqueue(tasks, slots);
  const plan = planRejections(tasks, first.rejected);
  if (plan.resend.length === 0 || first.unsent.length > 0)
    return { unsent: first.unsent, failed: plan.failed, split: [] };
  const second = await enqueue(plan.resend, slots);
  // Every re-sent task has one recipient: a rejection now is that recipient's failure.
  const alone = planRejections(plan.resend, second.rejected);
  return {
    unsent: second.unsent,
    failed: [...plan.failed, ...alone.failed],
    split: first.rejected.filter((rejection) => (tasks[rejection.index]?.recipients.length ?? 0) > 1),
  };
}
