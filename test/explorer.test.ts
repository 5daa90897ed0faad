/**
 * The fault explorer (test/support/explorer/): the real planner, sender and ledger code against an in-process
 * DynamoDB (dynalite), an in-memory SQS, providers with tails, and Lambda's deadlines, on virtual time, under faults
 * drawn from each schedule's seed. Every schedule ends with the invariants of test/support/explorer/invariants.ts.
 *
 * A failing seed replays alone: `npm run soak -- --schedules 1 --seed <seed> --verbose`.
 *
 * The known cases below are targeted schedules, one fault each, that the seeded sweep once found: each asserts what
 * the fault used to break (docs/adr/0009-retry-safe-writes.md).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as known from './support/explorer/known-cases.js';
import { runSchedule } from './support/explorer/runner.js';

/** The full sweep; the unit tier (npm run test:unit) runs fewer with NOTIFIER_EXPLORER_SCHEDULES. */
const SCHEDULES = Number(process.env.NOTIFIER_EXPLORER_SCHEDULES ?? 300);
const FIRST_SEED = 1;
/** Schedules per test: each test has the runner's own time limit, and a loaded machine runs them slower. */
const CHUNK = 50;

describe('fault explorer: seeded schedules over the real handlers', () => {
  for (let from = FIRST_SEED; from < FIRST_SEED + SCHEDULES; from += CHUNK) {
    const to = Math.min(FIRST_SEED + SCHEDULES, from + CHUNK) - 1;
    it(`schedules of seeds ${from} to ${to} keep every invariant`, async (t) => {
      const failing: string[] = [];
      for (let seed = from; seed <= to; seed++) {
        const report = await runSchedule(seed);
        if (report.violations.length === 0) continue;
        const first = report.violations[0];
        failing.push(
          `seed ${seed} (npm run soak -- --schedules 1 --seed ${seed}): ${report.violations.length} violation(s), ` +
            `first of invariant ${first?.invariant}: ${first?.message.slice(0, 300)}`,
        );
      }
      for (const line of failing) t.diagnostic(line);
      assert.deepEqual(failing, [], `${failing.length} of ${to - from + 1} schedules broke an invariant`);
    });
  }
});

describe('known cases: one fault each, as the sweep found them', () => {
  it('(a1) a lease acquire whose answer is lost: the retry knows its own lease and the run is enqueued', async () => {
    const report = await known.lostLeaseAcquire(1);
    assert.deepEqual(report.violations, []);
  });

  it('(a2) a checkpoint whose answer is lost: the retry does not add the counters twice', async () => {
    const report = await known.lostCheckpoint(1);
    assert.deepEqual(report.violations, []);
  });

  it('(a3) a record handing the claim back whose answer is lost: its outcomes are counted', async () => {
    const report = await known.lostRecordRelease(1);
    assert.deepEqual(report.violations, []);
  });

  it('(a4) a group claim whose answer is lost: the retry knows its own claim and sends the group at once', async () => {
    const report = await known.lostGroupClaim(1);
    assert.deepEqual(report.violations, []);
    const late = report.world.acceptances.filter(
      (entry) => entry.at - report.world.spec.start >= report.world.spec.queue.visibilityMs,
    );
    assert.deepEqual(late, [], 'no recipient waits a visibility timeout for its own sender');
  });

  it('(b) a 5/s channel with parallelism 50: no pacer wait outlives the invocation, no duplicate', async () => {
    const report = await known.slowPacerPastDeadline(1);
    assert.equal(known.deadlineKills(report).length, 0, 'no sender invocation runs past its timeout');
    assert.deepEqual(report.violations, []);
  });

  it('(c) a slow and a healthy channel in one batch: the healthy channel is not starved', async () => {
    const report = await known.slowAndHealthyChannels(1);
    const { spec } = report.world;
    const healthy = spec.jobs[1]?.audience ?? [];
    const firstEnd = (spec.sender.startDelayMs ?? 0) + spec.sender.timeoutMs;
    const acceptedInTime = new Set(
      report.world.acceptances
        .filter((entry) => entry.at - spec.start < firstEnd)
        .map((entry) => entry.key.slice(entry.key.indexOf('/') + 1)),
    );
    assert.deepEqual(
      healthy.filter((recipient) => !acceptedInTime.has(recipient)),
      [],
      'every recipient of the healthy channel is delivered by the first invocation',
    );
    assert.equal(report.world.queue.dlq.length, 0, 'nothing reaches the DLQ');
    assert.deepEqual(report.violations, []);
  });

  it('(d) after a halt, a group with nobody to probe gives the probe back: later groups are sent', async () => {
    const report = await known.probeWithNobodyToProbe(1);
    assert.deepEqual(
      report.senders.invocations.map((invocation) => invocation.outcome).filter((outcome) => outcome !== 'ok'),
      [],
      'every sender invocation returns before its timeout',
    );
  });
});
