import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseConfigItem } from '../handlers/config/schema.js';
import { MAX_TASK_BYTES } from '../handlers/core/task.js';
import { costCommand } from '../tools/cli/cost.js';
import { cpuSlowdown, lambdaBilledMs, lambdaGbSeconds, sqsBilledRequests, writeUnits } from '../tools/cost/billing.js';
import { COST_FIELDS, type CostOverrides, DEFAULT_INPUT } from '../tools/cost/input.js';
import { dynamoItemBytes } from '../tools/cost/item-size.js';
import { MEASURED } from '../tools/cost/measured.js';
import { type CostEstimate, estimateMonthlyCost, TARGET_USD_PER_MILLION } from '../tools/cost/model.js';
import { TABLE_OPERATIONS } from '../tools/cost/operations.js';
import { PRICES } from '../tools/cost/prices.js';

/**
 * One run on one day, no idle polling, no pacing, durations and sizes set by hand: every number below is computed on
 * paper. A task body is 60 B plus 63 B a recipient (123 B for one); a group item is 260 B plus 166 B an outcome
 * (76 B + a 90-byte message id): 426 B for one recipient (1 WRU), 924 B for four (1 WRU), 1,090 B for five (2 WRU),
 * 1,920 B for ten (2 WRU). The run item is 250 B plus 36 B per running sender.
 */
const PAPER: CostOverrides = {
  runsPerDay: 1,
  daysPerMonth: 1,
  sqsIdlePollers: 0,
  channelRatePerSecond: 10_000,
  latencyMs: 0,
  recipientsPerTask: 1,
  taskHeadBytes: 60,
  taskRecipientBytes: 63,
  taskNonAsciiUnitsPerRecipient: 0,
  groupItemBaseBytes: 260,
  groupOutcomeBytes: 76,
  providerMessageIdBytes: 90,
  runItemBytes: 250,
  senderLogBytesPerInvocation: 300,
  senderLogBytesPerSend: 4,
  plannerLogBytesPer1000: 26,
  // The sizing these cases were computed with, whatever the module's defaults are.
  senderBatchSize: 10,
  senderMaximumConcurrency: 10,
  senderParallelism: 10,
  durations: {
    plannerMsPer1000: 100,
    plannerInitMs: 0,
    senderOverheadMsPerBatch: 10,
    senderMsPerTask: 0,
    senderMsPerNotification: 0,
    senderInitMs: 0,
  },
};
/** The same with the job default: ten recipients per task. */
const GROUPED: CostOverrides = { ...PAPER, recipientsPerTask: 10 };

const lineOf = (estimate: CostEstimate, start: string) => {
  const found = estimate.lines.find((entry) => entry.item.startsWith(start));
  assert.ok(found, `no line starting "${start}" in ${estimate.lines.map((entry) => entry.item).join(' | ')}`);
  return found;
};
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);

