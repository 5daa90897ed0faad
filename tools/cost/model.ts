import {
  CONFIG_CACHE_MS,
  EMF_MAX_VALUES,
  ESCAPED_UNIT_BYTES,
  GROUP_NAME_RESERVE_BYTES,
  HANDOVER_RESERVE_MS,
  LEAD_POLL_MS,
  MAX_TASK_BYTES,
  RECORDING_RESERVE_MS,
  SHARE_RENEW_MS,
} from '../../handlers/surface.js';
import durations from './durations.json' with { type: 'json' };
import {
  type Architecture,
  billedAs,
  FREE_SCHEDULED_INVOCATIONS,
  PRICES,
  type Price,
  type PriceKey,
  REGION_NAMES,
  type Region,
} from './prices.js';

/**
 * Monthly AWS cost of the notifier for one job: what each scheduler tick makes the planner, the queue, the sender, the
 * tables and CloudWatch do, priced line by line with the region's list prices (tools/cost/prices.ts), compared with
 * an always-on worker. Pure: the same input gives the same estimate.
 */

/** The handler measurements the defaults come from: bench/handler-durations.ts writes them after a handler change. */
export const BENCH_RUN = durations;
const { sizes } = durations;

/**
 * What the model is given: the workload, the module's defaults (variables.tf; test/cost.test.ts holds them equal),
 * the job's, and the measured durations and sizes. `notifier cost --help` describes the fields its flags set.
 */
export const DEFAULT_INPUT = {
  audience: 1_000_000,
  runsPerDay: 1,
  daysPerMonth: 30,
  latencyMs: 150,
  region: 'us-east-1' as Region,
  architecture: 'arm64' as Architecture,
  plannerMemoryMb: 512,
  plannerTimeoutSeconds: 300,
  senderMemoryMb: 256,
  senderTimeoutSeconds: 30,
  senderBatchSize: 50,
  senderMaximumConcurrency: 2,
  senderParallelism: 50,
  channelRatePerSecond: 250,
  pageSize: 1000,
  recipientsPerTask: 10,
  ledgerTtlDays: 30,
  /**
   * modules/observability creates 9 with create_alarms (test/cost.test.ts counts them), beside the run alarms: 2 per
   * job and 1 for the watch (docs/adr/0014-run-alarms-and-end-of-run-event.md), 12 for one job.
   */
  alarms: 9,
  /**
   * The job's leadSeconds (handlers/config/schema.ts; 0 for none): the planner stays ahead of the senders by this much
   * of the channel's rate, so it waits out most of the run (docs/adr/0016-pages-and-jobs.md).
   */
  leadSeconds: 60,
  /** The module's sender.rate_share: `live` renews each sender's entry on its channel while it sends (ADR 0016). */
  rateShare: 'live' as 'live' | 'static',
  /** The job screens its recipients against its channel's suppression list (on by default, docs/adr/0013). */
  suppressionList: true,
  /** An assumption: the share of a run's recipients newly put on the list (a permanent answer about the person). */
  suppressedShare: 0.001,
  /** The module's run_alarms.watch_interval_minutes: how often the watch invokes the planner. */
  watchIntervalMinutes: 5,
  /** An estimate, not measured: the planner's billed time for one watch of one job. */
  watchMs: 150,
  /** The webhook receiver (off by default, docs/adr/0015): events a month, priced apart from the pipeline's bill. */
  receiverEventsPerMonth: 0,
  /** The module's receiver.memory_size. */
  receiverMemoryMb: 256,
  /** Estimates, not measured: the receiver's billed time and log bytes per POST of one event. */
  receiverMs: 20,
  receiverLogBytesPerEvent: 480,
  dashboard: false,
  /** A task body's envelope (version, run id, job, group name) and what each recipient adds, measured on ASCII. */
  taskHeadBytes: sizes.taskHeadBytes,
  taskRecipientBytes: sizes.taskRecipientBytes,
  /** An assumption: one accented letter a recipient, or an emoji in every other name; each costs a \uXXXX escape. */
  taskNonAsciiUnitsPerRecipient: 1,
  /** Request line, headers with the token, JSON body and TLS framing of one send (an assumption). */
  egressBytesPerNotification: 700,
  /** A group item as claimed, and what each outcome adds but the provider's message id (the bench's are short). */
  groupItemBaseBytes: sizes.groupItemBaseBytes,
  groupOutcomeBytes: sizes.groupOutcomeBytes - sizes.sandboxMessageIdBytes,
  /** Messenger's message_id, kept in each sent outcome. */
  providerMessageIdBytes: 90,
  /** The run item without the open counts of running senders. */
  runItemBytes: sizes.runItemBytes,
  /** The sender's EMF line an invocation, and each send's ProviderLatency value in it (at most EMF_MAX_VALUES). */
  senderLogBytesPerInvocation: durations.sender.logBytesPerInvocation,
  senderLogBytesPerSend: durations.sender.logBytesPerSend,
  plannerLogBytesPer1000: durations.planner.logBytesPer1000,
  durations: {
    plannerMsPer1000: durations.planner.msPer1000,
    /** INIT is billed since August 2025: once per planner invocation, once per sender container and run. */
    plannerInitMs: durations.initMs.planner,
    senderOverheadMsPerBatch: durations.sender.overheadMsPerBatch,
    senderMsPerTask: durations.sender.perTaskMs,
    senderMsPerNotification: durations.sender.perNotificationMs,
    senderInitMs: durations.initMs.sender,
  },
  /** The always-on worker compared with: m7g.large instances sized for the daily peak, on-demand, always on. */
  workerInstances: 1,
};

