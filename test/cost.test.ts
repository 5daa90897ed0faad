import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { dynamoItemBytes } from '../bench/item-size.js';
import { parseConfigItem } from '../handlers/config/schema.js';
import { MAX_TASK_BYTES } from '../handlers/core/task.js';
import { costCommand } from '../tools/cli/cost.js';
import {
  type CostEstimate,
  type CostOverrides,
  cpuSlowdown,
  estimateMonthlyCost,
  LOG_RETENTION_DAYS,
  receiverOperations,
} from '../tools/cost/model.js';
import { costDoc } from '../tools/cost/report.js';

/**
 * One run on one day, no pacing, durations and sizes set by hand: every number below is computed on
 * paper. A task body is 60 B plus 63 B a recipient (123 B for one); a group item is 260 B plus 166 B an outcome
 * (76 B + a 90-byte message id): 426 B for one recipient (1 WRU), 924 B for four (1 WRU), 1,090 B for five (2 WRU),
 * 1,920 B for ten (2 WRU). The run item is 250 B plus 36 B per running sender.
 */
const PAPER = {
  ...{ runsPerDay: 1, daysPerMonth: 1, channelRatePerSecond: 10_000, latencyMs: 0 },
  ...{ recipientsPerTask: 1, senderBatchSize: 10, senderMaximumConcurrency: 10, senderParallelism: 10 },
  ...{ taskHeadBytes: 60, taskRecipientBytes: 63, taskNonAsciiUnitsPerRecipient: 0, runItemBytes: 250 },
  ...{ groupItemBaseBytes: 260, groupOutcomeBytes: 76, providerMessageIdBytes: 90 },
  ...{ senderLogBytesPerInvocation: 300, senderLogBytesPerSend: 4, plannerLogBytesPer1000: 26 },
  durations: {
    ...{ plannerMsPer1000: 100, plannerInitMs: 0, senderInitMs: 0 },
    ...{ senderOverheadMsPerBatch: 10, senderMsPerTask: 0, senderMsPerNotification: 0 },
  },
} satisfies CostOverrides;
/** The same with the job default: ten recipients per task. */
const GROUPED = { ...PAPER, recipientsPerTask: 10 } satisfies CostOverrides;
const paper = (overrides: CostOverrides) => estimateMonthlyCost({ ...PAPER, audience: 1000, ...overrides });
const grouped = (overrides: CostOverrides) => estimateMonthlyCost({ ...GROUPED, audience: 1000, ...overrides });

const lineOf = (estimate: CostEstimate, start: string) => {
  const found = estimate.lines.find((entry) => entry.item.startsWith(start));
  assert.ok(found, `no line starting "${start}" in ${estimate.lines.map((entry) => entry.item).join(' | ')}`);
  return found;
};
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
const sqs = (sendCalls: number, sendRequests: number, receiveCalls: number, receiveRequests: number) => ({
  sendCalls,
  sendRequests,
  receiveCalls,
  receiveRequests,
});

