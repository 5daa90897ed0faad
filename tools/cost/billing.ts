/**
 * How AWS bills what the notifier does: the rounding rules and units each service's price applies to, as pure
 * functions and constants the run profile and the cost lines share.
 */

/** Hours AWS prorates a month over (custom metrics, EBS). */
export const HOURS_PER_MONTH = 730;
/** SQS batch APIs take at most 10 entries. */
export const SQS_BATCH_ENTRIES = 10;
/** DynamoDB bills storage on the item's bytes plus this overhead. */
export const ITEM_OVERHEAD_BYTES = 100;
/** CloudWatch Logs stores (and bills) log data compressed; JSON lines compress to roughly this fraction. */
export const LOG_COMPRESSION = 0.15;
/** Lambda gives a function one vCPU at this much memory, and a share of one in proportion below it. */
const LAMBDA_MB_PER_VCPU = 1769;

/** Requests SQS bills for one API call carrying `bytes` of payload: one per 64 KB chunk, at least one. */
export function sqsBilledRequests(bytes: number, chunkBytes = 64 * 1024): number {
  return Math.max(1, Math.ceil(bytes / chunkBytes));
}

/**
 * How much longer CPU-bound handler time takes on a function of `memoryMb` than on the whole core it was measured on.
 * An upper bound: the measured times also hold some waiting on the local emulators, which does not slow down.
 */
export function cpuSlowdown(memoryMb: number): number {
  return LAMBDA_MB_PER_VCPU / Math.min(LAMBDA_MB_PER_VCPU, memoryMb);
}

/** Lambda bills each invocation's duration rounded up to the millisecond. */
export function lambdaBilledMs(durationMs: number): number {
  return Math.ceil(durationMs);
}

/** Lambda GB-seconds of `billedMs` (whole milliseconds, summed over invocations) at `memoryMb`. */
export function lambdaGbSeconds(billedMs: number, memoryMb: number): number {
  return (billedMs / 1000) * (memoryMb / 1024);
}

/** DynamoDB write units for one standard write of an item: one per KB, rounded up. */
export function writeUnits(itemBytes: number): number {
  return Math.max(1, Math.ceil(itemBytes / 1024));
}

/** `total` in chunks of at most `size`: how many are full, what is left, and how many chunks in all. */
export function split(total: number, size: number): { full: number; rest: number; count: number } {
  const full = Math.floor(total / size);
  const rest = total % size;
  return { full, rest, count: full + (rest > 0 ? 1 : 0) };
}