export type CostInput = typeof DEFAULT_INPUT;
/** The fields to change from DEFAULT_INPUT. */
export type CostOverrides = Partial<Omit<CostInput, 'durations'>> & {
  readonly durations?: Partial<CostInput['durations']>;
};

/** A combination of fields the code would refuse or could not run; `field` names the one to change. */
export class CostInputError extends RangeError {
  override readonly name = 'CostInputError';
  constructor(
    readonly field: keyof CostInput,
    message: string,
  ) {
    super(`${field} ${message}`);
  }
}

/** The cost target: a million notifications at the module's defaults. */
export const TARGET_USD_PER_MILLION = 0.4;

/** Hours AWS prorates a month over (custom metrics, EBS). */
const HOURS_PER_MONTH = 730;
/** SQS batch APIs take at most 10 entries; each started 64 KB of a call's payload is billed as one request. */
const SQS_BATCH = 10;
const SQS_CHUNK_BYTES = 64 * 1024;
/** The queue's receive_wait_time_seconds (modules/queue): how long an idle poller's empty receive waits. */
const SQS_LONG_POLL_SECONDS = 20;
/** An assumption: AWS does not publish how many pollers an idle event source mapping keeps. */
const SQS_IDLE_POLLERS = 5;
/** Receipt handle and attributes of each received message (an assumption). */
const SQS_RECEIVE_OVERHEAD_BYTES = 600;
/** DynamoDB bills storage on the item's bytes plus this overhead. */
const ITEM_OVERHEAD_BYTES = 100;
/** CloudWatch Logs bills log data compressed; JSON lines compress to roughly this fraction. */
const LOG_COMPRESSION = 0.15;
/** The module's log_retention_days default (test/cost.test.ts holds them equal). */
export const LOG_RETENTION_DAYS = 30;
/** A running sender's open count on the run item: its request id, a UUID, in a string set. */
const OPEN_COUNT_BYTES = 36;
/** Lambda gives a function one vCPU at this much memory, and a share of one in proportion below it. */
const LAMBDA_MB_PER_VCPU = 1769;
/** The config items a handler reads (strongly consistent, under 4 KB: 1 RRU each): job, database or channel, pause. */
const CONFIG_READS = 3;
/** The model prices one job: the watch queries, run metrics and run alarms it adds. */
const JOBS = 1;
/** An eventually consistent read of an item under 4 KB (or of a missing one) in a BatchGetItem or Query. */
const EVENTUAL_READ_UNITS = 0.5;

/** DynamoDB write units for one write of an item: one per started KB. */
export const writeUnits = (itemBytes: number) => Math.max(1, Math.ceil(itemBytes / 1024));
const sqsRequests = (bytes: number) => Math.max(1, Math.ceil(bytes / SQS_CHUNK_BYTES));
/**
 * How much longer handler time takes on a function of `memoryMb` than on the whole core it was measured on. An upper
 * bound: the measured times also hold some waiting on the local emulators, which does not slow down.
 */
export const cpuSlowdown = (memoryMb: number) => LAMBDA_MB_PER_VCPU / Math.min(LAMBDA_MB_PER_VCPU, memoryMb);
/** Lambda bills each invocation rounded up to the millisecond, times its memory. */
const gbSeconds = (billedMs: number, memoryMb: number) => (billedMs / 1000) * (memoryMb / 1024);

function split(total: number, size: number) {
  const full = Math.floor(total / size);
  const rest = total % size;
  return { full, rest, count: full + (rest > 0 ? 1 : 0) };
}

/** Bytes a recipient adds to an ASCII task body, each non-ASCII code unit written as an escape. */
export const escapedRecipientBytes = (input: CostInput) =>
  input.taskRecipientBytes + input.taskNonAsciiUnitsPerRecipient * (ESCAPED_UNIT_BYTES - 1);
const groupItemBytes = (input: CostInput, recipients: number) =>
  input.groupItemBaseBytes + recipients * (input.groupOutcomeBytes + input.providerMessageIdBytes);
const plannerPageMs = (input: CostInput, rows: number) => (rows / 1000) * input.durations.plannerMsPer1000;

/**
 * Refuses what the code could not run: a body of one recipient must fit MAX_TASK_BYTES, and a full page must fit the
 * planner's timeout before the handover reserve (whatever the audience: the break-even search prices many pages).
 */
