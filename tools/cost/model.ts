import {
  EMF_MAX_VALUES,
  ESCAPED_UNIT_BYTES,
  GROUP_NAME_RESERVE_BYTES,
  HANDOVER_RESERVE_MS,
  MAX_RECIPIENTS_PER_TASK,
  MAX_TASK_BYTES,
  RECORDING_RESERVE_MS,
} from '../../handlers/surface.js';
import { MEASURED } from './measured.js';
import { type Occurrence, type OperationGroup, TABLE_OPERATIONS, type WrittenItem } from './operations.js';
import { type Architecture, FREE_TIER, type Price, pricesFor, type RegionPrices } from './prices.js';

/**
 * Monthly AWS cost of the notifier for one job: what each scheduler tick makes the planner, the queue, the sender, the
 * tables and CloudWatch do, priced with the region's list prices (tools/cost/prices.ts). Pure: the same input
 * gives the same estimate. The handler durations default to the measurements in tools/cost/durations.json.
 *
 * @example
 * const estimate = estimateMonthlyCost({ audience: 1_000_000, runsPerDay: 1, region: 'eu-west-1' });
 * console.log(estimate.perMillionUsd, estimate.dominant.item);
 */

export interface HandlerDurations {
  /** Planner wall time per 1,000 recipients (read a page, build tasks, SendMessageBatch, save the cursor). */
  readonly plannerMsPer1000: number;
  /** Cold start (INIT, billed since August 2025) of a planner container: one per planner invocation. */
  readonly plannerInitMs: number;
  /** Sender time per invocation that depends on neither the batch's size nor the provider's latency. */
  readonly senderOverheadMsPerBatch: number;
  /** Sender time each task (one group of recipients) adds to its batch: parse, ledger claim and record. */
  readonly senderMsPerTask: number;
  /** Sender time each notification adds to its batch (template, request, outcome entry), unpaced. */
  readonly senderMsPerNotification: number;
  /** Cold start of a sender container: one per container and run. */
  readonly senderInitMs: number;
}

/** The always-on worker the service replaces: instances sized for the daily peak, a Celery broker, disks. */
export interface WorkerAssumptions {
  readonly instanceType: string;
  readonly instances: number;
  readonly brokerType: string;
  readonly brokers: number;
  readonly ebsGbPerInstance: number;
}

export interface CostInput {
  /** Recipients per run. */
  readonly audience: number;
  readonly runsPerDay: number;
  readonly daysPerMonth: number;
  /** The provider's answer time for one send. */
  readonly latencyMs: number;
  readonly region: string;
  readonly architecture: Architecture;
  readonly plannerMemoryMb: number;
  readonly plannerTimeoutSeconds: number;
  readonly senderMemoryMb: number;
  /** The sender's timeout: a batch must be sent within it, less the reserve kept for recording outcomes. */
  readonly senderTimeoutSeconds: number;
  /** The event source mapping's batch_size, in tasks (SQS messages). */
  readonly senderBatchSize: number;
  /** The event source mapping's maximum_concurrency: concurrent sender containers, each paced to its share of the rate. */
  readonly senderMaximumConcurrency: number;
  /** The module's sender.parallelism (NOTIFIER_SENDER_PARALLELISM): sends in flight per invocation, across its tasks. */
  readonly senderParallelism: number;
  /** The channel's ratePerSecond, shared by all senders. */
  readonly channelRatePerSecond: number;
  /** The job's pageSize (rows per audience page). */
  readonly pageSize: number;
  /**
   * The job's recipientsPerTask: recipients one SQS message and one ledger item carry (the planner groups each page;
   * a body also stops at MAX_TASK_BYTES). 1 is the per-recipient ledger, which also drops repeats across pages.
   */
  readonly recipientsPerTask: number;
  /** A task body's envelope: version, run id, job, group name, brackets. */
  readonly taskHeadBytes: number;
  /** Bytes each recipient adds to a task body: its id, the template's fields, a comma; measured on an ASCII audience. */
  readonly taskRecipientBytes: number;
  /**
   * UTF-16 code units outside printable ASCII in a recipient's id and fields, on average (an accented letter is one,
   * an emoji two). Task bodies are ASCII JSON, so each is a `\uXXXX` escape of ESCAPED_UNIT_BYTES where
   * taskRecipientBytes counts one byte.
   */
  readonly taskNonAsciiUnitsPerRecipient: number;
  /** Application log bytes each notification adds (the success path logs nothing). */
  readonly logBytesPerNotification: number;
  /** Log bytes per sender invocation: its EMF metrics line without latency values. */
  readonly senderLogBytesPerInvocation: number;
  /** Bytes each send adds to that line: its ProviderLatency value (EMF keeps at most 100 values a line). */
  readonly senderLogBytesPerSend: number;
  readonly plannerLogBytesPer1000: number;
  /** Bytes one send puts on the wire to the provider (request line, headers with the token, JSON body, TLS framing). */
  readonly egressBytesPerNotification: number;
  /** START/END/REPORT lines; 0 because the module sets the functions' system log level to WARN. */
  readonly platformLogBytesPerInvocation: number;
  /** The delivery ledger (a claim and a record write per group) and the sender's run counters. */
  readonly ledger: boolean;
  readonly ledgerTtlDays: number;
  /** A group item without outcomes (keys, claim, attempts, TTL), as DynamoDB sizes it: what the claim writes. */
  readonly groupItemBaseBytes: number;
  /** What each recipient's outcome entry adds to its group item, apart from the provider's message id. */
  readonly groupOutcomeBytes: number;
  /** The provider's message id kept in each sent outcome (Messenger's message_id is about 90 bytes). */
  readonly providerMessageIdBytes: number;
  /** The run item (keys, lease, cursor, counters) without the open counts of running senders. */
  readonly runItemBytes: number;
  /** `provisioned`: the ledger table on provisioned capacity, scaled up around each run by a schedule (a proposal). */
  readonly ledgerCapacity: 'on-demand' | 'provisioned';
  /** Whether run-item updates also write the by-job index (projection ALL, as shipped). */
  readonly ledgerIndexWrites: boolean;
  readonly durations: HandlerDurations;
  /** Pollers an idle event source mapping keeps long-polling the queue. */
  readonly sqsIdlePollers: number;
  readonly sqsLongPollSeconds: number;
  /** Bytes each received message adds to a ReceiveMessage answer beyond its body (receipt handle, attributes). */
  readonly sqsReceiveOverheadBytesPerMessage: number;
  /** CloudWatch alarms the module creates (9 with create_alarms: modules/observability; test/cost.test.ts counts them). */
  readonly alarms: number;
  readonly dashboard: boolean;
  readonly logRetentionDays: number;
  /** Apply the account's always-free tier (Lambda, SQS, DynamoDB storage, CloudWatch) to this service alone. */
  readonly freeTier: boolean;
  readonly worker: WorkerAssumptions;
}

