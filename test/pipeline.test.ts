import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLedger } from '../handlers/aws/ledger/index.js';
import { startPoller } from '../handlers/local/poller.js';
import { messengerJob, seedAudience, startHarness, waitFor, type Harness } from './support/harness.js';

describe('pipeline: planner → queue → sender → Graph API', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => harness.stop());

  it('delivers every opted-in recipient exactly once and the run counters add up', async () => {
    const { stack, sandbox } = harness;
    const database = await seedAudience(250);
    for (const item of messengerJob(database, sandbox.baseUrl)) await stack.putConfig(item);
    const outcomes = await stack.tick('daily', '2026-11-28T08:00:00Z');
    assert.deepEqual(outcomes.map((outcome) => (outcome.ok ? outcome.result.status : outcome.error.message)), ['enqueued']);

    const sender = await stack.loadSender();
    const poller = startPoller(stack.sqs, sender, { queueUrl: stack.queues.queueUrl, batchSize: 10, maximumConcurrency: 3, functionTimeoutMs: 30_000 });
    await waitFor('all deliveries', () => (sandbox.deliveries.length >= 225 ? true : undefined));
    const ledger = createLedger({ table: stack.names.ledger });
    const run = await waitFor('run counters', async () => {
      const current = await ledger.runs.get('daily@2026-11-28T08:00:00Z');
      return current && current.sent === 225 ? current : undefined;
    });
    await poller.stop();

    const recipients = sandbox.deliveries.map((delivery) => delivery.recipientId);
    assert.equal(new Set(recipients).size, 225, 'no recipient twice');
    assert.equal(recipients.length, 225);
    assert.ok(!recipients.includes('psid-10'), 'opted-out users are not in the audience');
    assert.equal(sandbox.deliveries.find((delivery) => delivery.recipientId === 'psid-7')?.text, 'Hello User7, your digest is ready');
    assert.equal(run.status, 'enqueued');
    assert.deepEqual({ planned: run.planned, enqueued: run.enqueued, sent: run.sent, failed: run.failed, skipped: run.skipped }, { planned: 225, enqueued: 225, sent: 225, failed: 0, skipped: 0 });
  });
});