function checkInput(input: CostInput): void {
  const bytes = escapedRecipientBytes(input);
  if (input.taskHeadBytes + bytes + GROUP_NAME_RESERVE_BYTES > MAX_TASK_BYTES)
    throw new CostInputError(
      'taskRecipientBytes',
      `of ${bytes} B with the escapes does not fit a task body of ${MAX_TASK_BYTES} B`,
    );
  const pageMs = plannerPageMs(input, input.pageSize);
  if (input.plannerTimeoutSeconds * 1000 - HANDOVER_RESERVE_MS - 2 * pageMs < 0)
    throw new CostInputError(
      'plannerTimeoutSeconds',
      `of ${input.plannerTimeoutSeconds} s leaves no time for one page of ${input.pageSize} rows ` +
        `(${Math.round(pageMs)} ms) before the ${HANDOVER_RESERVE_MS / 1000} s handover reserve`,
    );
}

/**
 * The planner's pages, each grouped on its own into tasks of `perTask` (the short one last), and its SendMessageBatch
 * calls of 10 tasks, billed per 64 KB of their bodies.
 */
function enqueue(input: CostInput, perTask: number, bodyBytes: (recipients: number) => number) {
  const pages = split(input.audience, input.pageSize);
  const tasksBySize = new Map<number, number>();
  let sendCalls = 0;
  let sendRequests = 0;
  for (const [rows, times] of [
    [input.pageSize, pages.full],
    [pages.rest, pages.rest > 0 ? 1 : 0],
  ] as const) {
    if (times === 0) continue;
    const tasks = Array.from({ length: Math.floor(rows / perTask) }, () => perTask);
    if (rows % perTask > 0) tasks.push(rows % perTask);
    for (const recipients of tasks) tasksBySize.set(recipients, (tasksBySize.get(recipients) ?? 0) + times);
    for (let first = 0; first < tasks.length; first += SQS_BATCH) {
      const payload = tasks.slice(first, first + SQS_BATCH).reduce((sum, recipients) => sum + bodyBytes(recipients), 0);
      sendCalls += times;
      sendRequests += sqsRequests(payload) * times;
    }
  }
  const messages = [...tasksBySize.values()].reduce((sum, count) => sum + count, 0);
  return { pages: pages.count, tasksBySize, messages, sendCalls, sendRequests };
}

/**
 * The planner's invocations and billed time. Before each page it hands over when less than the handover reserve plus
 * twice its slowest page remains (checkInput makes sure a full page fits); only the last page can be short. With a
 * lead it reads its last page only once the senders are within leadSeconds of the end: it waits out the rest of the
 * run, billed, polling the run's counters and renewing its lease every LEAD_POLL_MS.
 */
function plannerTiming(input: CostInput, pages: number, sendSeconds: number) {
  const { plannerMsPer1000, plannerInitMs } = input.durations;
  const pageMs = plannerPageMs(input, Math.min(input.pageSize, input.audience));
  const budgetMs = input.plannerTimeoutSeconds * 1000 - HANDOVER_RESERVE_MS - 2 * pageMs;
  const perInvocation = Math.floor(budgetMs / pageMs) + 1;
  const workMs = (input.audience / 1000) * plannerMsPer1000;
  const waitMs = input.leadSeconds > 0 ? Math.max(0, (sendSeconds - input.leadSeconds) * 1000 - workMs) : 0;
  const invocations = Math.max(1, Math.ceil(pages / perInvocation), Math.ceil((workMs + waitMs) / budgetMs));
  return {
    workMs,
    perInvocation,
    invocations,
    billedMs: Math.ceil(workMs + waitMs + invocations * plannerInitMs),
    leadPolls: Math.ceil(waitMs / LEAD_POLL_MS),
  };
}

/**
 * One batch of `tasks` tasks of `perTask` recipients on average: the handler's own work (measured on a whole core,
 * stretched by the memory's share of one), the waves of sends its parallelism allows, and the pacer's share of the
 * channel rate, which bills the sender for waiting its turn rather than for waiting on the provider.
 */
function batchTime(input: CostInput, tasks: number, perTask: number) {
  const { durations } = input;
  const deliveries = tasks * perTask;
  const lanes = Math.min(deliveries, input.senderParallelism);
  const work =
    (durations.senderOverheadMsPerBatch +
      tasks * durations.senderMsPerTask +
      deliveries * durations.senderMsPerNotification) *
    cpuSlowdown(input.senderMemoryMb);
  const latencyBound = work + Math.ceil(deliveries / lanes) * input.latencyMs;
  const paced = (deliveries / (input.channelRatePerSecond / input.senderMaximumConcurrency)) * 1000;
  return {
    work,
    latencyBound,
    paced,
    billed: Math.ceil(Math.max(latencyBound, paced)),
    logged: Math.min(deliveries, EMF_MAX_VALUES),
  };
}

/** The senders: batches of batch_size tasks, as many containers as maximum_concurrency, one INIT each per run. */
function senderRun(input: CostInput, messages: number, perTask: number) {
  const batches = split(messages, input.senderBatchSize);
  const containers = Math.min(input.senderMaximumConcurrency, batches.count);
  const full = batchTime(input, Math.min(input.senderBatchSize, messages), perTask);
  const last = batches.rest > 0 && batches.full > 0 ? batchTime(input, batches.rest, perTask) : undefined;
  const fullBatches = batches.full > 0 ? batches.full : 1;
  const workMs = full.billed * fullBatches + (last?.billed ?? 0);
  return {
    batches,
    containers,
    full,
    billedMs: workMs + containers * Math.ceil(input.durations.senderInitMs),
    logged: full.logged * fullBatches + (last?.logged ?? 0),
    sendSeconds: workMs / 1000 / Math.max(1, containers),
  };
}