export type CostOverrides = Partial<Omit<CostInput, 'durations' | 'worker'>> & {
  readonly durations?: Partial<HandlerDurations>;
  readonly worker?: Partial<WorkerAssumptions>;
};

/** The module's defaults (variables.tf), one daily run of a million recipients, and the measured handler durations. */
export const DEFAULT_INPUT: CostInput = {
  audience: 1_000_000,
  runsPerDay: 1,
  daysPerMonth: 30,
  latencyMs: 150,
  region: 'us-east-1',
  architecture: 'arm64',
  plannerMemoryMb: 512,
  plannerTimeoutSeconds: 300,
  senderMemoryMb: 256,
  senderTimeoutSeconds: 30,
  senderBatchSize: 50,
  senderMaximumConcurrency: 2,
  senderParallelism: 50,
  channelRatePerSecond: 250,
  pageSize: 1000,
  // The job default (handlers/config/schema.ts); test/cost.test.ts keeps the two equal.
  recipientsPerTask: 10,
  taskHeadBytes: MEASURED.taskHeadBytes,
  taskRecipientBytes: MEASURED.taskRecipientBytes,
  // An assumption, not a measure: one accented letter a recipient, or an emoji in every other name.
  taskNonAsciiUnitsPerRecipient: 1,
  logBytesPerNotification: 0,
  senderLogBytesPerInvocation: MEASURED.senderLogBytesPerInvocation,
  senderLogBytesPerSend: MEASURED.senderLogBytesPerSend,
  plannerLogBytesPer1000: MEASURED.plannerLogBytesPer1000,
  platformLogBytesPerInvocation: 0,
  egressBytesPerNotification: 700,
  ledger: true,
  ledgerTtlDays: 30,
  groupItemBaseBytes: MEASURED.groupItemBaseBytes,
  groupOutcomeBytes: MEASURED.groupOutcomeBytes,
  providerMessageIdBytes: 90,
  runItemBytes: MEASURED.runItemBytes,
  ledgerCapacity: 'on-demand',
  ledgerIndexWrites: true,
  durations: {
    plannerMsPer1000: MEASURED.plannerMsPer1000,
    plannerInitMs: MEASURED.initMs.planner,
    senderOverheadMsPerBatch: MEASURED.senderOverheadMsPerBatch,
    senderMsPerTask: MEASURED.senderMsPerTask,
    senderMsPerNotification: MEASURED.senderMsPerNotification,
    senderInitMs: MEASURED.initMs.sender,
  },
  sqsIdlePollers: 5,
  sqsLongPollSeconds: 20,
  sqsReceiveOverheadBytesPerMessage: 600,
  alarms: 9,
  dashboard: false,
  logRetentionDays: 30,
  freeTier: false,
  worker: { instanceType: 'm7g.large', instances: 1, brokerType: 'cache.t4g.small', brokers: 1, ebsGbPerInstance: 20 },
};

/** The cost target: a million notifications at the module's defaults, with the ledger on. */
export const TARGET_USD_PER_MILLION = 0.4;

/** Hours AWS prorates a month over (custom metrics, EBS). */
const HOURS_PER_MONTH = 730;
/** The config store caches an item this long per container (handlers/aws/config-store.ts). */
const CONFIG_CACHE_MS = 60_000;
/** SQS batch APIs take at most 10 entries. */
const SQS_BATCH_ENTRIES = 10;
/** DynamoDB bills storage on the item's bytes plus this overhead. */
const ITEM_OVERHEAD_BYTES = 100;
/** A running sender's open count on the run item: its request id, a UUID, in the pendingCounts string set. */
const OPEN_COUNT_BYTES = 36;
/** CloudWatch Logs stores (and bills) log data compressed; JSON lines compress to roughly this fraction. */
const LOG_COMPRESSION = 0.15;
/** Provisioned capacity: target utilization, lead time before a run, and the capacity kept between runs. */
const PROVISIONED = { utilization: 0.7, leadHours: 0.25, baselineUnits: 5 } as const;

export type Service =
  | 'EventBridge Scheduler'
  | 'Lambda'
  | 'SQS'
  | 'DynamoDB'
  | 'CloudWatch'
  | 'Data transfer'
  | 'EC2'
  | 'ElastiCache'
  | 'EBS';

export interface CostLine {
  readonly service: Service;
  readonly item: string;
  /** How much was used, in `unit`s. */
  readonly quantity: number;
  readonly unit: string;
  /** The price applied and what it is per; a free-tier line has a negative quantity. */
  readonly price: Price;
  readonly usd: number;
  readonly note?: string;
}

/** What one run does, from which the monthly lines follow. */
export interface RunProfile {
  readonly notifications: number;
  /** Tasks, i.e. SQS messages and group items. */
  readonly messages: number;
  /** Recipients a full task carries: recipientsPerTask, unless MAX_TASK_BYTES stops the body first. */
  readonly recipientsPerFullTask: number;
  /** Bytes of a full task's body and of its group item once recorded. */
  readonly taskBodyBytes: number;
  readonly groupItemBytes: number;
  readonly pages: number;
  readonly plannerWorkMs: number;
  readonly pagesPerPlannerInvocation: number;
  readonly plannerInvocations: number;
  readonly continuations: number;
  readonly plannerBilledMs: number;
  readonly senderBatches: number;
  readonly senderContainers: number;
  /** Notifications in a full batch: batch_size tasks of recipients each. */
  readonly deliveriesPerBatch: number;
  /** Sends in flight per invocation (NOTIFIER_SENDER_PARALLELISM). */
  readonly parallelism: number;
  /** Per full batch: overhead + tasks x per-task + notifications x per-notification + waves x latency. */
  readonly latencyBoundMsPerBatch: number;
  /** The sender's own handler time per full batch, at its memory's share of a CPU. */
  readonly workMsPerBatch: number;
  /** Per full batch: the pacer's share of the channel rate (rate / maximum concurrency). */
  readonly pacedMsPerBatch: number;
  readonly pacingBound: boolean;
  readonly senderBilledMs: number;
  /** ProviderLatency values the senders' EMF lines carry in the run (at most 100 a line). */
  readonly latencyValuesLogged: number;
  readonly sendSeconds: number;
  readonly runSeconds: number;
  readonly notificationsPerSecond: number;
  readonly sqs: {
    readonly sendCalls: number;
    readonly sendRequests: number;
    readonly receiveCalls: number;
    readonly receiveRequests: number;
    readonly deleteCalls: number;
    readonly deleteRequests: number;
  };
  readonly table: {
    readonly ledgerWriteUnits: number;
    readonly indexWriteUnits: number;
    readonly configReadUnits: number;
    /** Write units of one write: claiming a new group item, recording a full group, updating the run item. */
    readonly unitsPerWrite: { readonly claim: number; readonly record: number; readonly run: number };
    /** Group items the run leaves in the ledger, and their bytes with DynamoDB's storage overhead. */
    readonly storedItems: number;
    readonly storedBytes: number;
    readonly operations: readonly {
      readonly name: string;
      readonly group: OperationGroup;
      readonly requests: number;
      readonly units: number;
      readonly indexUnits: number;
    }[];
  };
}

