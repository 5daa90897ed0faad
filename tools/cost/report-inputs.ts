import { DEFAULT_INPUT } from './input.js';
import { BENCH_RUN, MEASURED } from './measured.js';
import { PRICES, type Price } from './prices.js';
import { decimal, integer, rows } from './report-format.js';
import { escapedRecipientBytes } from './task-body.js';

/** The tables of docs/COST.md that show what the model is given: the measured durations and sizes, the prices. */

const ms = (value: number) => `${decimal.format(value)} ms`;
const range = ([low, high]: readonly number[]) => `${decimal.format(low ?? 0)}–${decimal.format(high ?? 0)} ms`;

/** The run the measurements come from: command, machine, emulators. */
function benchRunLine(): string {
  const { machine, sender, stack } = BENCH_RUN;
  return (
    `\`${BENCH_RUN.command}\` at ${BENCH_RUN.measuredAt} on ${machine.cpuModel} x${machine.cores}, ` +
    `${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}; ` +
    `load average ${machine.loadAverageAtStart[0]} at the start, ${machine.loadAverageAtEnd[0]} at the end; ` +
    `${stack.database}, ${stack.dynamodb}, ${stack.sqs}. ` +
    `Sender batches: ${sender.batches} of each shape, ${sender.parallelism} sends in flight, unpaced.`
  );
}

function timeRows(): string[][] {
  const { planner, sender, sizes, initMs } = BENCH_RUN;
  const shapes = Object.values(sender.shapes).map((shape) => [
    `sender, ${shape.tasks} task${shape.tasks === 1 ? '' : 's'} ` +
      `of ${shape.perTask} recipient${shape.perTask === 1 ? '' : 's'} ` +
      `at ${shape.latency ? `${sender.latencyMs} ms latency` : 'latency 0'}`,
    `${ms(shape.medianMs)} (model: ${ms(shape.modelMs)})`,
    range(shape.quartilesMs),
  ]);
  return [
    [
      `planner, per 1,000 recipients (${planner.runs} runs of ${integer.format(planner.audience)}, ` +
        `${sizes.taskRecipients} recipients per task)`,
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
  ];
}

function sizeRows(): string[][] {
  const { planner, sender, sizes } = BENCH_RUN;
  const messengerId = DEFAULT_INPUT.providerMessageIdBytes;
  const messengerGroup = (recipients: number) =>
    MEASURED.groupItemBaseBytes + recipients * (MEASURED.groupOutcomeBytes + messengerId);
  return [
    [
      'log bytes: planner per 1,000 recipients / sender per invocation + per send (its latency value)',
      `${planner.logBytesPer1000} B / ${sender.logBytesPerInvocation} B + ${decimal.format(sender.logBytesPerSend)} B`,
      '',
    ],
    [
      `task body: envelope + per recipient (a task of ${sizes.taskRecipients})`,
      `${decimal.format(sizes.taskHeadBytes)} B + ${decimal.format(sizes.taskRecipientBytes)} B ` +
        `(${decimal.format(sizes.taskBodyBytes)} B)`,
      '',
    ],
    [
      `→ per recipient with ${DEFAULT_INPUT.taskNonAsciiUnitsPerRecipient} non-ASCII code unit(s) ` +
        `escaped as \\uXXXX (assumed, not measured: the bench audience is ASCII)`,
      `${decimal.format(escapedRecipientBytes(DEFAULT_INPUT))} B`,
      '',
    ],
    [
      `group item as recorded, 1 / 10 recipients (sandbox message ids of ${sizes.sandboxMessageIdBytes} B)`,
      `${sizes.groupItemBytes1} B / ${sizes.groupItemBytes10} B`,
      '',
    ],
    [
      `→ group item: base + per outcome with a ${messengerId}-byte Messenger message id; 1 / 10 recipients`,
      `${MEASURED.groupItemBaseBytes} B + ${MEASURED.groupOutcomeBytes + messengerId} B; ` +
        `${messengerGroup(1)} B / ${messengerGroup(10)} B`,
      '',
    ],
    ['run item (without open counts)', `${sizes.runItemBytes} B`, ''],
  ];
}

export function measuredTable(): string {
  return [benchRunLine(), '', rows(['measure', 'median', 'quartiles'], [...timeRows(), ...sizeRows()])].join('\n');
}

type RegionTable = (typeof PRICES)[string];
const PRICE_ROWS: readonly (readonly [string, (region: RegionTable) => Price])[] = [
  ['Lambda requests', (region) => region.lambda.requests],
  ['Lambda compute, arm64', (region) => region.lambda.gbSecond.arm64],
  ['Lambda compute, x86_64', (region) => region.lambda.gbSecond.x86_64],
  ['EventBridge Scheduler invocations (after 14M free)', (region) => region.scheduler.invocations],
  ['SQS standard requests (per 64 KB chunk)', (region) => region.sqs.standardRequests],
  ['DynamoDB on-demand writes (after the Nov 2024 halving)', (region) => region.dynamodb.onDemandWrites],
  ['DynamoDB on-demand reads (after the Nov 2024 halving)', (region) => region.dynamodb.onDemandReads],
  ['DynamoDB storage', (region) => region.dynamodb.storageGbMonth],
  ['CloudWatch Logs ingestion', (region) => region.cloudwatch.logsIngestion],
  ['CloudWatch Logs storage', (region) => region.cloudwatch.logsStorage],
  ['CloudWatch custom metric (EMF)', (region) => region.cloudwatch.customMetric],
  ['CloudWatch standard alarm', (region) => region.cloudwatch.standardAlarm],
  ['CloudWatch dashboard', (region) => region.cloudwatch.dashboard],
  ['Data transfer out to the internet', (region) => region.dataTransfer.internetOutGb],
  ['EC2 m7g.large (always-on worker)', (region) => region.worker.instanceHour['m7g.large'] as Price],
  ['ElastiCache cache.t4g.small (queue broker)', (region) => region.worker.brokerHour['cache.t4g.small'] as Price],
  ['EBS gp3', (region) => region.worker.ebsGp3GbMonth],
];

export function priceTable(): string {
  const regions = Object.values(PRICES);
  const cell = (entry: Price) => `$${entry.usd}${entry.status === 'confirmed' ? '' : ` (${entry.status})`}`;
  const body = PRICE_ROWS.map(([label, pick]) => {
    const first = pick(regions[0] as RegionTable);
    return [label, first.per, ...regions.map((region) => cell(pick(region))), first.checked, `[page](${first.page})`];
  });
  return rows(['price', 'per', ...regions.map((region) => region.region), 'checked', 'source'], body);
}
