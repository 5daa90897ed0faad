/**
 * The sender's claims and run tallies, one targeted world each, in the fault explorer's harness
 * (test/support/explorer/): the real planner, sender and ledger code against an in-process DynamoDB (dynalite), an
 * in-memory SQS and fake providers, on virtual time. No server, no network: part of `npm run test:unit`.
 *
 * Each world is a job of one planned recipient plus tasks the case puts on the queue itself, and ends with the
 * explorer's invariants (each recipient accepted at most once, nobody lost, counters equal to the ledger, the run
 * ends) as well as the case's own assertion.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskRecipient } from '../handlers/core/task.js';
import { NO_FAULTS, type TargetedFault } from './support/explorer/faults.js';
import { runSchedule, type ScheduleOptions } from './support/explorer/runner.js';
import { fixedWorld, SCHEDULED_TIME } from './support/explorer/spec.js';
import type { World } from './support/explorer/world.js';

const RUN_ID = `job1@${SCHEDULED_TIME.replace('.000Z', 'Z')}`;

/** A task body of job1's run, as the planner writes it: `recipients` are ids outside the planned audience. */
const task = (group: string, recipients: readonly string[]) =>
  JSON.stringify({
    v: 2,
    runId: RUN_ID,
    job: 'job1',
    group,
    recipients: recipients.map((id): TaskRecipient => ({ id, fields: { first_name: id } })),
  });

/** Sends each body at virtual time `atMs` after the start (0: before the senders start polling). */
const enqueue = (world: World, bodies: readonly string[], atMs = 0) => {
  const send = () => {
    for (const body of bodies) {
      world.registerTask(body);
      world.queue.send(body);
    }
  };
  if (atMs === 0) send();
  else setTimeout(send, atMs);
};

const schedule = (options: ScheduleOptions & { targets?: readonly TargetedFault[] }) =>
  runSchedule(1, {
    world: () => fixedWorld([{ size: 1, rate: 300, recipientsPerTask: 5 }], { startDelayMs: 1_000 }),
    profile: NO_FAULTS,
    ...options,
  });

const acceptancesOf = (world: World, recipient: string) =>
  world.acceptances.filter((entry) => entry.key === `${RUN_ID}/${recipient}`);

async function counters(world: World) {
  const run = await world.observer.runs.get(RUN_ID);
  return { sent: run?.sent, failed: run?.failed, skipped: run?.skipped };
}

describe('claims: who may send a group', () => {
  it('a claim held by a live sender is left alone: the group is sent once, after that claim ends', async () => {
    const claimEnds = 40_000;
    const report = await schedule({
      setup: async (world) => {
        const until = world.spec.start + claimEnds;
        await world.observer.groups.claim({
          runId: RUN_ID,
          group: 'g:held',
          owner: 'live',
          until,
          job: 'job1',
          recipients: 2,
        });
        enqueue(world, [task('g:held', ['x1', 'x2'])]);
      },
    });
    assert.deepEqual(report.violations, []);
    for (const recipient of ['x1', 'x2']) {
      const accepted = acceptancesOf(report.world, recipient);
      assert.equal(accepted.length, 1, `${recipient} accepted once`);
      assert.ok(
        (accepted[0]?.at ?? 0) - report.world.spec.start >= claimEnds,
        `${recipient} sent only once the live sender's claim ended`,
      );
    }
    assert.deepEqual(await counters(report.world), { sent: 3, failed: 0, skipped: 0 });
  });

  it('two copies of one task in one batch: the group is sent once, and both messages leave the queue', async () => {
    const report = await schedule({
      setup: async (world) => enqueue(world, [task('g:twice', ['x1', 'x2']), task('g:twice', ['x1', 'x2'])]),
    });
    assert.deepEqual(report.violations, []);
    const batches = report.senders.invocations.filter(
      (invocation) => invocation.received.filter((message) => message.body.includes('g:twice')).length === 2,
    );
    assert.ok(batches.length > 0, 'both copies arrive in one batch');
    for (const recipient of ['x1', 'x2']) assert.equal(acceptancesOf(report.world, recipient).length, 1);
    assert.equal(report.world.queue.depth, 0);
    assert.equal(report.world.queue.dlq.length, 0);
    assert.deepEqual(await counters(report.world), { sent: 3, failed: 0, skipped: 0 });
  });
});

describe('tallies: each outcome counted once', () => {
  it('a sender that dies before adding its counters: the next receiver counts its outcomes, once', async () => {
    const report = await schedule({
      targets: [{ label: 'counts.close', fault: 'crash-before', nth: 1, container: 'sender' }],
      setup: async (world) => enqueue(world, [task('g:orphan', ['x1', 'x2'])]),
    });
    assert.deepEqual(report.violations, []);
    assert.equal(report.world.deaths.filter((death) => death.cause === 'crash').length, 1, 'the sender died');
    for (const recipient of ['x1', 'x2']) assert.equal(acceptancesOf(report.world, recipient).length, 1);
    assert.deepEqual(await counters(report.world), { sent: 3, failed: 0, skipped: 0 });
  });

  it('a tally that cannot close returns its messages; they are counted on their next receive, not sent again', async () => {
    // Every attempt of the first sender's count write is throttled (the SDK makes five): each rule takes the first
    // attempt that no rule before it took.
    const targets = Array.from(
      { length: 5 },
      (): TargetedFault => ({ label: 'counts.close', fault: 'throttle', nth: 1, container: 'sender' }),
    );
    const report = await schedule({
      targets,
      setup: async (world) => enqueue(world, [task('g:uncounted', ['x1', 'x2'])]),
    });
    assert.deepEqual(report.violations, []);
    assert.equal(report.faults.get('dynamo.throttle:counts.close'), 5, 'the count write failed');
    const received = report.senders.invocations.flatMap((invocation) =>
      invocation.received.filter((message) => message.body.includes('g:uncounted')),
    );
    assert.ok(received.length >= 2, `the message came back (received ${received.length} times)`);
    for (const recipient of ['x1', 'x2']) assert.equal(acceptancesOf(report.world, recipient).length, 1);
    assert.deepEqual(await counters(report.world), { sent: 3, failed: 0, skipped: 0 });
  });
});