export interface CostEstimate {
  readonly input: CostInput;
  readonly region: { readonly code: string; readonly name: string };
  readonly notificationsPerMonth: number;
  readonly run: RunProfile;
  readonly lines: readonly CostLine[];
  readonly byService: Readonly<Partial<Record<Service, number>>>;
  readonly totalUsd: number;
  readonly perMillionUsd: number;
  /** The most expensive line. */
  readonly dominant: CostLine;
  readonly target: { readonly perMillionUsd: number; readonly met: boolean; readonly overByUsd: number };
  readonly alwaysOn: {
    readonly lines: readonly CostLine[];
    readonly totalUsd: number;
    readonly perMillionUsd: number;
    readonly breakEvenAudience: number | null;
  };
  /** Where the scenario does not fit the settings (e.g. runs that take longer than the time between them). */
  readonly warnings: readonly string[];
}

/** A field of the model's input is out of range; `field` names it. */
export class CostInputError extends RangeError {
  override readonly name = 'CostInputError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field} ${message}`);
    this.field = field;
  }
}

export function resolveInput(overrides: CostOverrides = {}): CostInput {
  const { durations, worker, ...rest } = overrides;
  const defined = <T extends object>(value: T | undefined) =>
    Object.fromEntries(Object.entries(value ?? {}).filter(([, field]) => field !== undefined));
  return {
    ...DEFAULT_INPUT,
    ...defined(rest),
    durations: { ...DEFAULT_INPUT.durations, ...defined(durations) },
    worker: { ...DEFAULT_INPUT.worker, ...defined(worker) },
  } as CostInput;
}

function validate(input: CostInput, prices: RegionPrices): void {
  const positive: [string, number][] = [
    ['audience', input.audience],
    ['runsPerDay', input.runsPerDay],
    ['daysPerMonth', input.daysPerMonth],
    ['plannerMemoryMb', input.plannerMemoryMb],
    ['plannerTimeoutSeconds', input.plannerTimeoutSeconds],
    ['senderMemoryMb', input.senderMemoryMb],
    ['senderTimeoutSeconds', input.senderTimeoutSeconds],
    ['senderBatchSize', input.senderBatchSize],
    ['senderMaximumConcurrency', input.senderMaximumConcurrency],
    ['senderParallelism', input.senderParallelism],
    ['channelRatePerSecond', input.channelRatePerSecond],
    ['pageSize', input.pageSize],
    ['recipientsPerTask', input.recipientsPerTask],
    ['taskRecipientBytes', input.taskRecipientBytes],
    ['groupItemBaseBytes', input.groupItemBaseBytes],
    ['groupOutcomeBytes', input.groupOutcomeBytes],
    ['runItemBytes', input.runItemBytes],
    ['ledgerTtlDays', input.ledgerTtlDays],
    ['sqsLongPollSeconds', input.sqsLongPollSeconds],
    ['logRetentionDays', input.logRetentionDays],
    ['durations.plannerMsPer1000', input.durations.plannerMsPer1000],
  ];
  const nonNegative: [string, number][] = [
    ['latencyMs', input.latencyMs],
    ['taskHeadBytes', input.taskHeadBytes],
    ['taskNonAsciiUnitsPerRecipient', input.taskNonAsciiUnitsPerRecipient],
    ['providerMessageIdBytes', input.providerMessageIdBytes],
    ['logBytesPerNotification', input.logBytesPerNotification],
    ['senderLogBytesPerInvocation', input.senderLogBytesPerInvocation],
    ['senderLogBytesPerSend', input.senderLogBytesPerSend],
    ['plannerLogBytesPer1000', input.plannerLogBytesPer1000],
    ['platformLogBytesPerInvocation', input.platformLogBytesPerInvocation],
    ['egressBytesPerNotification', input.egressBytesPerNotification],
    ['sqsIdlePollers', input.sqsIdlePollers],
    ['sqsReceiveOverheadBytesPerMessage', input.sqsReceiveOverheadBytesPerMessage],
    ['alarms', input.alarms],
    ['durations.plannerInitMs', input.durations.plannerInitMs],
    ['durations.senderOverheadMsPerBatch', input.durations.senderOverheadMsPerBatch],
    ['durations.senderMsPerTask', input.durations.senderMsPerTask],
    ['durations.senderMsPerNotification', input.durations.senderMsPerNotification],
    ['durations.senderInitMs', input.durations.senderInitMs],
    ['worker.instances', input.worker.instances],
    ['worker.brokers', input.worker.brokers],
    ['worker.ebsGbPerInstance', input.worker.ebsGbPerInstance],
  ];
  for (const [field, value] of positive)
    if (!(Number.isFinite(value) && value > 0))
      throw new CostInputError(field, `must be a positive number, got ${value}`);
  for (const [field, value] of nonNegative)
    if (!(Number.isFinite(value) && value >= 0)) throw new CostInputError(field, `must be zero or more, got ${value}`);
  const integers: [string, number][] = [
    ['audience', input.audience],
    ['senderBatchSize', input.senderBatchSize],
    ['senderMaximumConcurrency', input.senderMaximumConcurrency],
    ['pageSize', input.pageSize],
    ['recipientsPerTask', input.recipientsPerTask],
  ];
  for (const [field, value] of integers)
    if (!Number.isInteger(value)) throw new CostInputError(field, `must be a whole number, got ${value}`);
  if (input.recipientsPerTask > MAX_RECIPIENTS_PER_TASK)
    throw new CostInputError(
      'recipientsPerTask',
      `must be at most ${MAX_RECIPIENTS_PER_TASK} (the job schema's limit), got ${input.recipientsPerTask}`,
    );
  if (input.taskHeadBytes + escapedRecipientBytes(input) + GROUP_NAME_RESERVE_BYTES > MAX_TASK_BYTES)
    throw new CostInputError(
      'taskRecipientBytes',
      `of ${escapedRecipientBytes(input)} B with the escapes does not fit a task body of ${MAX_TASK_BYTES} B`,
    );
  if (input.senderTimeoutSeconds > 900)
    throw new CostInputError(
      'senderTimeoutSeconds',
      `must be at most 900 (Lambda's limit), got ${input.senderTimeoutSeconds}`,
    );
  if (input.senderBatchSize > 10_000)
    throw new CostInputError(
      'senderBatchSize',
      `must be at most 10000 (the event source mapping's limit), got ${input.senderBatchSize}`,
    );
  if (input.runsPerDay > 1440)
    throw new CostInputError('runsPerDay', `must be at most 1440 (one a minute), got ${input.runsPerDay}`);
  if (input.daysPerMonth > 31)
    throw new CostInputError('daysPerMonth', `must be at most 31, got ${input.daysPerMonth}`);
  if (input.plannerTimeoutSeconds > 900)
    throw new CostInputError(
      'plannerTimeoutSeconds',
      `must be at most 900 (Lambda's limit), got ${input.plannerTimeoutSeconds}`,
    );
  if (!['arm64', 'x86_64'].includes(input.architecture))
    throw new CostInputError('architecture', `must be arm64 or x86_64, got "${input.architecture}"`);
  if (!['on-demand', 'provisioned'].includes(input.ledgerCapacity))
    throw new CostInputError('ledgerCapacity', `must be on-demand or provisioned, got "${input.ledgerCapacity}"`);
  if (!prices.worker.instanceHour[input.worker.instanceType])
    throw new CostInputError(
      'worker.instanceType',
      `has no price in ${prices.region}; priced: ${Object.keys(prices.worker.instanceHour).join(', ')}`,
    );
  if (!prices.worker.brokerHour[input.worker.brokerType])
    throw new CostInputError(
      'worker.brokerType',
      `has no price in ${prices.region}; priced: ${Object.keys(prices.worker.brokerHour).join(', ')}`,
    );
}

