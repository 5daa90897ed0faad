import { type GroupedTask, groupTasks, parseTask } from '../core/task.js';

/** A task SQS refused for what it is (SenderFault): its position among the tasks sent, and SQS's answer. */
export interface Rejection {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

export interface RejectionPlan {
  /** Single-recipient tasks to send instead of the rejected groups. */
  readonly resend: GroupedTask[];
  /** Recipients whose own task was rejected: nothing else can carry them. */
  readonly failed: { recipientId: string; reason: string }[];
}

/**
 * The tasks a rejected group is sent again as: one per recipient, each group named after its recipient (`r:<id>`).
 * The names are stable, so a planner retrying the page re-sends the same groups and the ledger drops the copies, and
 * they never meet a cursor-named group (`c:`/`h:`).
 */
export function splitTask(task: GroupedTask): GroupedTask[] {
  const parsed = parseTask(task.body);
  // groupTasks wrote this body: a failure here is a bug, not bad input.
  if (!parsed.ok)
    throw new Error(
      `task "${task.key}" does not read back: ` +
        `${parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    );
  // With one recipient per task, groupTasks names each group after its recipient and needs no cursor.
  return groupTasks(
    parsed.task,
    parsed.task.recipients.map((recipient) => ({ cursor: '', recipient })),
    1,
  );
}

/**
 * What to do with the tasks SQS rejected: a group of several recipients is split so that one recipient's data cannot
 * fail the others; a task of one recipient is that recipient's failure, with SQS's reason. Rejections are matched to
 * tasks by position: two tasks may share a key.
 */
export function planRejections(tasks: readonly GroupedTask[], rejections: readonly Rejection[]): RejectionPlan {
  const plan: RejectionPlan = { resend: [], failed: [] };
  for (const { index, code, message } of rejections) {
    const task = tasks[index];
    if (!task) throw new Error(`SQS rejected task ${index} of ${tasks.length}, which was not sent`);
    if (task.recipients.length > 1) plan.resend.push(...splitTask(task));
    else
      plan.failed.push(
        ...task.recipients.map((recipientId) => ({ recipientId, reason: `SQS rejected the task: ${code} ${message}` })),
      );
  }
  return plan;
}
