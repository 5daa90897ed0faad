import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import type { NumberRange } from '../common/number-range.js';
import type { CostLine } from '../cost/cost-line.js';
import type { FieldFlag, FieldMeta, FlagSection } from '../cost/fields.js';
import { COST_FIELDS, type CostField, CostInputError, parseCostInput } from '../cost/input.js';
import { MEASURED } from '../cost/measured.js';
import { type CostEstimate, estimateCost } from '../cost/model.js';
import { numberOption, UsageError } from './io.js';

/**
 * `notifier cost`: its flags, their ranges and its help come from the cost model's input schema (tools/cost/input.ts),
 * where each field that has a flag declares it; a new setting is added there alone.
 */

type FlaggedField = CostField & { readonly meta: FieldMeta & { readonly flag: FieldFlag } };
const FLAGGED = COST_FIELDS.filter((field): field is FlaggedField => field.meta.flag !== undefined);

const SECTION_TITLES: Readonly<Record<FlagSection, string>> = {
  Workload: 'Workload',
  'Module settings': 'Module settings',
  'Job settings': 'Job settings',
  'Measured durations': 'Measured durations (override)',
  Comparison: 'Comparison',
  Output: 'Output',
};

/** The help and the estimate fit an 80-column terminal. */
const WIDTH = 80;
const HELP_WIDTH = WIDTH;
const FLAG_COLUMN = 31;

/**
 * `head` and `text` in two columns, `text` wrapped at the help's width under its own column; `note` (the default) is
 * kept whole at its end.
 */
function helpEntry(head: string, text: string, note = ''): string {
  const lines: string[] = [];
  let current = head.length + 2 > FLAG_COLUMN ? `${head}  ` : head.padEnd(FLAG_COLUMN);
  for (const word of [...text.split(' '), ...(note ? [note] : [])]) {
    if (current.length + word.length > HELP_WIDTH && current.length > FLAG_COLUMN) {
      lines.push(current.trimEnd());
      current = ' '.repeat(FLAG_COLUMN);
    }
    current += `${word} `;
  }
  return [...lines, current.trimEnd()].join('\n');
}

/** What the help says of a field's value: its choices and its default; a switch's flag says what it changes. */
function valueNote({ meta, fallback }: CostField): string {
  switch (meta.kind) {
    case 'choice':
      return `(${meta.choices.join(' | ')}; default ${String(fallback)})`;
    case 'switch':
      return '';
    default:
      return `(default ${String(fallback)})`;
  }
}

const flagHelp = (field: FlaggedField) => {
  const { flag } = field.meta;
  const text = flag.description ?? field.meta.description;
  return helpEntry(`    --${flag.name}${flag.unit ? ` ${flag.unit}` : ''}`, text, valueNote(field));
};

const OUTPUT_FLAGS = [helpEntry('    --json', 'the whole estimate as JSON'), '    --help'];

export function costHelp(): string {
  const sections = Object.entries(SECTION_TITLES).flatMap(([section, title]) => {
    const lines = FLAGGED.filter((field) => field.meta.flag.section === section).map(flagHelp);
    return [`  ${title}`, ...lines, ...(section === 'Output' ? OUTPUT_FLAGS : [])];
  });
  return [
    'notifier cost [options]',
    wrap(
      'Monthly AWS cost of one job: itemised lines, total, cost per million notifications, and an ' +
        'always-on worker for comparison. Prices: tools/cost/prices.ts (dated, per region). Handler durations ' +
        `and item sizes: ${MEASURED.source} (${MEASURED.measuredAt.slice(0, 10)}, ${MEASURED.machine}), ` +
        'measured by bench/handler-durations.ts. Method: docs/COST.md.',
      '  ',
    ),
    '',
    ...sections,
  ].join('\n');
}

const OPTIONS: ParseArgsOptionsConfig = {
  ...Object.fromEntries(
    FLAGGED.map((field) => [field.meta.flag.name, { type: field.meta.kind === 'switch' ? 'boolean' : 'string' }]),
  ),
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** The flag that sets each field, to name it when the model rejects a value or a combination. */
const FLAG_OF = new Map(FLAGGED.map((field) => [field.path, `--${field.meta.flag.name}`]));

/** The range as a flag reads it: a whole number above N starts at N + 1. */
const flagRange = (range: NumberRange): NumberRange =>
  range.integer && range.above ? { ...range, min: Math.floor(range.min) + 1, above: false } : range;

function flagValue(field: FlaggedField, raw: unknown): unknown {
  const name = `--${field.meta.flag.name}`;
  const { meta } = field;
  switch (meta.kind) {
    case 'number':
      return numberOption(name, raw, flagRange(meta.range));
    case 'choice':
      if (!meta.choices.includes(String(raw)))
        throw new UsageError(`${name} must be one of ${meta.choices.join(', ')}, got "${String(raw)}"`);
      return raw;
    case 'text':
      return String(raw);
    case 'switch':
      return meta.sets;
  }
}

/** The model's input fields the flags set, nested as the input is (`durations.plannerMsPer1000`). */
function overridesFrom(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const field of FLAGGED) {
    const raw = values[field.meta.flag.name];
    if (raw === undefined) continue;
    const value = flagValue(field, raw);
    const [group, key] = field.path.split('.');
    if (group === undefined || key === undefined) overrides[field.path] = value;
    else overrides[group] = { ...(overrides[group] as object | undefined), [key]: value };
  }
  return overrides;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function usd(value: number): string {
  if (value !== 0 && Math.abs(value) < 0.0001) return value < 0 ? '-<$0.0001' : '<$0.0001';
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 4 : 2;
  return `${value < 0 ? '-' : ''}$${Math.abs(value).toFixed(digits)}`;
}

function quantity(entry: CostLine): string {
  const amount = Math.abs(entry.quantity) >= 100 ? integer.format(entry.quantity) : decimal.format(entry.quantity);
  return `${amount} ${entry.unit}`;
}

function rate(entry: CostLine): string {
  const value = String(entry.price.usd);
  const status = entry.price.status === 'confirmed' ? '' : ` (${entry.price.status})`;
  return `$${value} / ${entry.price.per.split(' (')[0]}${status}`;
}

/**
 * `text` in lines of at most `width` characters, the first starting with `indent`, the others with `next`; a word
 * longer than a line stays whole.
 */
function wrap(text: string, indent: string, width = WIDTH, next = indent): string {
  const lines: string[] = [];
  let current = indent;
  for (const word of text.split(' ')) {
    if (current.length + word.length > width && current.trim() !== '') {
      lines.push(current.trimEnd());
      current = next;
    }
    current += `${word} `;
  }
  return [...lines, current.trimEnd()].join('\n');
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
      ...own.flatMap((entry) => [
        amountLine(entry.item, '  ', usd(entry.usd)),
        wrap(`${quantity(entry)} at ${rate(entry)}`, '      ', WIDTH, '        '),
      ]),
    ];
  });
}