/** Requests SQS bills for one API call carrying `bytes` of payload: one per 64 KB chunk, at least one. */
export function sqsBilledRequests(bytes: number, chunkBytes = 64 * 1024): number {
  return Math.max(1, Math.ceil(bytes / chunkBytes));
}

/** Lambda gives a function one vCPU at this much memory, and a share of one in proportion below it. */
export const LAMBDA_MB_PER_VCPU = 1769;

/**
 * How much longer CPU-bound handler time takes on a function of `memoryMb` than on the whole core it was measured on.
 * An upper bound: the measured times also hold some waiting on the local emulators, which does not slow down.
 */
export function cpuSlowdown(memoryMb: number): number {
  return LAMBDA_MB_PER_VCPU / Math.min(LAMBDA_MB_PER_VCPU, memoryMb);
}

/** Lambda GB-seconds of one invocation: duration rounded up to the millisecond, times the memory in GB. */
export function lambdaGbSeconds(durationMs: number, memoryMb: number): number {
  return (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);
}

/** DynamoDB write units for one standard write of an item: one per KB, rounded up. */
export function writeUnits(itemBytes: number): number {
  return Math.max(1, Math.ceil(itemBytes / 1024));
}

/** Splits `total` into chunks of at most `size`: how many are full, and what is left. */
function split(total: number, size: number): { full: number; rest: number } {
  return { full: Math.floor(total / size), rest: total % size };
}

/** The tasks the planner builds from a page of `rows` recipients: how many carry how many recipients. */
function pageTasks(rows: number, perTask: number): Map<number, number> {
  const tasks = new Map<number, number>();
  const full = Math.floor(rows / perTask);
  if (full > 0) tasks.set(perTask, full);
  if (rows % perTask > 0) tasks.set(rows % perTask, (tasks.get(rows % perTask) ?? 0) + 1);
  return tasks;
}

/** Bytes a recipient adds to an ASCII task body: the measured size, each non-ASCII code unit written as an escape. */
export const escapedRecipientBytes = (input: Pick<CostInput, 'taskRecipientBytes' | 'taskNonAsciiUnitsPerRecipient'>) =>
  input.taskRecipientBytes + input.taskNonAsciiUnitsPerRecipient * (ESCAPED_UNIT_BYTES - 1);

