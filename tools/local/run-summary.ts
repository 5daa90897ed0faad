import { collectOutcomes, createLedger } from '../../handlers/surface.js';
import { describeReach, failedOutsideWindow } from '../common/window-policy.js';
import { deliveryFigures } from './delivery-figures.js';
import type { CapturedEvent } from './event-bus.js';
import { combineTallies, type ProviderTally } from './provider-tap.js';
import type { ReceiptsSummary } from './receipts-replay.js';
import type { LocalRunOptions, RunJob } from './run-options.js';
import { SAMPLE_WINDOW_NOTE, sampleAudienceNote } from './sample.js';
import type { Servers } from './servers.js';
import { queueDepth } from './sqs.js';
import type { Stack } from './stack.js';

export interface RunSummary {
  job: string;
  runId: string;
  /** For a sample job, how its audience comes out of the sample table ("100 opted out"); null otherwise. */
  audience: string | null;
  planned: number;
  enqueued: number;
  sent: number;
  skipped: number;
  /** Why the skipped were skipped, by the reason's head (the text before its first colon), most frequent first. */
  skippedBy: { reason: string; count: number }[];
  failed: number;
  failedByClass: Record<string, number>;
  /** Failed because the Send API refused them as outside the 24-hour messaging window (10/2018278). */
  failedOutsideWindow: number;
  /** Why the sample's recipients outside the window are there; null for your own audience. */
  outsideWindowNote: string | null;
  /** The reasons the failed were given, most frequent first (at most five). */
  failedReasons: { reason: string; count: number }[];
  /**
   * The job's recipient kind and messaging type, and what they mean for people outside the window (describeReach);
   * null for a webhook channel.
   */
  reach: string | null;
  malformed: number;
  /** How the run ended, as the ledger holds it; null when it has not. */
  ended: { ending: string; cause: string; endedAt: string } | null;
  /** The end-of-run event the local bus received for the run (the first, when a retry sent it again). */
  runEvent: CapturedEvent | null;
  /** The failed share the handlers emitted for the run (RunFailedPercent, what the failed-share alarm reads). */
  failedPercentMetric: number | null;
  retried: number;
  rateLimited: number;
  /** What the DLQ holds; with several jobs, the DLQ they share. */
  deadLettered: number;
  /** Every request the senders made to a provider, to whichever of `providerTargets` it went. */
  providerRequests: number;
  /** Where the requests went: "the local Messenger sandbox", or a real endpoint with --real-sends. */
  providerTargets: string[];
  /** From the planner's start until the run settled: what the progress line counts too. */
  durationMs: number;
  /** Starting the servers, the stack and the sender processes, before the planner started. */
  startupMs: number;
  /** When the job was ticked, after the run's first tick (0 for a job ticked at once). */
  tickedAfterMs: number;
  /**
   * From the tick to the provider's first acceptance of the run's provider figures: with several jobs, its Page's
   * (the Messenger sandbox tells Pages apart); null before any acceptance.
   */
  firstAcceptedAfterMs: number | null;
  throughputPerSecond: number;
  /** The provider figures (tools/local/delivery-figures.ts); duplicates null where a real provider cannot tell. */
  sustainedPerSecond: number | null;
  shareOfRate: number | null;
  rejectedForRate: number | null;
  abandoned: number | null;
  /** The provider's acceptances, a recipient accepted twice counted twice: the truth the counters are held to. */
  accepted: number;
  duplicates: number | null;
  /** With --receipts: what the sandbox reported back through the webhook receiver; null without. */
  receipts: ReceiptsSummary | null;
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

/** The highest value of an EMF metric over every line the handlers wrote; null when none carried it. */
function maxMetric(lines: readonly string[], name: string): number | null {
  let highest: number | null = null;
  for (const line of lines) {
    if (!line.includes('"_aws"') || !line.includes(`"${name}"`)) continue;
    const value = (JSON.parse(line) as Record<string, unknown>)[name];
    for (const each of Array.isArray(value) ? value : [value])
      if (typeof each === 'number') highest = Math.max(highest ?? each, each);
  }
  return highest;
}

/** The end-of-run event of `runId` among those the local bus received. */
export function runEventOf(events: readonly CapturedEvent[], runId: string): CapturedEvent | null {
  return events.find((event) => (event.detail as { runId?: unknown } | null)?.runId === runId) ?? null;
}

export interface SummaryInput {
  readonly options: LocalRunOptions;
  /** The job, its channel's type (the 24-hour window is Messenger's, and says nothing of a webhook) and its Page. */
  readonly job: RunJob;
  readonly receipts: ReceiptsSummary | undefined;
  readonly stack: Stack;
  readonly runId: string;
  readonly servers: Servers;
  readonly lines: readonly string[];
  readonly startedAt: number;
  readonly plannerStartedAt: number;
  readonly firstTickAt: number;
  readonly settledAt: number;
  /** Other jobs ran at the same time: the provider figures are the job's Page's, when the sandbox can tell. */
  readonly shared: boolean;
}

/** What the provider saw of the job: its Page's figures with several jobs on the Messenger sandbox, else all of it. */
function jobTally(servers: Servers, job: RunJob, shared: boolean) {
  const tallied = servers.taps.map((tap) => ({ tap, tally: tap.tally() }));
  const page: ProviderTally | undefined =
    shared && job.sandboxPage && servers.sandbox ? servers.sandbox.page(job.sandboxPage) : undefined;
  return { tallied, tally: page ?? combineTallies(tallied.map((entry) => entry.tally)) };
}

/** What the run came to: the ledger's counts, the failures by class, the DLQ, the metrics and the provider figures. */
export async function summarize({
  options,
  job,
  receipts,
  stack,
  runId,
  servers,
  lines,
  startedAt,
  plannerStartedAt,
  firstTickAt,
  settledAt,
  shared,
}: SummaryInput): Promise<RunSummary> {
  const ledger = createLedger({ table: stack.names.ledger });
  const run = await ledger.runs.get(runId);
  const failedByClass: Record<string, number> = {};
  const { outcomes, malformed } = await collectOutcomes(ledger.table, runId);
  let failedOutside = 0;
  const reasons = new Map<string, number>();
  const skippedBy = new Map<string, number>();
  for (const { status, failureClass = 'unknown', reason } of outcomes) {
    if (status === 'skipped') {
      const head = (reason ?? '(no reason recorded)').split(':')[0] as string;
      skippedBy.set(head, (skippedBy.get(head) ?? 0) + 1);
    }
    if (status !== 'failed') continue;
    failedByClass[failureClass] = (failedByClass[failureClass] ?? 0) + 1;
    if (failedOutsideWindow(reason)) failedOutside++;
    const text = reason ?? '(no reason recorded)';
    reasons.set(text, (reasons.get(text) ?? 0) + 1);
  }
  const deadLettered = await queueDepth(stack.sqs, stack.queues.dlqUrl);
  const providerRate = options.provider.pageLimits ? job.channelRate : options.provider.ratePerSecond;
  const span = { startedAt: plannerStartedAt, endedAt: settledAt, ...(providerRate ? { providerRate } : {}) };
  const { tallied, tally } = jobTally(servers, job, shared);
  const firstAccepted = tally.acceptedAt.length > 0 ? Math.min(...tally.acceptedAt) : undefined;
  const figures = deliveryFigures({ ...tally, duplicates: tally.duplicates ?? 0 }, span);
  const durationMs = settledAt - plannerStartedAt;
  return {
    job: job.tick.job,
    runId,
    audience: (servers.sample && sampleAudienceNote(job.tick.job, options.sampleSize)) || null,
    planned: run?.planned ?? 0,
    enqueued: run?.enqueued ?? 0,
    sent: run?.sent ?? 0,
    skipped: run?.skipped ?? 0,
    skippedBy: [...skippedBy].sort(([, a], [, b]) => b - a).map(([reason, count]) => ({ reason, count })),
    failed: run?.failed ?? 0,
    failedByClass,
    failedOutsideWindow: failedOutside,
    outsideWindowNote: servers.sample && failedOutside > 0 ? SAMPLE_WINDOW_NOTE : null,
    failedReasons: [...reasons]
      .sort(([, a], [, b]) => b - a)
      .slice(0, 5)
      .map(([reason, count]) => ({ reason, count })),
    reach: job.config && job.channelType === 'messenger' ? describeReach(job.config).summary : null,
    malformed,
    ended: run?.end ?? null,
    runEvent: runEventOf(stack.eventBus.capture.events, runId),
    failedPercentMetric: maxMetric(lines, 'RunFailedPercent'),
    retried: sumMetric(lines, 'Retried'),
    rateLimited: sumMetric(lines, 'RateLimited'),
    deadLettered: deadLettered.visible + deadLettered.inFlight,
    providerRequests: tally.requests,
    // The targets that were sent to; all of them when none was.
    providerTargets: (tallied.some(({ tally }) => tally.requests > 0)
      ? tallied.filter(({ tally }) => tally.requests > 0)
      : tallied
    ).map(({ tap }) => tap.label),
    durationMs,
    startupMs: firstTickAt - startedAt,
    tickedAfterMs: plannerStartedAt - firstTickAt,
    firstAcceptedAfterMs: firstAccepted === undefined ? null : firstAccepted - plannerStartedAt,
    throughputPerSecond: durationMs > 0 ? Math.round(((run?.sent ?? 0) / durationMs) * 1000 * 10) / 10 : 0,
    sustainedPerSecond: figures.sustainedPerSecond === null ? null : Math.round(figures.sustainedPerSecond * 10) / 10,
    shareOfRate: figures.shareOfRate,
    rejectedForRate: figures.rejectedForRate,
    abandoned: figures.abandoned,
    accepted: figures.accepted,
    duplicates: tally.duplicates,
    receipts: receipts ?? null,
    logFile: options.logFile,
  };
}