describe('cost model: queue and ledger on hand-computed cases', () => {
  it('one recipient per task: 1,000 tasks of 123 B are 100 calls of each SQS kind, 10 KB tasks two requests a call', () => {
    const estimate = paper({});
    assert.equal(estimate.run.messages, 1000);
    assert.equal(estimate.run.taskBodyBytes, 123);
    assert.deepEqual(estimate.run.sqs, sqs(100, 100, 100, 100));
    close(lineOf(estimate, 'SendMessageBatch').usd, (100 / 1e6) * 0.4, 'send cost');
    // send: 10 x 10,000 B = 100,000 B -> 2; receive: 10 x (10,000 + 600) B -> 2; delete: receipt handles only -> 1
    const large = paper({ taskRecipientBytes: 9940 });
    assert.deepEqual(large.run.sqs, sqs(100, 200, 100, 200));
    assert.equal(lineOf(large, 'DeleteMessageBatch').quantity, 100);
    // a partial page and a partial batch are calls of their own
    const partial = paper({ audience: 1005 });
    assert.deepEqual([partial.run.pages, partial.run.sqs.sendCalls, partial.run.senderBatches], [2, 101, 101]);
  });

  it('tasks of ten: 100 messages, 10 SendMessageBatch, 10 batches of 100 notifications; each page grouped on its own', () => {
    const estimate = grouped({});
    assert.equal(estimate.run.messages, 100);
    assert.equal(estimate.run.taskBodyBytes, 60 + 10 * 63);
    assert.deepEqual(estimate.run.sqs, sqs(10, 10, 10, 10));
    assert.equal(estimate.run.deliveriesPerBatch, 100);
    assert.equal(lineOf(estimate, 'sender requests').quantity, 10);
    // pages of 1,000, 1,000 and 500 rows in tasks of 7: 143 + 143 + 72
    const sevens = paper({ audience: 2500, recipientsPerTask: 7 });
    assert.equal(sevens.run.messages, 143 + 143 + 72);
    assert.equal(sevens.run.sqs.sendCalls, 15 + 15 + 8);
  });

  it('bodies are ASCII JSON: each non-ASCII code unit costs 5 bytes more, and a body stops at MAX_TASK_BYTES', () => {
    assert.equal(grouped({ taskNonAsciiUnitsPerRecipient: 3 }).run.taskBodyBytes, 60 + 10 * (63 + 3 * 5));
    // 400 emoji a recipient (800 code units) are 4,000 B escaped: 5 fit a body, not 50
    const rockets = paper({ recipientsPerTask: 50, taskRecipientBytes: 40, taskNonAsciiUnitsPerRecipient: 800 });
    assert.equal(rockets.run.recipientsPerFullTask, Math.floor((MAX_TASK_BYTES - 60 - 300 + 1) / (40 + 800 * 5)));
    const large = paper({ recipientsPerTask: 50, taskRecipientBytes: 2000 });
    assert.equal(large.run.recipientsPerFullTask, 12);
    assert.equal(large.run.messages, Math.ceil(1000 / 12));
    // 8 calls of 10 bodies of 24,060 B (four 64 KB chunks each), then 3 of 24,060 B and one of 8,060 B (two chunks)
    assert.equal(large.run.sqs.sendRequests, 8 * 4 + 2);
    assert.ok(large.warnings.some((warning) => /12 recipients of 2000 B fit, not 50/.test(warning)));
    assert.throws(
      () => paper({ taskRecipientBytes: 4000, taskNonAsciiUnitsPerRecipient: 5000 }),
      /^CostInputError: taskRecipientBytes of 29000 B with the escapes does not fit/,
    );
  });

  it('the ledger writes units by item size: a claim of 1 WRU, a record of ten outcomes (1,920 B) of 2', () => {
    const single = paper({});
    assert.deepEqual(single.run.unitsPerWrite, { claim: 1, record: 1, run: 1 });
    assert.equal(lineOf(single, 'delivery ledger').quantity, 2000);
    assert.match(lineOf(single, 'delivery ledger').item, /per recipient \(1 \+ 1 WRU\)/);
    close(lineOf(single, 'delivery ledger').usd, (2000 / 1e6) * 0.625, 'at the November 2024 price');
    const ten = grouped({});
    assert.equal(ten.run.groupItemBytes, 1920);
    assert.equal(lineOf(ten, 'delivery ledger').quantity, 100 * 3);
    // four outcomes stay within 1 KB (924 B), five do not (1,090 B); a short last group is sized on its own
    assert.equal(lineOf(paper({ recipientsPerTask: 4 }), 'delivery ledger').quantity, 250 * 2);
    assert.equal(lineOf(paper({ recipientsPerTask: 5 }), 'delivery ledger').quantity, 200 * 3);
    assert.equal(lineOf(grouped({ audience: 1005 }), 'delivery ledger').quantity, 100 * 3 + 3);
    // claim and record never write an index: only run items carry its keys
    const delivery = ten.operations.filter((entry) => entry.line.startsWith('delivery ledger'));
    assert.deepEqual(
      delivery.map((entry) => [entry.units, entry.index ?? false]),
      [
        [100, false],
        [200, false],
      ],
    );
  });

  it('run-item writes are sized with one open count per running sender, and each is written to the by-job index', () => {
    // 250 + 10 x 36 = 610 B: 1 WRU; two per sender invocation, each also in the index
    assert.equal(lineOf(grouped({}), 'run counters').quantity, 10 * 2 * 2);
    // 700 + 10 x 36 = 1,060 B: 2 WRU
    const large = grouped({ runItemBytes: 700 });
    assert.equal(lineOf(large, 'run counters').quantity, 10 * 2 * 2 * 2);
    // runs.acquire, one runs.saveProgress, runs.finish
    assert.equal(lineOf(large, 'planner run item').quantity, 3 * 2 * 2);
  });

  it("ledger storage holds every group item for its TTL, with DynamoDB's 100-byte overhead", () => {
    const ten = grouped({ runsPerDay: 2, ledgerTtlDays: 30 });
    close(lineOf(ten, 'ledger storage').quantity, (100 * 2 * 30 * (1920 + 100)) / 1e9, 'GB-month');
    const single = paper({ runsPerDay: 2, ledgerTtlDays: 30 });
    close(lineOf(single, 'ledger storage').quantity, (1000 * 2 * 30 * (426 + 100)) / 1e9, 'one item per recipient');
  });

  it('config reads: 3 per planner invocation, 3 per sender container and minute of sending', () => {
    // 100,000 recipients paced at 250/s over 10 senders: 400 s of sending, 7 cache periods per container; the
    // planner waits out the run ahead of its lead over 2 invocations (the next case)
    const estimate = grouped({ audience: 100_000, channelRatePerSecond: 250 });
    assert.equal(estimate.run.sendSeconds, 400);
    assert.equal(lineOf(estimate, 'config reads').quantity, 3 * 2 + 10 * 3 * 7);
  });

  it('the bounded lead: the planner waits, billed, until the senders are within the lead of the end, polling every 2 s', () => {
    const estimate = grouped({ audience: 100_000, channelRatePerSecond: 250 });
    // 400 s of sending - 60 s of lead - 10 s of its own work (100 pages of 100 ms) = 330 s of waiting; with the work,
    // 340 s over invocations of at most 300 s - 10 s reserve - 2 pages = 289.8 s: 2
    assert.equal(estimate.run.plannerBilledMs, 340_000);
    assert.equal(estimate.run.plannerInvocations, 2);
    assert.equal(lineOf(estimate, 'planner lead: GetItem').quantity, 100 + 165);
    // one renewal per poll, also written to the by-job index
    assert.equal(lineOf(estimate, 'planner lead: lease renewal').quantity, 165 * 2);
    const none = grouped({ audience: 100_000, channelRatePerSecond: 250, leadSeconds: 0 });
    assert.deepEqual([none.run.plannerBilledMs, none.run.plannerInvocations], [10_000, 1]);
    assert.ok(!none.lines.some((line) => line.item.startsWith('planner lead')));
  });

  it('the live rate share: one write per sender and channel every 2 s of sending; none when static', () => {
    const estimate = grouped({ audience: 100_000, channelRatePerSecond: 250 });
    // 10 senders x 400 s / 2 s
    assert.equal(lineOf(estimate, 'rate share').quantity, 2_000);
    const off = grouped({ audience: 100_000, channelRatePerSecond: 250, rateShare: 'static' });
    assert.ok(!off.lines.some((line) => line.item.startsWith('rate share')));
  });

  it('logs: one EMF line per sender invocation with a latency value per send, up to 100', () => {
    // 100 invocations of 100 sends, then 50 of 200
    close(lineOf(grouped({ audience: 10_000 }), 'log ingestion').quantity, (100 * 700 + 260) / 1e9, 'GB');
    const wide = grouped({ audience: 10_000, recipientsPerTask: 20 });
    close(lineOf(wide, 'log ingestion').quantity, (50 * 700 + 260) / 1e9, 'GB');
  });

  it('an idle event source mapping long-polls (5 pollers, 20 s); 14 million scheduled invocations a month are free', () => {
    const estimate = paper({ daysPerMonth: 30 });
    const idleSeconds = 30 * 86_400 - 30 * estimate.run.sendSeconds;
    assert.equal(lineOf(estimate, 'empty long polls').quantity, Math.round((idleSeconds / 20) * 5));
    const ticks = paper({ audience: 10, runsPerDay: 1440, daysPerMonth: 31 });
    assert.equal(lineOf(ticks, 'scheduled invocations').usd, 0);
    assert.equal(lineOf(ticks, 'scheduled invocations').quantity, 1440 * 31);
  });
});

