import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costCommand } from '../handlers/cli/cost.js';
import { type CostEstimate, type CostOverrides, estimateMonthlyCost, lambdaGbSeconds, sqsBilledRequests, TARGET_USD_PER_MILLION, writeUnits } from '../handlers/cost/model.js';
import { PRICES } from '../handlers/cost/prices.js';

/** One run on one day, no idle polling, no pacing, durations set by hand: every number below is computed on paper. */
const PAPER: CostOverrides = {
  runsPerDay: 1,
  daysPerMonth: 1,
  sqsIdlePollers: 0,
  channelRatePerSecond: 10_000,
  latencyMs: 0,
  taskBodyBytes: 123,
  durations: { plannerMsPer1000: 100, plannerInitMs: 0, senderOverheadMsPerBatch: 10, senderMsPerNotification: 0, senderInitMs: 0 },
};

const lineOf = (estimate: CostEstimate, start: string) => {
  const found = estimate.lines.find((entry) => entry.item.startsWith(start));
  assert.ok(found, `no line starting "${start}" in ${estimate.lines.map((entry) => entry.item).join(' | ')}`);
  return found;
};
const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);

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
    close(lambdaGbSeconds(100.2, 256), 0.101 * 0.25, '100.2 ms at 256 MB');
    close(lambdaGbSeconds(1, 128), 0.001 * 0.125, '1 ms at 128 MB');
    close(lambdaGbSeconds(400, 512), 0.2, '400 ms at 512 MB');
  });

  it('DynamoDB bills a write per started KB', () => {
    assert.equal(writeUnits(228), 1);
    assert.equal(writeUnits(1024), 1);
    assert.equal(writeUnits(1025), 2);
  });

  it('1,000 recipients of 123-byte tasks are 100 SendMessageBatch, 100 ReceiveMessage and 100 DeleteMessageBatch requests', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000 });
    assert.deepEqual(estimate.run.sqs, { sendCalls: 100, sendRequests: 100, receiveCalls: 100, receiveRequests: 100, deleteCalls: 100, deleteRequests: 100 });
    close(lineOf(estimate, 'SendMessageBatch').usd, (100 / 1e6) * 0.4, 'send cost');
    assert.equal(lineOf(estimate, 'empty long polls').quantity, 0);
  });

  it('10 KB tasks make each call of 10 messages two billed requests (100 KB in two 64 KB chunks)', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, taskBodyBytes: 10_000 });
    // send: 10 x 10,000 B = 100,000 B -> 2; receive: 10 x (10,000 + 600) B = 106,000 B -> 2; delete: receipt handles only -> 1
    assert.deepEqual(estimate.run.sqs, { sendCalls: 100, sendRequests: 200, receiveCalls: 100, receiveRequests: 200, deleteCalls: 100, deleteRequests: 100 });
  });

  it('a partial page and a partial batch are calls of their own', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1005 });
    assert.equal(estimate.run.pages, 2);
    assert.equal(estimate.run.sqs.sendCalls, 101);
    assert.equal(estimate.run.senderBatches, 101);
    assert.equal(estimate.run.sqs.receiveCalls, 101);
  });

  it('an idle event source mapping long-polls: 5 pollers, one empty receive each 20 s', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, sqsIdlePollers: 5, daysPerMonth: 30 });
    const idleSeconds = 30 * 86_400 - 30 * estimate.run.sendSeconds;
    assert.equal(lineOf(estimate, 'empty long polls').quantity, Math.round((idleSeconds / 20) * 5));
  });

  it('the sender bills each batch rounded up to the millisecond: 10 batches of 10.3 ms at 256 MB are 110 ms, 0.0275 GB-s', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 100, durations: { ...PAPER.durations, senderOverheadMsPerBatch: 10.3 } });
    assert.equal(estimate.run.senderBatches, 10);
    assert.equal(estimate.run.senderBilledMs, 110);
    close(lineOf(estimate, 'sender compute').quantity, 0.0275, 'sender GB-s');
    close(lineOf(estimate, 'sender compute').usd, 0.0275 * PRICES['us-east-1']!.lambda.gbSecond.arm64.usd, 'sender compute cost');
    close(lineOf(estimate, 'sender requests').quantity, 10, 'sender requests');
  });

  it('a batch waits for its slowest wave of sends: overhead + notifications x cost + waves x latency', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, latencyMs: 150, durations: { ...PAPER.durations, senderOverheadMsPerBatch: 20, senderMsPerNotification: 5 } });
    assert.equal(estimate.run.latencyBoundMsPerBatch, 20 + 10 * 5 + 150);
    assert.equal(estimate.run.pacingBound, false);
    const wide = estimateMonthlyCost({ ...PAPER, audience: 1000, senderBatchSize: 25, latencyMs: 150, durations: { ...PAPER.durations, senderOverheadMsPerBatch: 20, senderMsPerNotification: 5 } });
    assert.equal(wide.run.latencyBoundMsPerBatch, 20 + 25 * 5 + 3 * 150, '25 deliveries in 10 lanes are 3 waves');
  });

  it('with the channel rate shared by 10 senders, a batch of 10 at 250/s is paced to 400 ms', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 10_000, channelRatePerSecond: 250, senderMaximumConcurrency: 10 });
    assert.equal(estimate.run.pacedMsPerBatch, 400);
    assert.equal(estimate.run.pacingBound, true);
    assert.equal(estimate.run.senderBilledMs, 1000 * 400);
    assert.equal(estimate.run.sendSeconds, 40);
    assert.equal(estimate.run.notificationsPerSecond, 250);
  });

  it('the ledger costs a claim and an outcome per recipient, two counter updates per batch (each also in the by-job index), and the planner run item', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000 });
    assert.equal(lineOf(estimate, 'delivery ledger').quantity, 2000);
    assert.equal(lineOf(estimate, 'run counters').quantity, 100 * 2 * 2);
    // acquireRun, one saveProgress (one page), finishRun: each written to the table and the index
    assert.equal(lineOf(estimate, 'planner run item').quantity, 3 * 2);
    close(lineOf(estimate, 'delivery ledger').usd, (2000 / 1e6) * 0.625, 'claim + outcome cost at the November 2024 price');
    const withoutIndex = estimateMonthlyCost({ ...PAPER, audience: 1000, ledgerIndexWrites: false });
    assert.equal(lineOf(withoutIndex, 'run counters').quantity, 200);
  });

  it('without the ledger only the planner run item is written, and nothing is stored', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, ledger: false });
    assert.equal(estimate.lines.some((entry) => entry.item.startsWith('delivery ledger') || entry.item.startsWith('run counters') || entry.item.startsWith('ledger storage')), false);
    assert.equal(lineOf(estimate, 'planner run item').quantity, 6);
  });

  it('config reads: the planner reads job and database once per invocation, each sender container job and channel once a minute', () => {
    // 100,000 recipients paced at 250/s over 10 senders: 400 s of sending, 7 cache periods per container
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 100_000, channelRatePerSecond: 250 });
    assert.equal(estimate.run.sendSeconds, 400);
    assert.equal(lineOf(estimate, 'config reads').quantity, 2 + 10 * 2 * 7);
  });

  it('a planner that runs out of time hands over: 100 pages of 1 s in 60 s invocations are 3 invocations (49, 49, 2 pages)', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 100_000, plannerTimeoutSeconds: 60, durations: { ...PAPER.durations, plannerMsPer1000: 1000 } });
    assert.equal(estimate.run.pagesPerPlannerInvocation, 49);
    assert.equal(estimate.run.plannerInvocations, 3);
    assert.equal(estimate.run.continuations, 2);
    assert.equal(estimate.run.plannerBilledMs, 100 * 1000);
    assert.equal(lineOf(estimate, 'planner requests').quantity, 3);
    // 3 acquireRun + 100 saveProgress + 2 releaseRun + 1 finishRun, each also written to the by-job index
    assert.equal(lineOf(estimate, 'planner run item').quantity, (3 + 100 + 2 + 1) * 2);
  });

  it('ledger storage holds every delivery item for its TTL, with DynamoDB\'s 100-byte overhead', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, runsPerDay: 2, deliveryItemBytes: 300, ledgerTtlDays: 30 });
    close(lineOf(estimate, 'ledger storage').quantity, (1000 * 2 * 30 * 400) / 1e9, 'GB-month');
  });

  it('the first 14 million scheduled invocations a month are free', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 10, runsPerDay: 1440, daysPerMonth: 31 });
    assert.equal(lineOf(estimate, 'scheduled invocations').usd, 0);
  });

  it('the always-free tier, when asked for, appears as negative lines', () => {
    const estimate = estimateMonthlyCost({ ...PAPER, audience: 1000, freeTier: true });
    const free = estimate.lines.filter((entry) => entry.item.startsWith('free tier'));
    assert.ok(free.length >= 5);
    assert.ok(free.every((entry) => entry.usd <= 0));
    close(lineOf(estimate, 'free tier: alarms').usd, -0.8, 'eight alarms fit the ten free ones');
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
    assert.throws(() => estimateMonthlyCost({ plannerTimeoutSeconds: 30, durations: { plannerMsPer1000: 20_000 } }), /plannerTimeoutSeconds of 30 s leaves no time/);
  });
});