function render(estimate: CostEstimate): string {
  const { input, run } = estimate;
  const services = Object.entries(estimate.byService)
    .sort(([, a], [, b]) => b - a)
    .map(([service, value]) => `${service} ${usd(value)} (${((value / estimate.totalUsd) * 100).toFixed(0)}%)`);
  const share = ((estimate.dominant.usd / estimate.totalUsd) * 100).toFixed(0);
  const breakEven =
    estimate.alwaysOn.breakEvenAudience === null
      ? 'never (up to 10^9 recipients per run)'
      : `above ${integer.format(estimate.alwaysOn.breakEvenAudience)} recipients per run`;
  const unverified = estimate.lines.some((entry) => entry.price.status !== 'confirmed');
  return [
    wrap(
      `notifier cost: ${integer.format(input.audience)} recipients x ${input.runsPerDay} run(s)/day x ` +
        `${input.daysPerMonth} days = ${integer.format(estimate.notificationsPerMonth)} notifications/month`,
      '',
    ),
    wrap(
      `${estimate.region.name} (${estimate.region.code}), ${input.architecture}; ` +
        `ledger ${input.ledger ? 'on' : 'off'}; provider latency ${input.latencyMs} ms; ` +
        `channel rate ${input.channelRatePerSecond}/s over ${input.senderMaximumConcurrency} senders`,
      '',
    ),
    '',
    'USD/month'.padStart(WIDTH),
    ...bill(estimate.lines),
    amountLine('total', '', usd(estimate.totalUsd)),
    '',
    `cost per million notifications: ${usd(estimate.perMillionUsd)}`,
    wrap(`by service: ${services.join(', ')}`, '', WIDTH),
    wrap(
      `largest line: ${estimate.dominant.service} ${estimate.dominant.item}, ${usd(estimate.dominant.usd)} (${share}%)`,
      '',
    ),
    wrap(
      `per run: ${integer.format(run.messages)} tasks of up to ${run.recipientsPerFullTask} recipients, ` +
        `${integer.format(run.senderBatches)} sender batches on ${run.senderContainers} containers, ` +
        `${decimal.format(run.runSeconds / 60)} min at ${decimal.format(run.notificationsPerSecond)} ` +
        `notifications/s; ${Math.ceil(Math.max(run.latencyBoundMsPerBatch, run.pacedMsPerBatch))} ms billed per ` +
        `batch (${run.pacingBound ? 'paced by the channel rate' : 'bound by latency'}); ` +
        `planner ${run.plannerInvocations} invocation(s)`,
      '',
    ),
    '',
    'For comparison, an always-on worker doing the same sends:',
    ...bill(estimate.alwaysOn.lines),
    amountLine('total', '', usd(estimate.alwaysOn.totalUsd)),
    wrap(
      `${usd(estimate.alwaysOn.perMillionUsd)} per million at this volume; ` +
        `the always-on worker is cheaper ${breakEven}`,
      '',
    ),
    ...estimate.warnings.map((warning) => `\n${wrap(`WARNING: ${warning}`, '')}`),
    ...(unverified
      ? [
          '',
          wrap('prices marked derived/unverified were not confirmed in a dated source (see tools/cost/prices.ts).', ''),
        ]
      : []),
  ].join('\n');
}

/** The estimate as --json prints it: without the internal cost target, which is no reader's business. */
function publicEstimate(estimate: CostEstimate): Omit<CostEstimate, 'target'> {
  const { target: _internal, ...rest } = estimate;
  return rest;
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
    io.out(costHelp());
    return 0;
  }
  try {
    const estimate = estimateCost(parseCostInput(overridesFrom(values)));
    io.out(values.json ? JSON.stringify(publicEstimate(estimate), null, 2) : render(estimate));
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof CostInputError) {
      const flag = error instanceof CostInputError ? FLAG_OF.get(error.field) : undefined;
      io.err(`notifier cost: ${flag ? `${flag}: ` : ''}${error.message}\nRun "notifier cost --help" for the options.`);
      return 2;
    }
    throw error;
  }
}