describe('cost model: Lambda time', () => {
  const durations = {
    ...PAPER.durations,
    senderOverheadMsPerBatch: 20,
    senderMsPerTask: 3,
    senderMsPerNotification: 1,
  };

  it("the sender's vCPU share stretches its measured time: 10.3 ms of a whole core bill 72 ms at 256 MB", () => {
    const slow = paper({ audience: 100, durations: { ...PAPER.durations, senderOverheadMsPerBatch: 10.3 } });
    assert.equal(slow.run.senderBatches, 10);
    // 256 MB is 256/1769 of a vCPU: 71.17 ms, rounded up to the millisecond
    assert.equal(slow.run.senderBilledMs, 720);
    close(lineOf(slow, 'sender compute').quantity, 0.72 * 0.25, 'GB-s');
    close(lineOf(slow, 'sender compute').usd, 0.18 * 0.0000133334, 'USD at the arm64 price');
    const whole = paper({ audience: 100, senderMemoryMb: 2048, durations: slow.input.durations });
    assert.equal(whole.run.senderBilledMs, 110, 'a whole vCPU from 1,769 MB up');
  });

  it('a batch waits for its waves of sends: work + ceil(notifications / parallelism) x latency', () => {
    const slow = 1769 / 256;
    close(cpuSlowdown(256), slow, 'slowdown');
    const single = paper({ latencyMs: 150, durations });
    close(single.run.latencyBoundMsPerBatch, (20 + 10 * 3 + 10 * 1) * slow + 150, 'one wave');
    assert.equal(single.run.pacingBound, false);
    const ten = grouped({ latencyMs: 150, durations });
    close(ten.run.latencyBoundMsPerBatch, (20 + 10 * 3 + 100 * 1) * slow + 10 * 150, '100 sends in 10 lanes');
    const wide = paper({ senderBatchSize: 25, latencyMs: 150, durations });
    close(wide.run.latencyBoundMsPerBatch, (20 + 25 * 3 + 25 * 1) * slow + 3 * 150, '25 sends in 10 lanes');
    const serial = grouped({ senderBatchSize: 1, senderParallelism: 1, latencyMs: 150, durations });
    close(serial.run.latencyBoundMsPerBatch, (20 + 3 + 10 * 1) * slow + 10 * 150, 'one send at a time');
  });

  it('a sender is billed for its share of the rate: 10 tasks of 10 at 250/s over 10 senders take 4 s', () => {
    const estimate = grouped({ audience: 10_000, channelRatePerSecond: 250 });
    assert.equal(estimate.run.pacedMsPerBatch, 4000);
    assert.equal(estimate.run.pacingBound, true);
    assert.equal(estimate.run.senderBilledMs, 100 * 4000);
    assert.equal(estimate.run.notificationsPerSecond, 250);
    const single = paper({ audience: 10_000, channelRatePerSecond: 250 });
    assert.equal(single.run.pacedMsPerBatch, 400);
    assert.equal(single.run.senderBilledMs, estimate.run.senderBilledMs);
  });

  it('warns when a batch cannot be sent within the sender timeout less the recording reserve', () => {
    // 10 tasks of 50 at 250/s over 20 senders: 500 sends at 12.5/s are 40 s, over the 27 s a 30 s timeout leaves
    const slow = { audience: 100_000, recipientsPerTask: 50, channelRatePerSecond: 250, senderMaximumConcurrency: 20 };
    const warnings = grouped(slow).warnings.join('\n');
    assert.match(warnings, /takes 40\.0 s but the sender may send for 27\.0 s/);
    assert.deepEqual(grouped({ ...slow, senderTimeoutSeconds: 60 }).warnings, []);
  });

  it('warns when the senders cannot keep the rate within their share of a vCPU', () => {
    // 10 tasks of 10 at 128 MB: 10 + 100 x 2 ms of a core take 2.9 s; 10,000/s over 10 senders allow 0.1 s
    const starved = grouped({ senderMemoryMb: 128, durations: { ...PAPER.durations, senderMsPerNotification: 2 } });
    close(starved.run.workMsPerBatch, (10 + 100 * 2) * (1769 / 128), 'work');
    assert.match(starved.warnings.join('\n'), /needs 2\.9 s of CPU .* allows 0\.1 s: the senders cannot keep/);
    assert.equal(estimateMonthlyCost().warnings.length, 0, 'not at the defaults');
  });

  it('the planner hands over before its timeout: 100 pages of 1 s in 60 s invocations are 3 invocations', () => {
    const estimate = grouped({
      audience: 100_000,
      plannerTimeoutSeconds: 60,
      durations: { ...PAPER.durations, plannerMsPer1000: 1000 },
    });
    // (60 s - 10 s reserve - 2 pages) / 1 s + 1 = 49 pages an invocation: 49, 49, 2
    assert.deepEqual([estimate.run.pagesPerPlannerInvocation, estimate.run.plannerInvocations], [49, 3]);
    assert.equal(estimate.run.plannerBilledMs, 100 * 1000);
    // 3 acquires, 100 cursors, 2 handovers, 1 finish, each also in the by-job index
    assert.equal(lineOf(estimate, 'planner run item').quantity, (3 + 100 + 2 + 1) * 2);
  });

  it('refuses a planner timeout that leaves no time for one full page, whatever the audience', () => {
    const tooSlow = {
      audience: 100,
      pageSize: 10_000,
      plannerTimeoutSeconds: 30,
      durations: { plannerMsPer1000: 5000 },
    };
    assert.throws(
      () => estimateMonthlyCost(tooSlow),
      /^CostInputError: plannerTimeoutSeconds of 30 s leaves no time for one page of 10000 rows \(50000 ms\)/,
    );
  });
});

