import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { MAX_RECIPIENTS_PER_TASK, MAX_TASK_BYTES } from '../../handlers/surface.js';
import type { NumberRange } from '../common/number-range.js';
import {
  BENCH_RUN,
  type CostEstimate,
  type CostInput,
  CostInputError,
  type CostLine,
  type CostOverrides,
  DEFAULT_INPUT,
  estimateMonthlyCost,
} from '../cost/model.js';
import { ARCHITECTURES, REGIONS } from '../cost/prices.js';
import { numberOption, UsageError } from './io.js';

/**
 * `notifier cost`: a flag for each setting of the cost model's input someone can change or know (a module or job
 * setting, the workload); the value each flag takes is checked here, once, against its range.
 */

/** A number in its range, one of a few choices, or a switch that sets its field to `sets`. */
type Accepts = NumberRange | readonly string[] | { readonly sets: boolean };
/** Flag and value placeholder, the input field it sets, what it accepts, its help. */
type Flag = readonly [flag: string, field: keyof CostInput, accepts: Accepts, help: string];

const lambda = (min: number, max: number): NumberRange => ({ min, max, integer: true, limit: "Lambda's limit" });
const whole = (min: number, max: number, limit?: string): NumberRange =>
  limit ? { min, max, integer: true, limit } : { min, max, integer: true };
const mapping = "the event source mapping's limit";

const FLAGS: Readonly<Record<string, readonly Flag[]>> = {
  Workload: [
    ['audience N', 'audience', whole(1, 1e9), 'recipients per run'],
    ['runs-per-day N', 'runsPerDay', whole(1, 1440, 'one a minute'), 'scheduler ticks a day'],
    ['days N', 'daysPerMonth', whole(1, 31), 'days a month'],
    ['latency-ms MS', 'latencyMs', { min: 0, max: 60_000 }, "the provider's answer time for one send"],
    // At least 0.001 a second, one send in about 17 minutes: a channel slower than that is not one to price runs on.
    [
      'rate N',
      'channelRatePerSecond',
      { min: 0.001, max: 10_000 },
      "the channel's ratePerSecond, shared by all senders",
    ],
    // An average over the bench's audience, so its default is fractional and the flag takes fractions too.
    [
      'recipient-bytes N',
      'taskRecipientBytes',
      { min: 0, above: true, max: MAX_TASK_BYTES },
      'bytes a recipient adds to a task body: its id, the template fields, a comma (measured on an ASCII audience)',
    ],
    [
      'non-ascii N',
      'taskNonAsciiUnitsPerRecipient',
      { min: 0, max: MAX_TASK_BYTES },
      'UTF-16 code units outside printable ASCII per recipient, on average (an accented letter is one, an emoji ' +
        'two): each takes a 6-byte \\uXXXX escape in the ASCII task body',
    ],
    [
      'egress-bytes N',
      'egressBytesPerNotification',
      { min: 0, max: 10_000_000 },
      'bytes a send puts on the wire to the provider (request line, headers with the token, JSON body, TLS framing)',
    ],
  ],
  Receiver: [
    [
      'receiver-events N',
      'receiverEventsPerMonth',
      whole(0, 1e10),
      "webhook events a month to the receiver (off by default): priced apart from the pipeline's total, one event " +
        'per POST',
    ],
    ['receiver-memory MB', 'receiverMemoryMb', lambda(128, 10_240), "the receiver's memory_size"],
  ],
  'Module settings': [
    ['region R', 'region', REGIONS, 'the region priced'],
    ['arch A', 'architecture', ARCHITECTURES, "the functions' architecture"],
    ['planner-memory MB', 'plannerMemoryMb', lambda(128, 10_240), "the planner's memory_size"],
    ['planner-timeout S', 'plannerTimeoutSeconds', lambda(30, 900), "the planner's timeout"],
    ['sender-memory MB', 'senderMemoryMb', lambda(128, 10_240), "the sender's memory_size"],
    [
      'sender-timeout S',
      'senderTimeoutSeconds',
      lambda(3, 900),
      "the sender's timeout: a batch must be sent within it, less the reserve kept for recording outcomes",
    ],
    [
      'batch-size N',
      'senderBatchSize',
      whole(1, 10_000, mapping),
      "the sender's batch_size, in tasks (SQS messages) an invocation gets",
    ],
    [
      'max-concurrency N',
      'senderMaximumConcurrency',
      whole(2, 1000, mapping),
      "the sender's maximum_concurrency: concurrent containers, each paced to its share of the rate",
    ],
    [
      'parallelism N',
      'senderParallelism',
      whole(1, 100),
      "the sender's parallelism: sends in flight per invocation, across its tasks",
    ],
    [
      'rate-share S',
      'rateShare',
      ['live', 'static'],
      "the sender's rate_share: live renews each sender's entry on its channel every 2 s of sending",
    ],
    ['ledger-ttl-days N', 'ledgerTtlDays', whole(1, 3650), 'days the ledger keeps a group item'],
    ['alarms N', 'alarms', whole(0, 100), 'CloudWatch alarms the module creates beside the run alarms (2 per job + 1)'],
    ['dashboard', 'dashboard', { sets: true }, 'with the CloudWatch dashboard'],
  ],
  'Job settings': [
    ['page-size N', 'pageSize', whole(10, 10_000), "the job's pageSize: rows per audience page"],
    [
      'recipients-per-task N',
      'recipientsPerTask',
      whole(1, MAX_RECIPIENTS_PER_TASK, "the job schema's limit"),
      "the job's recipientsPerTask: recipients one SQS message and one ledger item carry (a body also stops at " +
        `${MAX_TASK_BYTES} B); 1 is the per-recipient ledger, which also drops repeats across pages`,
    ],
    [
      'lead-seconds N',
      'leadSeconds',
      whole(0, 3600),
      "the job's leadSeconds: the planner waits out the run this far ahead of the senders (0: no lead)",
    ],
  ],
  Comparison: [['worker-instances N', 'workerInstances', whole(1, 1000), 'worker instances']],
  Output: [],
};

