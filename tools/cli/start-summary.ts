import type { RunSummary } from '../local/run-summary.js';

/** `label` and `text` as one line of the summary, `text` wrapped under its own column at 120 characters. */
function entry(label: string, text: string): string {
  const indent = ' '.repeat(16);
  const lines: string[] = [];
  let current = `  ${label.padEnd(13)} `;
  for (const word of text.split(' ')) {
    if (current.length + word.length > 120 && current.length > indent.length) {
      lines.push(current.trimEnd());
      current = indent;
    }
    current += `${word} `;
  }
  return [...lines, current.trimEnd()].join('\n');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Where the provider requests went, and whether any left this machine. */
function providerLine(summary: RunSummary): string {
  const targets = summary.providerTargets.join(' and ') || 'no provider';
  const local = summary.providerTargets.every((target) => target.startsWith('the local'));
  const duplicates = summary.duplicates === null ? '' : `, ${summary.duplicates} recipients delivered twice or more`;
  return (
    `${summary.providerRequests} requests to ${targets}${local ? ' (none left this machine)' : ''}, ` +
    `${summary.rejectedForRate ?? 0} rejected for rate, ${summary.abandoned ?? 0} abandoned${duplicates}`
  );
}

/** The failed: their classes, how many fell outside the 24-hour window and why, and the reasons given. */
function failedLines(summary: RunSummary): string[] {
  const classes =
    Object.entries(summary.failedByClass)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ') || 'none';
  const lines = [
    entry('failed', `${summary.failed} (${classes})${summary.malformed ? `, malformed ${summary.malformed}` : ''}`),
  ];
  if (summary.failedOutsideWindow > 0)
    lines.push(
      entry(
        'outside 24 h',
        `${summary.failedOutsideWindow} of the failed are outside Messenger's 24-hour window` +
          `${summary.outsideWindowNote ? ` (${summary.outsideWindowNote})` : ''}`,
      ),
    );
  for (const { reason, count } of summary.failedReasons) lines.push(entry('  reason', `${count} x ${reason}`));
  return lines;
}

/** Why the skipped were skipped: ` (outside the 24-hour window 300, ...)`, or nothing when none was. */
function skippedWhy(summary: RunSummary): string {
  const reasons = summary.skippedBy.map(({ reason, count }) => `${reason} ${count}`).join(', ');
  return reasons ? ` (${reasons})` : '';
}

/** How the run ended, and the end-of-run event as the local bus received it. */
function endLines(summary: RunSummary): string[] {
  if (!summary.ended) return [entry('ended', 'not yet (the run is still open)')];
  const event = summary.runEvent;
  if (!event) return [entry('ended', `${summary.ended.ending}: ${summary.ended.cause}`), entry('run event', 'none')];
  // The event as a subscriber gets its detail, indented under its own column.
  const detail = JSON.stringify(event.detail, null, 2).replaceAll('\n', `\n${' '.repeat(16)}`);
  return [
    entry('ended', `${summary.ended.ending}: ${summary.ended.cause}`),
    entry('run event', `"${event.detailType}" on ${event.bus}, from ${event.source}:`),
    `${' '.repeat(16)}${detail}`,
  ];
}

/** What came back through the webhook receiver after the run (--receipts). */
function receiptsLine(receipts: NonNullable<RunSummary['receipts']>): string {
  const refused = receipts.refused > 0 ? `, ${receipts.refused} refused` : '';
  return (
    `${receipts.delivered} delivered, ${receipts.read} read, ${receipts.optedOut} opted out ` +
    `(${receipts.bodies} signed webhook bodies to the receiver${refused})`
  );
}

/** The summary of `notifier start` as the terminal shows it (--json prints the object instead). */
export function renderSummary(summary: RunSummary): string {
  const share =
    summary.shareOfRate === null ? '' : ` (${(summary.shareOfRate * 100).toFixed(1)} % of the provider's rate)`;
  return [
    `run ${summary.runId}`,
    ...(summary.audience ? [entry('audience', summary.audience)] : []),
    ...(summary.reach ? [entry('reach', summary.reach)] : []),
    entry('planned', String(summary.planned)),
    entry('sent', String(summary.sent)),
    entry('skipped', `${summary.skipped}${skippedWhy(summary)}`),
    ...failedLines(summary),
    entry('retried', `${summary.retried} (rate-limited answers ${summary.rateLimited})`),
    entry('dead-lettered', String(summary.deadLettered)),
    ...endLines(summary),
    entry(
      'duration',
      `${seconds(summary.durationMs)} from the planner's start to the last outcome ` +
        `(start-up before it: ${seconds(summary.startupMs)})`,
    ),
    entry('throughput', `${summary.throughputPerSecond} sends/s`),
    ...(summary.sustainedPerSecond === null
      ? []
      : [entry('sustained', `${summary.sustainedPerSecond} sends/s${share}`)]),
    entry('provider', providerLine(summary)),
    ...(summary.receipts ? [entry('receipts', receiptsLine(summary.receipts))] : []),
    entry('handler logs', summary.logFile),
  ].join('\n');
}

/** What several jobs of one run came to together; the DLQ, which they share, counted once. */
export interface RunTotals {
  planned: number;
  enqueued: number;
  sent: number;
  skipped: number;
  failed: number;
  deadLettered: number;
  /** From the first tick until the last job's run settled. */
  durationMs: number;
}

export function runTotals(summaries: readonly RunSummary[]): RunTotals {
  const sum = (key: 'planned' | 'enqueued' | 'sent' | 'skipped' | 'failed') =>
    summaries.reduce((total, summary) => total + summary[key], 0);
  return {
    planned: sum('planned'),
    enqueued: sum('enqueued'),
    sent: sum('sent'),
    skipped: sum('skipped'),
    failed: sum('failed'),
    deadLettered: Math.max(0, ...summaries.map((summary) => summary.deadLettered)),
    durationMs: Math.max(0, ...summaries.map((summary) => summary.tickedAfterMs + summary.durationMs)),
  };
}

/** The --json summary of several jobs: each job's, then their totals. */
export const multiJobSummary = (summaries: readonly RunSummary[]) => ({
  jobs: summaries,
  total: runTotals(summaries),
});

/** The summary of several jobs: each job's, its tick and its first acceptance first, then their totals. */
export function renderJobs(summaries: readonly RunSummary[]): string {
  const total = runTotals(summaries);
  const jobs = summaries.map((summary) => {
    const first =
      summary.firstAcceptedAfterMs === null ? 'none' : `${seconds(summary.firstAcceptedAfterMs)} after its tick`;
    return [
      `job ${summary.job}`,
      entry('ticked', `${seconds(summary.tickedAfterMs)} after the first tick; first acceptance ${first}`),
      renderSummary(summary),
    ].join('\n');
  });
  const totals = [
    `all ${summaries.length} jobs`,
    entry('planned', String(total.planned)),
    entry('sent', String(total.sent)),
    entry('skipped', String(total.skipped)),
    entry('failed', String(total.failed)),
    entry('dead-lettered', `${total.deadLettered} (the jobs share the queue's DLQ)`),
    entry('duration', `${seconds(total.durationMs)} from the first tick to the last outcome`),
  ].join('\n');
  return [...jobs, totals].join('\n\n');
}