/** The event source mapping's ReceiveMessage: one call per 10 tasks of a batch, billed per 64 KB of its answer. */
function receives(input: CostInput, batches: ReturnType<typeof split>, bodyBytes: number) {
  const perMessage = bodyBytes + SQS_RECEIVE_OVERHEAD_BYTES;
  const perBatch = (size: number) => {
    const calls = split(size, SQS_BATCH);
    const requests =
      calls.full * sqsRequests(SQS_BATCH * perMessage) + (calls.rest > 0 ? sqsRequests(calls.rest * perMessage) : 0);
    return { calls: calls.count, requests };
  };
  const full = perBatch(input.senderBatchSize);
  const last = batches.rest > 0 ? perBatch(batches.rest) : { calls: 0, requests: 0 };
  return { calls: full.calls * batches.full + last.calls, requests: full.requests * batches.full + last.requests };
}

/** What one run does, from which the monthly lines follow. */
function runProfile(input: CostInput) {
  const recipientBytes = escapedRecipientBytes(input);
  // groupTasks closes a body before it would pass MAX_TASK_BYTES: large template fields cap the recipients a task has.
  const fitting = Math.floor((MAX_TASK_BYTES - input.taskHeadBytes - GROUP_NAME_RESERVE_BYTES + 1) / recipientBytes);
  const perTask = Math.min(input.recipientsPerTask, Math.max(1, fitting));
  const bodyBytes = (recipients: number) => input.taskHeadBytes + recipients * recipientBytes;
  const tasks = enqueue(input, perTask, bodyBytes);
  const perMessage = input.audience / tasks.messages;
  const sender = senderRun(input, tasks.messages, perMessage);
  const planner = plannerTiming(input, tasks.pages, sender.sendSeconds);
  const received = receives(input, sender.batches, bodyBytes(perMessage));
  const { full, containers } = sender;
  // Each group is recorded and stored at its own size: a short last group may take fewer units.
  const groups = [...tasks.tasksBySize];
  const sumGroups = (of: (bytes: number) => number) =>
    groups.reduce((sum, [recipients, count]) => sum + count * of(groupItemBytes(input, recipients)), 0);
  return {
    notifications: input.audience,
    messages: tasks.messages,
    recipientsPerFullTask: perTask,
    taskBodyBytes: bodyBytes(perTask),
    groupItemBytes: groupItemBytes(input, perTask),
    pages: tasks.pages,
    pagesPerPlannerInvocation: planner.perInvocation,
    plannerInvocations: planner.invocations,
    continuations: planner.invocations - 1,
    plannerBilledMs: planner.billedMs,
    leadPolls: planner.leadPolls,
    senderBatches: sender.batches.count,
    senderContainers: containers,
    deliveriesPerBatch: Math.min(input.senderBatchSize, tasks.messages) * perMessage,
    latencyBoundMsPerBatch: full.latencyBound,
    workMsPerBatch: full.work,
    pacedMsPerBatch: full.paced,
    billedMsPerBatch: Math.ceil(Math.max(full.latencyBound, full.paced)),
    pacingBound: full.paced > full.latencyBound,
    senderBilledMs: sender.billedMs,
    latencyValuesLogged: sender.logged,
    sendSeconds: sender.sendSeconds,
    senderCachePeriods: containers * Math.max(1, Math.ceil((sender.sendSeconds * 1000) / CONFIG_CACHE_MS)),
    runSeconds: Math.max(planner.workMs / 1000, sender.sendSeconds),
    notificationsPerSecond: input.audience / Math.max(sender.sendSeconds, Number.EPSILON),
    sqs: {
      sendCalls: tasks.sendCalls,
      sendRequests: tasks.sendRequests,
      receiveCalls: received.calls,
      receiveRequests: received.requests,
    },
    /** A write costs ceil(max(item before, item after) / 1 KB) WRU: each names the item that sets its units. */
    unitsPerWrite: {
      claim: writeUnits(input.groupItemBaseBytes),
      record: writeUnits(groupItemBytes(input, perTask)),
      run: writeUnits(input.runItemBytes + containers * OPEN_COUNT_BYTES),
    },
    recordUnits: sumGroups(writeUnits),
    storedBytes: sumGroups((bytes) => bytes + ITEM_OVERHEAD_BYTES),
  };
}
export type RunProfile = ReturnType<typeof runProfile>;

/**
 * A priced operation of a run: the line of the bill it counts under (operations of one line add up), its price, the
 * units one run bills, and where the handlers make it (`file call` pairs; test/cost.test.ts checks each file holds
 * its call). `index`: a write to a run item, which the ledger's `by-job` index (projection ALL) writes again.
 */