function runProfile(input: CostInput, prices: RegionPrices): RunProfile {
  const { durations } = input;
  const chunk = prices.sqs.chunkBytes;
  // groupTasks also closes a body before it passes MAX_TASK_BYTES, which only large template fields reach.
  const recipientBytes = escapedRecipientBytes(input);
  const fitInBody = Math.max(
    1,
    Math.floor((MAX_TASK_BYTES - input.taskHeadBytes - GROUP_NAME_RESERVE_BYTES + 1) / recipientBytes),
  );
  const perTask = Math.min(input.recipientsPerTask, fitInBody);
  const bodyBytes = (recipients: number) => input.taskHeadBytes + recipients * recipientBytes;
  const groupItemBytes = (recipients: number) =>
    input.groupItemBaseBytes + recipients * (input.groupOutcomeBytes + input.providerMessageIdBytes);

  // Planner: pages of pageSize rows, each grouped into tasks and enqueued with SendMessageBatch (10 tasks per call,
  // billed per 64 KB of the call's bodies).
  const pages = split(input.audience, input.pageSize);
  const pageCount = pages.full + (pages.rest > 0 ? 1 : 0);
  /** Tasks of the whole run by the recipients they carry. */
  const tasksBySize = new Map<number, number>();
  let sendCalls = 0;
  let sendRequests = 0;
  for (const [rows, times] of [
    [input.pageSize, pages.full],
    [pages.rest, pages.rest > 0 ? 1 : 0],
  ] as const) {
    if (times === 0) continue;
    // The page's tasks in order: full ones first, the short one last.
    const sizes = [...pageTasks(rows, perTask)].flatMap(([recipients, count]) =>
      Array.from({ length: count }, () => recipients),
    );
    for (const recipients of sizes) tasksBySize.set(recipients, (tasksBySize.get(recipients) ?? 0) + times);
    for (let first = 0; first < sizes.length; first += SQS_BATCH_ENTRIES) {
      const payload = sizes
        .slice(first, first + SQS_BATCH_ENTRIES)
        .reduce((sum, recipients) => sum + bodyBytes(recipients), 0);
      sendCalls += times;
      sendRequests += sqsBilledRequests(payload, chunk) * times;
    }
  }
  const messages = [...tasksBySize.values()].reduce((sum, count) => sum + count, 0);
  const recipientsPerMessage = input.audience / messages;
  const averageBodyBytes = bodyBytes(recipientsPerMessage);

  // The planner checks before each page whether less than 10 s plus twice its slowest page remains.
  const pageMs = (Math.min(input.pageSize, input.audience) / 1000) * durations.plannerMsPer1000;
  const timeoutMs = input.plannerTimeoutSeconds * 1000;
  if (timeoutMs - HANDOVER_RESERVE_MS - 2 * pageMs < 0) {
    throw new CostInputError(
      'plannerTimeoutSeconds',
      `of ${input.plannerTimeoutSeconds} s leaves no time for one page of ${input.pageSize} rows (${Math.round(pageMs)} ms) before the ${HANDOVER_RESERVE_MS / 1000} s handover reserve`,
    );
  }
  const pagesPerPlannerInvocation = Math.floor((timeoutMs - HANDOVER_RESERVE_MS - 2 * pageMs) / pageMs) + 1;
  const plannerInvocations = Math.max(1, Math.ceil(pageCount / pagesPerPlannerInvocation));
  const plannerWorkMs = (input.audience / 1000) * durations.plannerMsPer1000;
  // Only the last page can be short, and it belongs to the last invocation.
  const billedFor = (rows: number) => Math.ceil((rows / 1000) * durations.plannerMsPer1000 + durations.plannerInitMs);
  const lastInvocationRows = input.audience - (plannerInvocations - 1) * pagesPerPlannerInvocation * input.pageSize;
  const plannerBilledMs =
    (plannerInvocations - 1) * billedFor(pagesPerPlannerInvocation * input.pageSize) + billedFor(lastInvocationRows);

  // Sender: the event source mapping hands each invocation up to batch_size tasks; their sends share the
  // invocation's parallelism, and each container is paced to its share of the channel's rate.
  const batches = split(messages, input.senderBatchSize);
  const batchCount = batches.full + (batches.rest > 0 ? 1 : 0);
  const containers = Math.min(input.senderMaximumConcurrency, batchCount);
  const ratePerContainer = input.channelRatePerSecond / input.senderMaximumConcurrency;
  const parallelism = input.senderParallelism;
  // The handler time was measured on a whole core; a sender of less memory gets a share of one (cpuSlowdown).
  const slowdown = cpuSlowdown(input.senderMemoryMb);
  const batchMs = (tasks: number) => {
    const deliveries = tasks * recipientsPerMessage;
    const lanes = Math.min(deliveries, parallelism);
    const work =
      (durations.senderOverheadMsPerBatch +
        tasks * durations.senderMsPerTask +
        deliveries * durations.senderMsPerNotification) *
      slowdown;
    const latencyBound = work + Math.ceil(deliveries / lanes) * input.latencyMs;
    const paced = (deliveries / ratePerContainer) * 1000;
    return {
      work,
      latencyBound,
      paced,
      billed: Math.ceil(Math.max(latencyBound, paced)),
      logged: Math.min(deliveries, EMF_MAX_VALUES),
    };
  };
  const full = batchMs(Math.min(input.senderBatchSize, messages));
  const last = batches.rest > 0 && batches.full > 0 ? batchMs(batches.rest) : undefined;
  const fullBatches = batches.full > 0 ? batches.full : 1;
  const senderWorkMs = full.billed * fullBatches + (last?.billed ?? 0);
  const senderBilledMs = senderWorkMs + containers * Math.ceil(durations.senderInitMs);
  const latencyValuesLogged = full.logged * fullBatches + (last?.logged ?? 0);
  const sendSeconds = senderWorkMs / 1000 / Math.max(1, containers);
  const runSeconds = Math.max(plannerWorkMs / 1000, sendSeconds);

  const receivePerBatch = (size: number) => {
    const calls = split(size, SQS_BATCH_ENTRIES);
    const perMessage = averageBodyBytes + input.sqsReceiveOverheadBytesPerMessage;
    return {
      calls: calls.full + (calls.rest > 0 ? 1 : 0),
      requests:
        calls.full * sqsBilledRequests(SQS_BATCH_ENTRIES * perMessage, chunk) +
        (calls.rest > 0 ? sqsBilledRequests(calls.rest * perMessage, chunk) : 0),
    };
  };
  const receiveFull = receivePerBatch(input.senderBatchSize);
  const receiveLast = batches.rest > 0 ? receivePerBatch(batches.rest) : { calls: 0, requests: 0 };
  const receiveCalls = receiveFull.calls * batches.full + receiveLast.calls;
  // DeleteMessageBatch carries receipt handles only (~0.5 KB each): one billed request per call.
  const deleteCalls = receiveCalls;

  // Tables: each operation of tools/cost/operations.ts, counted per occurrence and sized by the item it writes.
  // A write costs ceil(max(item before, item after) / 1 KB): claiming a new group writes the small item, recording
  // writes it with every outcome; the run item carries one open count per running sender.
  const occurrences: Record<Occurrence, number> = {
    task: messages,
    batch: batchCount,
    page: pageCount,
    plannerInvocation: plannerInvocations,
    continuation: plannerInvocations - 1,
    run: 1,
    senderContainerCachePeriod: containers * Math.max(1, Math.ceil((sendSeconds * 1000) / CONFIG_CACHE_MS)),
  };
  const runUnits = writeUnits(input.runItemBytes + containers * OPEN_COUNT_BYTES);
  const claimUnits = writeUnits(input.groupItemBaseBytes);
  const recordUnits = [...tasksBySize].reduce(
    (sum, [recipients, count]) => sum + count * writeUnits(groupItemBytes(recipients)),
    0,
  );
  const unitsFor = (item: WrittenItem, requests: number) => {
    switch (item) {
      case 'new group':
        return requests * claimUnits;
      case 'recorded group':
        return (requests / messages) * recordUnits;
      case 'run':
        return requests * runUnits;
    }
  };
  let ledgerWriteUnits = 0;
  let indexWriteUnits = 0;
  let configReadUnits = 0;
  const operations = TABLE_OPERATIONS.filter((operation) => input.ledger || !operation.ledgerOnly).map((operation) => {
    const requests = occurrences[operation.per] * operation.count;
    if (operation.kind === 'read') {
      configReadUnits += requests;
      return { name: operation.name, group: operation.group, requests, units: requests, indexUnits: 0 };
    }
    const units = unitsFor(operation.item, requests);
    ledgerWriteUnits += units;
    // Projection ALL: the index copy of the run item costs what the table's write does.
    const index = operation.indexWrite && input.ledgerIndexWrites ? units : 0;
    indexWriteUnits += index;
    return { name: operation.name, group: operation.group, requests, units, indexUnits: index };
  });
  const storedBytes = [...tasksBySize].reduce(
    (sum, [recipients, count]) => sum + count * (groupItemBytes(recipients) + ITEM_OVERHEAD_BYTES),
    0,
  );

  return {
    notifications: input.audience,
    messages,
    recipientsPerFullTask: perTask,
    taskBodyBytes: bodyBytes(perTask),
    groupItemBytes: groupItemBytes(perTask),
    pages: pageCount,
    plannerWorkMs,
    pagesPerPlannerInvocation,
    plannerInvocations,
    continuations: plannerInvocations - 1,
    plannerBilledMs,
    senderBatches: batchCount,
    senderContainers: containers,
    deliveriesPerBatch: Math.min(input.senderBatchSize, messages) * recipientsPerMessage,
    parallelism,
    latencyBoundMsPerBatch: full.latencyBound,
    workMsPerBatch: full.work,
    pacedMsPerBatch: full.paced,
    pacingBound: full.paced > full.latencyBound,
    senderBilledMs,
    latencyValuesLogged,
    sendSeconds,
    runSeconds,
    notificationsPerSecond: input.audience / Math.max(sendSeconds, Number.EPSILON),
    sqs: {
      sendCalls,
      sendRequests,
      receiveCalls,
      receiveRequests: receiveFull.requests * batches.full + receiveLast.requests,
      deleteCalls,
      deleteRequests: deleteCalls,
    },
    table: {
      ledgerWriteUnits,
      indexWriteUnits,
      configReadUnits,
      unitsPerWrite: { claim: claimUnits, record: writeUnits(groupItemBytes(perTask)), run: runUnits },
      storedItems: input.ledger ? messages : 0,
      storedBytes: input.ledger ? storedBytes : 0,
      operations,
    },
  };
}