describe('cost model: arithmetic on hand-computed cases', () => {
  it('SQS bills one request per started 64 KB chunk of a call, at least one', () => {
    assert.equal(sqsBilledRequests(10 * 123), 1);
    assert.equal(sqsBilledRequests(65_536), 1);
    assert.equal(sqsBilledRequests(65_537), 2);
    assert.equal(sqsBilledRequests(10 * 10_000), 2);
    assert.equal(sqsBilledRequests(256 * 1024), 4);
    assert.equal(sqsBilledRequests(0), 1);
  });

  it('Lambda rounds each invocation up to the millisecond before multiplying by the memory', () => {
    assert.equal(lambdaBilledMs(100.2), 101);
    assert.equal(lambdaBilledMs(400), 400);
    close(lambdaGbSeconds(lambdaBilledMs(100.2), 256), 0.101 * 0.25, '100.2 ms at 256 MB');
    close(lambdaGbSeconds(lambdaBilledMs(1), 128), 0.001 * 0.125, '1 ms at 128 MB');
    close(lambdaGbSeconds(lambdaBilledMs(400), 512), 0.2, '400 ms at 512 MB');
  });

  it("the month's Lambda GB-seconds are the run's billed milliseconds at each function's memory", () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, plannerMemoryMb: 1024, senderMemoryMb: 128 });
    const { run } = estimate;
    close(lineOf(estimate, 'planner compute').quantity, lambdaGbSeconds(run.plannerBilledMs, 1024), 'planner');
    close(lineOf(estimate, 'sender compute').quantity, lambdaGbSeconds(run.senderBilledMs, 128), 'sender');
  });

  it('DynamoDB bills a write per started KB', () => {
    assert.equal(writeUnits(228), 1);
    assert.equal(writeUnits(1024), 1);
    assert.equal(writeUnits(1025), 2);
  });

  it('DynamoDB sizes an item by its names and values: maps and lists 3 bytes plus 1 per element, numbers by significant digits', () => {
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

  describe('one recipient per task (the per-recipient ledger) counts as before grouping', () => {
    it('1,000 recipients of 123-byte tasks are 100 SendMessageBatch, 100 ReceiveMessage and 100 DeleteMessageBatch requests', () => {
      const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000 });
      assert.equal(estimate.run.messages, 1000);
      assert.equal(estimate.run.taskBodyBytes, 123);
      assert.deepEqual(estimate.run.sqs, {
        sendCalls: 100,
        sendRequests: 100,
        receiveCalls: 100,
        receiveRequests: 100,
        deleteCalls: 100,
        deleteRequests: 100,
      });
      close(lineOf(estimate, 'SendMessageBatch').usd, (100 / 1e6) * 0.4, 'send cost');
      assert.equal(lineOf(estimate, 'empty long polls').quantity, 0);
    });

    it('10 KB tasks make each call of 10 messages two billed requests (100 KB in two 64 KB chunks)', () => {
      const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, taskRecipientBytes: 9940 });
      // send: 10 x 10,000 B = 100,000 B -> 2; receive: 10 x (10,000 + 600) B = 106,000 B -> 2; delete: receipt handles only -> 1
      assert.deepEqual(estimate.run.sqs, {
        sendCalls: 100,
        sendRequests: 200,
        receiveCalls: 100,
        receiveRequests: 200,
        deleteCalls: 100,
        deleteRequests: 100,
      });
    });

    it('a partial page and a partial batch are calls of their own', () => {
      const estimate = estimateMonthlyCost({ ...PAPER, audience: 1005 });
      assert.equal(estimate.run.pages, 2);
      assert.equal(estimate.run.sqs.sendCalls, 101);
      assert.equal(estimate.run.senderBatches, 101);
      assert.equal(estimate.run.sqs.receiveCalls, 101);
    });

    it('the ledger costs a claim and an outcome per recipient (1 WRU each: 426 B), two counter updates per batch (each also in the by-job index), and the planner run item', () => {
      const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000 });
      assert.deepEqual(estimate.run.table.unitsPerWrite, { claim: 1, record: 1, run: 1 });
      assert.equal(lineOf(estimate, 'delivery ledger').quantity, 2000);
      assert.match(lineOf(estimate, 'delivery ledger').item, /per recipient \(1 \+ 1 WRU\)/);
      assert.equal(lineOf(estimate, 'run counters').quantity, 100 * 2 * 2);
      // runs.acquire, one runs.saveProgress (one page), runs.finish: each written to the table and the index
      assert.equal(lineOf(estimate, 'planner run item').quantity, 3 * 2);
      close(
        lineOf(estimate, 'delivery ledger').usd,
        (2000 / 1e6) * 0.625,
        'claim + outcome cost at the November 2024 price',
      );
    });

    it('at the default scenario: a million messages, 20,000 sender invocations of 50, 60 million ledger WRU a month, as the per-recipient design cost', () => {
      const estimate = estimateMonthlyCost({ recipientsPerTask: 1 });
      assert.equal(estimate.run.messages, 1_000_000);
      assert.equal(estimate.run.senderBatches, 20_000);
      assert.equal(estimate.run.sqs.sendCalls, 100_000);
      assert.equal(estimate.run.sqs.receiveCalls, 100_000);
      assert.equal(lineOf(estimate, 'delivery ledger').quantity, 60_000_000);
      // two run-item writes per invocation, each also in the by-job index, 30 days
      assert.equal(lineOf(estimate, 'run counters').quantity, 20_000 * 2 * 2 * 30);
      assert.ok(!estimate.target.met, 'two writes per recipient cannot meet the target');
    });
  });

  describe('grouped tasks', () => {
    it('1,000 recipients in tasks of 10 are 100 messages: 10 SendMessageBatch, 10 batches, 10 receives and 10 deletes', () => {
      const estimate = estimateMonthlyCost({ ...GROUPED, audience: 1000 });
      assert.equal(estimate.run.messages, 100);
      assert.equal(estimate.run.recipientsPerFullTask, 10);
      assert.equal(estimate.run.taskBodyBytes, 60 + 10 * 63);
      assert.deepEqual(estimate.run.sqs, {
        sendCalls: 10,
        sendRequests: 10,
        receiveCalls: 10,
        receiveRequests: 10,
        deleteCalls: 10,
        deleteRequests: 10,
      });
      assert.equal(estimate.run.senderBatches, 10);
      assert.equal(estimate.run.deliveriesPerBatch, 100);
      assert.equal(lineOf(estimate, 'sender requests').quantity, 10);
    });

    it('messages are ceil(rows / recipientsPerTask) per page: the planner groups each page on its own', () => {
      // pages of 1,000, 1,000 and 500 rows in tasks of 7: 143 + 143 + 72
      const estimate = estimateMonthlyCost({ ...PAPER, audience: 2500, recipientsPerTask: 7 });
      assert.equal(estimate.run.messages, 143 + 143 + 72);
      assert.equal(estimate.run.sqs.sendCalls, 15 + 15 + 8);
      assert.equal(estimate.run.senderBatches, Math.ceil(358 / 10));
      assert.equal(estimateMonthlyCost({ ...GROUPED, audience: 1005 }).run.messages, 101);
    });

    it('bodies are ASCII JSON: each non-ASCII code unit a recipient holds adds the 5 bytes its \\uXXXX escape costs over one byte', () => {
      const escaped = estimateMonthlyCost({ ...GROUPED, audience: 1000, taskNonAsciiUnitsPerRecipient: 3 });
      assert.equal(escaped.run.taskBodyBytes, 60 + 10 * (63 + 3 * 5));
      // The default assumes some non-ASCII text: an estimate that ignored the escapes would price ASCII bodies.
      assert.ok(DEFAULT_INPUT.taskNonAsciiUnitsPerRecipient > 0);
      assert.equal(
        estimateMonthlyCost({}).run.taskBodyBytes,
        DEFAULT_INPUT.taskHeadBytes +
          10 * (DEFAULT_INPUT.taskRecipientBytes + DEFAULT_INPUT.taskNonAsciiUnitsPerRecipient * 5),
      );
      // Escapes also fill a body sooner: 400 emoji a recipient (800 code units) are 4,800 B escaped, so 5 fit, not 50.
      const rockets = estimateMonthlyCost({
        ...PAPER,
        audience: 1000,
        recipientsPerTask: 50,
        taskRecipientBytes: 40,
        taskNonAsciiUnitsPerRecipient: 800,
      });
      assert.equal(rockets.run.recipientsPerFullTask, Math.floor((MAX_TASK_BYTES - 60 - 300 + 1) / (40 + 800 * 5)));
      assert.equal(rockets.run.recipientsPerFullTask, 5);
      assert.throws(
        () => estimateMonthlyCost({ ...PAPER, taskNonAsciiUnitsPerRecipient: -1 }),
        /taskNonAsciiUnitsPerRecipient/,
      );
      assert.throws(
        () => estimateMonthlyCost({ ...PAPER, taskRecipientBytes: 4000, taskNonAsciiUnitsPerRecipient: 5000 }),
        /with the escapes does not fit/,
      );
    });

    it('a body stops at MAX_TASK_BYTES: large template fields cap the recipients a task carries', () => {
      const estimate = estimateMonthlyCost({
        ...PAPER,
        audience: 1000,
        recipientsPerTask: 50,
        taskRecipientBytes: 2000,
      });
      const fit = Math.floor((MAX_TASK_BYTES - 60 - 300 + 1) / 2000);
      assert.equal(fit, 12);
      assert.equal(estimate.run.recipientsPerFullTask, 12);
      assert.equal(estimate.run.messages, Math.ceil(1000 / 12));
      // 83 tasks of 12 and one of 4 in 9 calls: 8 of 10 bodies of 24,060 B (240,600 B, four 64 KB chunks), then 3 + 1
      assert.equal(estimate.run.sqs.sendRequests, 8 * 4 + sqsBilledRequests(3 * 24_060 + (60 + 4 * 2000)));
      assert.ok(estimate.warnings.some((warning) => /12 recipients of 2000 B fit, not 50/.test(warning)));
    });

    it('the ledger writes units by item size: claim a small new item (1 WRU), record ten outcomes (1,920 B: 2 WRU), 3 WRU per group', () => {
      const estimate = estimateMonthlyCost({ ...GROUPED, audience: 1000 });
      assert.deepEqual(estimate.run.table.unitsPerWrite, { claim: 1, record: 2, run: 1 });
      assert.equal(estimate.run.groupItemBytes, 1920);
      assert.equal(lineOf(estimate, 'delivery ledger').quantity, 100 * 3);
      assert.match(lineOf(estimate, 'delivery ledger').item, /per group of 10 recipients \(1 \+ 2 WRU\)/);
      // four outcomes stay within 1 KB (924 B), five do not (1,090 B)
      assert.equal(
        lineOf(estimateMonthlyCost({ ...PAPER, audience: 1000, recipientsPerTask: 4 }), 'delivery ledger').quantity,
        250 * 2,
      );
      assert.equal(
        lineOf(estimateMonthlyCost({ ...PAPER, audience: 1000, recipientsPerTask: 5 }), 'delivery ledger').quantity,
        200 * 3,
      );
      // a short last group is sized on its own: 100 groups of ten and one of five (1,090 B, 2 WRU)
      assert.equal(
        lineOf(estimateMonthlyCost({ ...GROUPED, audience: 1005 }), 'delivery ledger').quantity,
        100 * 3 + 3,
      );
    });

    it('run counters are two run-item writes per sender invocation, each sized with the open counts of the running senders', () => {
      const estimate = estimateMonthlyCost({ ...GROUPED, audience: 1000 });
      assert.equal(estimate.run.senderContainers, 10);
      // 250 + 10 x 36 = 610 B: 1 WRU, and 1 more in the by-job index
      assert.equal(lineOf(estimate, 'run counters').quantity, 10 * 2 * 2);
      // 700 + 10 x 36 = 1,060 B: 2 WRU, in the table and in the index; the planner's run-item writes too
      const large = estimateMonthlyCost({ ...GROUPED, audience: 1000, runItemBytes: 700 });
      assert.equal(large.run.table.unitsPerWrite.run, 2);
      assert.equal(lineOf(large, 'run counters').quantity, 10 * 2 * 2 * 2);
      assert.equal(lineOf(large, 'planner run item').quantity, 3 * 2 * 2);
    });

    it("ledger storage holds every group item for its TTL, with DynamoDB's 100-byte overhead", () => {
      const estimate = estimateMonthlyCost({ ...GROUPED, audience: 1000, runsPerDay: 2, ledgerTtlDays: 30 });
      close(lineOf(estimate, 'ledger storage').quantity, (100 * 2 * 30 * (1920 + 100)) / 1e9, 'GB-month');
      const single = estimateMonthlyCost({ ...PAPER, audience: 1000, runsPerDay: 2, ledgerTtlDays: 30 });
      close(
        lineOf(single, 'ledger storage').quantity,
        (1000 * 2 * 30 * (426 + 100)) / 1e9,
        'GB-month, one item per recipient',
      );
    });

    it('the sender logs one EMF line per invocation, with a latency value per send up to 100', () => {
      const estimate = estimateMonthlyCost({ ...GROUPED, audience: 10_000 });
      // 100 invocations of 100 sends: 100 x (300 + 100 x 4) B
      close(lineOf(estimate, 'log ingestion').quantity, (100 * (300 + 100 * 4) + 10 * 26) / 1e9, 'GB');
      const wide = estimateMonthlyCost({ ...GROUPED, audience: 10_000, recipientsPerTask: 20 });
      // 50 invocations of 200 sends, 100 values a line
      close(lineOf(wide, 'log ingestion').quantity, (50 * (300 + 100 * 4) + 10 * 26) / 1e9, 'GB');
    });
  });

  it('an idle event source mapping long-polls: 5 pollers, one empty receive each 20 s', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, sqsIdlePollers: 5, daysPerMonth: 30 });
    const idleSeconds = 30 * 86_400 - 30 * estimate.run.sendSeconds;
    assert.equal(lineOf(estimate, 'empty long polls').quantity, Math.round((idleSeconds / 20) * 5));
  });

  it('the sender bills each batch rounded up to the millisecond: 10 batches of 10.3 ms of a whole core are 72 ms each at 256 MB, 0.18 GB-s', () => {
    const estimate = estimateMonthlyCost({
      ...PAPER,
      audience: 100,
      durations: { ...PAPER.durations, senderOverheadMsPerBatch: 10.3 },
    });
    assert.equal(estimate.run.senderBatches, 10);
    // 256 MB is 256/1769 of a vCPU: 10.3 ms of a whole core take 71.17 ms, billed 72.
    close(cpuSlowdown(256), 1769 / 256, 'slowdown');
    assert.equal(estimate.run.senderBilledMs, 720);
    close(lineOf(estimate, 'sender compute').quantity, 0.18, 'sender GB-s');
    close(
      lineOf(estimate, 'sender compute').usd,
      0.18 * PRICES['us-east-1']!.lambda.gbSecond.arm64.usd,
      'sender compute cost',
    );
    assert.equal(
      estimateMonthlyCost({
        ...PAPER,
        audience: 100,
        senderMemoryMb: 2048,
        durations: { ...PAPER.durations, senderOverheadMsPerBatch: 10.3 },
      }).run.senderBilledMs,
      110,
      'a whole vCPU from 1,769 MB up',
    );
    close(lineOf(estimate, 'sender requests').quantity, 10, 'sender requests');
  });

  it('a batch waits for its slowest wave of sends: overhead + tasks x per-task + notifications x per-notification + waves x latency', () => {
    const durations = {
      ...PAPER.durations,
      senderOverheadMsPerBatch: 20,
      senderMsPerTask: 3,
      senderMsPerNotification: 1,
    };
    const single = estimateMonthlyCost({ ...PAPER, audience: 1000, latencyMs: 150, durations });
    const slow = cpuSlowdown(256);
    close(single.run.latencyBoundMsPerBatch, (20 + 10 * 3 + 10 * 1) * slow + 150, 'single');
    assert.equal(single.run.pacingBound, false);
    // ten tasks of ten share the invocation's 10 sends in flight: 100 sends are 10 waves
    const grouped = estimateMonthlyCost({ ...GROUPED, audience: 1000, latencyMs: 150, durations });
    assert.equal(grouped.run.parallelism, 10);
    close(grouped.run.latencyBoundMsPerBatch, (20 + 10 * 3 + 100 * 1) * slow + 10 * 150, 'grouped');
    const wide = estimateMonthlyCost({ ...PAPER, audience: 1000, senderBatchSize: 25, latencyMs: 150, durations });
    close(
      wide.run.latencyBoundMsPerBatch,
      (20 + 25 * 3 + 25 * 1) * slow + 3 * 150,
      '25 deliveries in 10 lanes are 3 waves',
    );
    // batch_size 1: one task of ten still has the invocation's 10 sends in flight, one wave
    const narrow = estimateMonthlyCost({ ...GROUPED, audience: 1000, senderBatchSize: 1, latencyMs: 150, durations });
    assert.equal(narrow.run.parallelism, 10);
    close(narrow.run.latencyBoundMsPerBatch, (20 + 3 + 10 * 1) * slow + 150, 'narrow');
    // sender.parallelism 1: the same task goes one send at a time
    const serial = estimateMonthlyCost({
      ...GROUPED,
      audience: 1000,
      senderBatchSize: 1,
      senderParallelism: 1,
      latencyMs: 150,
      durations,
    });
    close(serial.run.latencyBoundMsPerBatch, (20 + 3 + 10 * 1) * slow + 10 * 150, 'serial');
  });

  it('with the channel rate shared by 10 senders, a batch of 10 tasks of 10 at 250/s is paced to 4 s', () => {
    const estimate = estimateMonthlyCost({
      ...GROUPED,
      audience: 10_000,
      channelRatePerSecond: 250,
      senderMaximumConcurrency: 10,
    });
    assert.equal(estimate.run.pacedMsPerBatch, 4000);
    assert.equal(estimate.run.pacingBound, true);
    assert.equal(estimate.run.senderBilledMs, 100 * 4000);
    assert.equal(estimate.run.sendSeconds, 40);
    assert.equal(estimate.run.notificationsPerSecond, 250);
    // per recipient: batches of 10 paced to 400 ms, the same sending time and billed time
    const single = estimateMonthlyCost({
      ...PAPER,
      audience: 10_000,
      channelRatePerSecond: 250,
      senderMaximumConcurrency: 10,
    });
    assert.equal(single.run.pacedMsPerBatch, 400);
    assert.equal(single.run.senderBilledMs, estimate.run.senderBilledMs);
  });

  it('warns when a batch cannot be sent within the sender timeout less the recording reserve', () => {
    // 10 tasks of 50 at 250/s over 20 senders: 500 sends at 12.5/s are 40 s, over the 27 s a 30 s timeout leaves
    const estimate = estimateMonthlyCost({
      ...GROUPED,
      audience: 100_000,
      recipientsPerTask: 50,
      channelRatePerSecond: 250,
      senderMaximumConcurrency: 20,
    });
    assert.ok(
      estimate.warnings.some((warning) => /takes 40\.0 s but the sender may send for 27\.0 s/.test(warning)),
      estimate.warnings.join('\n'),
    );
    assert.equal(
      estimateMonthlyCost({
        ...GROUPED,
        audience: 100_000,
        recipientsPerTask: 50,
        channelRatePerSecond: 250,
        senderMaximumConcurrency: 20,
        senderTimeoutSeconds: 60,
      }).warnings.length,
      0,
    );
  });

  it('each DynamoDB request names the handler files that make it, and each file holds the call named', () => {
    for (const operation of TABLE_OPERATIONS) {
      for (const place of operation.code.split(', ')) {
        const [file, call] = place.split(' ') as [string, string | undefined];
        assert.ok(existsSync(new URL(`../${file}`, import.meta.url)), `${operation.name}: ${file} exists`);
        if (call === undefined) continue;
        const source = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
        assert.ok(source.includes(call), `${operation.name}: ${file} holds ${call}`);
      }
    }
  });

  it('the ledger keyed by run costs no write to read a run: claim and record write the group item alone, never an index', () => {
    const delivery = TABLE_OPERATIONS.filter((operation) => operation.group === 'delivery ledger');
    assert.deepEqual(
      delivery.map((operation) => [operation.per, operation.indexWrite]),
      [
        ['task', false],
        ['task', false],
      ],
    );
    const estimate = estimateMonthlyCost({ ...GROUPED, audience: 1000 });
    const units = estimate.run.table.operations.filter((operation) => operation.group === 'delivery ledger');
    // 100 groups of ten: a 1 WRU claim and a 2 WRU record each (260 + 10 x 166 = 1,920 B), nothing for an index.
    assert.deepEqual(
      units.map((operation) => [operation.requests, operation.units, operation.indexUnits]),
      [
        [100, 100, 0],
        [100, 200, 0],
      ],
    );
  });

  it('without the ledger only the planner run item is written, and nothing is stored', () => {
    const estimate = estimateMonthlyCost({ ...GROUPED, audience: 1000, ledger: false });
    assert.equal(
      estimate.lines.some(
        (entry) =>
          entry.item.startsWith('delivery ledger') ||
          entry.item.startsWith('run counters') ||
          entry.item.startsWith('ledger storage'),
      ),
      false,
    );
    assert.equal(lineOf(estimate, 'planner run item').quantity, 6);
  });

  it('config reads: the planner reads job, database and pause mark once per invocation, each sender container job, channel and pause mark once a minute', () => {
    // 100,000 recipients paced at 250/s over 10 senders: 400 s of sending, 7 cache periods per container
    const estimate = estimateMonthlyCost({ ...GROUPED, audience: 100_000, channelRatePerSecond: 250 });
    assert.equal(estimate.run.sendSeconds, 400);
    assert.equal(lineOf(estimate, 'config reads').quantity, 3 + 10 * 3 * 7);
  });

  it('a planner that runs out of time hands over: 100 pages of 1 s in 60 s invocations are 3 invocations (49, 49, 2 pages)', () => {
    const estimate = estimateMonthlyCost({
      ...GROUPED,
      audience: 100_000,
      plannerTimeoutSeconds: 60,
      durations: { ...PAPER.durations, plannerMsPer1000: 1000 },
    });
    assert.equal(estimate.run.pagesPerPlannerInvocation, 49);
    assert.equal(estimate.run.plannerInvocations, 3);
    assert.equal(estimate.run.continuations, 2);
    assert.equal(estimate.run.plannerBilledMs, 100 * 1000);
    assert.equal(lineOf(estimate, 'planner requests').quantity, 3);
    // 3 runs.acquire + 100 runs.saveProgress + 2 runs.release + 1 runs.finish, each also written to the by-job index
    assert.equal(lineOf(estimate, 'planner run item').quantity, (3 + 100 + 2 + 1) * 2);
  });

  it('the first 14 million scheduled invocations a month are free', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 10, runsPerDay: 1440, daysPerMonth: 31 });
    assert.equal(lineOf(estimate, 'scheduled invocations').usd, 0);
    // The line shows every invocation the schedule makes, free or not.
    assert.equal(lineOf(estimate, 'scheduled invocations').quantity, 1440 * 31);
  });

  it('the always-free tier, when asked for, appears as negative lines', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, freeTier: true });
    const free = estimate.lines.filter((entry) => entry.item.startsWith('free tier'));
    assert.ok(free.length >= 5);
    assert.ok(free.every((entry) => entry.usd <= 0));
    close(lineOf(estimate, 'free tier: alarms').usd, -0.9, 'nine alarms fit the ten free ones');
  });

  it('the always-on worker: one m7g.large, one cache.t4g.small and 20 GB gp3 for a 30-day month', () => {
    const estimate = estimateMonthlyCost({});
    close(estimate.alwaysOn.lines[0]!.usd, 720 * 0.0816, 'instance');
    close(estimate.alwaysOn.lines[1]!.usd, 720 * 0.032, 'broker');
    close(estimate.alwaysOn.lines[2]!.usd, ((20 * 720) / 730) * 0.08, 'disk');
    assert.ok(estimate.alwaysOn.breakEvenAudience !== null && estimate.alwaysOn.breakEvenAudience > 0);
  });

  it('an input out of range names the field', () => {
    assert.throws(() => estimateMonthlyCost({ audience: 0 }), /audience must be a positive number/);
    assert.throws(() => estimateMonthlyCost({ region: 'mars-1' }), /no price table for region "mars-1"/);
    assert.throws(
      () => estimateMonthlyCost({ plannerTimeoutSeconds: 30, durations: { plannerMsPer1000: 20_000 } }),
      /plannerTimeoutSeconds of 30 s leaves no time/,
    );
    // A full page must fit even when the audience is smaller: the settings hold for every audience the break-even
    // search prices, and a 50 s page cannot be read in a 30 s planner.
    assert.throws(
      () =>
        estimateMonthlyCost({
          audience: 100,
          pageSize: 10_000,
          plannerTimeoutSeconds: 30,
          durations: { plannerMsPer1000: 5000 },
        }),
      /^CostInputError: plannerTimeoutSeconds of 30 s leaves no time for one page of 10000 rows \(50000 ms\)/,
    );
    assert.throws(() => estimateMonthlyCost({ recipientsPerTask: 51 }), /recipientsPerTask must be at most 50/);
    assert.throws(() => estimateMonthlyCost({ recipientsPerTask: 2.5 }), /recipientsPerTask must be a whole number/);
  });
});