export interface Operation {
  readonly line: string;
  readonly price: PriceKey;
  readonly units: number;
  readonly code?: string;
  readonly index?: boolean;
}
const op = (price: PriceKey, line: string, units: number, code?: string, index?: true): Operation => ({
  line,
  price,
  units,
  ...(code ? { code } : {}),
  ...(index ? { index } : {}),
});
const LEDGER = 'handlers/aws/ledger/';
const PLANNER_CONFIG = ['lease.ts config.job', 'run.ts config.database', 'handover.ts config.paused']
  .map((place) => `handlers/planning/${place}`)
  .join(', ');

/**
 * Every priced operation of a run, in the bill's order: the one place a new one is added, with its count in the run
 * (run.notifications for one per recipient, run.messages per task, run.senderBatches per sender invocation, 1 per
 * run) times its units; a new kind of price is a row of tools/cost/prices.ts. A run's items live in partitions named
 * after the run (ADR 0008), so reading one is a Query and costs no write; only run items carry the by-job index keys.
 */
export function operations(input: CostInput, run: RunProfile): Operation[] {
  const { architecture: arch, plannerMemoryMb: plannerMb, senderMemoryMb: senderMb } = input;
  const { claim, record, run: runItem } = run.unitsPerWrite;
  const size = run.recipientsPerFullTask;
  const perGroup = size === 1 ? 'per recipient' : `per group of ${size} recipients`;
  const ledger = `delivery ledger: claim + record UpdateItem ${perGroup} (${claim} + ${record} WRU)`;
  const counters = 'run counters: open + add UpdateItem per sender invocation';
  const planner = 'planner run item: lease, cursor per page, finish';
  const config = 'config reads (GetItem, strongly consistent)';
  const perBatch = '(event source mapping, one per 10 tasks of a batch)';
  const runWrite = (line: string, count: number, call: string) =>
    op('writes', line, count * runItem, `${LEDGER}${call}`, true);
  const ended = 'run end: end + event published UpdateItem';
  return [
    op('requests', 'planner requests (incl. continuations)', run.plannerInvocations),
    op(arch, `planner compute (${plannerMb} MB, ${arch})`, gbSeconds(run.plannerBilledMs, plannerMb)),
    op('requests', 'sender requests (one per batch)', run.senderBatches),
    op(arch, `sender compute (${senderMb} MB, ${arch})`, gbSeconds(run.senderBilledMs, senderMb)),
    op('sqs', 'SendMessageBatch (planner, 10 tasks a call)', run.sqs.sendRequests),
    op('sqs', `ReceiveMessage ${perBatch}`, run.sqs.receiveRequests),
    // DeleteMessageBatch carries receipt handles only: one billed request per call.
    op('sqs', `DeleteMessageBatch ${perBatch}`, run.sqs.receiveCalls),
    op('writes', ledger, run.messages * claim, `${LEDGER}groups.ts claim`),
    op('writes', ledger, run.recordUnits, `${LEDGER}groups.ts record`),
    runWrite(counters, run.senderBatches, 'run-counts.ts open'),
    runWrite(counters, run.senderBatches, 'run-counts.ts close'),
    runWrite(planner, run.plannerInvocations, 'runs.ts acquire'),
    // The cursor is saved at most once a second: counted per page, an upper bound.
    runWrite(planner, run.pages, 'runs.ts saveProgress'),
    runWrite(planner, run.continuations, 'runs.ts release'),
    runWrite(planner, 1, 'runs.ts finish'),
    op('reads', config, run.plannerInvocations * CONFIG_READS, PLANNER_CONFIG),
    // The sender caches its config items for CONFIG_CACHE_MS per container.
    op('reads', config, run.senderCachePeriods * CONFIG_READS, 'handlers/aws/config-store.ts'),
    ...suppressionOperations(input, run),
    ...leadOperations(input, run),
    ...shareOperations(input, run),
    runWrite(ended, 1, 'runs.ts end'),
    runWrite(ended, 1, 'runs.ts published'),
    op('events', 'end-of-run event (PutEvents, one custom event)', 1, 'handlers/aws/run-events.ts PutEventsCommand'),
  ];
}

/**
 * The suppression list (docs/adr/0013-window-and-suppressions.md): one eventually consistent BatchGetItem per task
 * reads each recipient's entry, and a permanent answer about the person puts one entry (under 1 KB).
 */
function suppressionOperations(input: CostInput, run: RunProfile): Operation[] {
  if (!input.suppressionList) return [];
  const percent = +(input.suppressedShare * 100).toFixed(4);
  return [
    op(
      'reads',
      'suppression list: BatchGetItem per task (0.5 RRU a recipient)',
      run.notifications * EVENTUAL_READ_UNITS,
      `${LEDGER}suppressions.ts among`,
    ),
    op(
      'writes',
      `suppression list: PutItem per recipient added (1 WRU; ${percent} % of recipients)`,
      run.notifications * input.suppressedShare,
      `${LEDGER}suppressions.ts PutItemCommand`,
    ),
  ];
}

/**
 * The bounded lead (docs/adr/0016-pages-and-jobs.md): a read of the run's counters before each page, and while the
 * planner waits ahead of its lead one read and one lease renewal every LEAD_POLL_MS. Its billed waiting is in the
 * planner's compute line.
 */
