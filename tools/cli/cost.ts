import { parseArgs } from 'node:util';
import { MAX_RECIPIENTS_PER_TASK, MAX_TASK_BYTES } from '../../handlers/surface.js';
import type { CostLine } from '../cost/cost-line.js';
import { CostInputError, type CostOverrides, DEFAULT_INPUT } from '../cost/input.js';
import { MEASURED } from '../cost/measured.js';
import { type CostEstimate, estimateMonthlyCost } from '../cost/model.js';
import { PRICES, REGIONS } from '../cost/prices.js';
import { type NumberRange, numberOption, table, UsageError } from './io.js';

const d = DEFAULT_INPUT;

export const COST_HELP = `notifier cost [options]
  Monthly AWS cost of one job: itemised lines, total, cost per million notifications, and the always-on
  worker it replaces. Prices: tools/cost/prices.ts (dated, per region). Handler durations: measured by
  bench/handler-durations.ts (${MEASURED.measuredAt.slice(0, 10)}, ${MEASURED.machine}). Method: docs/COST.md.

  Workload
    --audience N               recipients per run (default ${d.audience})
    --runs-per-day N           scheduler ticks a day (default ${d.runsPerDay})
    --days N                   days a month (default ${d.daysPerMonth})
    --latency-ms MS            provider answer time per send (default ${d.latencyMs})
    --rate N                   the channel's ratePerSecond, shared by all senders (default ${d.channelRatePerSecond})
    --recipient-bytes N        bytes a recipient adds to a task body: id and template fields (default ${d.taskRecipientBytes}, measured)
    --non-ascii N              characters outside ASCII per recipient, on average, an emoji counting two: each
                               takes a 6-byte escape in the ASCII task body (default ${d.taskNonAsciiUnitsPerRecipient})
    --log-bytes N              extra log bytes per notification (default ${d.logBytesPerNotification}: the success path logs nothing)
    --egress-bytes N           bytes a send puts on the wire to the provider (default ${d.egressBytesPerNotification})
  Module settings
    --region R                 ${REGIONS.join(' | ')} (default ${d.region})
    --arch A                   arm64 | x86_64 (default ${d.architecture})
    --planner-memory MB        (default ${d.plannerMemoryMb})      --planner-timeout S   (default ${d.plannerTimeoutSeconds})
    --sender-memory MB         (default ${d.senderMemoryMb})      --sender-timeout S    (default ${d.senderTimeoutSeconds})
    --batch-size N             sender batch_size, in tasks (default ${d.senderBatchSize})
    --parallelism N            sender.parallelism: sends in flight per invocation (default ${d.senderParallelism})
    --max-concurrency N        sender maximum_concurrency (default ${d.senderMaximumConcurrency})
    --ledger-ttl-days N        (default ${d.ledgerTtlDays})     --alarms N  (default ${d.alarms})     --dashboard
    --no-ledger                without the delivery ledger and run counters (what an at-least-once variant costs)
  Job settings
    --page-size N              the job's pageSize (default ${d.pageSize})
    --recipients-per-task N    the job's recipientsPerTask: recipients per SQS message and ledger item, 1 to 50
                               (default ${d.recipientsPerTask}; 1 is the per-recipient ledger)
  What-ifs (not the shipped design; see docs/COST.md)
    --no-index-writes          run-item updates do not write the by-job index (projection without counters)
    --ledger-capacity C        on-demand | provisioned (scheduled scaling around each run)
  Measured durations (override)
    --planner-ms-per-1000 MS   (default ${d.durations.plannerMsPer1000})
    --sender-overhead-ms MS    per batch (default ${d.durations.senderOverheadMsPerBatch})
    --sender-ms-per-task MS    (default ${d.durations.senderMsPerTask})
    --sender-ms-per-notification MS  (default ${d.durations.senderMsPerNotification})
  Comparison
    --worker-instance TYPE     (default ${d.worker.instanceType})   --worker-instances N  (default ${d.worker.instances})
    --broker TYPE              (default ${d.worker.brokerType})
  Output
    --free-tier                apply the account's always-free tier to this service alone
    --json                     the whole estimate as JSON
    --help`;