describe('cost model: the default scenario', () => {
  const estimate = estimateMonthlyCost();

  it('is one daily run of a million recipients on the module and job defaults, itemised', () => {
    assert.equal(estimate.notificationsPerMonth, 30_000_000);
    assert.equal(estimate.input.architecture, 'arm64');
    assert.equal(estimate.input.ledger, true);
    for (const service of ['EventBridge Scheduler', 'Lambda', 'SQS', 'DynamoDB', 'CloudWatch'])
      assert.ok(
        estimate.lines.some((entry) => entry.service === service),
        `${service} is itemised`,
      );
    close(
      estimate.lines.reduce((total, entry) => total + entry.usd, 0),
      estimate.totalUsd,
      'lines add up to the total',
    );
    close(estimate.perMillionUsd, (estimate.totalUsd / 30_000_000) * 1e6, 'cost per million');
  });

  it("groups recipients as the job schema's default does", () => {
    const job = parseConfigItem('job', {
      id: 'daily',
      database: 'main',
      channel: 'messenger',
      audience: { sql: 'SELECT id, psid FROM users' },
      template: { text: 'Hi' },
    });
    assert.equal(DEFAULT_INPUT.recipientsPerTask, job.recipientsPerTask);
    assert.equal(estimate.run.messages, 100_000);
    assert.equal(estimate.run.senderBatches, 2_000);
  });

  it('reports its cost per million against the target and the line that dominates', () => {
    // The delivery ledger does not depend on measured durations: a claim and a record per group of ten, sized by the
    // measured group item with Messenger message ids, at $0.625 per million WRU.
    const groupBytes = MEASURED.groupItemBaseBytes + 10 * (MEASURED.groupOutcomeBytes + 90);
    const perGroup = writeUnits(MEASURED.groupItemBaseBytes) + writeUnits(groupBytes);
    close(lineOf(estimate, 'delivery ledger').quantity, 30 * 100_000 * perGroup, 'claim + record WRU a month');
    close(lineOf(estimate, 'delivery ledger').usd, 30 * 100_000 * perGroup * 0.625e-6, 'claim + record');
    assert.equal(estimate.target.perMillionUsd, TARGET_USD_PER_MILLION);
    assert.equal(estimate.target.met, estimate.perMillionUsd <= TARGET_USD_PER_MILLION);
    close(estimate.target.overByUsd, Math.max(0, estimate.perMillionUsd - TARGET_USD_PER_MILLION), 'gap');
    assert.equal(
      estimate.dominant,
      estimate.lines.reduce((top, entry) => (entry.usd > top.usd ? entry : top)),
    );
  });

  it('meets the target with the ledger on, which one recipient per task does not', () => {
    assert.ok(estimate.target.met, `${estimate.perMillionUsd} per million`);
    assert.ok(estimateMonthlyCost({ recipientsPerTask: 1 }).perMillionUsd > 3 * estimate.perMillionUsd);
    assert.ok(estimateMonthlyCost({ ledger: false }).perMillionUsd < estimate.perMillionUsd);
  });
});

