import * as z from 'zod';
import { MAX_RECIPIENTS_PER_TASK, MAX_TASK_BYTES } from '../../handlers/surface.js';
import { choiceField, FIELD_META, type FieldMeta, flag, numberField, switchField, switchFlag } from './fields.js';
import { crossFieldIssues } from './input-checks.js';
import { durationsShape, workerShape } from './input-groups.js';
import { MEASURED } from './measured.js';
import { ARCHITECTURES, REGIONS } from './prices.js';

/**
 * The cost model's input, declared once: its type, its defaults (the module's defaults in variables.tf, one daily
 * run of a million recipients, and the handler durations and item sizes measured by bench/handler-durations.ts into
 * tools/cost/durations.json), the values each field accepts, and the `notifier cost` flag that sets it.
 */

const measured = (what: string) => `${what} (measured)`;
const inputShape = {
  audience: numberField(
    'recipients per run',
    1_000_000,
    { min: 0, above: true, max: 1e9, integer: true },
    flag('Workload', 'audience', 'N'),
  ),
  runsPerDay: numberField(
    'scheduler ticks a day',
    1,
    { min: 0, above: true, max: 1440, integer: true, limit: 'one a minute' },
    flag('Workload', 'runs-per-day', 'N'),
  ),
  daysPerMonth: numberField(
    'days a month',
    30,
    { min: 0, above: true, max: 31, integer: true },
    flag('Workload', 'days', 'N'),
  ),
  latencyMs: numberField(
    "the provider's answer time for one send",
    150,
    { min: 0, max: 60_000 },
    flag('Workload', 'latency-ms', 'MS'),
  ),
  region: choiceField(
    'the region priced',
    REGIONS,
    'us-east-1',
    flag('Module settings', 'region', 'R'),
    (region) => `no price table for region "${region}"`,
  ),
  architecture: choiceField(
    "the functions' architecture",
    ARCHITECTURES,
    'arm64',
    flag('Module settings', 'arch', 'A'),
  ),
  plannerMemoryMb: numberField(
    "the planner's memory_size",
    512,
    { min: 128, max: 10_240, integer: true, limit: "Lambda's limit" },
    flag('Module settings', 'planner-memory', 'MB'),
  ),
  plannerTimeoutSeconds: numberField(
    "the planner's timeout",
    300,
    { min: 30, max: 900, integer: true, limit: "Lambda's limit" },
    flag('Module settings', 'planner-timeout', 'S'),
  ),
  senderMemoryMb: numberField(
    "the sender's memory_size",
    256,
    { min: 128, max: 10_240, integer: true, limit: "Lambda's limit" },
    flag('Module settings', 'sender-memory', 'MB'),
  ),
  senderTimeoutSeconds: numberField(
    "the sender's timeout: a batch must be sent within it, less the reserve kept for recording outcomes",
    30,
    { min: 3, max: 900, integer: true, limit: "Lambda's limit" },
    flag('Module settings', 'sender-timeout', 'S'),
  ),
  senderBatchSize: numberField(
    "the sender's batch_size, in tasks (SQS messages) an invocation gets",
    50,
    { min: 0, above: true, max: 10_000, integer: true, limit: "the event source mapping's limit" },
    flag('Module settings', 'batch-size', 'N'),
  ),
  senderMaximumConcurrency: numberField(
    "the sender's maximum_concurrency: concurrent containers, each paced to its share of the rate",
    2,
    { min: 2, max: 1000, integer: true, limit: "the event source mapping's limit" },
    flag('Module settings', 'max-concurrency', 'N'),
  ),
  senderParallelism: numberField(
    "the sender's parallelism: sends in flight per invocation, across its tasks",
    50,
    { min: 0, above: true, max: 100, integer: true },
    flag('Module settings', 'parallelism', 'N'),
  ),
  // At least 0.001 a second, one send in about 17 minutes: a channel slower than that is not one to price runs on.
  channelRatePerSecond: numberField(
    "the channel's ratePerSecond, shared by all senders",
    250,
    { min: 0.001, max: 10_000 },
    flag('Workload', 'rate', 'N'),
  ),
  pageSize: numberField(
    "the job's pageSize: rows per audience page",
    1000,
    { min: 10, max: 10_000, integer: true },
    flag('Job settings', 'page-size', 'N'),
  ),
  // The job default (handlers/config/schema.ts); test/cost.test.ts keeps the two equal.
  recipientsPerTask: numberField(
    "the job's recipientsPerTask: recipients one SQS message and one ledger item carry (a body also stops at " +
      `${MAX_TASK_BYTES} B); 1 is the per-recipient ledger, which also drops repeats across pages`,
    10,
    { min: 0, above: true, max: MAX_RECIPIENTS_PER_TASK, integer: true, limit: "the job schema's limit" },
    flag('Job settings', 'recipients-per-task', 'N'),
  ),
  taskHeadBytes: numberField(
    measured("a task body's envelope: version, run id, job, group name, brackets"),
    MEASURED.taskHeadBytes,
    { min: 0 },
  ),
  // An average over the bench's audience, so its default is fractional and the flag takes fractions too.
  taskRecipientBytes: numberField(
    'bytes a recipient adds to a task body: its id, the template fields, a comma (measured on an ASCII audience)',
    MEASURED.taskRecipientBytes,
    { min: 0, above: true, max: MAX_TASK_BYTES },
    flag('Workload', 'recipient-bytes', 'N'),
  ),
  // An assumption, not a measure: one accented letter a recipient, or an emoji in every other name.
  taskNonAsciiUnitsPerRecipient: numberField(
    'UTF-16 code units outside printable ASCII per recipient, on average (an accented letter is one, an emoji two): ' +
      'each takes a 6-byte \\uXXXX escape in the ASCII task body',
    1,
    { min: 0, max: MAX_TASK_BYTES },
    flag('Workload', 'non-ascii', 'N'),
  ),
  logBytesPerNotification: numberField(
    'application log bytes each notification adds (the success path logs nothing)',
    0,
    { min: 0, max: 1_000_000 },
    flag('Workload', 'log-bytes', 'N'),
  ),
  senderLogBytesPerInvocation: numberField(
    measured('log bytes per sender invocation: its EMF metrics line without latency values'),
    MEASURED.senderLogBytesPerInvocation,
    { min: 0 },
  ),
  senderLogBytesPerSend: numberField(
    measured('bytes each send adds to that line: its ProviderLatency value (EMF keeps at most 100 values a line)'),
    MEASURED.senderLogBytesPerSend,
    { min: 0 },
  ),
  plannerLogBytesPer1000: numberField(
    measured('planner log bytes per 1,000 recipients'),
    MEASURED.plannerLogBytesPer1000,
    { min: 0 },
  ),
  platformLogBytesPerInvocation: numberField(
    "START/END/REPORT lines; 0 because the module sets the functions' system log level to WARN",
    0,
    { min: 0 },
  ),
  egressBytesPerNotification: numberField(
    'bytes a send puts on the wire to the provider (request line, headers with the token, JSON body, TLS framing)',
    700,
    { min: 0, max: 10_000_000 },
    flag('Workload', 'egress-bytes', 'N'),
  ),
  ledger: switchField(
    "the delivery ledger and the sender's run counters",
    true,
    switchFlag('Module settings', 'no-ledger', 'without the ledger and run counters (an at-least-once variant)'),
  ),
  ledgerTtlDays: numberField(
    'days the ledger keeps a group item',
    30,
    { min: 0, above: true, max: 3650, integer: true },
    flag('Module settings', 'ledger-ttl-days', 'N'),
  ),
  groupItemBaseBytes: numberField(
    measured('a group item without outcomes (keys, claim, attempts, TTL), as DynamoDB sizes it: what the claim writes'),
    MEASURED.groupItemBaseBytes,
    { min: 0, above: true },
  ),
  groupOutcomeBytes: numberField(
    measured("what each recipient's outcome entry adds to its group item, apart from the provider's message id"),
    MEASURED.groupOutcomeBytes,
    { min: 0, above: true },
  ),
  providerMessageIdBytes: numberField(
    "the provider's message id kept in each sent outcome (Messenger's message_id is about 90 bytes)",
    90,
    { min: 0 },
  ),
  runItemBytes: numberField(
    measured('the run item (keys, lease, cursor, counters) without the open counts of running senders'),
    MEASURED.runItemBytes,
    { min: 0, above: true },
  ),
  durations: z.object(durationsShape).readonly().prefault({}),
  sqsIdlePollers: numberField('pollers an idle event source mapping keeps long-polling the queue', 5, { min: 0 }),
  sqsLongPollSeconds: numberField('seconds of one long poll', 20, { min: 0, above: true }),
  sqsReceiveOverheadBytesPerMessage: numberField(
    'bytes each received message adds to a ReceiveMessage answer beyond its body (receipt handle, attributes)',
    600,
    { min: 0 },
  ),
  // modules/observability creates 9 with create_alarms; test/cost.test.ts counts them.
  alarms: numberField(
    'CloudWatch alarms the module creates',
    9,
    { min: 0, max: 100, integer: true },
    flag('Module settings', 'alarms', 'N'),
  ),
  dashboard: switchField(
    'the CloudWatch dashboard',
    false,
    switchFlag('Module settings', 'dashboard', 'with the CloudWatch dashboard'),
  ),
  logRetentionDays: numberField('days CloudWatch keeps the logs', 30, { min: 0, above: true }),
  freeTier: switchField(
    "the account's always-free tier (Lambda, SQS, DynamoDB storage, CloudWatch), applied to this service alone",
    false,
    switchFlag('Output', 'free-tier', "apply the account's always-free tier to this service alone"),
  ),
  worker: z.object(workerShape).readonly().prefault({}),
};