describe('cost model: suppression list, run end, run watch and the webhook receiver', () => {
  it('screens each recipient with half a read unit and adds the suppressed share with one write unit each', () => {
    const estimate = grouped({});
    assert.equal(lineOf(estimate, 'suppression list: BatchGetItem').quantity, 1000 * 0.5);
    close(lineOf(estimate, 'suppression list: PutItem').quantity, 1000 * 0.001, 'WRU at the default share');
    assert.equal(lineOf(grouped({ suppressedShare: 0.02 }), 'suppression list: PutItem').quantity, 20);
    const off = grouped({ suppressionList: false });
    assert.ok(!off.lines.some((entry) => entry.item.startsWith('suppression list')), 'no list, no request');
  });

  it('ends each run with two run-item writes (each in the by-job index) and one PutEvents', () => {
    const estimate = grouped({ runsPerDay: 2 });
    assert.equal(lineOf(estimate, 'run end').quantity, 2 * 2 * 2);
    assert.equal(lineOf(estimate, 'end-of-run event').quantity, 2);
    close(lineOf(estimate, 'end-of-run event').usd, 2 * 1e-6, 'USD at $1 per million events');
  });

  it('watches every 5 minutes: 8,640 schedules, planner runs of ~150 ms and by-job queries in 30 days', () => {
    const estimate = grouped({ daysPerMonth: 30 });
    assert.equal(lineOf(estimate, 'run watch schedule').quantity, 8640);
    assert.equal(lineOf(estimate, 'run watch schedule').usd, 0, 'within the 14 million free');
    assert.equal(lineOf(estimate, 'run watch: planner requests').quantity, 8640);
    close(lineOf(estimate, 'run watch: planner compute').quantity, 8640 * 0.15 * 0.5, 'GB-s at 512 MB');
    assert.equal(lineOf(estimate, 'run watch: Query').quantity, 8640 * 0.5);
    assert.equal(lineOf(grouped({ daysPerMonth: 30, watchIntervalMinutes: 10 }), 'run watch: Query').quantity, 2160);
    // the ticks and the watch share the free invocations: 14.4 million watches and 30 ticks bill 400,030
    const often = grouped({ daysPerMonth: 30, watchIntervalMinutes: 0.003 });
    close(lineOf(often, 'run watch schedule').usd, 400_030 * 1e-6, 'beyond the free tier');
  });

  it('adds the run metrics (RunsOverdue, RunWatches; RunFailedPercent an hour a run) and 3 run alarms', () => {
    const estimate = grouped({ daysPerMonth: 30 });
    close(lineOf(estimate, 'run metrics').quantity, 2 + 30 / 730, 'metric-months');
    close(lineOf(estimate, 'run metrics').usd, (2 + 30 / 730) * 0.3, 'USD');
    assert.equal(lineOf(estimate, 'run alarms').quantity, 3);
    close(lineOf(estimate, 'run alarms').usd, 0.3, 'USD');
  });

  it('prices the webhook receiver apart: per million events, one event a POST, never in the default bill', () => {
    const estimate = estimateMonthlyCost();
    const { receiver } = estimate;
    assert.ok(!estimate.lines.some((entry) => /receiver|webhook/.test(entry.item)), 'off by default');
    assert.deepEqual([receiver.eventsPerMonth, receiver.totalUsd], [0, 0]);
    const perMillion = 1 + 0.2 + 1e6 * 0.02 * 0.25 * 0.0000133334 + 2 * 0.625 + 0.125 + 0.48 * 0.5;
    close(receiver.perMillionUsd, perMillion, 'USD per million events');
    const twice = estimateMonthlyCost({ receiverEventsPerMonth: 2_000_000, receiverMemoryMb: 512 });
    close(lineOf({ ...twice, lines: twice.receiver.lines }, 'receiver compute').quantity, 2e6 * 0.02 * 0.5, 'GB-s');
    assert.equal(twice.totalUsd, estimate.totalUsd, 'not in the pipeline total');
  });
});