const ALL_FLAGS = Object.values(FLAGS).flat();
const nameOf = ([flag]: Flag) => flag.split(' ')[0] ?? flag;

/** The help and the estimate fit an 80-column terminal; the flags' help starts at column 31. */
const WIDTH = 80;
const FLAG_COLUMN = 31;

/**
 * `text` (or its words) in lines of at most `width` characters, the first starting with `indent`, the others with
 * `next`; a word longer than a line stays whole.
 */
function wrap(text: string | string[], indent: string, width = WIDTH, next = indent): string {
  const lines: string[] = [];
  let current = indent;
  for (const word of typeof text === 'string' ? text.split(' ') : text) {
    if (current.length + word.length > width && current.trim() !== '') {
      lines.push(current.trimEnd());
      current = next;
    }
    current += `${word} `;
  }
  return [...lines, current.trimEnd()].join('\n');
}

/** A flag and its help in two columns, the help wrapped under its own column; the default is kept whole at its end. */
function flagHelp([head, field, accepts, help]: Flag): string {
  const fallback = String(DEFAULT_INPUT[field]);
  let note = [`(default ${fallback})`];
  if (Array.isArray(accepts)) note = [`(${accepts.join(' | ')}; default ${fallback})`];
  else if ('sets' in accepts) note = [];
  return wrap([...help.split(' '), ...note], `    --${head}  `.padEnd(FLAG_COLUMN), WIDTH, ' '.repeat(FLAG_COLUMN));
}

export function costHelp(): string {
  const { measuredAt, machine } = BENCH_RUN;
  const output = ['    --json                     the estimate as JSON (what the text shows)', '    --help'];
  return [
    'notifier cost [options]',
    wrap(
      'Monthly AWS cost of one job: itemised lines, total, cost per million notifications, and an always-on worker ' +
        'for comparison. Prices: tools/cost/prices.ts (dated, per region). Handler durations and item sizes: ' +
        `tools/cost/durations.json (${measuredAt.slice(0, 10)}, ${machine.cpuModel} x${machine.cores}, ` +
        `Node ${machine.node}), measured by bench/handler-durations.ts. Method: docs/COST.md.`,
      '  ',
    ),
    '',
    ...Object.entries(FLAGS).flatMap(([section, flags]) => [
      `  ${section}`,
      ...flags.map(flagHelp),
      ...(section === 'Output' ? output : []),
    ]),
  ].join('\n');
}

