import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { pauseKey } from '../handlers/aws/config-store.js';
import { createLedger } from '../handlers/aws/ledger/index.js';
import type { RunEndedDetail } from '../handlers/core/run-end.js';
import { runIdFor } from '../handlers/core/run-id.js';
import type { CapturedEvent } from '../tools/local/event-bus.js';
import { startPoller } from '../tools/local/poller.js';
import { graphError } from '../tools/local/sandbox-reply.js';
import type { WatchedJobs } from '../tools/local/stack.js';
import { type Harness, messengerJob, seedAudience, startHarness, waitFor } from './support/harness.js';

// A run's end and its end-of-run event through the shipped bundles (docs/adr/0014-run-alarms-and-end-of-run-event.md):
// the sender that adds a run's last count ends it; the planner's watch ends the runs nobody else can and publishes
// what a crashed publisher left pending; the local bus captures PutEvents.

/** The deadlines the module's watch schedule would send for the job: overdue after a minute, ended after an hour. */
const deadlines = (job: string): WatchedJobs => ({ [job]: { overdueAfterSeconds: 60, endAfterSeconds: 3600 } });

/** A tick `ago` milliseconds back, on a whole second (run ids drop the milliseconds). */
const tickAgo = (ago: number) => new Date(Math.floor((Date.now() - ago) / 1000) * 1000).toISOString();