function leadOperations(input: CostInput, run: RunProfile): Operation[] {
  if (input.leadSeconds === 0) return [];
  return [
    op(
      'reads',
      `planner lead: GetItem of the run's counters per page and every ${LEAD_POLL_MS / 1000} s ahead (1 RRU)`,
      run.pages + run.leadPolls,
      `${LEDGER}runs.ts get`,
    ),
    op(
      'writes',
      `planner lead: lease renewal UpdateItem every ${LEAD_POLL_MS / 1000} s ahead`,
      run.leadPolls * run.unitsPerWrite.run,
      `${LEDGER}runs.ts renewLease`,
      true,
    ),
  ];
}

/**
 * The live rate share (docs/adr/0016-pages-and-jobs.md): each sender container working on the channel renews its entry
 * (one UpdateItem under 1 KB) every SHARE_RENEW_MS of sending; a joiner's catch-up writes are a few per join.
 */
function shareOperations(input: CostInput, run: RunProfile): Operation[] {
  if (input.rateShare === 'static') return [];
  return [
    op(
      'writes',
      `rate share: UpdateItem per sender and channel every ${SHARE_RENEW_MS / 1000} s of sending (1 WRU)`,
      Math.ceil((run.senderContainers * run.sendSeconds * 1000) / SHARE_RENEW_MS),
      `${LEDGER}shares.ts renew`,
    ),
  ];
}

/** Watches a month: the run watch's schedule invokes the planner every watchIntervalMinutes. */
export const watchesPerMonth = (input: CostInput) => (input.daysPerMonth * 24 * 60) / input.watchIntervalMinutes;

/**
 * What the run watch does in a month (docs/adr/0014-run-alarms-and-end-of-run-event.md), whatever the runs: each
 * watch is a planner invocation that queries the `by-job` index once per job.
 */
export function watchOperations(input: CostInput): Operation[] {
  const watches = watchesPerMonth(input);
  const { architecture: arch, plannerMemoryMb: plannerMb } = input;
  return [
    op('requests', `run watch: planner requests (every ${input.watchIntervalMinutes} min)`, watches),
    op(
      arch,
      `run watch: planner compute (~${input.watchMs} ms at ${plannerMb} MB, estimated)`,
      watches * gbSeconds(input.watchMs, plannerMb),
    ),
    op(
      'reads',
      'run watch: Query on the by-job index per job and watch (0.5 RRU)',
      watches * JOBS * EVENTUAL_READ_UNITS,
      `${LEDGER}runs.ts unsettled`,
    ),
  ];
}

/**
 * The webhook receiver's operations for `events` events, one event per POST (the worst case: Meta batches events):
 * per event a receipt UpdateItem and a replay record PutItem, per POST a strongly consistent replay check
 * (docs/adr/0015-messenger-webhook-receiver.md).
 */
export function receiverOperations(input: CostInput, events: number): Operation[] {
  const { architecture: arch, receiverMemoryMb: memoryMb } = input;
  const writes = 'receipt UpdateItem + replay record PutItem (1 + 1 WRU per event)';
  return [
    op('httpApi', 'webhook POSTs (HTTP API requests, 1 event per POST)', events),
    op('requests', 'receiver requests', events),
    op(
      arch,
      `receiver compute (~${input.receiverMs} ms at ${memoryMb} MB, estimated)`,
      events * gbSeconds(input.receiverMs, memoryMb),
    ),
    op('writes', writes, events, `${LEDGER}receipts.ts advance`),
    op('writes', writes, events, `${LEDGER}receipts.ts PutItemCommand`),
    op('reads', 'replay check GetItem (strongly consistent, 1 RRU per POST)', events, `${LEDGER}receipts.ts has`),
    op(
      'logsIngestion',
      `receiver log lines (~${input.receiverLogBytesPerEvent} B per event)`,
      (events * input.receiverLogBytesPerEvent) / 1e9,
    ),
  ];
}
/** The units an operation bills: a run-item write twice, once for the table and once for the by-job index. */
export const billedUnits = (entry: Operation) => (entry.index ? 2 : 1) * entry.units;

/** One priced item of a monthly bill. */
export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly price: Price;
  readonly usd: number;
}

/** The lines' pricer for `region`: `quantity` at the price `key`, which may be per unit or per million units. */
const pricer =
  (region: Region) =>
  (key: PriceKey, item: string, quantity: number): CostLine => {
    const price = PRICES[region][key];
    const usd = (price.per.startsWith('1M') ? quantity / 1e6 : quantity) * price.usd;
    return { ...billedAs(key), item, quantity, price, usd };
  };
const sumUsd = (lines: readonly CostLine[]) => lines.reduce((total, entry) => total + entry.usd, 0);

/** Operations priced `times` over: one line each, the operations of one line added up. */
function operationLines(input: CostInput, entries: readonly Operation[], times: number): CostLine[] {
  const bill = pricer(input.region);
  const lines = new Map<string, { price: PriceKey; units: number }>();
  for (const entry of entries) {
    const units = (lines.get(entry.line)?.units ?? 0) + billedUnits(entry);
    lines.set(entry.line, { price: entry.price, units });
  }
  return [...lines].map(([item, { price, units }]) => bill(price, item, units * times));
}

