import { EMF_MAX_VALUES } from '../../handlers/surface.js';
import { cpuSlowdown, lambdaBilledMs, SQS_BATCH_ENTRIES, split, sqsBilledRequests } from './billing.js';
import type { CostInput } from './input.js';

/**
 * What the senders do in one run: the event source mapping hands each invocation up to batch_size tasks; their sends
 * share the invocation's parallelism, and each container is paced to its share of the channel's rate.
 */

/** One batch's time: the handler's own work, the wait for its waves of sends, and the pacer's share of the rate. */
export interface BatchTime {
  /** The sender's own handler time, at its memory's share of a CPU. */
  readonly work: number;
  /** Overhead + tasks x per-task + notifications x per-notification + waves x latency. */
  readonly latencyBound: number;
  /** The pacer's share of the channel rate (rate / maximum concurrency). */
  readonly paced: number;
  readonly billed: number;
  /** ProviderLatency values its EMF line carries (at most 100 a line). */
  readonly logged: number;
}

export interface SenderRun {
  readonly batches: ReturnType<typeof split>;
  readonly containers: number;
  /** A full batch: batch_size tasks, or every task when there are fewer. */
  readonly full: BatchTime;
  readonly senderBilledMs: number;
  readonly latencyValuesLogged: number;
  readonly sendSeconds: number;
}

type SenderInput = Pick<
  CostInput,
  | 'durations'
  | 'senderMemoryMb'
  | 'senderParallelism'
  | 'latencyMs'
  | 'channelRatePerSecond'
  | 'senderMaximumConcurrency'
  | 'senderBatchSize'
>;

/** The time of a batch of `tasks` tasks of `recipientsPerTask` recipients on average. */
function batchTime(input: SenderInput, tasks: number, recipientsPerTask: number): BatchTime {
  const { durations } = input;
  // The handler time was measured on a whole core; a sender of less memory gets a share of one (cpuSlowdown).
  const slowdown = cpuSlowdown(input.senderMemoryMb);
  const ratePerContainer = input.channelRatePerSecond / input.senderMaximumConcurrency;
  const deliveries = tasks * recipientsPerTask;
  const lanes = Math.min(deliveries, input.senderParallelism);
  const work =
    (durations.senderOverheadMsPerBatch +
      tasks * durations.senderMsPerTask +
      deliveries * durations.senderMsPerNotification) *
    slowdown;
  const latencyBound = work + Math.ceil(deliveries / lanes) * input.latencyMs;
  const paced = (deliveries / ratePerContainer) * 1000;
  return {
    work,
    latencyBound,
    paced,
    billed: lambdaBilledMs(Math.max(latencyBound, paced)),
    logged: Math.min(deliveries, EMF_MAX_VALUES),
  };
}

/** The run's sender batches, containers and billed time for `messages` tasks of `recipientsPerTask` on average. */
export function senderRun(input: SenderInput, messages: number, recipientsPerTask: number): SenderRun {
  const batches = split(messages, input.senderBatchSize);
  const containers = Math.min(input.senderMaximumConcurrency, batches.count);
  const full = batchTime(input, Math.min(input.senderBatchSize, messages), recipientsPerTask);
  const last = batches.rest > 0 && batches.full > 0 ? batchTime(input, batches.rest, recipientsPerTask) : undefined;
  const fullBatches = batches.full > 0 ? batches.full : 1;
  const senderWorkMs = full.billed * fullBatches + (last?.billed ?? 0);
  return {
    batches,
    containers,
    full,
    senderBilledMs: senderWorkMs + containers * lambdaBilledMs(input.durations.senderInitMs),
    latencyValuesLogged: full.logged * fullBatches + (last?.logged ?? 0),
    sendSeconds: senderWorkMs / 1000 / Math.max(1, containers),
  };
}

/**
 * The event source mapping's ReceiveMessage calls and billed requests for the run's batches: one call per 10 tasks of
 * a batch, billed per 64 KB of bodies and receive overhead.
 */
export function receives(
  input: Pick<CostInput, 'senderBatchSize' | 'sqsReceiveOverheadBytesPerMessage'>,
  batches: SenderRun['batches'],
  averageBodyBytes: number,
  chunkBytes: number,
): { readonly calls: number; readonly requests: number } {
  const perMessage = averageBodyBytes + input.sqsReceiveOverheadBytesPerMessage;
  const perBatch = (size: number) => {
    const calls = split(size, SQS_BATCH_ENTRIES);
    return {
      calls: calls.count,
      requests:
        calls.full * sqsBilledRequests(SQS_BATCH_ENTRIES * perMessage, chunkBytes) +
        (calls.rest > 0 ? sqsBilledRequests(calls.rest * perMessage, chunkBytes) : 0),
    };
  };
  const full = perBatch(input.senderBatchSize);
  const last = batches.rest > 0 ? perBatch(batches.rest) : { calls: 0, requests: 0 };
  return { calls: full.calls * batches.full + last.calls, requests: full.requests * batches.full + last.requests };
}
