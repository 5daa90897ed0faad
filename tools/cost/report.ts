// The tables of docs/COST.md, computed by the model: `node_modules/.bin/node --import tsx tools/cost/report.ts`
// prints them as Markdown; `--write` replaces the generated block of docs/COST.md with them.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_RUN as durations, MEASURED } from './measured.js';
import {
  type CostEstimate,
  type CostLine,
  type CostOverrides,
  DEFAULT_INPUT,
  escapedRecipientBytes,
  estimateMonthlyCost,
  TARGET_USD_PER_MILLION,
  writeUnits,
} from './model.js';
import { PRICES, type Price } from './prices.js';

const BEGIN = '<!-- BEGIN GENERATED: node_modules/.bin/node --import tsx tools/cost/report.ts --write -->';
const END = '<!-- END GENERATED -->';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const usd = (value: number) =>
  value !== 0 && Math.abs(value) < 0.005 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
const quantity = (entry: CostLine) =>
  `${Math.abs(entry.quantity) >= 100 ? integer.format(entry.quantity) : decimal.format(entry.quantity)} ${entry.unit}`;
const price = (entry: CostLine) =>
  `$${entry.price.usd} per ${entry.price.per}${entry.price.status === 'confirmed' ? '' : ` (${entry.price.status})`}`;
