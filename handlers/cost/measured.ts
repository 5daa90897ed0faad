import durations from '../../bench/results/durations.json' with { type: 'json' };

/**
 * The handler measurements the cost model defaults to, read from bench/results/durations.json (written by
 * `node_modules/.bin/node --import tsx bench/handler-durations.ts`). Re-run the bench after a handler change and the
 * model's defaults follow.
 */
export const MEASURED = {
  source: 'bench/results/durations.json',
  measuredAt: durations.measuredAt,
  command: durations.command,
  machine: `${durations.machine.cpuModel} x${durations.machine.cores}, Node ${durations.machine.node}`,
  plannerMsPer1000: durations.planner.msPer1000,
  plannerLogBytesPer1000: durations.planner.logBytesPer1000,
  senderOverheadMsPerBatch: durations.sender.overheadMsPerBatch,
  senderMsPerNotification: durations.sender.perNotificationMs,
  senderLogBytesPerInvocation: durations.sender.logBytesPerBatch10,
  taskBodyBytes: durations.sizes.taskBodyBytes,
  /**
   * The sandbox answers with 13-byte message ids; the Send API's `message_id` is about 90 bytes, and the delivery item
   * stores it as `providerMessageId`.
   */
  deliveryItemBytes: durations.sizes.deliveryItemBytes + 80,
  initMs: durations.initMs,
} as const;
