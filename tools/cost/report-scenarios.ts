import { writeUnits } from './billing.js';
import { type CostOverrides, DEFAULT_INPUT } from './input.js';
import { MEASURED } from './measured.js';
import { type CostEstimate, estimateMonthlyCost, TARGET_USD_PER_MILLION } from './model.js';
import { decimal, integer, lineRow, rows, usd } from './report-format.js';

/** The tables of docs/COST.md that the model computes: the default scenario and how it moves with its settings. */

const billedPerBatch = (estimate: CostEstimate) =>
  Math.ceil(Math.max(estimate.run.latencyBoundMsPerBatch, estimate.run.pacedMsPerBatch));
const targetCell = (estimate: CostEstimate) =>
  estimate.target.met ? 'met' : `over by ${usd(estimate.target.overByUsd)}`;
const share = (part: number, whole: number) => ((part / whole) * 100).toFixed(0);

export function itemised(estimate: CostEstimate): string {
  const body = estimate.lines.map(lineRow);
  body.push(['', '**total**', '', '', `**${usd(estimate.totalUsd)}**`]);
  body.push(['', '**per million notifications**', '', '', `**${usd(estimate.perMillionUsd)}**`]);
  const table = rows(['service', 'item', 'quantity a month', 'price', 'USD a month'], body);
  const services = Object.entries(estimate.byService)
    .sort(([, a], [, b]) => b - a)
    .map(([service, value]) => `${service} ${usd(value)} (${share(value, estimate.totalUsd)} %)`)
    .join(', ');
  const { dominant } = estimate;
  return (
    `${table}\n\nBy service: ${services}. ` +
    `Largest line: **${dominant.item}**, ${usd(dominant.usd)} ` +
    `(${share(dominant.usd, estimate.totalUsd)} % of the total).`
  );
}

export function runTable(estimate: CostEstimate): string {
  const { run, input } = estimate;
  const { table } = run;
  return rows(
    ['quantity', 'value'],
    [
      [
        'recipients, tasks (SQS messages and group items)',
        `${integer.format(run.notifications)}, ` +
          `${integer.format(run.messages)} of ${run.recipientsPerFullTask} recipients`,
      ],
      [
        'task body, group item as recorded',
        `${decimal.format(run.taskBodyBytes)} B, ${decimal.format(run.groupItemBytes)} B`,
      ],
      [
        'audience pages (SendMessageBatch calls)',
        `${integer.format(run.pages)} (${integer.format(run.sqs.sendCalls)})`,
      ],
      [
        'planner invocations (continuations)',
        `${run.plannerInvocations} (${run.continuations}); ` +
          `${decimal.format(run.plannerBilledMs / 1000)} s billed incl. INIT`,
      ],
      [
        'sender invocations (batches of tasks), containers',
        `${integer.format(run.senderBatches)} ` +
          `(${input.senderBatchSize} tasks, ${decimal.format(run.deliveriesPerBatch)} notifications each), ` +
          `${run.senderContainers}`,
      ],
      [
        'sender ms per batch: latency-bound / paced / billed',
        `${decimal.format(run.latencyBoundMsPerBatch)} / ${decimal.format(run.pacedMsPerBatch)} / ` +
          `${billedPerBatch(estimate)} (${run.pacingBound ? 'paced' : 'latency-bound'}; ` +
          `${run.parallelism} sends in flight)`,
      ],
      [
        'sending time, throughput',
        `${decimal.format(run.sendSeconds / 60)} min, ${decimal.format(run.notificationsPerSecond)} notifications/s`,
      ],
      [
        'WRU per write: claim / record a group / run item',
        `${table.unitsPerWrite.claim} / ${table.unitsPerWrite.record} / ${table.unitsPerWrite.run}`,
      ],
      [
        'ledger WRU (of which by-job index), config RRU',
        `${integer.format(table.ledgerWriteUnits + table.indexWriteUnits)} ` +
          `(${integer.format(table.indexWriteUnits)}), ${integer.format(table.configReadUnits)}`,
      ],
    ],
  );
}

/** The default with and without the ledger, in the other region and on the other architecture. */
export function comparisonTable(base: CostEstimate, noLedger: CostEstimate): string {
  const ireland = estimateMonthlyCost({ region: 'eu-west-1' });
  const x86 = estimateMonthlyCost({ architecture: 'x86_64' });
  return rows(
    ['scenario', 'USD a month', 'per million', `target ${usd(TARGET_USD_PER_MILLION)}`],
    [
      ['us-east-1, arm64, ledger on (default)', usd(base.totalUsd), usd(base.perMillionUsd), targetCell(base)],
      [
        'us-east-1, arm64, ledger off',
        usd(noLedger.totalUsd),
        usd(noLedger.perMillionUsd),
        '(stated with the ledger on)',
      ],
      ['eu-west-1, arm64, ledger on', usd(ireland.totalUsd), usd(ireland.perMillionUsd), targetCell(ireland)],
      ['us-east-1, x86_64, ledger on', usd(x86.totalUsd), usd(x86.perMillionUsd), targetCell(x86)],
    ],
  );
}