describe('cost model: the default scenario', () => {
  const estimate = estimateMonthlyCost();

  it('is one daily run of a million recipients on the module defaults, itemised', () => {
    assert.equal(estimate.notificationsPerMonth, 30_000_000);
    assert.equal(estimate.input.architecture, 'arm64');
    assert.equal(estimate.input.ledger, true);
    for (const service of ['EventBridge Scheduler', 'Lambda', 'SQS', 'DynamoDB', 'CloudWatch']) assert.ok(estimate.lines.some((entry) => entry.service === service), `${service} is itemised`);
    close(estimate.lines.reduce((total, entry) => total + entry.usd, 0), estimate.totalUsd, 'lines add up to the total');
    close(estimate.perMillionUsd, (estimate.totalUsd / 30_000_000) * 1e6, 'cost per million');
  });

  it('reports its cost per million against the $0.75 target and the line that dominates', () => {
    // The delivery ledger does not depend on measured durations: 2 WRU per recipient at $0.625 per million.
    close(lineOf(estimate, 'delivery ledger').usd, 60_000_000 * 0.625e-6, 'claim + outcome');
    assert.equal(estimate.target.perMillionUsd, TARGET_USD_PER_MILLION);
    assert.equal(estimate.target.met, estimate.perMillionUsd <= 0.75);
    close(estimate.target.overByUsd, Math.max(0, estimate.perMillionUsd - 0.75), 'gap');
    assert.equal(estimate.dominant, estimate.lines.reduce((top, entry) => (entry.usd > top.usd ? entry : top)));
    assert.match(estimate.dominant.item, /^delivery ledger/);
  });

  it('costs less without the ledger, and less per million with ten recipients per message', () => {
    assert.ok(estimateMonthlyCost({ ledger: false }).perMillionUsd < estimate.perMillionUsd);
    assert.ok(estimateMonthlyCost({ recipientsPerMessage: 10 }).perMillionUsd < estimate.perMillionUsd);
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
    const { code, out } = await run('--audience', '1000000', '--runs-per-day', '1', '--region', 'eu-west-1', '--latency-ms', '150');
    assert.equal(code, 0);
    assert.match(out, /Europe \(Ireland\)/);
    assert.match(out, /delivery ledger: claim \+ outcome/);
    assert.match(out, /cost per million notifications: \$\d+\.\d\d/);
    assert.match(out, /always-on worker it replaces/);
  });

  it('prints the estimate as JSON with --json, without the ledger with --no-ledger', async () => {
    const { code, out } = await run('--json', '--no-ledger', '--audience', '10000');
    assert.equal(code, 0);
    const estimate = JSON.parse(out) as CostEstimate;
    assert.equal(estimate.input.ledger, false);
    assert.equal(estimate.input.audience, 10_000);
    assert.equal(typeof estimate.perMillionUsd, 'number');
  });

  it('answers --help with the options and exit code 0', async () => {
    const { code, out } = await run('--help');
    assert.equal(code, 0);
    assert.match(out, /--runs-per-day N/);
  });

  it('rejects a bad value with exit code 2 and names the flag', async () => {
    for (const [argv, pattern] of [
      [['--audience', '10x'], /--audience must be a whole number/],
      [['--runs-per-day', '0'], /--runs-per-day must be a whole number from 1 to 1440/],
      [['--latency-ms=-5'], /--latency-ms must be a number from 0/],
      [['--region', 'mars-1'], /--region must be one of us-east-1, eu-west-1/],
      [['--arch', 'sparc'], /--arch must be one of arm64, x86_64/],
      [['--max-concurrency', '1'], /--max-concurrency must be a whole number from 2 to 1000/],
      [['--planner-timeout', '30', '--planner-ms-per-1000', '20000'], /--planner-timeout: plannerTimeoutSeconds of 30 s/],
      [['--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const { code, err } = await run(...argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(err, pattern);
    }
  });
});