const perMillion = (price: Price) => price.per.startsWith('1M');
const formatCount = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

function line(service: Service, item: string, quantity: number, unit: string, price: Price, note?: string): CostLine {
  const usd = (perMillion(price) ? quantity / 1e6 : quantity) * price.usd;
  return { service, item, quantity, unit, price, usd, ...(note ? { note } : {}) };
}

function serverlessLines(input: CostInput, prices: RegionPrices, run: RunProfile): CostLine[] {
  const runs = input.runsPerDay * input.daysPerMonth;
  const hoursInMonth = input.daysPerMonth * 24;
  const { lambda, sqs, dynamodb, cloudwatch, scheduler } = prices;
  const lines: CostLine[] = [];

  const invocations = runs;
  lines.push(
    line(
      'EventBridge Scheduler',
      'scheduled invocations (first 14M a month free)',
      Math.max(0, invocations - scheduler.freeInvocationsPerMonth),
      'invocations',
      scheduler.invocations,
      `${invocations} ticks`,
    ),
  );

  const plannerRequests = run.plannerInvocations * runs;
  const senderRequests = run.senderBatches * runs;
  const plannerGbs = (run.plannerBilledMs / 1000) * (input.plannerMemoryMb / 1024) * runs;
  const senderGbs = (run.senderBilledMs / 1000) * (input.senderMemoryMb / 1024) * runs;
  const gbSecond = lambda.gbSecond[input.architecture];
  lines.push(
    line(
      'Lambda',
      'planner requests (incl. continuations)',
      plannerRequests,
      'requests',
      lambda.requests,
      `${run.plannerInvocations} per run (${run.continuations} continuations)`,
    ),
  );
  lines.push(
    line(
      'Lambda',
      `planner compute (${input.plannerMemoryMb} MB, ${input.architecture})`,
      plannerGbs,
      'GB-s',
      gbSecond,
      `${(run.plannerBilledMs / 1000).toFixed(1)} s billed per run incl. INIT`,
    ),
  );
  lines.push(
    line(
      'Lambda',
      'sender requests (one per batch)',
      senderRequests,
      'requests',
      lambda.requests,
      `${run.senderBatches} batches of ${input.senderBatchSize} tasks per run`,
    ),
  );
  lines.push(
    line(
      'Lambda',
      `sender compute (${input.senderMemoryMb} MB, ${input.architecture})`,
      senderGbs,
      'GB-s',
      gbSecond,
      `${Math.ceil(Math.max(run.latencyBoundMsPerBatch, run.pacedMsPerBatch))} ms billed per batch of ${formatCount(run.deliveriesPerBatch)} notifications (${run.pacingBound ? `paced: ${input.channelRatePerSecond}/s over ${input.senderMaximumConcurrency} senders` : `latency-bound at ${input.latencyMs} ms, ${run.parallelism} sends in flight`})`,
    ),
  );

  const idleSeconds = Math.max(0, input.daysPerMonth * 86_400 - runs * run.sendSeconds);
  lines.push(
    line(
      'SQS',
      'SendMessageBatch (planner, 10 tasks a call)',
      run.sqs.sendRequests * runs,
      'requests',
      sqs.standardRequests,
      `${run.sqs.sendCalls} calls per run for ${run.messages} tasks; each 64 KB chunk is a request`,
    ),
  );
  lines.push(
    line(
      'SQS',
      'ReceiveMessage (event source mapping, one per 10 tasks of a batch)',
      run.sqs.receiveRequests * runs,
      'requests',
      sqs.standardRequests,
    ),
  );
  lines.push(
    line(
      'SQS',
      'DeleteMessageBatch (event source mapping, one per 10 tasks of a batch)',
      run.sqs.deleteRequests * runs,
      'requests',
      sqs.standardRequests,
    ),
  );
  lines.push(
    line(
      'SQS',
      `empty long polls while idle (${input.sqsIdlePollers} pollers x ${input.sqsLongPollSeconds} s)`,
      Math.round((idleSeconds / input.sqsLongPollSeconds) * input.sqsIdlePollers),
      'requests',
      sqs.standardRequests,
    ),
  );

  const ledgerWrites = (run.table.ledgerWriteUnits + run.table.indexWriteUnits) * runs;
  if (input.ledgerCapacity === 'on-demand') {
    const { claim, record } = run.table.unitsPerWrite;
    const perGroup =
      run.recipientsPerFullTask === 1 ? 'per recipient' : `per group of ${run.recipientsPerFullTask} recipients`;
    const groups: [OperationGroup, string][] = [
      ['delivery ledger', `delivery ledger: claim + record UpdateItem ${perGroup} (${claim} + ${record} WRU)`],
      ['run counters', 'run counters: open + add UpdateItem per sender invocation'],
      ['planner run item', 'planner run item: lease, cursor per page, finish'],
    ];
    for (const [group, item] of groups) {
      const members = run.table.operations.filter((operation) => operation.group === group);
      if (members.length === 0) continue;
      const units = members.reduce((total, operation) => total + operation.units + operation.indexUnits, 0);
      const index = members.reduce((total, operation) => total + operation.indexUnits, 0);
      lines.push(
        line(
          'DynamoDB',
          item,
          units * runs,
          'WRU',
          dynamodb.onDemandWrites,
          index > 0 ? `incl. ${index * runs} WRU for the by-job index (projection ALL)` : 'on-demand',
        ),
      );
    }
  } else {
    const peakWritesPerSecond = (run.table.ledgerWriteUnits + run.table.indexWriteUnits) / Math.max(1, run.runSeconds);
    const peakUnits = Math.max(PROVISIONED.baselineUnits, Math.ceil(peakWritesPerSecond / PROVISIONED.utilization));
    const peakHours = Math.min(hoursInMonth, runs * Math.ceil(run.runSeconds / 3600 + PROVISIONED.leadHours));
    const wcuHours = peakUnits * peakHours + PROVISIONED.baselineUnits * (hoursInMonth - peakHours);
    lines.push(
      line(
        'DynamoDB',
        `ledger provisioned writes (${peakUnits} WCU for ${peakHours} h, ${PROVISIONED.baselineUnits} WCU otherwise)`,
        wcuHours,
        'WCU-hours',
        dynamodb.provisionedWcuHour,
        `replaces ${ledgerWrites} on-demand WRU; scheduled scaling around each run`,
      ),
    );
    lines.push(
      line(
        'DynamoDB',
        `ledger provisioned reads (${PROVISIONED.baselineUnits} RCU)`,
        PROVISIONED.baselineUnits * hoursInMonth,
        'RCU-hours',
        dynamodb.provisionedRcuHour,
      ),
    );
  }
  lines.push(
    line(
      'DynamoDB',
      'config reads (GetItem, strongly consistent)',
      run.table.configReadUnits * runs,
      'RRU',
      dynamodb.onDemandReads,
      'job, database or channel, and pause mark: planner per invocation; sender per container per 60 s',
    ),
  );
  if (input.ledger) {
    // Items written each day stay for the TTL: the table holds ledgerTtlDays days' worth at any time.
    const held = input.runsPerDay * input.ledgerTtlDays;
    lines.push(
      line(
        'DynamoDB',
        `ledger storage (group items kept ${input.ledgerTtlDays} days)`,
        (run.table.storedBytes * held) / 1e9,
        'GB-month',
        dynamodb.storageGbMonth,
        `${run.table.storedItems * held} items of about ${Math.round(run.groupItemBytes + ITEM_OVERHEAD_BYTES)} B`,
      ),
    );
  }

  const logBytesPerRun =
    run.senderBatches * (input.senderLogBytesPerInvocation + input.platformLogBytesPerInvocation) +
    run.latencyValuesLogged * input.senderLogBytesPerSend +
    run.notifications * input.logBytesPerNotification +
    (run.notifications / 1000) * input.plannerLogBytesPer1000 +
    run.plannerInvocations * input.platformLogBytesPerInvocation;
  const logGb = (logBytesPerRun * runs) / 1e9;
  lines.push(line('CloudWatch', 'log ingestion (EMF metrics and log lines)', logGb, 'GB', cloudwatch.logsIngestion));
  lines.push(
    line(
      'CloudWatch',
      `log storage (${input.logRetentionDays} days, compressed)`,
      logGb * LOG_COMPRESSION * (Math.min(input.logRetentionDays, 3653) / 30),
      'GB-month',
      cloudwatch.logsStorage,
      `assumes ${LOG_COMPRESSION * 100}% compression`,
    ),
  );
  const metricNames = 4 + (run.continuations > 0 ? 1 : 0);
  const metrics = metricNames * 2;
  const activeHours = Math.min(hoursInMonth, runs * Math.max(1, Math.ceil(run.runSeconds / 3600)));
  lines.push(
    line(
      'CloudWatch',
      `custom metrics (${metrics}: ${metricNames} names x [Service], [Service, Job]; billed for ${activeHours} h with data)`,
      (metrics * activeHours) / HOURS_PER_MONTH,
      'metric-months',
      cloudwatch.customMetric,
      'prorated by the hour',
    ),
  );
  lines.push(
    line('CloudWatch', 'alarms (standard resolution)', input.alarms, 'alarm-months', cloudwatch.standardAlarm),
  );
  if (input.dashboard) lines.push(line('CloudWatch', 'dashboard', 1, 'dashboard-months', cloudwatch.dashboard));

  const egressGb = (run.notifications * input.egressBytesPerNotification * runs) / 1e9;
  lines.push(
    line(
      'Data transfer',
      'sends to the provider (data transfer out to the internet)',
      egressGb,
      'GB',
      prices.dataTransfer.internetOutGb,
      `${input.egressBytesPerNotification} B a send; the always-free 100 GB a month is account-wide (--free-tier)`,
    ),
  );

  if (input.freeTier) {
    lines.push(
      line(
        'Data transfer',
        'free tier: data transfer out',
        -Math.min(egressGb, FREE_TIER.dataTransferOutGb),
        'GB',
        prices.dataTransfer.internetOutGb,
      ),
    );
    const requests = plannerRequests + senderRequests;
    lines.push(
      line('Lambda', 'free tier: requests', -Math.min(requests, FREE_TIER.lambdaRequests), 'requests', lambda.requests),
    );
    lines.push(
      line(
        'Lambda',
        'free tier: compute',
        -Math.min(plannerGbs + senderGbs, FREE_TIER.lambdaGbSeconds),
        'GB-s',
        gbSecond,
      ),
    );
    const sqsRequests = lines
      .filter((entry) => entry.service === 'SQS')
      .reduce((sum, entry) => sum + entry.quantity, 0);
    lines.push(
      line(
        'SQS',
        'free tier: requests',
        -Math.min(sqsRequests, FREE_TIER.sqsRequests),
        'requests',
        sqs.standardRequests,
      ),
    );
    const storage = lines.find((entry) => entry.item.startsWith('ledger storage'));
    if (storage)
      lines.push(
        line(
          'DynamoDB',
          'free tier: storage',
          -Math.min(storage.quantity, FREE_TIER.dynamodbStorageGb),
          'GB-month',
          dynamodb.storageGbMonth,
        ),
      );
    lines.push(
      line(
        'CloudWatch',
        'free tier: log ingestion',
        -Math.min(logGb, FREE_TIER.cloudwatchLogsGb),
        'GB',
        cloudwatch.logsIngestion,
      ),
    );
    lines.push(
      line(
        'CloudWatch',
        'free tier: custom metrics',
        -Math.min((metrics * activeHours) / HOURS_PER_MONTH, FREE_TIER.cloudwatchMetrics),
        'metric-months',
        cloudwatch.customMetric,
      ),
    );
    lines.push(
      line(
        'CloudWatch',
        'free tier: alarms',
        -Math.min(input.alarms, FREE_TIER.cloudwatchAlarms),
        'alarm-months',
        cloudwatch.standardAlarm,
      ),
    );
    if (input.dashboard)
      lines.push(line('CloudWatch', 'free tier: dashboard', -1, 'dashboard-months', cloudwatch.dashboard));
  }
  return lines;
}