export function alwaysOnSection(base: CostEstimate, noLedger: CostEstimate): string[] {
  const breakEven = base.alwaysOn.breakEvenAudience;
  const breakEvenOff = noLedger.alwaysOn.breakEvenAudience;
  const table = rows(
    ['service', 'item', 'quantity a month', 'price', 'USD a month'],
    [...base.alwaysOn.lines.map(lineRow), ['', '**total**', '', '', `**${usd(base.alwaysOn.totalUsd)}**`]],
  );
  return [
    table,
    '',
    `At the default scenario it costs ${usd(base.alwaysOn.perMillionUsd)} per million notifications ` +
      `against ${usd(base.perMillionUsd)} for the serverless pipeline ` +
      `with the ledger (${usd(noLedger.perMillionUsd)} without). ` +
      `The worker becomes the cheaper one ` +
      `above **${breakEven === null ? 'never' : integer.format(breakEven)} recipients per daily run** ` +
      `with the ledger on, and above ${breakEvenOff === null ? 'never' : integer.format(breakEvenOff)} without it.`,
  ];
}

function audienceRow(label: string, overrides: CostOverrides): string[] {
  const on = estimateMonthlyCost(overrides);
  const off = estimateMonthlyCost({ ...overrides, ledger: false });
  const fits = on.run.runSeconds > 86_400 / on.input.runsPerDay ? ' ⚠' : '';
  return [
    label,
    integer.format(on.notificationsPerMonth),
    `${usd(on.totalUsd)}${fits}`,
    usd(on.perMillionUsd),
    usd(off.totalUsd),
    usd(off.perMillionUsd),
    `${decimal.format(on.run.runSeconds / 60)} min`,
    on.run.plannerInvocations > 1 ? `${on.run.plannerInvocations}` : '1',
    usd(on.alwaysOn.perMillionUsd),
  ];
}

export function audienceSection(base: CostEstimate): string[] {
  const header = ['audience x runs/day', 'notifications a month', 'ledger on', 'per million', 'ledger off'];
  return [
    rows(
      [...header, 'per million', 'run time', 'planner invocations', 'always-on per million'],
      [
        audienceRow('10,000 x 1', { audience: 10_000, runsPerDay: 1 }),
        audienceRow('10,000 x 24', { audience: 10_000, runsPerDay: 24 }),
        audienceRow('1,000,000 x 1 (default)', { audience: 1_000_000, runsPerDay: 1 }),
        audienceRow('1,000,000 x 24', { audience: 1_000_000, runsPerDay: 24 }),
        audienceRow('10,000,000 x 1', { audience: 10_000_000, runsPerDay: 1 }),
        audienceRow('10,000,000 x 24', { audience: 10_000_000, runsPerDay: 24 }),
      ],
    ),
    '',
    `⚠ the run does not fit the interval between runs at the channel's ${base.input.channelRatePerSecond}/s ` +
      `(the model still prices it, as if the rate allowed it).`,
  ];
}

/** The largest group whose recorded item stays within 1 KB: one write unit to record it. */
function largestOneKbGroup(): number {
  const outcomeBytes = MEASURED.groupOutcomeBytes + DEFAULT_INPUT.providerMessageIdBytes;
  let recipients = 1;
  while (recipients < 50 && writeUnits(MEASURED.groupItemBaseBytes + (recipients + 1) * outcomeBytes) === 1)
    recipients++;
  return recipients;
}

export function variantsTable(): string {
  const oneKb = largestOneKbGroup();
  const variants: [string, CostOverrides][] = [
    [`shipped defaults (recipientsPerTask ${DEFAULT_INPUT.recipientsPerTask})`, {}],
    ['recipientsPerTask 1: the per-recipient ledger (drops repeats across pages too)', { recipientsPerTask: 1 }],
    [`recipientsPerTask ${oneKb}: the largest group item within 1 KB`, { recipientsPerTask: oneKb }],
    ['recipientsPerTask 25', { recipientsPerTask: 25 }],
    ['recipientsPerTask 50 (the maximum)', { recipientsPerTask: 50 }],
    [
      'ten senders, batch_size 10, parallelism 10 (each paced to a tenth of the rate)',
      { senderMaximumConcurrency: 10, senderBatchSize: 10, senderParallelism: 10 },
    ],
    ['sender maximum_concurrency 4', { senderMaximumConcurrency: 4 }],
    ['sender memory_size 512 MB', { senderMemoryMb: 512 }],
    [`sender batch_size 10 (still ${DEFAULT_INPUT.senderParallelism} sends in flight)`, { senderBatchSize: 10 }],
    ['ledger_ttl_days 14', { ledgerTtlDays: 14 }],
  ];
  return rows(
    ['variant', 'USD a month', 'per million', `target ${usd(TARGET_USD_PER_MILLION)}`, 'largest line'],
    variants.map(([label, overrides]) => {
      const estimate = estimateMonthlyCost(overrides);
      const { dominant } = estimate;
      const cells = [usd(estimate.totalUsd), usd(estimate.perMillionUsd), targetCell(estimate)];
      return [label, ...cells, `${dominant.item} (${usd(dominant.usd)})`];
    }),
  );
}

export function latencyTable(base: CostEstimate): string {
  const body = [50, 150, 500, 1000].map((latencyMs) => {
    const estimate = estimateMonthlyCost({ latencyMs });
    const senderCompute = estimate.lines.find((entry) => entry.item.startsWith('sender compute'));
    return [
      `${latencyMs} ms`,
      `${billedPerBatch(estimate)} ms (${estimate.run.pacingBound ? 'paced' : 'latency-bound'})`,
      usd(senderCompute?.usd ?? 0),
      usd(estimate.perMillionUsd),
    ];
  });
  const batch = `billed per batch (${base.input.senderBatchSize} tasks of ${base.run.recipientsPerFullTask})`;
  return rows(['latency', batch, 'sender compute a month', 'per million'], body);
}
