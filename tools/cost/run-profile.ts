import type { CostInput } from './input.js';
import type { RegionPrices } from './prices.js';
import { enqueue, plannerTiming } from './run-planner.js';
import { receives, senderRun } from './run-sender.js';
import { groupItemBytes, type TableUsage, tableUsage } from './run-tables.js';
import { escapedRecipientBytes, recipientsFittingBody } from './task-body.js';

/** What one run does, from which the monthly lines follow. */
export interface RunProfile {
  readonly notifications: number;
  /** Tasks, i.e. SQS messages and group items. */
  readonly messages: number;
  /** Recipients a full task carries: recipientsPerTask, unless MAX_TASK_BYTES stops the body first. */
  readonly recipientsPerFullTask: number;
  /** Bytes of a full task's body and of its group item once recorded. */
  readonly taskBodyBytes: number;
  readonly groupItemBytes: number;
  readonly pages: number;
  readonly plannerWorkMs: number;
  readonly pagesPerPlannerInvocation: number;
  readonly plannerInvocations: number;
  readonly continuations: number;
  readonly plannerBilledMs: number;
  readonly senderBatches: number;
  readonly senderContainers: number;
  /** Notifications in a full batch: batch_size tasks of recipients each. */
  readonly deliveriesPerBatch: number;
  /** Sends in flight per invocation (NOTIFIER_SENDER_PARALLELISM). */
  readonly parallelism: number;
  /** Per full batch: overhead + tasks x per-task + notifications x per-notification + waves x latency. */
  readonly latencyBoundMsPerBatch: number;
  /** The sender's own handler time per full batch, at its memory's share of a CPU. */
  readonly workMsPerBatch: number;
  /** Per full batch: the pacer's share of the channel rate (rate / maximum concurrency). */
  readonly pacedMsPerBatch: number;
  readonly pacingBound: boolean;
  readonly senderBilledMs: number;
  /** ProviderLatency values the senders' EMF lines carry in the run (at most 100 a line). */
  readonly latencyValuesLogged: number;
  readonly sendSeconds: number;
  readonly runSeconds: number;
  readonly notificationsPerSecond: number;
  readonly sqs: {
    readonly sendCalls: number;
    readonly sendRequests: number;
    readonly receiveCalls: number;
    readonly receiveRequests: number;
    readonly deleteCalls: number;
    readonly deleteRequests: number;
  };
  readonly table: TableUsage;
}

export function runProfile(input: CostInput, prices: RegionPrices): RunProfile {
  const chunk = prices.sqs.chunkBytes;
  const recipientBytes = escapedRecipientBytes(input);
  const perTask = Math.min(input.recipientsPerTask, recipientsFittingBody(input));
  const bodyBytes = (recipients: number) => input.taskHeadBytes + recipients * recipientBytes;
  const tasks = enqueue(input, { perTask, bodyBytes }, chunk);
  const recipientsPerMessage = input.audience / tasks.messages;
  const planner = plannerTiming(input, tasks.pages);
  const sender = senderRun(input, tasks.messages, recipientsPerMessage);
  const received = receives(input, sender.batches, bodyBytes(recipientsPerMessage), chunk);
  const table = tableUsage(input, {
    ...tasks,
    perTask,
    plannerInvocations: planner.plannerInvocations,
    batches: sender.batches.count,
    containers: sender.containers,
    sendSeconds: sender.sendSeconds,
  });
  return {
    notifications: input.audience,
    messages: tasks.messages,
    recipientsPerFullTask: perTask,
    taskBodyBytes: bodyBytes(perTask),
    groupItemBytes: groupItemBytes(input, perTask),
    pages: tasks.pages,
    plannerWorkMs: planner.plannerWorkMs,
    pagesPerPlannerInvocation: planner.pagesPerPlannerInvocation,
    plannerInvocations: planner.plannerInvocations,
    continuations: planner.plannerInvocations - 1,
    plannerBilledMs: planner.plannerBilledMs,
    senderBatches: sender.batches.count,
    senderContainers: sender.containers,
    deliveriesPerBatch: Math.min(input.senderBatchSize, tasks.messages) * recipientsPerMessage,
    parallelism: input.senderParallelism,
    latencyBoundMsPerBatch: sender.full.latencyBound,
    workMsPerBatch: sender.full.work,
    pacedMsPerBatch: sender.full.paced,
    pacingBound: sender.full.paced > sender.full.latencyBound,
    senderBilledMs: sender.senderBilledMs,
    latencyValuesLogged: sender.latencyValuesLogged,
    sendSeconds: sender.sendSeconds,
    runSeconds: Math.max(planner.plannerWorkMs / 1000, sender.sendSeconds),
    notificationsPerSecond: input.audience / Math.max(sender.sendSeconds, Number.EPSILON),
    sqs: {
      sendCalls: tasks.sendCalls,
      sendRequests: tasks.sendRequests,
      receiveCalls: received.calls,
      receiveRequests: received.requests,
      // DeleteMessageBatch carries receipt handles only (~0.5 KB each): one billed request per call.
      deleteCalls: received.calls,
      deleteRequests: received.calls,
    },
    table,
  };
}