describe('cost model: prices, defaults and the comparison', () => {
  const estimate = estimateMonthlyCost();

  it('is one daily run of a million recipients in tasks of ten, its lines adding up to the total', () => {
    assert.equal(estimate.notificationsPerMonth, 30_000_000);
    assert.deepEqual([estimate.run.messages, estimate.run.senderBatches], [100_000, 2_000]);
    close(
      estimate.lines.reduce((total, entry) => total + entry.usd, 0),
      estimate.totalUsd,
      'total',
    );
    close(estimate.perMillionUsd, estimate.totalUsd / 30, 'per million');
    // claim (268 B: 1 WRU) and record (268 + 10 x 176 = 2,028 B: 2 WRU) of 100,000 groups a day
    close(lineOf(estimate, 'delivery ledger').usd, 30 * 100_000 * 3 * 0.625e-6, 'ledger');
  });

  it('prices each region at its own list prices', () => {
    const ireland = estimateMonthlyCost({ region: 'eu-west-1' });
    assert.equal(ireland.region.name, 'Europe (Ireland)');
    close(lineOf(ireland, 'delivery ledger').usd, 30 * 100_000 * 3 * 0.70675e-6, 'halved eu-west-1 WRU');
    close(lineOf(ireland, 'ledger storage').usd, lineOf(estimate, 'ledger storage').quantity * 0.283, 'storage');
    close(ireland.alwaysOn.lines[0]?.usd ?? 0, 720 * 0.0892, 'm7g.large in Ireland');
    const x86 = estimateMonthlyCost({ architecture: 'x86_64' });
    close(lineOf(x86, 'sender compute').usd, lineOf(estimate, 'sender compute').quantity * 0.0000166667, 'x86_64');
  });

  it('compares with an always-on m7g.large, a cache.t4g.small broker and 20 GB gp3 for a 30-day month', () => {
    const [instance, broker, disk, sends] = estimate.alwaysOn.lines.map((entry) => entry.usd);
    close(instance ?? 0, 720 * 0.0816, 'instance');
    close(broker ?? 0, 720 * 0.032, 'broker');
    close(disk ?? 0, ((20 * 720) / 730) * 0.08, 'disk');
    close(sends ?? 0, lineOf(estimate, 'sends to the provider').usd, 'the same egress');
    // At the break-even audience the worker costs no more than the pipeline; just below it, it costs more.
    const breakEven = estimate.alwaysOn.breakEvenAudience ?? 0;
    const at = (audience: number) => estimateMonthlyCost({ audience });
    assert.ok(at(breakEven).alwaysOn.totalUsd <= at(breakEven).totalUsd);
    assert.ok(at(Math.floor(breakEven * 0.99)).alwaysOn.totalUsd > at(Math.floor(breakEven * 0.99)).totalUsd);
    const doubled = estimateMonthlyCost({ workerInstances: 2 });
    close(doubled.alwaysOn.lines[0]?.usd ?? 0, 2 * 720 * 0.0816, 'two instances');
  });

  it("holds the module's and the job's defaults", () => {
    const variables = readFileSync(new URL('../variables.tf', import.meta.url), 'utf8');
    /** The default of `variable "name"`, or of its attribute `attribute = optional(type, default)`. */
    const terraform = (name: string, attribute?: string) => {
      const block = variables.slice(variables.indexOf(`variable "${name}"`)).split('\nvariable ')[0];
      const assigned = attribute ? `${attribute}\\s*=\\s*optional\\(\\w+,` : 'default\\s*=';
      return new RegExp(`\\n\\s*${assigned}\\s*"?([\\w.]+)`).exec(block ?? '')?.[1];
    };
    const { input } = estimateMonthlyCost();
    for (const [value, name, attribute] of [
      [input.senderMemoryMb, 'sender', 'memory_size'],
      [input.senderTimeoutSeconds, 'sender', 'timeout'],
      [input.senderBatchSize, 'sender', 'batch_size'],
      [input.senderMaximumConcurrency, 'sender', 'maximum_concurrency'],
      [input.senderParallelism, 'sender', 'parallelism'],
      [input.plannerMemoryMb, 'planner', 'memory_size'],
      [input.plannerTimeoutSeconds, 'planner', 'timeout'],
      [input.architecture, 'architecture'],
      [input.ledgerTtlDays, 'ledger_ttl_days'],
      [input.watchIntervalMinutes, 'run_alarms', 'watch_interval_minutes'],
      [input.receiverMemoryMb, 'receiver', 'memory_size'],
      [LOG_RETENTION_DAYS, 'log_retention_days'],
    ] as const)
      assert.equal(String(value), terraform(name, attribute), `variables.tf ${name} ${attribute ?? ''}`);
    const observability = readFileSync(new URL('../modules/observability/main.tf', import.meta.url), 'utf8');
    const alarms = observability.slice(observability.indexOf('  alarms = {'));
    const block = alarms.slice(0, alarms.indexOf('\n  }\n'));
    assert.equal([...block.matchAll(/^ {4}[a-z-]+ = \{$/gm)].length, input.alarms);
    // the run alarms: two per job, and the watch's own (the model prices one job)
    const runAlarms = observability.slice(observability.indexOf('  run_alarms = merge('));
    const perJob = [...runAlarms.matchAll(/for job, alarm in local\.run_jobs : "run-[a-z]+-\$\{job\}"/g)];
    assert.equal(perJob.length, 2);
    assert.match(runAlarms, /"run-watch-missing" = \{/);
    assert.equal(lineOf(estimate, 'run alarms').quantity, 2 * 1 + 1);
    const job = parseConfigItem('job', {
      id: 'daily',
      database: 'main',
      channel: 'messenger',
      audience: { sql: 'SELECT id, psid FROM users' },
      template: { text: 'Hi' },
    });
    assert.equal(input.recipientsPerTask, job.recipientsPerTask);
  });

  it('each DynamoDB request names the handler files that make it, and each file holds the call named', () => {
    const dynamo = [
      ...estimate.operations,
      ...estimate.watchOperations,
      ...receiverOperations(estimate.input, 1),
    ].filter((entry) => entry.price === 'writes' || entry.price === 'reads');
    assert.ok(dynamo.length >= 17, 'the ledger, run item, config, suppression, watch and receiver requests');
    for (const operation of dynamo) {
      assert.ok(operation.code, `${operation.line}: no code named`);
      for (const place of operation.code.split(', ')) {
        const [file, call] = place.split(' ') as [string, string | undefined];
        const url = new URL(`../${file}`, import.meta.url);
        assert.ok(existsSync(url), `${operation.line}: ${file} exists`);
        if (call) assert.ok(readFileSync(url, 'utf8').includes(call), `${operation.line}: ${file} holds ${call}`);
      }
    }
  });

  it('sizes a DynamoDB item by its names and values, as the bench sizes the items the handlers write', () => {
    const item = {
      pk: { S: 'group#r#c:1' }, // 2 + 11
      status: { S: 'settled' }, // 6 + 7
      attempts: { N: '1' }, // 8 + 1 + 1
      // 8 + map (3 + "42" 2 + inner map (3 + s: 1 + 4 + 1 + u: 1 + (17 -> 1) + 1 + 1) + 1)
      outcomes: { M: { '42': { M: { s: { S: 'sent' }, u: { N: '1700000000000' } } } } },
      pendingCounts: { SS: ['abc', 'de'] }, // 13 + 5
    };
    assert.equal(dynamoItemBytes(item), 13 + 13 + 10 + 27 + 18);
    assert.equal(dynamoItemBytes({ list: { L: [{ BOOL: true }, { NULL: true }] } }), 4 + 3 + 2 + 2);
  });

  it('docs/COST.md holds the tables the model computes (npm run cost:report)', () => {
    const { current, rendered } = costDoc();
    assert.ok(current === rendered, 'docs/COST.md is stale: run npm run cost:report');
  });
});

describe('notifier cost', () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await costCommand(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('prints the itemised bill, the cost per million and the comparison; --json the same figures', async () => {
    const argv = ['--audience', '10000', '--region', 'eu-west-1', '--recipient-bytes', '2000', '--non-ascii', '4'];
    const text = await run(...argv, '--recipients-per-task', '50', '--worker-instances', '2', '--dashboard');
    assert.equal(text.code, 0);
    assert.match(text.out, /Europe \(Ireland\)/);
    assert.match(text.out, /delivery ledger: claim \+ record UpdateItem per group of 11 +\$\d+\.\d{2,4}\n +recipients/);
    // 2,000 B and four escapes of 5 B a recipient: 11 fit a body, not 50
    assert.match(text.out, /WARNING: a task body stops at 24576 B: 11 recipients of 2020 B fit, not 50/);
    assert.match(text.out, /For comparison, an always-on worker doing the same sends:\nEC2 .*\n {2}2 x m7g.large/);
    const { out } = await run(
      ...argv,
      '--recipients-per-task',
      '50',
      '--worker-instances',
      '2',
      '--dashboard',
      '--json',
    );
    const json = JSON.parse(out) as Omit<CostEstimate, 'input'> & { input: Record<string, unknown> };
    const expected = estimateMonthlyCost({
      audience: 10_000,
      region: 'eu-west-1',
      taskRecipientBytes: 2000,
      taskNonAsciiUnitsPerRecipient: 4,
      recipientsPerTask: 50,
      workerInstances: 2,
      dashboard: true,
    });
    assert.match(text.out, new RegExp(`cost per million notifications: \\$${expected.perMillionUsd.toFixed(2)}\n`));
    assert.deepEqual([json.input.dashboard, json.input.workerInstances, json.run.messages], [true, 2, 910]);
    assert.deepEqual(
      [json.lines, json.alwaysOn, json.warnings],
      [expected.lines, expected.alwaysOn, expected.warnings],
    );
    assert.equal(json.input.taskHeadBytes, undefined, 'the measured sizes are not settings');
    assert.equal((json as { receiver?: unknown }).receiver, undefined, 'no receiver without --receiver-events');
    assert.doesNotMatch(text.out, /webhook receiver/);
  });

  it('prices the webhook receiver apart with --receiver-events', async () => {
    const text = await run('--receiver-events', '2000000');
    assert.equal(text.code, 0);
    const { receiver, totalUsd } = estimateMonthlyCost({ receiverEventsPerMonth: 2_000_000 });
    assert.match(text.out, /The webhook receiver, 2,000,000 events a month \(not in the total above\):/);
    assert.match(text.out, /webhook POSTs \(HTTP API requests, 1 event per POST\) +\$2\.00\n/);
    assert.match(text.out, new RegExp(`receiver total +\\$${receiver.totalUsd.toFixed(2)}\n`));
    assert.match(text.out, new RegExp(`receiver cost per million events: \\$${receiver.perMillionUsd.toFixed(2)}\n`));
    assert.match(text.out, new RegExp(`\ntotal +\\$${totalUsd.toFixed(2)}\n`));
    const json = JSON.parse((await run('--receiver-events', '2000000', '--json')).out) as { receiver: typeof receiver };
    assert.deepEqual(json.receiver, receiver);
  });

  it('answers --help with every flag and its default; a switch says what giving it does', async () => {
    const { code, out } = await run('--help');
    assert.equal(code, 0);
    assert.match(out, /^ {4}--runs-per-day N +scheduler ticks a day \(default 1\)$/m);
    assert.match(out, /^ {4}--region R +the region priced\n +\(us-east-1 \| eu-west-1; default us-east-1\)$/m);
    assert.match(out, /^ {4}--dashboard +with the CloudWatch dashboard$/m);
    assert.match(out, /^ {4}--receiver-events N +webhook events a month to the receiver \(off by\n +default\)/m);
  });

  it('rejects a bad value with exit code 2 and names the flag', async () => {
    for (const [argv, pattern] of [
      [['--audience', '10x'], /--audience must be a whole number/],
      [['--runs-per-day', '0'], /--runs-per-day must be a whole number from 1 to 1440/],
      [['--region', 'mars-1'], /--region must be one of us-east-1, eu-west-1, got "mars-1"/],
      [['--recipient-bytes', '0'], /--recipient-bytes must be a number > 0 and <= 24576/],
      [['--planner-timeout', '901'], /--planner-timeout must be a whole number from 30 to 900 \(Lambda's limit\)/],
      [['--recipient-bytes', '20000', '--non-ascii', '2000'], /--recipient-bytes: taskRecipientBytes of 30000 B/],
      [['--no-ledger'], /Unknown option '--no-ledger'/],
    ] as const) {
      const { code, err } = await run(...argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(err, pattern);
    }
  });
});
