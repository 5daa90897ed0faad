import { collectOutcomes, createLedger, type JobConfig } from '../../handlers/surface.js';
import { describeReach, failedOutsideWindow } from '../common/window-policy.js';
import { deliveryFigures } from './delivery-figures.js';
import type { LocalRunOptions } from './run-options.js';
import type { Sandbox } from './servers.js';
import { queueDepth } from './sqs.js';
import type { Stack } from './stack.js';

export interface RunSummary {
  job: string;
  runId: string;
  planned: number;
  enqueued: number;
  sent: number;
  skipped: number;
  failed: number;
  failedByClass: Record<string, number>;
  /** Failed because the Send API refused them as outside the 24-hour messaging window (10/2018278). */
  failedOutsideWindow: number;
  /** The job's recipient kind and messaging type, and what they mean for people outside the window (describeReach). */
  reach: string | null;
  malformed: number;
  retried: number;
  rateLimited: number;
  deadLettered: number;
  providerRequests: number | null;
  /** From the planner's start until the run settled. */
  durationMs: number;
  throughputPerSecond: number;
  /** The provider figures (tools/local/delivery-figures.ts): null with --graph-url, which this cannot observe. */
  sustainedPerSecond: number | null;
  shareOfRate: number | null;
  rejectedForRate: number | null;
  abandoned: number | null;
  duplicates: number | null;
  logFile: string;
}

/** Sums an EMF metric over every line the handlers wrote, the sender processes' included. */
function sumMetric(lines: readonly string[], name: string): number {
  let total = 0;
  for (const line of lines) {
    if (!line.includes('"_aws"') || !line.includes(`"${name}"`)) continue;
    const value = (JSON.parse(line) as Record<string, unknown>)[name];
    if (typeof value === 'number') total += value;
  }
  return total;
}

export interface SummaryInput {
  readonly options: LocalRunOptions;
  readonly job: JobConfig | undefined;
  readonly stack: Stack;
  readonly runId: string;
  readonly sandbox: Sandbox | undefined;
  readonly lines: readonly string[];
  readonly plannerStartedAt: number;
  readonly settledAt: number;
}

/** What the run came to: the ledger's counts, the failures by class, the DLQ, the metrics and the provider figures. */
export async function summarize({
  options,
  job,
  stack,
  runId,
  sandbox,
  lines,
  plannerStartedAt,
  settledAt,
}: SummaryInput): Promise<RunSummary> {
  const ledger = createLedger({ table: stack.names.ledger });
  const run = await ledger.runs.get(runId);
  const failedByClass: Record<string, number> = {};
  const { outcomes, malformed } = await collectOutcomes(ledger.table, runId);
  let failedOutside = 0;
  for (const { status, failureClass = 'unknown', reason } of outcomes) {
    if (status !== 'failed') continue;
    failedByClass[failureClass] = (failedByClass[failureClass] ?? 0) + 1;
    if (failedOutsideWindow(reason)) failedOutside++;
  }
  const deadLettered = await queueDepth(stack.sqs, stack.queues.dlqUrl);
  const span = {
    startedAt: plannerStartedAt,
    endedAt: settledAt,
    ...(options.provider.ratePerSecond ? { providerRate: options.provider.ratePerSecond } : {}),
  };
  const counts = sandbox?.counts();
  const figures =
    sandbox && counts
      ? deliveryFigures({ ...counts, acceptedAt: sandbox.deliveries.map((delivery) => delivery.at) }, span)
      : undefined;
  const durationMs = settledAt - plannerStartedAt;
  return {
    job: options.job,
    runId,
    planned: run?.planned ?? 0,
    enqueued: run?.enqueued ?? 0,
    sent: run?.sent ?? 0,
    skipped: run?.skipped ?? 0,
    failed: run?.failed ?? 0,
    failedByClass,
    failedOutsideWindow: failedOutside,
    reach: job ? describeReach(job).summary : null,
    malformed,
    retried: sumMetric(lines, 'Retried'),
    rateLimited: sumMetric(lines, 'RateLimited'),
    deadLettered: deadLettered.visible + deadLettered.inFlight,
    providerRequests: counts ? counts.requests : null,
    durationMs,
    throughputPerSecond: durationMs > 0 ? Math.round(((run?.sent ?? 0) / durationMs) * 1000 * 10) / 10 : 0,
    sustainedPerSecond:
      figures?.sustainedPerSecond === null || !figures ? null : Math.round(figures.sustainedPerSecond * 10) / 10,
    shareOfRate: figures?.shareOfRate ?? null,
    rejectedForRate: figures ? figures.rejectedForRate : null,
    abandoned: figures ? figures.abandoned : null,
    duplicates: figures ? figures.duplicates : null,
    logFile: options.logFile,
  };
}