const OPTIONS = {
  audience: { type: 'string' },
  'runs-per-day': { type: 'string' },
  days: { type: 'string' },
  'latency-ms': { type: 'string' },
  rate: { type: 'string' },
  'recipient-bytes': { type: 'string' },
  'non-ascii': { type: 'string' },
  'log-bytes': { type: 'string' },
  'egress-bytes': { type: 'string' },
  region: { type: 'string' },
  arch: { type: 'string' },
  'planner-memory': { type: 'string' },
  'planner-timeout': { type: 'string' },
  'sender-memory': { type: 'string' },
  'sender-timeout': { type: 'string' },
  'batch-size': { type: 'string' },
  parallelism: { type: 'string' },
  'max-concurrency': { type: 'string' },
  'page-size': { type: 'string' },
  'ledger-ttl-days': { type: 'string' },
  alarms: { type: 'string' },
  dashboard: { type: 'boolean' },
  'no-ledger': { type: 'boolean' },
  'recipients-per-task': { type: 'string' },
  'no-index-writes': { type: 'boolean' },
  'ledger-capacity': { type: 'string' },
  'planner-ms-per-1000': { type: 'string' },
  'sender-overhead-ms': { type: 'string' },
  'sender-ms-per-task': { type: 'string' },
  'sender-ms-per-notification': { type: 'string' },
  'worker-instance': { type: 'string' },
  'worker-instances': { type: 'string' },
  broker: { type: 'string' },
  'free-tier': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flag that sets each model field, to name it when the model rejects a combination. */
const FIELD_FLAGS: Readonly<Record<string, string>> = {
  audience: '--audience',
  runsPerDay: '--runs-per-day',
  daysPerMonth: '--days',
  latencyMs: '--latency-ms',
  channelRatePerSecond: '--rate',
  plannerTimeoutSeconds: '--planner-timeout',
  plannerMemoryMb: '--planner-memory',
  senderMemoryMb: '--sender-memory',
  senderTimeoutSeconds: '--sender-timeout',
  senderBatchSize: '--batch-size',
  senderParallelism: '--parallelism',
  senderMaximumConcurrency: '--max-concurrency',
  pageSize: '--page-size',
  recipientsPerTask: '--recipients-per-task',
  taskRecipientBytes: '--recipient-bytes',
  taskNonAsciiUnitsPerRecipient: '--non-ascii',
  'durations.plannerMsPer1000': '--planner-ms-per-1000',
  'worker.instanceType': '--worker-instance',
  'worker.brokerType': '--broker',
};

const numberFlag = (values: Record<string, unknown>, flag: keyof typeof OPTIONS, range: NumberRange) =>
  numberOption(`--${flag}`, values[flag], range);

function choiceFlag<T extends string>(
  values: Record<string, unknown>,
  flag: keyof typeof OPTIONS,
  choices: readonly T[],
): T | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  if (!choices.includes(raw as T))
    throw new UsageError(`--${flag} must be one of ${choices.join(', ')}, got "${String(raw)}"`);
  return raw as T;
}