function alwaysOnLines(input: CostInput, prices: RegionPrices): CostLine[] {
  const hours = input.daysPerMonth * 24;
  const { worker } = input;
  const instance = prices.worker.instanceHour[worker.instanceType] as Price;
  const broker = prices.worker.brokerHour[worker.brokerType] as Price;
  return [
    line(
      'EC2',
      `${worker.instances} x ${worker.instanceType} worker (Celery + beat), always on`,
      worker.instances * hours,
      'instance-hours',
      instance,
    ),
    line(
      'ElastiCache',
      `${worker.brokers} x ${worker.brokerType} Celery broker`,
      worker.brokers * hours,
      'node-hours',
      broker,
    ),
    line(
      'EBS',
      `${worker.ebsGbPerInstance} GB gp3 per instance`,
      (worker.instances * worker.ebsGbPerInstance * hours) / HOURS_PER_MONTH,
      'GB-month',
      prices.worker.ebsGp3GbMonth,
    ),
    line(
      'Data transfer',
      'sends to the provider (same bytes as the serverless senders)',
      (input.audience * input.runsPerDay * input.daysPerMonth * input.egressBytesPerNotification) / 1e9,
      'GB',
      prices.dataTransfer.internetOutGb,
    ),
  ];
}

const sum = (lines: readonly CostLine[]) => lines.reduce((total, entry) => total + entry.usd, 0);

