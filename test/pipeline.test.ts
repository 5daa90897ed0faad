import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createLedger } from '../handlers/aws/ledger/index.js';
import { startPoller } from '../tools/local/poller.js';
import { type Harness, messengerJob, seedAudience, startHarness, waitFor } from './support/harness.js';
import { HOSTILE_NAMES } from './support/hostile.js';

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
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.ok ? outcome.result.status : outcome.error.message)),
      ['enqueued'],
    );

    const sender = await stack.loadSender();
    const poller = startPoller(stack.sqs, sender, {
      queueUrl: stack.queues.queueUrl,
      batchSize: 10,
      maximumConcurrency: 3,
      functionTimeoutMs: 30_000,
    });
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
    assert.equal(
      sandbox.deliveries.find((delivery) => delivery.recipientId === 'psid-7')?.text,
      'Hello User7, your digest is ready',
    );
    assert.equal(run.status, 'enqueued');
    assert.deepEqual(
      { planned: run.planned, enqueued: run.enqueued, sent: run.sent, failed: run.failed, skipped: run.skipped },
      { planned: 225, enqueued: 225, sent: 225, failed: 0, skipped: 0 },
    );
  });

  it('a hostile audience is delivered whole: each recipient once, the text exactly what the template says', async () => {
    const { stack, sandbox } = harness;
    const database = await seedAudience(120);
    // Every third name is hostile (astral characters, U+FFFE/U+FFFF, controls, RTL marks, quotes, backslashes,
    // template syntax, 300+ characters), every seventh NULL; the recipients are told apart from the other test's.
    const names = new Map<number, string | null>();
    for (let id = 1; id <= 120; id++)
      names.set(
        id,
        id % 7 === 0 ? null : id % 3 === 0 ? (HOSTILE_NAMES[(id / 3) % HOSTILE_NAMES.length] as string) : `User${id}`,
      );
    const client = new pg.Client({ ...database });
    await client.connect();
    try {
      await client.query("UPDATE users SET psid = 'h-' || id");
      for (const [id, name] of names) await client.query('UPDATE users SET first_name = $2 WHERE id = $1', [id, name]);
    } finally {
      await client.end();
    }
    const template = { text: 'Hi {{first_name | "friend"}} ({{ psid }}), "{{first_name|"\\{{x}}"}}" is ready' };
    for (const item of messengerJob(database, sandbox.baseUrl, { id: 'hostile', template, pageSize: 40 }))
      await stack.putConfig(item);
    const outcomes = await stack.tick('hostile', '2026-11-28T09:00:00Z');
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.ok ? outcome.result.status : outcome.error.message)),
      ['enqueued'],
    );

    // Computed from the seeded rows, not by the renderer: a NULL name takes each placeholder's fallback.
    const expected = new Map(
      [...names]
        .filter(([id]) => id % 10 !== 0)
        .map(([id, name]) => [`h-${id}`, `Hi ${name ?? 'friend'} (h-${id}), "${name ?? '{{x}}'}" is ready`]),
    );
    assert.equal(expected.size, 108);
    assert.ok(
      [...expected.values()].some((text) => text.includes('🚀')) &&
        [...expected.values()].some((text) => text.includes('\uFFFF')),
    );

    const sender = await stack.loadSender();
    const poller = startPoller(stack.sqs, sender, {
      queueUrl: stack.queues.queueUrl,
      batchSize: 10,
      maximumConcurrency: 3,
      functionTimeoutMs: 30_000,
    });
    const ledger = createLedger({ table: stack.names.ledger });
    const run = await waitFor('run counters', async () => {
      const current = await ledger.runs.get('hostile@2026-11-28T09:00:00Z');
      return current && current.sent + current.failed >= 108 ? current : undefined;
    });
    await poller.stop();

    const received = sandbox.deliveries.filter((delivery) => delivery.recipientId.startsWith('h-'));
    assert.equal(received.length, 108, 'each recipient once');
    assert.deepEqual(new Map(received.map((delivery) => [delivery.recipientId, delivery.text])), expected);
    assert.deepEqual(
      { planned: run.planned, enqueued: run.enqueued, sent: run.sent, failed: run.failed, skipped: run.skipped },
      { planned: 108, enqueued: 108, sent: 108, failed: 0, skipped: 0 },
    );
  });
});