function overridesFrom(values: Record<string, unknown>): CostOverrides {
  const region = choiceFlag(values, 'region', REGIONS);
  const prices = PRICES[region ?? DEFAULT_INPUT.region];
  const instanceTypes = Object.keys(prices?.worker.instanceHour ?? {});
  const brokerTypes = Object.keys(prices?.worker.brokerHour ?? {});
  const overrides = {
    audience: numberFlag(values, 'audience', { min: 1, max: 1e9, integer: true }),
    runsPerDay: numberFlag(values, 'runs-per-day', { min: 1, max: 1440, integer: true }),
    daysPerMonth: numberFlag(values, 'days', { min: 1, max: 31, integer: true }),
    latencyMs: numberFlag(values, 'latency-ms', { min: 0, max: 60_000 }),
    channelRatePerSecond: numberFlag(values, 'rate', { min: 0.001, max: 10_000 }),
    taskRecipientBytes: numberFlag(values, 'recipient-bytes', { min: 1, max: MAX_TASK_BYTES, integer: true }),
    taskNonAsciiUnitsPerRecipient: numberFlag(values, 'non-ascii', { min: 0, max: MAX_TASK_BYTES }),
    logBytesPerNotification: numberFlag(values, 'log-bytes', { min: 0, max: 1_000_000 }),
    egressBytesPerNotification: numberFlag(values, 'egress-bytes', { min: 0, max: 10_000_000 }),
    region,
    architecture: choiceFlag(values, 'arch', ['arm64', 'x86_64'] as const),
    plannerMemoryMb: numberFlag(values, 'planner-memory', { min: 128, max: 10_240, integer: true }),
    plannerTimeoutSeconds: numberFlag(values, 'planner-timeout', { min: 30, max: 900, integer: true }),
    senderMemoryMb: numberFlag(values, 'sender-memory', { min: 128, max: 10_240, integer: true }),
    senderTimeoutSeconds: numberFlag(values, 'sender-timeout', { min: 3, max: 900, integer: true }),
    senderBatchSize: numberFlag(values, 'batch-size', { min: 1, max: 10_000, integer: true }),
    senderParallelism: numberFlag(values, 'parallelism', { min: 1, max: 100, integer: true }),
    senderMaximumConcurrency: numberFlag(values, 'max-concurrency', { min: 2, max: 1000, integer: true }),
    pageSize: numberFlag(values, 'page-size', { min: 10, max: 10_000, integer: true }),
    ledgerTtlDays: numberFlag(values, 'ledger-ttl-days', { min: 1, max: 3650, integer: true }),
    alarms: numberFlag(values, 'alarms', { min: 0, max: 100, integer: true }),
    dashboard: values.dashboard === true ? true : undefined,
    ledger: values['no-ledger'] === true ? false : undefined,
    recipientsPerTask: numberFlag(values, 'recipients-per-task', {
      min: 1,
      max: MAX_RECIPIENTS_PER_TASK,
      integer: true,
    }),
    ledgerIndexWrites: values['no-index-writes'] === true ? false : undefined,
    ledgerCapacity: choiceFlag(values, 'ledger-capacity', ['on-demand', 'provisioned'] as const),
    freeTier: values['free-tier'] === true ? true : undefined,
    durations: {
      plannerMsPer1000: numberFlag(values, 'planner-ms-per-1000', { min: 0.001, max: 1e6 }),
      senderOverheadMsPerBatch: numberFlag(values, 'sender-overhead-ms', { min: 0, max: 1e6 }),
      senderMsPerTask: numberFlag(values, 'sender-ms-per-task', { min: 0, max: 1e6 }),
      senderMsPerNotification: numberFlag(values, 'sender-ms-per-notification', { min: 0, max: 1e6 }),
    },
    worker: {
      instanceType: choiceFlag(values, 'worker-instance', instanceTypes),
      instances: numberFlag(values, 'worker-instances', { min: 1, max: 1000, integer: true }),
      brokerType: choiceFlag(values, 'broker', brokerTypes),
    },
  };
  return overrides as CostOverrides;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function usd(value: number): string {
  if (value !== 0 && Math.abs(value) < 0.0001) return value < 0 ? '-<$0.0001' : '<$0.0001';
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 4 : 2;
  return `${value < 0 ? '-' : ''}$${Math.abs(value).toFixed(digits)}`;
}

function quantity(entry: CostLine): string {
  return `${Math.abs(entry.quantity) >= 100 ? integer.format(entry.quantity) : decimal.format(entry.quantity)} ${entry.unit}`;
}

function rate(entry: CostLine): string {
  const value = String(entry.price.usd);
  return `$${value} / ${entry.price.per.split(' (')[0]}${entry.price.status === 'confirmed' ? '' : ` (${entry.price.status})`}`;
}

function render(estimate: CostEstimate): string {
  const { input, run } = estimate;
  const head = [
    `notifier cost: ${integer.format(input.audience)} recipients x ${input.runsPerDay} run(s)/day x ${input.daysPerMonth} days = ${integer.format(estimate.notificationsPerMonth)} notifications/month`,
    `${estimate.region.name} (${estimate.region.code}), ${input.architecture}; ledger ${input.ledger ? 'on' : 'off'}; provider latency ${input.latencyMs} ms; channel rate ${input.channelRatePerSecond}/s over ${input.senderMaximumConcurrency} senders`,
    '',
  ];
  const rows: string[][] = [['service', 'item', 'quantity', 'price', 'USD/month']];
  for (const entry of estimate.lines)
    rows.push([entry.service, entry.item, quantity(entry), rate(entry), usd(entry.usd)]);
  rows.push(['', 'total', '', '', usd(estimate.totalUsd)]);
  const services = Object.entries(estimate.byService)
    .sort(([, a], [, b]) => b - a)
    .map(([service, value]) => `${service} ${usd(value)} (${((value / estimate.totalUsd) * 100).toFixed(0)}%)`);
  const share = ((estimate.dominant.usd / estimate.totalUsd) * 100).toFixed(0);
  const target = estimate.target.met
    ? `meets the target of ${usd(estimate.target.perMillionUsd)} per million`
    : `misses the target of ${usd(estimate.target.perMillionUsd)} per million by ${usd(estimate.target.overByUsd)}`;
  const breakEven =
    estimate.alwaysOn.breakEvenAudience === null
      ? 'never (up to 10^9 recipients per run)'
      : `${integer.format(estimate.alwaysOn.breakEvenAudience)} recipients per run`;
  const unverified = new Set(
    estimate.lines.filter((entry) => entry.price.status !== 'confirmed').map((entry) => entry.price.per),
  );
  return [
    ...head,
    table(rows),
    '',
    `cost per million notifications: ${usd(estimate.perMillionUsd)} (${target}${input.ledger ? '' : '; the target is stated with the ledger on'})`,
    `by service: ${services.join(', ')}`,
    `largest line: ${estimate.dominant.service} ${estimate.dominant.item}, ${usd(estimate.dominant.usd)} (${share}%)`,
    `per run: ${integer.format(run.messages)} tasks of up to ${run.recipientsPerFullTask} recipients, ${integer.format(run.senderBatches)} sender batches on ${run.senderContainers} containers, ${decimal.format(run.runSeconds / 60)} min at ${decimal.format(run.notificationsPerSecond)} notifications/s; ` +
      `${Math.ceil(Math.max(run.latencyBoundMsPerBatch, run.pacedMsPerBatch))} ms billed per batch (${run.pacingBound ? 'paced by the channel rate' : 'bound by latency'}); planner ${run.plannerInvocations} invocation(s)`,
    '',
    'always-on worker it replaces:',
    table(
      estimate.alwaysOn.lines.map((entry) => [entry.service, entry.item, quantity(entry), rate(entry), usd(entry.usd)]),
    ),
    `  total ${usd(estimate.alwaysOn.totalUsd)}/month, ${usd(estimate.alwaysOn.perMillionUsd)} per million at this volume; the worker is cheaper above ${breakEven}`,
    ...estimate.warnings.map((warning) => `\nWARNING: ${warning}`),
    ...(unverified.size > 0
      ? ['', `prices marked derived/unverified were not confirmed in a dated source (see tools/cost/prices.ts).`]
      : []),
  ].join('\n');
}

/** `notifier cost`: parses and validates the flags, prints the estimate; returns the exit code (2 for a bad flag). */
export async function costCommand(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    io.err(`notifier cost: ${(error as Error).message}\nRun "notifier cost --help" for the options.`);
    return 2;
  }
  if (values.help) {
    io.out(COST_HELP);
    return 0;
  }
  try {
    const estimate = estimateMonthlyCost(overridesFrom(values));
    io.out(values.json ? JSON.stringify(estimate, null, 2) : render(estimate));
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof CostInputError) {
      const flag = error instanceof CostInputError ? FIELD_FLAGS[error.field] : undefined;
      io.err(`notifier cost: ${flag ? `${flag}: ` : ''}${error.message}\nRun "notifier cost --help" for the options.`);
      return 2;
    }
    throw error;
  }
}
