// The tables of docs/COST.md, computed by the model: `node_modules/.bin/node --import tsx tools/cost/report.ts`
// prints them as Markdown; `--write` replaces the generated block of docs/COST.md with them.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  BENCH_RUN,
  billedUnits,
  type CostEstimate,
  type CostLine,
  type CostOverrides,
  DEFAULT_INPUT,
  escapedRecipientBytes,
  estimateMonthlyCost,
  TARGET_USD_PER_MILLION,
  writeUnits,
} from './model.js';
import { CHECKED, PRICE_LABELS, PRICES, type Price } from './prices.js';

const BEGIN = '<!-- BEGIN GENERATED: node_modules/.bin/node --import tsx tools/cost/report.ts --write -->';
const END = '<!-- END GENERATED -->';
const COST_MD = new URL('../../docs/COST.md', import.meta.url);

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format;
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format;
const usd = (value: number) => `$${value.toFixed(value !== 0 && Math.abs(value) < 0.005 ? 4 : 2)}`;
const ms = (value: number) => `${decimal(value)} ms`;
const range = ([low, high]: readonly number[]) => `${decimal(low ?? 0)}–${decimal(high ?? 0)} ms`;
const status = (price: Price) => (price.status === 'confirmed' ? '' : ` (${price.status})`);
const share = (part: number, whole: number) => ((part / whole) * 100).toFixed(0);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const boundBy = ({ run }: CostEstimate) => (run.pacingBound ? 'paced' : 'latency-bound');
const target = ({ perMillionUsd }: CostEstimate) =>
  perMillionUsd <= TARGET_USD_PER_MILLION ? 'met' : `over by ${usd(perMillionUsd - TARGET_USD_PER_MILLION)}`;
const lineRow = (entry: CostLine) => {
  const amount = Math.abs(entry.quantity) >= 100 ? integer(entry.quantity) : decimal(entry.quantity);
  const price = `$${entry.price.usd} per ${entry.price.per}${status(entry.price)}`;
  return [entry.service, entry.item, `${amount} ${entry.unit}`, price, usd(entry.usd)];
};