const costInputSchema = z
  .object(inputShape)
  .superRefine((input, context) => {
    for (const issue of crossFieldIssues(input))
      context.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
  })
  .readonly();

/** What the model is given: the workload, the module and job settings, measured durations and sizes, prices' region. */
export type CostInput = z.output<typeof costInputSchema>;
/** The fields to change from DEFAULT_INPUT; a field left out or undefined takes its default. */
export type CostOverrides = z.input<typeof costInputSchema>;

/** A field of the model's input is out of range; `field` names it (`durations.plannerMsPer1000`). */
export class CostInputError extends RangeError {
  override readonly name = 'CostInputError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field} ${message}`);
    this.field = field;
  }
}

/** The model's input from `overrides`, or a CostInputError naming the first field out of range. */
export function parseCostInput(overrides: unknown = {}): CostInput {
  const parsed = costInputSchema.safeParse(overrides);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  throw new CostInputError(issue?.path.join('.') ?? '', issue?.message ?? 'is not a cost input');
}

export const DEFAULT_INPUT: CostInput = parseCostInput();

export interface CostField {
  /** The field's path in the input, e.g. `durations.plannerMsPer1000`. */
  readonly path: string;
  readonly meta: FieldMeta;
  readonly fallback: unknown;
}

const fieldsOf = (shape: Readonly<Record<string, z.ZodType>>, defaults: object, prefix = ''): CostField[] =>
  Object.entries(shape).flatMap(([key, schema]) => {
    const meta = FIELD_META.get(schema);
    return meta ? [{ path: `${prefix}${key}`, meta, fallback: (defaults as Record<string, unknown>)[key] }] : [];
  });

/** Every field of the input with its metadata and default, in the schema's order. */
export const COST_FIELDS: readonly CostField[] = [
  ...fieldsOf(inputShape, DEFAULT_INPUT),
  ...fieldsOf(durationsShape, DEFAULT_INPUT.durations, 'durations.'),
  ...fieldsOf(workerShape, DEFAULT_INPUT.worker, 'worker.'),
];