describe("cost model: its defaults are the module's", () => {
  const variables = readFileSync(new URL('../variables.tf', import.meta.url), 'utf8');
  /** The `optional(number, N)` default of `attribute` inside `variable "name"`. */
  const optionalDefault = (name: string, attribute: string) => {
    const block = variables.slice(variables.indexOf(`variable "${name}"`));
    const match = new RegExp(`\\n\\s*${attribute}\\s*=\\s*optional\\(number,\\s*([0-9.]+)\\)`).exec(
      block.slice(0, block.indexOf('\nvariable ') + 1 || undefined),
    );
    assert.ok(match, `${name}.${attribute} has a numeric default in variables.tf`);
    return Number(match[1]);
  };

  it('sender sizing and the event source mapping match variables.tf', () => {
    assert.deepEqual(
      [
        DEFAULT_INPUT.senderMemoryMb,
        DEFAULT_INPUT.senderTimeoutSeconds,
        DEFAULT_INPUT.senderBatchSize,
        DEFAULT_INPUT.senderMaximumConcurrency,
        DEFAULT_INPUT.senderParallelism,
      ],
      ['memory_size', 'timeout', 'batch_size', 'maximum_concurrency', 'parallelism'].map((attribute) =>
        optionalDefault('sender', attribute),
      ),
    );
    assert.deepEqual(
      [DEFAULT_INPUT.plannerMemoryMb, DEFAULT_INPUT.plannerTimeoutSeconds],
      ['memory_size', 'timeout'].map((attribute) => optionalDefault('planner', attribute)),
    );
  });

  it('the alarms are the ones modules/observability creates', () => {
    const observability = readFileSync(new URL('../modules/observability/main.tf', import.meta.url), 'utf8');
    const block = observability.slice(
      observability.indexOf('  alarms = {'),
      observability.indexOf('\n  }\n', observability.indexOf('  alarms = {')),
    );
    assert.equal([...block.matchAll(/^ {4}[a-z-]+ = \{$/gm)].length, DEFAULT_INPUT.alarms);
  });

  it('the senders keep their share of the rate within their CPU at the defaults', () => {
    const estimate = estimateMonthlyCost();
    assert.ok(estimate.run.workMsPerBatch < estimate.run.pacedMsPerBatch, JSON.stringify(estimate.run));
    assert.deepEqual(estimate.warnings, []);
    const starved = estimateMonthlyCost({
      senderMemoryMb: 128,
      senderMaximumConcurrency: 2,
      durations: { senderMsPerNotification: 2 },
    });
    assert.match(starved.warnings.join('\n'), /cannot keep the channel rate/);
  });
});

describe('notifier cost', () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await costCommand(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('prints the itemised table, the cost per million and the comparison', async () => {
    const { code, out } = await run(
      '--audience',
      '1000000',
      '--runs-per-day',
      '1',
      '--region',
      'eu-west-1',
      '--latency-ms',
      '150',
    );
    assert.equal(code, 0);
    assert.match(out, /Europe \(Ireland\)/);
    // The item wraps within 80 columns, its amount at the end of its first line.
    assert.match(out, /delivery ledger: claim \+ record UpdateItem per group of 10 +\$\d+\.\d\d\n +recipients/);
    assert.match(out, /cost per million notifications: \$\d+\.\d\d/);
    assert.match(out, /For comparison, an always-on worker doing the same sends:/);
  });

  it('prints the estimate as JSON with --json, without the ledger with --no-ledger', async () => {
    const { code, out } = await run('--json', '--no-ledger', '--audience', '10000');
    assert.equal(code, 0);
    const estimate = JSON.parse(out) as CostEstimate;
    assert.equal(estimate.input.ledger, false);
    assert.equal(estimate.input.audience, 10_000);
    assert.equal(typeof estimate.perMillionUsd, 'number');
  });

  it("--recipients-per-task sets the job's grouping: 1 is the per-recipient ledger", async () => {
    const { code, out } = await run('--recipients-per-task', '1', '--json');
    assert.equal(code, 0);
    const estimate = JSON.parse(out) as CostEstimate;
    assert.equal(estimate.input.recipientsPerTask, 1);
    assert.equal(estimate.run.messages, estimate.input.audience);
  });

  it('--recipient-bytes takes a fraction, as its measured default is one', async () => {
    const { code, out } = await run('--recipient-bytes', '58.5', '--json');
    assert.equal(code, 0);
    assert.equal((JSON.parse(out) as CostEstimate).input.taskRecipientBytes, 58.5);
  });

  it('--non-ascii sets the code units a recipient has escaped in its ASCII task body', async () => {
    const { code, out } = await run('--non-ascii', '4', '--json');
    assert.equal(code, 0);
    const estimate = JSON.parse(out) as CostEstimate;
    assert.equal(estimate.input.taskNonAsciiUnitsPerRecipient, 4);
    assert.equal(
      estimate.run.taskBodyBytes,
      estimate.input.taskHeadBytes + 10 * (estimate.input.taskRecipientBytes + 4 * 5),
    );
  });

  it('answers --help with the options and exit code 0', async () => {
    const { code, out } = await run('--help');
    assert.equal(code, 0);
    assert.match(out, /--runs-per-day N/);
  });

  it("a switch's flag says in --help what giving it does, not what the field is", async () => {
    const { out } = await run('--help');
    const lineOf = (name: string) => out.split('\n').find((text) => text.startsWith(`    --${name} `)) ?? '';
    assert.match(lineOf('no-ledger'), /^ {4}--no-ledger +without the ledger and run counters/);
    assert.doesNotMatch(lineOf('no-ledger'), /default on/);
  });

  it('has a flag for each field the input schema gives one: in --help, setting that field', async () => {
    const flagged = COST_FIELDS.filter((field) => field.meta.flag !== undefined);
    assert.ok(flagged.length >= 30, `${flagged.length} flags`);
    const { out: help } = await run('--help');
    for (const field of flagged) {
      const line = help.split('\n').find((text) => text.startsWith(`    --${field.meta.flag?.name} `));
      assert.ok(line, `--${field.meta.flag?.name} is in the help`);
    }
    const { code, out } = await run('--sender-ms-per-task', '3', '--worker-instances', '2', '--json');
    assert.equal(code, 0);
    const estimate = JSON.parse(out) as CostEstimate;
    assert.equal(estimate.input.durations.senderMsPerTask, 3);
    assert.equal(estimate.input.durations.senderMsPerNotification, DEFAULT_INPUT.durations.senderMsPerNotification);
    assert.equal(estimate.input.worker.instances, 2);
  });

  it("a flag and the model refuse the same values: above a number field's maximum, both name the field", async () => {
    let checked = 0;
    for (const field of COST_FIELDS) {
      if (field.meta.kind !== 'number' || field.meta.range.max === undefined || !field.meta.flag) continue;
      checked++;
      const over = field.meta.range.max + 1;
      const { code, err } = await run(`--${field.meta.flag.name}`, String(over));
      assert.equal(code, 2, field.path);
      assert.match(err, new RegExp(`--${field.meta.flag.name} must be`));
      const [group, key] = field.path.split('.');
      const overrides = key === undefined ? { [field.path]: over } : { [group as string]: { [key]: over } };
      assert.throws(() => estimateMonthlyCost(overrides), new RegExp(`^CostInputError: ${field.path} must be at most`));
    }
    assert.ok(checked >= 20, `${checked} number flags with a maximum`);
  });

  it('rejects a bad value with exit code 2 and names the flag', async () => {
    for (const [argv, pattern] of [
      [['--audience', '10x'], /--audience must be a whole number/],
      [['--runs-per-day', '0'], /--runs-per-day must be a whole number from 1 to 1440/],
      [['--latency-ms=-5'], /--latency-ms must be a number from 0/],
      [['--region', 'mars-1'], /--region must be one of us-east-1, eu-west-1/],
      [['--arch', 'sparc'], /--arch must be one of arm64, x86_64/],
      [['--max-concurrency', '1'], /--max-concurrency must be a whole number from 2 to 1000/],
      [['--recipients-per-task', '51'], /--recipients-per-task must be a whole number from 1 to 50/],
      [['--non-ascii=-1'], /--non-ascii must be a number from 0/],
      [['--rate', '0.0005'], /--rate must be a number from 0.001 to 10000, got "0.0005"/],
      [['--planner-timeout', '901'], /--planner-timeout must be a whole number from 30 to 900 \(Lambda's limit\)/],
      [['--recipients-per-message', '5'], /Unknown option '--recipients-per-message'/],
      [
        ['--planner-timeout', '30', '--planner-ms-per-1000', '20000'],
        /--planner-timeout: plannerTimeoutSeconds of 30 s/,
      ],
      [
        ['--audience', '100', '--page-size', '10000', '--planner-timeout', '30', '--planner-ms-per-1000', '5000'],
        /--planner-timeout: plannerTimeoutSeconds of 30 s leaves no time for one page of 10000 rows \(50000 ms\)/,
      ],
      [['--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const { code, err } = await run(...argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(err, pattern);
    }
  });
});
