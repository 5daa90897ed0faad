import { ITEM_OVERHEAD_BYTES, LOG_COMPRESSION } from './billing.js';
import { type CostLine, formatCount, line } from './cost-line.js';
import type { CostInput } from './input.js';
import type { OperationGroup } from './operations.js';
import type { RegionPrices } from './prices.js';
import type { RunProfile } from './run-profile.js';
import type { MonthlyUsage } from './usage.js';

/** The priced lines of one AWS service for a month of runs: each function one service, in the bill's order. */
export interface Month {
  readonly input: CostInput;
  readonly prices: RegionPrices;
  readonly run: RunProfile;
  readonly usage: MonthlyUsage;
}

/** Every invocation the job's schedule makes in the month; only those beyond the free 14 million are billed. */
export function schedulerLines({ prices, usage }: Month): CostLine[] {
  const { scheduler } = prices;
  const billed = Math.max(0, usage.runs - scheduler.freeInvocationsPerMonth);
  const priced = line(
    'EventBridge Scheduler',
    'scheduled invocations (first 14M a month free)',
    billed,
    'invocations',
    scheduler.invocations,
    `${billed} billed`,
  );
  return [{ ...priced, quantity: usage.runs }];
}

export function lambdaLines({ input, prices, run, usage }: Month): CostLine[] {
  const { requests } = prices.lambda;
  const gbSecond = prices.lambda.gbSecond[input.architecture];
  const billedPerBatch = Math.ceil(Math.max(run.latencyBoundMsPerBatch, run.pacedMsPerBatch));
  const bound = run.pacingBound
    ? `paced: ${input.channelRatePerSecond}/s over ${input.senderMaximumConcurrency} senders`
    : `latency-bound at ${input.latencyMs} ms, ${run.parallelism} sends in flight`;
  return [
    line(
      'Lambda',
      'planner requests (incl. continuations)',
      usage.plannerRequests,
      'requests',
      requests,
      `${run.plannerInvocations} per run (${run.continuations} continuations)`,
    ),
    line(
      'Lambda',
      `planner compute (${input.plannerMemoryMb} MB, ${input.architecture})`,
      usage.plannerGbSeconds,
      'GB-s',
      gbSecond,
      `${(run.plannerBilledMs / 1000).toFixed(1)} s billed per run incl. INIT`,
    ),
    line(
      'Lambda',
      'sender requests (one per batch)',
      usage.senderRequests,
      'requests',
      requests,
      `${run.senderBatches} batches of ${input.senderBatchSize} tasks per run`,
    ),
    line(
      'Lambda',
      `sender compute (${input.senderMemoryMb} MB, ${input.architecture})`,
      usage.senderGbSeconds,
      'GB-s',
      gbSecond,
      `${billedPerBatch} ms billed per batch of ${formatCount(run.deliveriesPerBatch)} notifications (${bound})`,
    ),
  ];
}

export function sqsLines({ input, prices, run, usage }: Month): CostLine[] {
  const price = prices.sqs.standardRequests;
  const perBatch = '(event source mapping, one per 10 tasks of a batch)';
  return [
    line(
      'SQS',
      'SendMessageBatch (planner, 10 tasks a call)',
      usage.sqsRequests.send,
      'requests',
      price,
      `${run.sqs.sendCalls} calls per run for ${run.messages} tasks; each 64 KB chunk is a request`,
    ),
    line('SQS', `ReceiveMessage ${perBatch}`, usage.sqsRequests.receive, 'requests', price),
    line('SQS', `DeleteMessageBatch ${perBatch}`, usage.sqsRequests.delete, 'requests', price),
    line(
      'SQS',
      `empty long polls while idle (${input.sqsIdlePollers} pollers x ${input.sqsLongPollSeconds} s)`,
      usage.sqsRequests.idle,
      'requests',
      price,
    ),
  ];
}

/** The ledger's writes on demand: one line per group of operations, with what the by-job index adds. */
function onDemandWriteLines({ prices, run, usage }: Month): CostLine[] {
  const { claim, record } = run.table.unitsPerWrite;
  const perGroup =
    run.recipientsPerFullTask === 1 ? 'per recipient' : `per group of ${run.recipientsPerFullTask} recipients`;
  const groups: [OperationGroup, string][] = [
    ['delivery ledger', `delivery ledger: claim + record UpdateItem ${perGroup} (${claim} + ${record} WRU)`],
    ['run counters', 'run counters: open + add UpdateItem per sender invocation'],
    ['planner run item', 'planner run item: lease, cursor per page, finish'],
  ];
  return groups.flatMap(([group, item]) => {
    const members = run.table.operations.filter((operation) => operation.group === group);
    if (members.length === 0) return [];
    const units = members.reduce((total, operation) => total + operation.units + operation.indexUnits, 0);
    const index = members.reduce((total, operation) => total + operation.indexUnits, 0);
    const note = index > 0 ? `incl. ${index * usage.runs} WRU for the by-job index (projection ALL)` : 'on-demand';
    return [line('DynamoDB', item, units * usage.runs, 'WRU', prices.dynamodb.onDemandWrites, note)];
  });
}

export function dynamodbLines(month: Month): CostLine[] {
  const { input, prices, run, usage } = month;
  const lines = onDemandWriteLines(month);
  lines.push(
    line(
      'DynamoDB',
      'config reads (GetItem, strongly consistent)',
      run.table.configReadUnits * usage.runs,
      'RRU',
      prices.dynamodb.onDemandReads,
      'job, database or channel, and pause mark: planner per invocation; sender per container per 60 s',
    ),
  );
  if (input.ledger)
    lines.push(
      line(
        'DynamoDB',
        `ledger storage (group items kept ${input.ledgerTtlDays} days)`,
        usage.storageGbMonth,
        'GB-month',
        prices.dynamodb.storageGbMonth,
        `${usage.storedItems} items of about ${Math.round(run.groupItemBytes + ITEM_OVERHEAD_BYTES)} B`,
      ),
    );
  return lines;
}

export function cloudwatchLines({ input, prices, usage }: Month): CostLine[] {
  const { cloudwatch } = prices;
  const metrics = usage.metricNames * 2;
  return [
    line('CloudWatch', 'log ingestion (EMF metrics and log lines)', usage.logGb, 'GB', cloudwatch.logsIngestion),
    line(
      'CloudWatch',
      `log storage (${input.logRetentionDays} days, compressed)`,
      usage.logStorageGbMonth,
      'GB-month',
      cloudwatch.logsStorage,
      `assumes ${LOG_COMPRESSION * 100}% compression`,
    ),
    line(
      'CloudWatch',
      `custom metrics (${metrics}: ${usage.metricNames} names x [Service], [Service, Job]; ` +
        `billed for ${usage.metricActiveHours} h with data)`,
      usage.metricMonths,
      'metric-months',
      cloudwatch.customMetric,
      'prorated by the hour',
    ),
    line('CloudWatch', 'alarms (standard resolution)', input.alarms, 'alarm-months', cloudwatch.standardAlarm),
    ...(input.dashboard ? [line('CloudWatch', 'dashboard', 1, 'dashboard-months', cloudwatch.dashboard)] : []),
  ];
}

export function egressLines({ input, prices, usage }: Month): CostLine[] {
  return [
    line(
      'Data transfer',
      'sends to the provider (data transfer out to the internet)',
      usage.egressGb,
      'GB',
      prices.dataTransfer.internetOutGb,
      `${input.egressBytesPerNotification} B a send; the always-free 100 GB a month is account-wide (--free-tier)`,
    ),
  ];
}
