import { MAX_TASK_BYTES, RECORDING_RESERVE_MS } from '../../handlers/surface.js';
import { alwaysOnLines, breakEvenAudience } from './always-on.js';
import { type CostLine, formatCount, type Service, sumUsd } from './cost-line.js';
import { type CostInput, type CostOverrides, parseCostInput } from './input.js';
import { pricesFor } from './prices.js';
import { type RunProfile, runProfile } from './run-profile.js';
import { serverlessLines } from './serverless.js';
import { escapedRecipientBytes } from './task-body.js';

/**
 * Monthly AWS cost of the notifier for one job: what each scheduler tick makes the planner, the queue, the sender, the
 * tables and CloudWatch do (tools/cost/run-profile.ts), priced line by line with the region's list prices
 * (tools/cost/prices.ts), compared with an always-on worker. Pure: the same input gives the same estimate. The
 * input (tools/cost/input.ts) carries the handler durations, by default those measured into tools/cost/durations.json.
 *
 * @example
 * const estimate = estimateMonthlyCost({ audience: 1_000_000, runsPerDay: 1, region: 'eu-west-1' });
 * console.log(estimate.perMillionUsd, estimate.dominant.item);
 */

/** The cost target: a million notifications at the module's defaults, with the ledger on. */
export const TARGET_USD_PER_MILLION = 0.4;

export interface CostEstimate {
  readonly input: CostInput;
  readonly region: { readonly code: string; readonly name: string };
  readonly notificationsPerMonth: number;
  readonly run: RunProfile;
  readonly lines: readonly CostLine[];
  readonly byService: Readonly<Partial<Record<Service, number>>>;
  readonly totalUsd: number;
  readonly perMillionUsd: number;
  /** The most expensive line. */
  readonly dominant: CostLine;
  readonly target: { readonly perMillionUsd: number; readonly met: boolean; readonly overByUsd: number };
  readonly alwaysOn: {
    readonly lines: readonly CostLine[];
    readonly totalUsd: number;
    readonly perMillionUsd: number;
    readonly breakEvenAudience: number | null;
  };
  /** Where the scenario does not fit the settings (e.g. runs that take longer than the time between them). */
  readonly warnings: readonly string[];
}

/** Where the run does not fit the settings: each warning says what happens and what to change. */
function warningsFor(input: CostInput, run: RunProfile): string[] {
  const warnings: string[] = [];
  const interval = 86_400 / input.runsPerDay;
  const batchBudgetMs = input.senderTimeoutSeconds * 1000 - RECORDING_RESERVE_MS;
  const batchMs = Math.max(run.latencyBoundMsPerBatch, run.pacedMsPerBatch);
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  if (batchMs > batchBudgetMs)
    warnings.push(
      `a batch of ${Math.min(input.senderBatchSize, run.messages)} tasks ` +
        `(${formatCount(run.deliveriesPerBatch)} notifications) takes ${seconds(batchMs)} s ` +
        `but the sender may send for ${seconds(batchBudgetMs)} s ` +
        `(timeout ${input.senderTimeoutSeconds} s less the recording reserve): ` +
        `the rest of each batch goes back to the queue; lower batch_size or recipientsPerTask, or raise the timeout`,
    );
  if (run.workMsPerBatch > run.pacedMsPerBatch)
    warnings.push(
      `a sender of ${input.senderMemoryMb} MB needs ${seconds(run.workMsPerBatch)} s of CPU ` +
        `for a batch its share of the rate allows ${seconds(run.pacedMsPerBatch)} s: ` +
        `the senders cannot keep the channel rate; raise sender.memory_size or maximum_concurrency`,
    );
  if (run.recipientsPerFullTask < input.recipientsPerTask)
    warnings.push(
      `a task body stops at ${MAX_TASK_BYTES} B: ` +
        `${run.recipientsPerFullTask} recipients of ${escapedRecipientBytes(input)} B fit, ` +
        `not ${input.recipientsPerTask}`,
    );
  if (run.runSeconds > interval)
    warnings.push(
      `a run takes ${(run.runSeconds / 3600).toFixed(1)} h ` +
        `at ${Math.round(run.notificationsPerSecond)} notifications/s ` +
        `but runs start every ${(interval / 3600).toFixed(1)} h: ` +
        `the channel rate (${input.channelRatePerSecond}/s) cannot keep up, and the estimate assumes it could`,
    );
  return warnings;
}

/** The estimate for an input the schema has parsed. */
export function estimateCost(input: CostInput): CostEstimate {
  const prices = pricesFor(input.region);
  const run = runProfile(input, prices);
  const lines = serverlessLines(input, prices, run);
  const totalUsd = sumUsd(lines);
  const notificationsPerMonth = input.audience * input.runsPerDay * input.daysPerMonth;
  const perMillionUsd = (totalUsd / notificationsPerMonth) * 1e6;
  const byService: Partial<Record<Service, number>> = {};
  for (const entry of lines) byService[entry.service] = (byService[entry.service] ?? 0) + entry.usd;
  const worker = alwaysOnLines(input, prices);
  const workerUsd = sumUsd(worker);
  return {
    input,
    region: { code: prices.region, name: prices.name },
    notificationsPerMonth,
    run,
    lines,
    byService,
    totalUsd,
    perMillionUsd,
    dominant: lines.reduce((top, entry) => (entry.usd > top.usd ? entry : top)),
    target: {
      perMillionUsd: TARGET_USD_PER_MILLION,
      met: perMillionUsd <= TARGET_USD_PER_MILLION,
      overByUsd: Math.max(0, perMillionUsd - TARGET_USD_PER_MILLION),
    },
    alwaysOn: {
      lines: worker,
      totalUsd: workerUsd,
      perMillionUsd: (workerUsd / notificationsPerMonth) * 1e6,
      breakEvenAudience: breakEvenAudience(input, prices),
    },
    warnings: warningsFor(input, run),
  };
}

/** The estimate for the defaults with `overrides`; a CostInputError names a field out of range. */
export function estimateMonthlyCost(overrides: CostOverrides = {}): CostEstimate {
  return estimateCost(parseCostInput(overrides));
}