/** The webhook receiver's bill for `events` events a month (not in the pipeline's: the receiver is off by default). */
export function receiverLines(input: CostInput, events: number): CostLine[] {
  return operationLines(input, receiverOperations(input, events), 1);
}

/** The run watch's month: its schedule (sharing the free invocations with the ticks) and its operations. */
function watchLines(input: CostInput, runs: number): CostLine[] {
  const bill = pricer(input.region);
  const watches = watchesPerMonth(input);
  const billed =
    Math.max(0, runs + watches - FREE_SCHEDULED_INVOCATIONS) - Math.max(0, runs - FREE_SCHEDULED_INVOCATIONS);
  return [
    { ...bill('scheduler', `run watch schedule (every ${input.watchIntervalMinutes} min)`, billed), quantity: watches },
    ...operationLines(input, watchOperations(input), 1),
  ];
}

/** The pipeline's monthly bill: the scheduler, the run's operations, and what a month adds to them. */
function serverlessLines(input: CostInput, run: RunProfile): CostLine[] {
  const bill = pricer(input.region);
  const runs = input.runsPerDay * input.daysPerMonth;
  const billedTicks = Math.max(0, runs - FREE_SCHEDULED_INVOCATIONS);
  const idleSeconds = Math.max(0, input.daysPerMonth * 86_400 - runs * run.sendSeconds);
  const logBytesPerRun =
    run.senderBatches * input.senderLogBytesPerInvocation +
    run.latencyValuesLogged * input.senderLogBytesPerSend +
    (run.notifications / 1000) * input.plannerLogBytesPer1000;
  const logGb = (logBytesPerRun * runs) / 1e9;
  // Items written each day stay for the TTL: the table holds ledgerTtlDays days' worth at any time.
  const held = input.runsPerDay * input.ledgerTtlDays;
  // The planner's Continuations metric appears only when it hands over; metrics are prorated by the hour with data.
  const names = 4 + (run.continuations > 0 ? 1 : 0);
  const hours = Math.min(input.daysPerMonth * 24, runs * Math.max(1, Math.ceil(run.runSeconds / 3600)));
  const polls = `empty long polls while idle (${SQS_IDLE_POLLERS} pollers x ${SQS_LONG_POLL_SECONDS} s)`;
  const metrics = `custom metrics (${names * 2}: ${names} names x [Service], [Service, Job]; billed for ${hours} h`;
  const lines = [
    { ...bill('scheduler', 'scheduled invocations (first 14M a month free)', billedTicks), quantity: runs },
    ...operationLines(input, operations(input, run), runs),
    ...watchLines(input, runs),
    bill('sqs', polls, Math.round((idleSeconds / SQS_LONG_POLL_SECONDS) * SQS_IDLE_POLLERS)),
    bill('storage', `ledger storage (group items kept ${input.ledgerTtlDays} days)`, (run.storedBytes * held) / 1e9),
    bill('logsIngestion', 'log ingestion (EMF metrics and log lines)', logGb),
    bill(
      'logsStorage',
      `log storage (${LOG_RETENTION_DAYS} days, compressed)`,
      logGb * LOG_COMPRESSION * (LOG_RETENTION_DAYS / 30),
    ),
    bill('metric', `${metrics} with data)`, (names * 2 * hours) / HOURS_PER_MONTH),
    // RunsOverdue per job and RunWatches all month; RunFailedPercent for the hour a run ends.
    bill(
      'metric',
      'run metrics (RunsOverdue per job, RunWatches; RunFailedPercent the hour a run ends)',
      JOBS + 1 + Math.min(JOBS * input.daysPerMonth * 24, runs) / HOURS_PER_MONTH,
    ),
    bill('alarm', 'alarms (standard resolution)', input.alarms),
    bill('alarm', `run alarms (failed and overdue per job, watch missing: ${2 * JOBS + 1})`, 2 * JOBS + 1),
    ...(input.dashboard ? [bill('dashboard', 'dashboard', 1)] : []),
    bill(
      'egress',
      'sends to the provider (data transfer out to the internet)',
      (run.notifications * input.egressBytesPerNotification * runs) / 1e9,
    ),
  ];
  // In the order of the services, each service's lines in the order above.
  const services = [...new Set(lines.map((entry) => entry.service))];
  return services.flatMap((service) => lines.filter((entry) => entry.service === service));
}

/** The always-on worker the pipeline replaced: instances and a broker sized for the peak, disks, the same sends. */
function alwaysOnLines(input: CostInput): CostLine[] {
  const bill = pricer(input.region);
  const hours = input.daysPerMonth * 24;
  const instances = input.workerInstances;
  const sendsGb = (input.audience * input.runsPerDay * input.daysPerMonth * input.egressBytesPerNotification) / 1e9;
  return [
    bill('instance', `${instances} x m7g.large worker with its own scheduler, always on`, instances * hours),
    bill('broker', '1 x cache.t4g.small queue broker', hours),
    bill('ebs', '20 GB gp3 per instance', (instances * 20 * hours) / HOURS_PER_MONTH),
    bill('egress', 'sends to the provider (same bytes as the serverless senders)', sendsGb),
  ];
}