/** The EMF values of `metric` the handlers emitted for `job`. */
function emitted(logs: readonly string[], metric: string, job: string): number[] {
  return logs
    .filter((line) => line.includes('"_aws"') && line.includes(`"${metric}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((document) => document.Job === job)
    .flatMap((document) => [document[metric]].flat() as number[]);
}

const eventsOf = (events: readonly CapturedEvent[], runId: string) =>
  events.filter((event) => (event.detail as RunEndedDetail).runId === runId);

describe('the end of a run and its end-of-run event', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ extraEnv: { NOTIFIER_CONFIG_CACHE_MS: '200' } });
  });
  after(async () => harness.stop());

  /** Plans `job` at `scheduledTime` from an audience of `count`, then delivers until `done` says so. */
  async function deliver(options: {
    job: string;
    scheduledTime: string;
    count: number;
    done: (runId: string) => Promise<boolean>;
  }): Promise<string> {
    const { stack, sandbox } = harness;
    const database = await seedAudience(options.count);
    // These runs are about how a run ends: a recipient one test blocks must not be suppressed for the next test's job.
    const job = { id: options.job, suppressionList: false };
    for (const item of messengerJob(database, sandbox.baseUrl, job)) await stack.putConfig(item);
    const planned = await stack.tick(options.job, options.scheduledTime);
    assert.deepEqual(
      planned.map((outcome) => (outcome.ok ? outcome.result.status : outcome.error.message)),
      ['enqueued'],
    );
    const runId = runIdFor(options.job, options.scheduledTime);
    const poller = startPoller(stack.sqs, await stack.loadSender(), {
      queueUrl: stack.queues.queueUrl,
      batchSize: 10,
      maximumConcurrency: 2,
      functionTimeoutMs: 30_000,
    });
    try {
      await waitFor(`run ${runId}`, async () => ((await options.done(runId)) ? true : undefined));
    } finally {
      await poller.stop();
    }
    return runId;
  }

  it('a run that fails most of its audience ends completed, over the failed-share threshold, and says so', async () => {
    const { stack, sandbox, logs } = harness;
    const job = `mostly-failed-${randomUUID().slice(0, 6)}`;
    // Four in five recipients blocked the Page (Graph 551, permanent): a template or token gone wrong looks alike.
    sandbox.inject((request) =>
      Number(request.recipientId?.slice('psid-'.length)) % 5 === 0
        ? undefined
        : graphError(551, "This person isn't available right now."),
    );
    const ledger = createLedger({ table: stack.names.ledger });
    let runId: string;
    try {
      runId = await deliver({
        job,
        scheduledTime: tickAgo(0),
        count: 100,
        done: async (id) => eventsOf(stack.eventBus.capture.events, id).length > 0,
      });
    } finally {
      sandbox.inject(undefined);
    }
    const [event] = eventsOf(stack.eventBus.capture.events, runId);
    assert.ok(event, 'the end-of-run event reached the bus');
    const detail = event.detail as RunEndedDetail;
    assert.equal(event.source, 'notifier');
    assert.equal(event.detailType, 'Notifier Run Ended');
    assert.equal(event.bus, stack.eventBus.name);
    // 90 opted in (every tenth opted out); of them 5, 15, ..., 95 (10) accepted, 80 blocked.
    assert.deepEqual(
      { ...detail, endedAt: typeof detail.endedAt },
      {
        eventId: detail.runId,
        runId: detail.runId,
        job,
        scheduledTime: detail.scheduledTime,
        ending: 'completed',
        cause: 'every planned recipient has an outcome (88.89 % failed)',
        endedAt: 'string',
        counts: { planned: 90, enqueued: 90, sent: 10, skipped: 0, failed: 80, open: 0 },
        failedPercent: 88.89,
      },
    );
    assert.ok(Date.parse(detail.endedAt) >= Date.parse(detail.scheduledTime));
    // The failed-share alarm reads RunFailedPercent's maximum against the job's threshold (10 % by default).
    assert.ok(
      emitted(logs, 'RunFailedPercent', job).some((value) => value > 10),
      'RunFailedPercent above 10 %',
    );
    const run = await ledger.runs.get(detail.runId);
    assert.equal(run?.end?.ending, 'completed');
    assert.equal(run?.eventPending, undefined, 'the event is no longer pending once published');
    assert.equal(eventsOf(stack.eventBus.capture.events, detail.runId).length, 1, 'one event');
  });

  it('a run still open past its deadline counts as overdue; one within it does not', async () => {
    const { stack, logs } = harness;
    const job = `overdue-${randomUUID().slice(0, 6)}`;
    const database = await seedAudience(20);
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: job })) await stack.putConfig(item);
    // Planned ten minutes ago, overdue after one: nobody sends its tasks.
    await stack.tick(job, tickAgo(10 * 60_000));
    const [watched] = await stack.watch(deadlines(job));
    assert.ok(watched?.ok && watched.result.status === 'watched', 'the watch ran');
    assert.equal(watched.result.status === 'watched' && watched.result.overdue, 1);
    assert.deepEqual(emitted(logs, 'RunsOverdue', job), [1], 'RunsOverdue: one overdue run of the job');
    const heartbeats = logs.filter((line) => line.includes('"RunWatches":1'));
    assert.ok(heartbeats.length > 0, 'the watch emits its heartbeat');
    assert.deepEqual(
      (JSON.parse(heartbeats.at(-1) as string) as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } })._aws
        .CloudWatchMetrics[0]?.Dimensions,
      [['Service']],
      'the heartbeat in the dimension set the watch-missing alarm reads',
    );

    const fresh = `fresh-${randomUUID().slice(0, 6)}`;
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: fresh })) await stack.putConfig(item);
    await stack.tick(fresh, tickAgo(0));
    await stack.watch(deadlines(fresh));
    assert.deepEqual(
      emitted(logs, 'RunsOverdue', fresh),
      [0],
      'a run within its deadline is not overdue: 0, not missing',
    );
    assert.equal(
      stack.eventBus.capture.events.filter((event) => (event.detail as RunEndedDetail).job === job).length,
      0,
      'an overdue run has not ended',
    );
  });

  it('a run halted by a fatal channel is ended as halted once past its end, with the cause', async () => {
    const { stack, sandbox } = harness;
    const job = `fatal-${randomUUID().slice(0, 6)}`;
    const ledger = createLedger({ table: stack.names.ledger });
    // The Page token was revoked: Graph answers 190 to every send, and the sender halts the job.
    sandbox.setAccessToken('EAAB-a-token-that-is-no-longer-the-page-s');
    const scheduledTime = tickAgo(90 * 60_000);
    try {
      await deliver({
        job,
        scheduledTime,
        count: 30,
        done: async (runId) => !!(await ledger.runs.get(runId))?.halted,
      });
    } finally {
      sandbox.setAccessToken('EAAB-sandbox-page-token-0123456789abcdef');
    }
    const [watched] = await stack.watch(deadlines(job));
    assert.ok(watched?.ok && watched.result.status === 'watched' && watched.result.ended === 1);
    const [event] = eventsOf(stack.eventBus.capture.events, runIdFor(job, scheduledTime));
    const detail = event?.detail as RunEndedDetail;
    assert.equal(detail.ending, 'halted');
    assert.match(detail.cause, /^a fatal channel error: .+; 27 of 27 planned recipients without an outcome 1 h after/);
    assert.deepEqual(detail.counts, { planned: 27, enqueued: 27, sent: 0, skipped: 0, failed: 0, open: 27 });
  });

  it('a run whose job stays paused past its end is ended as expired-while-paused', async () => {
    const { stack, sandbox } = harness;
    const job = `paused-${randomUUID().slice(0, 6)}`;
    const database = await seedAudience(20);
    for (const item of messengerJob(database, sandbox.baseUrl, { id: job })) await stack.putConfig(item);
    const scheduledTime = tickAgo(90 * 60_000);
    await stack.tick(job, scheduledTime);
    await stack.dynamo.send(
      new PutItemCommand({
        TableName: stack.names.config,
        Item: { pk: { S: pauseKey(job) }, job: { S: job }, pausedAt: { S: new Date().toISOString() } },
      }),
    );
    const [watched] = await stack.watch(deadlines(job));
    assert.ok(watched?.ok && watched.result.status === 'watched' && watched.result.ended === 1);
    const [event] = eventsOf(stack.eventBus.capture.events, runIdFor(job, scheduledTime));
    const detail = event?.detail as RunEndedDetail;
    assert.equal(detail.ending, 'expired-while-paused');
    assert.equal(
      detail.cause,
      'the job is paused (notifier pause); 18 of 18 planned recipients without an outcome 1 h after the tick',
    );
    assert.equal(detail.counts.open, 18);
  });

  it('a lost PutEvents answer publishes the event again under the same event id', async () => {
    const { stack } = harness;
    const job = `lost-answer-${randomUUID().slice(0, 6)}`;
    // Only this job's event: the runs other tests left in the queue end here too.
    const ofJob = (event: CapturedEvent) => (event.detail as RunEndedDetail).job === job;
    stack.eventBus.capture.inject('lose-answer', 1, ofJob);
    const ledger = createLedger({ table: stack.names.ledger });
    const runId = await deliver({
      job,
      scheduledTime: tickAgo(0),
      count: 20,
      done: async (id) => eventsOf(stack.eventBus.capture.events, id).length > 0,
    });
    const published = await waitFor('the retried PutEvents', () => {
      const events = eventsOf(stack.eventBus.capture.events, runId);
      return events.length >= 2 ? events : undefined;
    });
    assert.deepEqual(
      published.map((event) => (event.detail as RunEndedDetail).eventId),
      [runId, runId],
      'at least once, each copy with the run id as its event id',
    );
    assert.equal((await ledger.runs.get(runId))?.eventPending, undefined);
  });

  it('an end whose publisher died before PutEvents is published by the next watch, once', async () => {
    const { stack } = harness;
    const job = `crashed-${randomUUID().slice(0, 6)}`;
    const ledger = createLedger({ table: stack.names.ledger });
    // Every PutEvents attempt of the sender that ends the run fails: its end is written, its event left pending,
    // as when the sender dies right after the end's write.
    stack.eventBus.capture.inject('refuse', 3, (event) => (event.detail as RunEndedDetail).job === job);
    const runId = await deliver({
      job,
      scheduledTime: tickAgo(0),
      count: 20,
      done: async (id) => (await ledger.runs.get(id))?.end !== undefined,
    });
    const run = await ledger.runs.get(runId);
    assert.ok(run?.end && run.eventPending, 'ended, with its event pending');
    assert.equal(eventsOf(stack.eventBus.capture.events, run.runId).length, 0, 'nothing reached the bus');

    // The watch leaves a fresh end to its publisher for a minute: this end is dated a minute back.
    await ledger.table.update(
      { pk: `run#${run.runId}`, sk: 'run' },
      {
        UpdateExpression: 'SET endedAt = :at, eventPending = :pending',
        ExpressionAttributeValues: {
          ':at': { S: new Date(Date.now() - 61_000).toISOString() },
          ':pending': { BOOL: true },
        },
      },
    );
    const [watched] = await stack.watch(deadlines(job));
    assert.ok(watched?.ok && watched.result.status === 'watched' && watched.result.published === 1);
    const events = eventsOf(stack.eventBus.capture.events, run.runId);
    assert.equal(events.length, 1);
    assert.equal((events[0]?.detail as RunEndedDetail | undefined)?.ending, 'completed');
    assert.equal((await ledger.runs.get(run.runId))?.eventPending, undefined, 'no longer pending');

    await stack.watch(deadlines(job));
    assert.equal(eventsOf(stack.eventBus.capture.events, run.runId).length, 1, 'a later watch publishes nothing more');
  });
});