function serverlessTotal(input: CostInput, prices: RegionPrices): number {
  return sum(serverlessLines(input, prices, runProfile(input, prices)));
}

/** The audience per run above which the always-on worker is cheaper, or null when it never is (up to 10^9). */
function breakEven(input: CostInput, prices: RegionPrices): number | null {
  const at = (audience: number) =>
    serverlessTotal({ ...input, audience }, prices) - sum(alwaysOnLines({ ...input, audience }, prices));
  let low = 1;
  let high = 1_000_000_000;
  if (at(low) >= 0) return low;
  if (at(high) < 0) return null;
  while (high - low > Math.max(1, low * 0.001)) {
    const middle = Math.floor((low + high) / 2);
    if (at(middle) < 0) low = middle;
    else high = middle;
  }
  return high;
}

export function estimateMonthlyCost(overrides: CostOverrides = {}): CostEstimate {
  const input = resolveInput(overrides);
  const prices = pricesFor(input.region);
  validate(input, prices);
  const run = runProfile(input, prices);
  const lines = serverlessLines(input, prices, run);
  const totalUsd = sum(lines);
  const notificationsPerMonth = input.audience * input.runsPerDay * input.daysPerMonth;
  const perMillionUsd = (totalUsd / notificationsPerMonth) * 1e6;
  const byService: Partial<Record<Service, number>> = {};
  for (const entry of lines) byService[entry.service] = (byService[entry.service] ?? 0) + entry.usd;
  const dominant = lines.reduce((top, entry) => (entry.usd > top.usd ? entry : top));
  const worker = alwaysOnLines(input, prices);
  const workerUsd = sum(worker);
  const warnings: string[] = [];
  const interval = 86_400 / input.runsPerDay;
  const batchBudgetMs = input.senderTimeoutSeconds * 1000 - RECORDING_RESERVE_MS;
  const batchMs = Math.max(run.latencyBoundMsPerBatch, run.pacedMsPerBatch);
  if (batchMs > batchBudgetMs) {
    warnings.push(
      `a batch of ${Math.min(input.senderBatchSize, run.messages)} tasks (${formatCount(run.deliveriesPerBatch)} notifications) takes ${(batchMs / 1000).toFixed(1)} s but the sender may send for ${(batchBudgetMs / 1000).toFixed(1)} s (timeout ${input.senderTimeoutSeconds} s less the recording reserve): the rest of each batch goes back to the queue; lower batch_size or recipientsPerTask, or raise the timeout`,
    );
  }
  if (run.workMsPerBatch > run.pacedMsPerBatch) {
    warnings.push(
      `a sender of ${input.senderMemoryMb} MB needs ${(run.workMsPerBatch / 1000).toFixed(1)} s of CPU for a batch its share of the rate allows ${(run.pacedMsPerBatch / 1000).toFixed(1)} s: the senders cannot keep the channel rate; raise sender.memory_size or maximum_concurrency`,
    );
  }
  if (run.recipientsPerFullTask < input.recipientsPerTask) {
    warnings.push(
      `a task body stops at ${MAX_TASK_BYTES} B: ${run.recipientsPerFullTask} recipients of ${escapedRecipientBytes(input)} B fit, not ${input.recipientsPerTask}`,
    );
  }
  if (run.runSeconds > interval) {
    warnings.push(
      `a run takes ${(run.runSeconds / 3600).toFixed(1)} h at ${Math.round(run.notificationsPerSecond)} notifications/s but runs start every ${(interval / 3600).toFixed(1)} h: the channel rate (${input.channelRatePerSecond}/s) cannot keep up, and the estimate assumes it could`,
    );
  }
  return {
    input,
    region: { code: prices.region, name: prices.name },
    notificationsPerMonth,
    run,
    lines,
    byService,
    totalUsd,
    perMillionUsd,
    dominant,
    target: {
      perMillionUsd: TARGET_USD_PER_MILLION,
      met: perMillionUsd <= TARGET_USD_PER_MILLION,
      overByUsd: Math.max(0, perMillionUsd - TARGET_USD_PER_MILLION),
    },
    alwaysOn: {
      lines: worker,
      totalUsd: workerUsd,
      perMillionUsd: (workerUsd / notificationsPerMonth) * 1e6,
      breakEvenAudience: breakEven(input, prices),
    },
    warnings,
  };
}
