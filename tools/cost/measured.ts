import durations from './durations.json' with { type: 'json' };

/**
 * The handler measurements the cost model defaults to, read from tools/cost/durations.json, which
 * `node_modules/.bin/node --import tsx bench/handler-durations.ts` writes. Re-run the bench after a handler change and
 * the model's defaults follow.
 */
export const MEASURED = {
  source: 'tools/cost/durations.json',
  measuredAt: durations.measuredAt,
  command: durations.command,
  machine: `${durations.machine.cpuModel} x${durations.machine.cores}, Node ${durations.machine.node}`,
  plannerMsPer1000: durations.planner.msPer1000,
  plannerLogBytesPer1000: durations.planner.logBytesPer1000,
  senderOverheadMsPerBatch: durations.sender.overheadMsPerBatch,
  senderMsPerTask: durations.sender.perTaskMs,
  senderMsPerNotification: durations.sender.perNotificationMs,
  senderLogBytesPerInvocation: durations.sender.logBytesPerInvocation,
  senderLogBytesPerSend: durations.sender.logBytesPerSend,
  taskHeadBytes: durations.sizes.taskHeadBytes,
  taskRecipientBytes: durations.sizes.taskRecipientBytes,
  groupItemBaseBytes: durations.sizes.groupItemBaseBytes,
  /**
   * The sandbox answers with short message ids; the model adds the provider's own (Messenger's `message_id` is about
   * 90 bytes) to each outcome entry, which stores it as `m`.
   */
  groupOutcomeBytes: durations.sizes.groupOutcomeBytes - durations.sizes.sandboxMessageIdBytes,
  runItemBytes: durations.sizes.runItemBytes,
  initMs: durations.initMs,
} as const;

/** The whole bench run the measurements come from: its machine, samples and quartiles (docs/COST.md shows them). */
export const BENCH_RUN = durations;