/** The input fields the flags set. */
function overridesFrom(values: Readonly<Record<string, unknown>>): CostOverrides {
  const overrides: Record<string, unknown> = {};
  for (const flag of ALL_FLAGS) {
    const [, field, accepts] = flag;
    const raw = values[nameOf(flag)];
    const name = `--${nameOf(flag)}`;
    if (raw === undefined) continue;
    if (Array.isArray(accepts) && !accepts.includes(String(raw)))
      throw new UsageError(`${name} must be one of ${accepts.join(', ')}, got "${String(raw)}"`);
    if (Array.isArray(accepts)) overrides[field] = raw;
    else overrides[field] = 'sets' in accepts ? accepts.sets : numberOption(name, raw, accepts as NumberRange);
  }
  return overrides as CostOverrides;
}

/** What the text shows, as JSON: the settings the flags set, the lines, the totals, the run and the comparison. */
function asJson(estimate: CostEstimate) {
  const { input, run } = estimate;
  return {
    input: Object.fromEntries(ALL_FLAGS.map(([, field]) => [field, input[field]])),
    region: estimate.region,
    notificationsPerMonth: estimate.notificationsPerMonth,
    lines: estimate.lines,
    byService: estimate.byService,
    totalUsd: estimate.totalUsd,
    perMillionUsd: estimate.perMillionUsd,
    dominant: estimate.dominant,
    run: Object.fromEntries(RUN_FIELDS.map((field) => [field, run[field]])),
    alwaysOn: estimate.alwaysOn,
    warnings: estimate.warnings,
    ...(estimate.receiver.eventsPerMonth > 0 ? { receiver: estimate.receiver } : {}),
  };
}
const RUN_FIELDS = [
  'messages',
  'recipientsPerFullTask',
  'senderBatches',
  'senderContainers',
  'runSeconds',
  'notificationsPerSecond',
  'billedMsPerBatch',
  'pacingBound',
  'plannerInvocations',
] as const;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format;
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format;

/** Dollars, to the cent, or to a hundredth of one below a cent (every amount of the bill is positive or zero). */
function usd(value: number): string {
  if (value !== 0 && value < 0.0001) return '<$0.0001';
  return `$${value.toFixed(value !== 0 && value < 0.01 ? 4 : 2)}`;
}

/** `text` on the left, wrapped, and `amount` right-aligned at the last column of its first line. */
function amountLine(text: string, indent: string, amount: string): string {
  const [first = '', ...rest] = wrap(text, indent, WIDTH - 12, `${indent}  `).split('\n');
  return [first.padEnd(WIDTH - amount.length) + amount, ...rest].join('\n');
}

/** The lines by service, in the bill's order: each service with its subtotal, each line with how it is priced. */
function bill(lines: readonly CostLine[]): string[] {
  const services = [...new Set(lines.map((entry) => entry.service))];
  return services.flatMap((service) => {
    const own = lines.filter((entry) => entry.service === service);
    return [
      amountLine(service, '', usd(own.reduce((total, entry) => total + entry.usd, 0))),
      ...own.flatMap(({ item, quantity, unit, price, usd: amount }) => {
        const count = Math.abs(quantity) >= 100 ? integer(quantity) : decimal(quantity);
        const status = price.status === 'confirmed' ? '' : ` (${price.status})`;
        const rate = `$${price.usd} / ${price.per.split(' (')[0]}${status}`;
        return [amountLine(item, '  ', usd(amount)), wrap(`${count} ${unit} at ${rate}`, '      ', WIDTH, '        ')];
      }),
    ];
  });
}

/** The webhook receiver's bill, apart from the pipeline's, when --receiver-events is given. */
function receiverSection({ receiver }: CostEstimate): string[] {
  if (receiver.eventsPerMonth === 0) return [];
  return [
    '',
    wrap(`The webhook receiver, ${integer(receiver.eventsPerMonth)} events a month (not in the total above):`, ''),
    ...bill(receiver.lines),
    amountLine('receiver total', '', usd(receiver.totalUsd)),
    `receiver cost per million events: ${usd(receiver.perMillionUsd)}`,
  ];
}