/** A Markdown table, its columns padded to their widest cell as a Markdown formatter would leave them. */
function rows(header: string[], body: string[][]): string {
  const widths = header.map((_, column) => Math.max(3, ...[header, ...body].map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/** The measured durations and sizes the defaults come from, with the run that measured them. */
function measuredTable(): string {
  const { machine, sender, stack, planner, sizes, initMs } = BENCH_RUN;
  const head =
    `\`${BENCH_RUN.command}\` at ${BENCH_RUN.measuredAt} on ${machine.cpuModel} x${machine.cores}, ` +
    `${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}; load average ${machine.loadAverageAtStart[0]} ` +
    `at the start, ${machine.loadAverageAtEnd[0]} at the end; ${stack.database}, ${stack.dynamodb}, ${stack.sqs}. ` +
    `Sender batches: ${sender.batches} of each shape, ${sender.parallelism} sends in flight, unpaced.`;
  const { groupItemBaseBytes: base, groupOutcomeBytes, providerMessageIdBytes: messageId } = DEFAULT_INPUT;
  const group = (recipients: number) => base + recipients * (groupOutcomeBytes + messageId);
  const body = [
    [
      `planner, per 1,000 recipients (${planner.runs} runs of ${integer(planner.audience)}, ` +
        `${sizes.taskRecipients} recipients per task)`,
      ms(planner.msPer1000),
      range(planner.quartilesMsPer1000),
    ],
    ...Object.values(sender.shapes).map((shape) => [
      `sender, ${plural(shape.tasks, 'task')} of ${plural(shape.perTask, 'recipient')} ` +
        `at ${shape.latency ? `${sender.latencyMs} ms latency` : 'latency 0'}`,
      `${ms(shape.medianMs)} (model: ${ms(shape.modelMs)})`,
      range(shape.quartilesMs),
    ]),
    [
      '→ sender per batch / per task / per notification (least squares, latency 0)',
      `${ms(sender.overheadMsPerBatch)} / ${ms(sender.perTaskMs)} / ${ms(sender.perNotificationMs)}`,
    ],
    ['INIT (cold import) planner / sender', `${ms(initMs.planner)} / ${ms(initMs.sender)}`],
    [
      'log bytes: planner per 1,000 recipients / sender per invocation + per send (its latency value)',
      `${planner.logBytesPer1000} B / ${sender.logBytesPerInvocation} B + ${decimal(sender.logBytesPerSend)} B`,
    ],
    [
      `task body: envelope + per recipient (a task of ${sizes.taskRecipients})`,
      `${decimal(sizes.taskHeadBytes)} B + ${decimal(sizes.taskRecipientBytes)} B (${decimal(sizes.taskBodyBytes)} B)`,
    ],
    [
      `→ per recipient with ${DEFAULT_INPUT.taskNonAsciiUnitsPerRecipient} non-ASCII code unit(s) ` +
        'escaped as \\uXXXX (assumed, not measured: the bench audience is ASCII)',
      `${decimal(escapedRecipientBytes(DEFAULT_INPUT))} B`,
    ],
    [
      `group item as recorded, 1 / 10 recipients (sandbox message ids of ${sizes.sandboxMessageIdBytes} B)`,
      `${sizes.groupItemBytes1} B / ${sizes.groupItemBytes10} B`,
    ],
    [
      `→ group item: base + per outcome with a ${messageId}-byte Messenger message id; 1 / 10 recipients`,
      `${base} B + ${groupOutcomeBytes + messageId} B; ${group(1)} B / ${group(10)} B`,
    ],
    ['run item (without open counts)', `${sizes.runItemBytes} B`],
  ];
  return `${head}\n\n${rows(['measure', 'median', 'quartiles'], body)}`;
}

function priceTable(): string {
  const regions = Object.entries(PRICES);
  const body = PRICE_LABELS.map(([key, label]) => {
    const { per, page } = PRICES['us-east-1'][key];
    const cells = regions.map(([, prices]) => `$${prices[key].usd}${status(prices[key])}`);
    return [label, per, ...cells, CHECKED, `[page](${page})`];
  });
  return rows(['price', 'per', ...regions.map(([region]) => region), 'checked', 'source'], body);
}

function itemised(estimate: CostEstimate): string {
  const { dominant, totalUsd } = estimate;
  const table = rows(
    ['service', 'item', 'quantity a month', 'price', 'USD a month'],
    [
      ...estimate.lines.map(lineRow),
      ['', '**total**', '', '', `**${usd(totalUsd)}**`],
      ['', '**per million notifications**', '', '', `**${usd(estimate.perMillionUsd)}**`],
    ],
  );
  const services = Object.entries(estimate.byService)
    .sort(([, a], [, b]) => b - a)
    .map(([service, value]) => `${service} ${usd(value)} (${share(value, totalUsd)} %)`);
  return (
    `${table}\n\nBy service: ${services.join(', ')}. Largest line: **${dominant.item}**, ${usd(dominant.usd)} ` +
    `(${share(dominant.usd, totalUsd)} % of the total).`
  );
}

function runTable({ run, input, operations }: CostEstimate): string {
  const { claim, record, run: runItem } = run.unitsPerWrite;
  const units = (price: string, index = false) =>
    operations
      .filter((entry) => entry.price === price && (!index || entry.index))
      .reduce((sum, entry) => sum + (index ? entry.units : billedUnits(entry)), 0);
  return rows(
    ['quantity', 'value'],
    [
      [
        'recipients, tasks (SQS messages and group items)',
        `${integer(run.notifications)}, ${integer(run.messages)} of ${run.recipientsPerFullTask} recipients`,
      ],
      ['task body, group item as recorded', `${decimal(run.taskBodyBytes)} B, ${decimal(run.groupItemBytes)} B`],
      ['audience pages (SendMessageBatch calls)', `${integer(run.pages)} (${integer(run.sqs.sendCalls)})`],
      [
        'planner invocations (continuations)',
        `${run.plannerInvocations} (${run.continuations}); ${decimal(run.plannerBilledMs / 1000)} s billed incl. INIT`,
      ],
      [
        'sender invocations (batches of tasks), containers',
        `${integer(run.senderBatches)} (${input.senderBatchSize} tasks, ${decimal(run.deliveriesPerBatch)} ` +
          `notifications each), ${run.senderContainers}`,
      ],
      [
        'sender ms per batch: latency-bound / paced / billed',
        `${decimal(run.latencyBoundMsPerBatch)} / ${decimal(run.pacedMsPerBatch)} / ${run.billedMsPerBatch} ` +
          `(${run.pacingBound ? 'paced' : 'latency-bound'}; ${input.senderParallelism} sends in flight)`,
      ],
      [
        'sending time, throughput',
        `${decimal(run.sendSeconds / 60)} min, ${decimal(run.notificationsPerSecond)} notifications/s`,
      ],
      ['WRU per write: claim / record a group / run item', `${claim} / ${record} / ${runItem}`],
      [
        'ledger WRU (of which by-job index), RRU (config and suppression list)',
        `${integer(units('writes'))} (${integer(units('writes', true))}), ${integer(units('reads'))}`,
      ],
    ],
  );
}

/** The webhook receiver, off by default: its own figure per million events, not in the pipeline's bill. */
function receiverSection({ receiver, input }: CostEstimate): string {
  const table = rows(
    ['service', 'item', 'quantity per million events', 'price', 'USD'],
    [
      ...receiver.perMillionLines.map(lineRow),
      ['', '**per million receiver events**', '', '', `**${usd(receiver.perMillionUsd)}**`],
    ],
  );
  return (
    `${table}\n\nOne event per POST (the worst case: Meta batches events); ${input.receiverMemoryMb} MB, ` +
    `${input.architecture}. \`notifier cost --receiver-events N\` prices N events a month beside the bill.`
  );
}

function alwaysOnSection(base: CostEstimate): string {
  const { alwaysOn } = base;
  const table = rows(
    ['service', 'item', 'quantity a month', 'price', 'USD a month'],
    [...alwaysOn.lines.map(lineRow), ['', '**total**', '', '', `**${usd(alwaysOn.totalUsd)}**`]],
  );
  const breakEven = alwaysOn.breakEvenAudience === null ? 'never' : integer(alwaysOn.breakEvenAudience);
  return (
    `${table}\n\nAt the default scenario it costs ${usd(alwaysOn.perMillionUsd)} per million notifications ` +
    `against ${usd(base.perMillionUsd)} for the serverless pipeline. The worker becomes the cheaper one above ` +
    `**${breakEven} recipients per daily run**.`
  );
}

function audienceSection(base: CostEstimate): string {
  const body = [10_000, 1_000_000, 10_000_000].flatMap((audience) =>
    [1, 24].map((runsPerDay) => {
      const estimate = estimateMonthlyCost({ audience, runsPerDay });
      const late = estimate.run.runSeconds > 86_400 / runsPerDay ? ' ⚠' : '';
      const isDefault = audience === DEFAULT_INPUT.audience && runsPerDay === DEFAULT_INPUT.runsPerDay;
      return [
        `${integer(audience)} x ${runsPerDay}${isDefault ? ' (default)' : ''}`,
        integer(estimate.notificationsPerMonth),
        `${usd(estimate.totalUsd)}${late}`,
        usd(estimate.perMillionUsd),
        `${decimal(estimate.run.runSeconds / 60)} min`,
        `${estimate.run.plannerInvocations}`,
        usd(estimate.alwaysOn.perMillionUsd),
      ];
    }),
  );
  const header = ['audience x runs/day', 'notifications a month', 'USD a month', 'per million', 'run time'];
  return (
    `${rows([...header, 'planner invocations', 'always-on per million'], body)}\n\n` +
    `⚠ the run does not fit the interval between runs at the channel's ${base.input.channelRatePerSecond}/s ` +
    '(the model still prices it, as if the rate allowed it).'
  );
}

function variantsTable(): string {
  const { recipientsPerTask, senderParallelism, groupItemBaseBytes, groupOutcomeBytes } = DEFAULT_INPUT;
  // The largest group whose recorded item stays within 1 KB: one write unit to record it.
  const outcome = groupOutcomeBytes + DEFAULT_INPUT.providerMessageIdBytes;
  let oneKb = 1;
  while (oneKb < 50 && writeUnits(groupItemBaseBytes + (oneKb + 1) * outcome) === 1) oneKb++;
  const variants: [string, CostOverrides][] = [
    [`shipped defaults (recipientsPerTask ${recipientsPerTask})`, {}],
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
    [`sender batch_size 10 (still ${senderParallelism} sends in flight)`, { senderBatchSize: 10 }],
    ['ledger_ttl_days 14', { ledgerTtlDays: 14 }],
    ['architecture x86_64', { architecture: 'x86_64' }],
    ['region eu-west-1', { region: 'eu-west-1' }],
  ];
  const body = variants.map(([label, overrides]) => {
    const estimate = estimateMonthlyCost(overrides);
    const { dominant } = estimate;
    const cells = [usd(estimate.totalUsd), usd(estimate.perMillionUsd), target(estimate)];
    return [label, ...cells, `${dominant.item} (${usd(dominant.usd)})`];
  });
  return rows(['variant', 'USD a month', 'per million', `target ${usd(TARGET_USD_PER_MILLION)}`, 'largest line'], body);
}

function latencyTable(base: CostEstimate): string {
  const body = [50, 150, 500, 1000].map((latencyMs) => {
    const estimate = estimateMonthlyCost({ latencyMs });
    const compute = estimate.lines.find((entry) => entry.item.startsWith('sender compute'));
    const billed = `${estimate.run.billedMsPerBatch} ms (${boundBy(estimate)})`;
    return [`${latencyMs} ms`, billed, usd(compute?.usd ?? 0), usd(estimate.perMillionUsd)];
  });
  const batch = `billed per batch (${base.input.senderBatchSize} tasks of ${base.run.recipientsPerFullTask})`;
  return rows(['latency', batch, 'sender compute a month', 'per million'], body);
}

export function renderCostReport(): string {
  const base = estimateMonthlyCost();
  const { machine } = BENCH_RUN;
  const sections: [string, string][] = [
    ['Measured handler durations', measuredTable()],
    ['Price table', priceTable()],
    ['The default scenario, itemised (us-east-1)', itemised(base)],
    ['What one run does', runTable(base)],
    ['The webhook receiver (off by default), per million events', receiverSection(base)],
    ['Compared with an always-on worker', alwaysOnSection(base)],
    ['Sensitivity: audience and runs per day', audienceSection(base)],
    ['Settings, design variants and the other region', variantsTable()],
    ['Sensitivity: provider latency', latencyTable(base)],
  ];
  return [
    BEGIN,
    '',
    `Computed ${BENCH_RUN.measuredAt.slice(0, 10)} durations (${machine.cpuModel} x${machine.cores}, ` +
      `Node ${machine.node}), prices checked ${CHECKED}.`,
    '',
    ...sections.flatMap(([heading, text]) => [`### ${heading}`, '', text, '']),
    END,
  ].join('\n');
}

/** docs/COST.md as it is, and as it would be with the generated block rendered anew. */
export function costDoc(): { current: string; rendered: string } {
  const current = readFileSync(COST_MD, 'utf8');
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/COST.md has no generated block (${BEGIN} ... ${END})`);
  return { current, rendered: `${current.slice(0, start)}${renderCostReport()}${current.slice(end + END.length)}` };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--write')) {
    writeFileSync(COST_MD, costDoc().rendered);
    process.stdout.write('docs/COST.md updated\n');
  } else {
    process.stdout.write(`${renderCostReport()}\n`);
  }
}