/** The audience per run above which the always-on worker is cheaper, or null when it never is (up to 10^9). */
function breakEvenAudience(input: CostInput): number | null {
  const at = (audience: number) => {
    const sized = { ...input, audience };
    return sumUsd(serverlessLines(sized, runProfile(sized))) - sumUsd(alwaysOnLines(sized));
  };
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

/** A count as the warnings show it: whole, or to one decimal. */
const formatCount = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/** Where the run does not fit the settings: each warning says what happens and what to change. */
function warningsFor(input: CostInput, run: RunProfile): string[] {
  const interval = 86_400 / input.runsPerDay;
  const budgetMs = input.senderTimeoutSeconds * 1000 - RECORDING_RESERVE_MS;
  const batchMs = Math.max(run.latencyBoundMsPerBatch, run.pacedMsPerBatch);
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const warnings: [boolean, string][] = [
    [
      batchMs > budgetMs,
      `a batch of ${Math.min(input.senderBatchSize, run.messages)} tasks ` +
        `(${formatCount(run.deliveriesPerBatch)} notifications) takes ${seconds(batchMs)} s but the sender may send ` +
        `for ${seconds(budgetMs)} s (timeout ${input.senderTimeoutSeconds} s less the recording reserve): ` +
        'the rest of each batch goes back to the queue; lower batch_size or recipientsPerTask, or raise the timeout',
    ],
    [
      run.workMsPerBatch > run.pacedMsPerBatch,
      `a sender of ${input.senderMemoryMb} MB needs ${seconds(run.workMsPerBatch)} s of CPU for a batch its share of ` +
        `the rate allows ${seconds(run.pacedMsPerBatch)} s: the senders cannot keep the channel rate; ` +
        'raise sender.memory_size or maximum_concurrency',
    ],
    [
      run.recipientsPerFullTask < input.recipientsPerTask,
      `a task body stops at ${MAX_TASK_BYTES} B: ${run.recipientsPerFullTask} recipients of ` +
        `${escapedRecipientBytes(input)} B fit, not ${input.recipientsPerTask}`,
    ],
    [
      run.runSeconds > interval,
      `a run takes ${(run.runSeconds / 3600).toFixed(1)} h at ${Math.round(run.notificationsPerSecond)} ` +
        `notifications/s but runs start every ${(interval / 3600).toFixed(1)} h: the channel rate ` +
        `(${input.channelRatePerSecond}/s) cannot keep up, and the estimate assumes it could`,
    ],
  ];
  return warnings.flatMap(([applies, text]) => (applies ? [text] : []));
}

/** The webhook receiver priced apart: per million events, and for receiverEventsPerMonth events. */
function receiverEstimate(input: CostInput) {
  const lines = receiverLines(input, input.receiverEventsPerMonth);
  return {
    eventsPerMonth: input.receiverEventsPerMonth,
    lines,
    totalUsd: sumUsd(lines),
    perMillionLines: receiverLines(input, 1e6),
    perMillionUsd: sumUsd(receiverLines(input, 1e6)),
  };
}

/**
 * The estimate for the defaults with `overrides`; a CostInputError names a field the code would refuse.
 *
 * @example
 * const estimate = estimateMonthlyCost({ audience: 1_000_000, runsPerDay: 1, region: 'eu-west-1' });
 * console.log(estimate.perMillionUsd, estimate.dominant.item);
 */
export function estimateMonthlyCost(overrides: CostOverrides = {}) {
  const input: CostInput = {
    ...DEFAULT_INPUT,
    ...overrides,
    durations: { ...DEFAULT_INPUT.durations, ...overrides.durations },
  };
  checkInput(input);
  const run = runProfile(input);
  const lines = serverlessLines(input, run);
  const totalUsd = sumUsd(lines);
  const notificationsPerMonth = input.audience * input.runsPerDay * input.daysPerMonth;
  const byService: Record<string, number> = {};
  for (const entry of lines) byService[entry.service] = (byService[entry.service] ?? 0) + entry.usd;
  const worker = alwaysOnLines(input);
  const workerUsd = sumUsd(worker);
  return {
    input,
    region: { code: input.region, name: REGION_NAMES[input.region] },
    notificationsPerMonth,
    run,
    operations: operations(input, run),
    watchOperations: watchOperations(input),
    receiver: receiverEstimate(input),
    lines,
    byService,
    totalUsd,
    perMillionUsd: (totalUsd / notificationsPerMonth) * 1e6,
    /** The most expensive line. */
    dominant: lines.reduce((top, entry) => (entry.usd > top.usd ? entry : top)),
    alwaysOn: {
      lines: worker,
      totalUsd: workerUsd,
      perMillionUsd: (workerUsd / notificationsPerMonth) * 1e6,
      breakEvenAudience: breakEvenAudience(input),
    },
    warnings: warningsFor(input, run),
  };
}
export type CostEstimate = ReturnType<typeof estimateMonthlyCost>;