const rows = (header: string[], body: string[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...body.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

function measuredTable(): string {
  const { machine, planner, sender, sizes, initMs } = durations;
  const ms = (value: number) => `${decimal.format(value)} ms`;
  const range = ([low, high]: readonly number[]) => `${decimal.format(low ?? 0)}–${decimal.format(high ?? 0)} ms`;
  const shapes = Object.values(sender.shapes).map((shape) => [
    `sender, ${shape.tasks} task${shape.tasks === 1 ? '' : 's'} of ${shape.perTask} recipient${shape.perTask === 1 ? '' : 's'} at ${shape.latency ? `${sender.latencyMs} ms latency` : 'latency 0'}`,
    `${ms(shape.medianMs)} (model: ${ms(shape.modelMs)})`,
    range(shape.quartilesMs),
  ]);
  const messengerGroup = (recipients: number) =>
    MEASURED.groupItemBaseBytes + recipients * (MEASURED.groupOutcomeBytes + DEFAULT_INPUT.providerMessageIdBytes);
  return [
    `\`${durations.command}\` at ${durations.measuredAt} on ${machine.cpuModel} x${machine.cores}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}; load average ${machine.loadAverageAtStart[0]} at the start, ${machine.loadAverageAtEnd[0]} at the end; ${durations.stack.database}, ${durations.stack.dynamodb}, ${durations.stack.sqs}. Sender batches: ${sender.batches} of each shape, ${sender.parallelism} sends in flight, unpaced.`,
    '',
    rows(
      ['measure', 'median', 'quartiles'],
      [
        [
          `planner, per 1,000 recipients (${planner.runs} runs of ${integer.format(planner.audience)}, ${sizes.taskRecipients} recipients per task)`,
          ms(planner.msPer1000),
          range(planner.quartilesMsPer1000),
        ],
        ...shapes,
        [
          '→ sender per batch / per task / per notification (least squares, latency 0)',
          `${ms(sender.overheadMsPerBatch)} / ${ms(sender.perTaskMs)} / ${ms(sender.perNotificationMs)}`,
          '',
        ],
        ['INIT (cold import) planner / sender', `${ms(initMs.planner)} / ${ms(initMs.sender)}`, ''],
        [
          'log bytes: planner per 1,000 recipients / sender per invocation + per send (its latency value)',
          `${planner.logBytesPer1000} B / ${sender.logBytesPerInvocation} B + ${decimal.format(sender.logBytesPerSend)} B`,
          '',
        ],
        [
          `task body: envelope + per recipient (a task of ${sizes.taskRecipients})`,
          `${decimal.format(sizes.taskHeadBytes)} B + ${decimal.format(sizes.taskRecipientBytes)} B (${decimal.format(sizes.taskBodyBytes)} B)`,
          '',
        ],
        [
          `→ per recipient with ${DEFAULT_INPUT.taskNonAsciiUnitsPerRecipient} non-ASCII code unit(s) escaped as \\uXXXX (assumed, not measured: the bench audience is ASCII)`,
          `${decimal.format(escapedRecipientBytes(DEFAULT_INPUT))} B`,
          '',
        ],
        [
          `group item as recorded, 1 / 10 recipients (sandbox message ids of ${sizes.sandboxMessageIdBytes} B)`,
          `${sizes.groupItemBytes1} B / ${sizes.groupItemBytes10} B`,
          '',
        ],
        [
          `→ group item: base + per outcome with a ${DEFAULT_INPUT.providerMessageIdBytes}-byte Messenger message id; 1 / 10 recipients`,
          `${MEASURED.groupItemBaseBytes} B + ${MEASURED.groupOutcomeBytes + DEFAULT_INPUT.providerMessageIdBytes} B; ${messengerGroup(1)} B / ${messengerGroup(10)} B`,
          '',
        ],
        ['run item (without open counts)', `${sizes.runItemBytes} B`, ''],
      ],
    ),
  ].join('\n');
}

function priceTable(): string {
  const regions = Object.values(PRICES);
  const entries: [string, (region: (typeof regions)[number]) => Price][] = [
    ['Lambda requests', (region) => region.lambda.requests],
    ['Lambda compute, arm64', (region) => region.lambda.gbSecond.arm64],
    ['Lambda compute, x86_64', (region) => region.lambda.gbSecond.x86_64],
    ['EventBridge Scheduler invocations (after 14M free)', (region) => region.scheduler.invocations],
    ['SQS standard requests (per 64 KB chunk)', (region) => region.sqs.standardRequests],
    ['DynamoDB on-demand writes (after the Nov 2024 halving)', (region) => region.dynamodb.onDemandWrites],
    ['DynamoDB on-demand reads (after the Nov 2024 halving)', (region) => region.dynamodb.onDemandReads],
    ['DynamoDB provisioned WCU', (region) => region.dynamodb.provisionedWcuHour],
    ['DynamoDB provisioned RCU', (region) => region.dynamodb.provisionedRcuHour],
    ['DynamoDB storage', (region) => region.dynamodb.storageGbMonth],
    ['CloudWatch Logs ingestion', (region) => region.cloudwatch.logsIngestion],
    ['CloudWatch Logs storage', (region) => region.cloudwatch.logsStorage],
    ['CloudWatch custom metric (EMF)', (region) => region.cloudwatch.customMetric],
    ['CloudWatch standard alarm', (region) => region.cloudwatch.standardAlarm],
    ['CloudWatch dashboard', (region) => region.cloudwatch.dashboard],
    ['Data transfer out to the internet', (region) => region.dataTransfer.internetOutGb],
    ['EC2 m7g.large (always-on worker)', (region) => region.worker.instanceHour['m7g.large'] as Price],
    ['ElastiCache cache.t4g.small (Celery broker)', (region) => region.worker.brokerHour['cache.t4g.small'] as Price],
    ['EBS gp3', (region) => region.worker.ebsGp3GbMonth],
  ];
  const cell = (entry: Price) => `$${entry.usd}${entry.status === 'confirmed' ? '' : ` (${entry.status})`}`;
  const body = entries.map(([label, pick]) => {
    const first = pick(regions[0] as (typeof regions)[number]);
    return [label, first.per, ...regions.map((region) => cell(pick(region))), first.checked, `[page](${first.page})`];
  });
  return rows(['price', 'per', ...regions.map((region) => region.region), 'checked', 'source'], body);
}

function itemised(estimate: CostEstimate): string {
  const body = estimate.lines.map((entry) => [
    entry.service,
    entry.item,
    quantity(entry),
    price(entry),
    usd(entry.usd),
  ]);
  body.push(['', '**total**', '', '', `**${usd(estimate.totalUsd)}**`]);
  body.push(['', '**per million notifications**', '', '', `**${usd(estimate.perMillionUsd)}**`]);
  return rows(['service', 'item', 'quantity a month', 'price', 'USD a month'], body);
}

function byService(estimate: CostEstimate): string {
  const entries = Object.entries(estimate.byService).sort(([, a], [, b]) => b - a);
  return entries
    .map(([service, value]) => `${service} ${usd(value)} (${((value / estimate.totalUsd) * 100).toFixed(0)} %)`)
    .join(', ');
}

function scenario(label: string, overrides: CostOverrides): string[] {
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

export function renderCostReport(): string {
  const base = estimateMonthlyCost();
  const noLedger = estimateMonthlyCost({ ledger: false });
  const ireland = estimateMonthlyCost({ region: 'eu-west-1' });
  const x86 = estimateMonthlyCost({ architecture: 'x86_64' });
  const { run } = base;
  const sections: string[] = [];

  sections.push(
    `Computed ${MEASURED.measuredAt.slice(0, 10)} durations (${MEASURED.machine}), prices checked ${PRICES['us-east-1']?.lambda.requests.checked}.`,
  );
  sections.push(['### Measured handler durations', '', measuredTable()].join('\n'));
  sections.push(['### Price table', '', priceTable()].join('\n'));
  sections.push(
    `### The default scenario, itemised (us-east-1, ledger on)\n\n${itemised(base)}\n\nBy service: ${byService(base)}. Largest line: **${base.dominant.item}**, ${usd(base.dominant.usd)} (${((base.dominant.usd / base.totalUsd) * 100).toFixed(0)} % of the total).`,
  );
  sections.push(
    [
      '### What one run does',
      '',
      rows(
        ['quantity', 'value'],
        [
          [
            'recipients, tasks (SQS messages and group items)',
            `${integer.format(run.notifications)}, ${integer.format(run.messages)} of ${run.recipientsPerFullTask} recipients`,
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
            `${run.plannerInvocations} (${run.continuations}); ${decimal.format(run.plannerBilledMs / 1000)} s billed incl. INIT`,
          ],
          [
            'sender invocations (batches of tasks), containers',
            `${integer.format(run.senderBatches)} (${base.input.senderBatchSize} tasks, ${decimal.format(run.deliveriesPerBatch)} notifications each), ${run.senderContainers}`,
          ],
          [
            'sender ms per batch: latency-bound / paced / billed',
            `${decimal.format(run.latencyBoundMsPerBatch)} / ${decimal.format(run.pacedMsPerBatch)} / ${Math.ceil(Math.max(run.latencyBoundMsPerBatch, run.pacedMsPerBatch))} (${run.pacingBound ? 'paced' : 'latency-bound'}; ${run.parallelism} sends in flight)`,
          ],
          [
            'sending time, throughput',
            `${decimal.format(run.sendSeconds / 60)} min, ${decimal.format(run.notificationsPerSecond)} notifications/s`,
          ],
          [
            'WRU per write: claim / record a group / run item',
            `${run.table.unitsPerWrite.claim} / ${run.table.unitsPerWrite.record} / ${run.table.unitsPerWrite.run}`,
          ],
          [
            'ledger WRU (of which by-job index), config RRU',
            `${integer.format(run.table.ledgerWriteUnits + run.table.indexWriteUnits)} (${integer.format(run.table.indexWriteUnits)}), ${integer.format(run.table.configReadUnits)}`,
          ],
        ],
      ),
    ].join('\n'),
  );
  sections.push(
    [
      '### With and without the ledger, by region and architecture',
      '',
      rows(
        ['scenario', 'USD a month', 'per million', `target ${usd(TARGET_USD_PER_MILLION)}`],
        [
          [
            'us-east-1, arm64, ledger on (default)',
            usd(base.totalUsd),
            usd(base.perMillionUsd),
            base.target.met ? 'met' : `over by ${usd(base.target.overByUsd)}`,
          ],
          [
            'us-east-1, arm64, ledger off',
            usd(noLedger.totalUsd),
            usd(noLedger.perMillionUsd),
            '(stated with the ledger on)',
          ],
          [
            'eu-west-1, arm64, ledger on',
            usd(ireland.totalUsd),
            usd(ireland.perMillionUsd),
            ireland.target.met ? 'met' : `over by ${usd(ireland.target.overByUsd)}`,
          ],
          [
            'us-east-1, x86_64, ledger on',
            usd(x86.totalUsd),
            usd(x86.perMillionUsd),
            x86.target.met ? 'met' : `over by ${usd(x86.target.overByUsd)}`,
          ],
        ],
      ),
    ].join('\n'),
  );
  const breakEven = base.alwaysOn.breakEvenAudience;
  const breakEvenOff = noLedger.alwaysOn.breakEvenAudience;
  sections.push(
    [
      '### The always-on worker it replaces',
      '',
      rows(
        ['service', 'item', 'quantity a month', 'price', 'USD a month'],
        [
          ...base.alwaysOn.lines.map((entry) => [
            entry.service,
            entry.item,
            quantity(entry),
            price(entry),
            usd(entry.usd),
          ]),
          ['', '**total**', '', '', `**${usd(base.alwaysOn.totalUsd)}**`],
        ],
      ),
      '',
      `At the default scenario it costs ${usd(base.alwaysOn.perMillionUsd)} per million notifications against ${usd(base.perMillionUsd)} for the serverless pipeline with the ledger (${usd(noLedger.perMillionUsd)} without). ` +
        `The worker becomes the cheaper one above **${breakEven === null ? 'never' : integer.format(breakEven)} recipients per daily run** with the ledger on, and above ${breakEvenOff === null ? 'never' : integer.format(breakEvenOff)} without it.`,
    ].join('\n'),
  );
  sections.push(
    [
      '### Sensitivity: audience and runs per day',
      '',
      rows(
        [
          'audience x runs/day',
          'notifications a month',
          'ledger on',
          'per million',
          'ledger off',
          'per million',
          'run time',
          'planner invocations',
          'always-on per million',
        ],
        [
          scenario('10,000 x 1', { audience: 10_000, runsPerDay: 1 }),
          scenario('10,000 x 24', { audience: 10_000, runsPerDay: 24 }),
          scenario('1,000,000 x 1 (default)', { audience: 1_000_000, runsPerDay: 1 }),
          scenario('1,000,000 x 24', { audience: 1_000_000, runsPerDay: 24 }),
          scenario('10,000,000 x 1', { audience: 10_000_000, runsPerDay: 1 }),
          scenario('10,000,000 x 24', { audience: 10_000_000, runsPerDay: 24 }),
        ],
      ),
      '',
      `⚠ the run does not fit the interval between runs at the channel's ${base.input.channelRatePerSecond}/s (the model still prices it, as if the rate allowed it).`,
    ].join('\n'),
  );
  // The largest group whose recorded item stays within 1 KB: one write unit to record it.
  let oneKb = 1;
  while (
    oneKb < 50 &&
    writeUnits(
      MEASURED.groupItemBaseBytes + (oneKb + 1) * (MEASURED.groupOutcomeBytes + DEFAULT_INPUT.providerMessageIdBytes),
    ) === 1
  )
    oneKb++;
  const variants: [string, CostOverrides][] = [
    [`shipped defaults (recipientsPerTask ${DEFAULT_INPUT.recipientsPerTask})`, {}],
    ['recipientsPerTask 1: the per-recipient ledger (drops repeats across pages too)', { recipientsPerTask: 1 }],
    [`recipientsPerTask ${oneKb}: the largest group item within 1 KB`, { recipientsPerTask: oneKb }],
    ['recipientsPerTask 25', { recipientsPerTask: 25 }],
    ['recipientsPerTask 50 (the maximum)', { recipientsPerTask: 50 }],
    [
      'run counters not in the by-job index (projection INCLUDE without counters; not applied)',
      { ledgerIndexWrites: false },
    ],
    ['ledger on provisioned capacity, scaled around each run (not applied)', { ledgerCapacity: 'provisioned' }],
    [
      'ten senders, batch_size 10, parallelism 10 (each paced to a tenth of the rate)',
      { senderMaximumConcurrency: 10, senderBatchSize: 10, senderParallelism: 10 },
    ],
    ['sender maximum_concurrency 4', { senderMaximumConcurrency: 4 }],
    ['sender memory_size 512 MB', { senderMemoryMb: 512 }],
    [`sender batch_size 10 (still ${DEFAULT_INPUT.senderParallelism} sends in flight)`, { senderBatchSize: 10 }],
    ['ledger_ttl_days 14', { ledgerTtlDays: 14 }],
  ];
  sections.push(
    [
      '### Settings and design variants',
      '',
      rows(
        ['variant', 'USD a month', 'per million', `target ${usd(TARGET_USD_PER_MILLION)}`, 'largest line'],
        variants.map(([label, overrides]) => {
          const estimate = estimateMonthlyCost(overrides);
          return [
            label,
            usd(estimate.totalUsd),
            usd(estimate.perMillionUsd),
            estimate.target.met ? 'met' : `over by ${usd(estimate.target.overByUsd)}`,
            `${estimate.dominant.item} (${usd(estimate.dominant.usd)})`,
          ];
        }),
      ),
    ].join('\n'),
  );
  const latency = [50, 150, 500, 1000].map((latencyMs) => {
    const estimate = estimateMonthlyCost({ latencyMs });
    return [
      `${latencyMs} ms`,
      `${Math.ceil(Math.max(estimate.run.latencyBoundMsPerBatch, estimate.run.pacedMsPerBatch))} ms (${estimate.run.pacingBound ? 'paced' : 'latency-bound'})`,
      usd(estimate.lines.find((entry) => entry.item.startsWith('sender compute'))?.usd ?? 0),
      usd(estimate.perMillionUsd),
    ];
  });
  sections.push(
    [
      '### Sensitivity: provider latency',
      '',
      rows(
        [
          'latency',
          `billed per batch (${base.input.senderBatchSize} tasks of ${run.recipientsPerFullTask})`,
          'sender compute a month',
          'per million',
        ],
        latency,
      ),
    ].join('\n'),
  );
  return [BEGIN, '', ...sections.flatMap((section) => [section, '']), END].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = renderCostReport();
  if (process.argv.includes('--write')) {
    const path = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'COST.md');
    const current = readFileSync(path, 'utf8');
    const start = current.indexOf(BEGIN);
    const end = current.indexOf(END);
    if (start < 0 || end < start) throw new Error(`docs/COST.md has no generated block (${BEGIN} ... ${END})`);
    writeFileSync(path, `${current.slice(0, start)}${report}${current.slice(end + END.length)}`);
    process.stdout.write('docs/COST.md updated\n');
  } else {
    process.stdout.write(`${report}\n`);
  }
}
