import { HOURS_PER_MONTH, LOG_COMPRESSION, lambdaGbSeconds } from './billing.js';
import type { CostInput } from './input.js';
import type { RunProfile } from './run-profile.js';

/** A month of runs in the units AWS bills: what the cost lines and the free tier price. */
export interface MonthlyUsage {
  readonly runs: number;
  readonly hoursInMonth: number;
  readonly plannerRequests: number;
  readonly senderRequests: number;
  readonly plannerGbSeconds: number;
  readonly senderGbSeconds: number;
  readonly sqsRequests: {
    readonly send: number;
    readonly receive: number;
    readonly delete: number;
    /** Empty long polls of the idle event source mapping between runs. */
    readonly idle: number;
  };
  /** Group items the ledger holds at any time (ledgerTtlDays days' worth), and their GB-months; 0 without it. */
  readonly storedItems: number;
  readonly storageGbMonth: number;
  readonly logGb: number;
  readonly logStorageGbMonth: number;
  /** Custom metric names (the planner's continuations add one), hours with data, and the metric-months billed. */
  readonly metricNames: number;
  readonly metricActiveHours: number;
  readonly metricMonths: number;
  readonly egressGb: number;
}

function logBytesPerRun(input: CostInput, run: RunProfile): number {
  return (
    run.senderBatches * (input.senderLogBytesPerInvocation + input.platformLogBytesPerInvocation) +
    run.latencyValuesLogged * input.senderLogBytesPerSend +
    run.notifications * input.logBytesPerNotification +
    (run.notifications / 1000) * input.plannerLogBytesPer1000 +
    run.plannerInvocations * input.platformLogBytesPerInvocation
  );
}

export function monthlyUsage(input: CostInput, run: RunProfile): MonthlyUsage {
  const runs = input.runsPerDay * input.daysPerMonth;
  const hoursInMonth = input.daysPerMonth * 24;
  const idleSeconds = Math.max(0, input.daysPerMonth * 86_400 - runs * run.sendSeconds);
  // Items written each day stay for the TTL: the table holds ledgerTtlDays days' worth at any time.
  const held = input.ledger ? input.runsPerDay * input.ledgerTtlDays : 0;
  const logGb = (logBytesPerRun(input, run) * runs) / 1e9;
  const metricNames = 4 + (run.continuations > 0 ? 1 : 0);
  const metricActiveHours = Math.min(hoursInMonth, runs * Math.max(1, Math.ceil(run.runSeconds / 3600)));
  return {
    runs,
    hoursInMonth,
    plannerRequests: run.plannerInvocations * runs,
    senderRequests: run.senderBatches * runs,
    plannerGbSeconds: lambdaGbSeconds(run.plannerBilledMs, input.plannerMemoryMb) * runs,
    senderGbSeconds: lambdaGbSeconds(run.senderBilledMs, input.senderMemoryMb) * runs,
    sqsRequests: {
      send: run.sqs.sendRequests * runs,
      receive: run.sqs.receiveRequests * runs,
      delete: run.sqs.deleteRequests * runs,
      idle: Math.round((idleSeconds / input.sqsLongPollSeconds) * input.sqsIdlePollers),
    },
    storedItems: run.table.storedItems * held,
    storageGbMonth: (run.table.storedBytes * held) / 1e9,
    logGb,
    logStorageGbMonth: logGb * LOG_COMPRESSION * (Math.min(input.logRetentionDays, 3653) / 30),
    metricNames,
    metricActiveHours,
    metricMonths: (metricNames * 2 * metricActiveHours) / HOURS_PER_MONTH,
    egressGb: (run.notifications * input.egressBytesPerNotification * runs) / 1e9,
  };
}