function render(estimate: CostEstimate): string {
  const { input, run, alwaysOn, dominant, totalUsd } = estimate;
  const percent = (value: number) => `${((value / totalUsd) * 100).toFixed(0)}%`;
  const services = Object.entries(estimate.byService)
    .sort(([, a], [, b]) => b - a)
    .map(([service, value]) => `${service} ${usd(value)} (${percent(value)})`);
  const breakEven =
    alwaysOn.breakEvenAudience === null
      ? 'never (up to 10^9 recipients per run)'
      : `above ${integer(alwaysOn.breakEvenAudience)} recipients per run`;
  const unverified = estimate.lines.some((entry) => entry.price.status !== 'confirmed');
  return [
    wrap(
      `notifier cost: ${integer(input.audience)} recipients x ${input.runsPerDay} run(s)/day x ` +
        `${input.daysPerMonth} days = ${integer(estimate.notificationsPerMonth)} notifications/month`,
      '',
    ),
    wrap(
      `${estimate.region.name} (${estimate.region.code}), ${input.architecture}; ` +
        `ledger on; provider latency ${input.latencyMs} ms; ` +
        `channel rate ${input.channelRatePerSecond}/s over ${input.senderMaximumConcurrency} senders`,
      '',
    ),
    '',
    'USD/month'.padStart(WIDTH),
    ...bill(estimate.lines),
    amountLine('total', '', usd(totalUsd)),
    '',
    `cost per million notifications: ${usd(estimate.perMillionUsd)}`,
    wrap(`by service: ${services.join(', ')}`, ''),
    wrap(`largest line: ${dominant.service} ${dominant.item}, ${usd(dominant.usd)} (${percent(dominant.usd)})`, ''),
    wrap(
      `per run: ${integer(run.messages)} tasks of up to ${run.recipientsPerFullTask} recipients, ` +
        `${integer(run.senderBatches)} sender batches on ${run.senderContainers} containers, ` +
        `${decimal(run.runSeconds / 60)} min at ${decimal(run.notificationsPerSecond)} notifications/s; ` +
        `${run.billedMsPerBatch} ms billed per batch ` +
        `(${run.pacingBound ? 'paced by the channel rate' : 'bound by latency'}); ` +
        `planner ${run.plannerInvocations} invocation(s)`,
      '',
    ),
    ...receiverSection(estimate),
    '',
    'For comparison, an always-on worker doing the same sends:',
    ...bill(alwaysOn.lines),
    amountLine('total', '', usd(alwaysOn.totalUsd)),
    wrap(`${usd(alwaysOn.perMillionUsd)} per million at this volume; the always-on worker is cheaper ${breakEven}`, ''),
    ...estimate.warnings.map((warning) => `\n${wrap(`WARNING: ${warning}`, '')}`),
    ...(unverified
      ? [
          '',
          wrap('prices marked derived/unverified were not confirmed in a dated source (see tools/cost/prices.ts).', ''),
        ]
      : []),
  ].join('\n');
}

/** `notifier cost`: parses and checks the flags, prints the estimate; returns the exit code (2 for a bad flag). */
export async function costCommand(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  const options: ParseArgsOptionsConfig = {
    ...Object.fromEntries(
      ALL_FLAGS.map((flag) => [nameOf(flag), { type: 'sets' in flag[2] ? 'boolean' : 'string' } as const]),
    ),
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  const fail = (message: string) => {
    io.err(`notifier cost: ${message}\nRun "notifier cost --help" for the options.`);
    return 2;
  };
  try {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    if (values.help) io.out(costHelp());
    else {
      const estimate = estimateMonthlyCost(overridesFrom(values));
      io.out(values.json ? JSON.stringify(asJson(estimate), null, 2) : render(estimate));
    }
    return 0;
  } catch (error) {
    if (error instanceof CostInputError) {
      const flag = ALL_FLAGS.find(([, field]) => field === error.field);
      return fail(`${flag ? `--${nameOf(flag)}: ` : ''}${error.message}`);
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      return fail((error as Error).message);
    throw error;
  }
}
