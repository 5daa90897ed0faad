import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { collectOutcomes, createLedger, type Ledger } from '../handlers/aws/ledger/index.js';
import { runKey } from '../handlers/aws/ledger/keys.js';
import { enqueueAll } from '../handlers/aws/queue.js';
import { Semaphore } from '../handlers/core/limiter.js';
import { parseTask } from '../handlers/core/task.js';
import { startPglite } from '../tools/local/postgres.js';
import { onEndpoint, queueDepth } from '../tools/local/sqs.js';
import { type Harness, messengerJob, seedAudience, startHarness, waitFor } from './support/harness.js';
import { startFailingSqsProxy } from './support/sqs-proxy.js';

/** Empties the queue, returning every recipient of every task body: what the senders would deliver to. */
async function drain(harness: Harness): Promise<{ recipientId: string; runId: string; group: string }[]> {
  const bodies: { recipientId: string; runId: string; group: string }[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await harness.stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: harness.stack.queues.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
      }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    for (const message of Messages) {
      const parsed = parseTask(message.Body ?? '');
      assert.ok(parsed.ok, `the planner enqueued a valid task: ${message.Body?.slice(0, 200)}`);
      bodies.push(
        ...parsed.task.recipients.map((recipient) => ({
          recipientId: recipient.id,
          runId: parsed.task.runId,
          group: parsed.task.group,
        })),
      );
    }
    await harness.stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: harness.stack.queues.queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle as string,
        })),
      }),
    );
  }
  return bodies;
}

const statuses = (outcomes: Awaited<ReturnType<Harness['stack']['tick']>>) =>
  outcomes.map((outcome) => (outcome.ok ? outcome.result.status : `error: ${outcome.error.message}`));

describe('planner', () => {
  let harness: Harness;
  let ledger: Ledger;
  before(async () => {
    harness = await startHarness({ plannerTimeoutMs: 10_400 });
    ledger = createLedger({ table: harness.stack.names.ledger });
  });
  after(async () => harness.stop());

  it('hands a large audience to continuations that resume from the cursor: each recipient once', async () => {
    const database = await seedAudience(2_000);
    // Each page query sleeps 40 ms in PostgreSQL, so 18 pages outlast the 400 ms this planner has before it must
    // hand over, on any machine.
    const audience = {
      sql: 'SELECT id, psid, first_name FROM users, pg_sleep(0.04) WHERE opted_in = $1',
      params: [true],
      idColumn: 'id',
      recipientColumn: 'psid',
    };
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { pageSize: 100, audience }))
      await harness.stack.putConfig(item);
    const outcomes = await harness.stack.tick('daily', '2026-11-28T06:00:00Z');
    const kinds = statuses(outcomes);
    assert.ok(
      kinds.filter((kind) => kind === 'continued').length >= 1,
      `expected continuations, got ${kinds.join(', ')}`,
    );
    assert.equal(kinds.at(-1), 'enqueued');
    const tasks = await drain(harness);
    assert.equal(tasks.length, 1_800);
    assert.equal(new Set(tasks.map((task) => task.recipientId)).size, 1_800);
    const run = await ledger.runs.get('daily@2026-11-28T06:00:00Z');
    assert.deepEqual([run?.status, run?.planned, run?.enqueued], ['enqueued', 1_800, 1_800]);
    assert.ok(harness.logs.some((line) => line.includes('"Continuations"')));
  });

  it('a repeated tick, sequential or concurrent, neither double-enqueues nor double-counts', async () => {
    const database = await seedAudience(300);
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'twice' }))
      await harness.stack.putConfig(item);
    const [first, second] = await Promise.all([
      harness.stack.tick('twice', '2026-11-28T07:00:00Z'),
      harness.stack.tick('twice', '2026-11-28T07:00:00.000+00:00'),
    ]);
    const all = [...statuses(first ?? []), ...statuses(second ?? [])];
    assert.ok(all.includes('busy') || all.includes('already-finished'), all.join(', '));
    const again = statuses(await harness.stack.tick('twice', '2026-11-28T07:00:00Z'));
    assert.deepEqual(again, ['already-finished']);
    const tasks = await drain(harness);
    assert.equal(tasks.length, 270);
    assert.equal(new Set(tasks.map((task) => task.group)).size, 27, 'ten recipients per task');
    const run = await ledger.runs.get('twice@2026-11-28T07:00:00Z');
    assert.deepEqual([run?.planned, run?.enqueued], [270, 270]);
  });

  it("keeps at most its lead of the channel's rate enqueued, and goes on as the senders count outcomes", async () => {
    const database = await seedAudience(100);
    // A lead of 1 s at 20/s: two pages of ten, then the planner waits for outcomes.
    const [databaseItem, channel, job] = messengerJob(database, harness.sandbox.baseUrl, {
      id: 'lead',
      channel: 'slow-page',
      pageSize: 10,
      leadSeconds: 1,
    });
    for (const item of [databaseItem, { ...channel, id: 'slow-page', ratePerSecond: 20 }, job])
      await harness.stack.putConfig(item as Record<string, unknown>);
    const runId = 'lead@2026-11-28T07:20:00Z';
    const planning = harness.stack.tick('lead', '2026-11-28T07:20:00Z');
    const held = await waitFor('the planner to reach its lead', async () => {
      const run = await ledger.runs.get(runId);
      return run && run.enqueued >= 20 ? run : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const still = await ledger.runs.get(runId);
    assert.deepEqual([held.enqueued, still?.enqueued, still?.status], [20, 20, 'planning'], 'held at its lead');
    // What senders do as they deliver: the run's outcomes counted. The planner then goes on, a lead at a time.
    for (let counted = 20; counted <= 90; counted += 10) {
      const at = counted;
      await waitFor(`${at} enqueued`, async () =>
        ((await ledger.runs.get(runId))?.enqueued ?? 0) >= at ? true : undefined,
      );
      await ledger.table.update(runKey(runId), {
        UpdateExpression: 'ADD sent :ten',
        ExpressionAttributeValues: { ':ten': { N: '10' } },
      });
    }
    assert.deepEqual(statuses(await planning).at(-1), 'enqueued');
    const run = await ledger.runs.get(runId);
    assert.deepEqual([run?.planned, run?.enqueued], [90, 90]);
    assert.equal((await drain(harness)).length, 90);
  });

  it('rows without a recipient are recorded as failed with the column named, and counted', async () => {
    const database = await seedAudience(50, { extraRows: 'UPDATE users SET psid = NULL WHERE id IN (3, 4)' });
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'holes' }))
      await harness.stack.putConfig(item);
    assert.deepEqual(statuses(await harness.stack.tick('holes', '2026-11-28T04:00:00Z')), ['enqueued']);
    assert.equal((await drain(harness)).length, 43);
    const run = await ledger.runs.get('holes@2026-11-28T04:00:00Z');
    assert.deepEqual([run?.planned, run?.enqueued, run?.failed], [45, 43, 2]);
    assert.ok(harness.logs.some((line) => line.includes('recipient cannot be enqueued') && line.includes('psid')));
  });

  it('a recipient listed twice in a page is enqueued once and counted as skipped', async () => {
    const database = await seedAudience(40, { extraRows: "UPDATE users SET psid = 'psid-5' WHERE id IN (6, 7)" });
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'repeats' }))
      await harness.stack.putConfig(item);
    assert.deepEqual(statuses(await harness.stack.tick('repeats', '2026-11-28T04:30:00Z')), ['enqueued']);
    const tasks = await drain(harness);
    assert.equal(tasks.filter((task) => task.recipientId === 'psid-5').length, 1);
    const run = await ledger.runs.get('repeats@2026-11-28T04:30:00Z');
    assert.equal(run?.planned, tasks.length + 2);
    assert.deepEqual([run?.enqueued, run?.skipped], [tasks.length, 2]);
    assert.ok(harness.logs.some((line) => line.includes('listed more than once')));
  });

  it('plans 1,000 rows whose id repeats three times, ten a page, each exactly once', async () => {
    const database = await seedAudience(0, {
      extraRows:
        "CREATE TABLE repeated (id bigint, psid text, first_name text); INSERT INTO repeated SELECT g / 3, 'psid-' || g, 'User' || g FROM generate_series(0, 999) g",
    });
    const audience = { sql: 'SELECT id, psid, first_name FROM repeated', idColumn: 'id', recipientColumn: 'psid' };
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'repeated-key', pageSize: 10, audience }))
      await harness.stack.putConfig(item);
    assert.equal(statuses(await harness.stack.tick('repeated-key', '2026-11-28T03:30:00Z')).at(-1), 'enqueued');
    const tasks = await drain(harness);
    assert.equal(tasks.length, 1_000);
    assert.equal(new Set(tasks.map((task) => task.recipientId)).size, 1_000);
    const run = await ledger.runs.get('repeated-key@2026-11-28T03:30:00Z');
    assert.deepEqual([run?.planned, run?.enqueued, run?.failed, run?.skipped ?? 0], [1_000, 1_000, 0, 0]);
  });

  it('rows with a NULL key or recipient, past repeated hostile keys, are recorded as failed with the column named', async () => {
    const database = await seedAudience(0, {
      extraRows: `CREATE TABLE hostile (id text, psid text, first_name text);
        INSERT INTO hostile SELECT (ARRAY['Zoë 🚀', 'a"b\\c', '{{x}}', E'\\uFFFF'])[g % 4 + 1], 'psid-' || g, 'U' || g FROM generate_series(1, 24) g;
        INSERT INTO hostile VALUES (NULL, 'psid-n1', 'N'), (NULL, 'psid-n2', 'N'), ('Zoë 🚀', NULL, 'N'), ('{{x}}', NULL, 'N');`,
    });
    const audience = { sql: 'SELECT id, psid, first_name FROM hostile', idColumn: 'id', recipientColumn: 'psid' };
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'null-keys', pageSize: 10, audience }))
      await harness.stack.putConfig(item);
    assert.deepEqual(statuses(await harness.stack.tick('null-keys', '2026-11-28T03:40:00Z')), ['enqueued']);
    const tasks = await drain(harness);
    assert.deepEqual(
      tasks.map((task) => task.recipientId).sort(),
      Array.from({ length: 24 }, (_, index) => `psid-${index + 1}`).sort(),
    );
    const run = await ledger.runs.get('null-keys@2026-11-28T03:40:00Z');
    assert.deepEqual([run?.planned, run?.enqueued, run?.failed], [28, 24, 4]);
    const failures = harness.logs.filter(
      (line) => line.includes('recipient cannot be enqueued') && line.includes('null-keys'),
    );
    assert.equal(
      failures.filter((line) => line.includes('\\"id\\" (idColumn) is NULL')).length,
      2,
      failures.join('\n'),
    );
    assert.equal(
      failures.filter((line) => line.includes('\\"psid\\" (recipientColumn) is missing or empty')).length,
      2,
      failures.join('\n'),
    );
  });

  it('a key that cannot be a cursor halts the run at that page, its cursor kept, with an error naming the job and the fix', async () => {
    const database = await seedAudience(0, {
      extraRows:
        "CREATE TABLE stamped (id timestamp, psid text, first_name text); INSERT INTO stamped SELECT timestamp '2026-01-01' + g * interval '1 microsecond', 'psid-' || g, 'U' FROM generate_series(1, 30) g",
    });
    const audience = { sql: 'SELECT id, psid, first_name FROM stamped', idColumn: 'id', recipientColumn: 'psid' };
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'stamped', pageSize: 10, audience }))
      await harness.stack.putConfig(item);
    const [outcome] = statuses(await harness.stack.tick('stamped', '2026-11-28T03:45:00Z'));
    assert.match(
      outcome ?? '',
      /job "stamped": .*"id" \(idColumn\) or "psid" \(recipientColumn\).*select both as text/,
    );
    const run = await ledger.runs.get('stamped@2026-11-28T03:45:00Z');
    assert.deepEqual(
      [run?.status, run?.cursor ?? null, run?.failed ?? 0],
      ['planning', null, 0],
      'nobody marked failed, the cursor where it was',
    );
    assert.equal((await drain(harness)).length, 0);
  });

  it('SQS reports a refused entry by its position: a task sharing its key is still enqueued', async () => {
    // fauxqs refuses characters above U+FFFF, as the SQS emulator does: this body bypasses the ASCII encoder.
    const messages = [
      { key: 'c:7', body: JSON.stringify({ plain: 'a' }) },
      { key: 'c:7', body: JSON.stringify({ name: 'Zoë 🚀' }) },
      { key: 'c:7', body: JSON.stringify({ plain: 'b' }) },
    ];
    const result = await enqueueAll(harness.stack.queues.queueUrl, messages, { slots: new Semaphore(1) });
    assert.equal(result.enqueued, 2);
    assert.deepEqual(
      result.rejected.map(({ index, key, code }) => ({ index, key, code })),
      [{ index: 1, key: 'c:7', code: 'InvalidMessageContents' }],
    );
    assert.deepEqual(result.unsent, []);
    const { Messages = [] } = await harness.stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: harness.stack.queues.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    assert.deepEqual(Messages.map((message) => message.Body).sort(), [messages[0]?.body, messages[2]?.body]);
    await harness.stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: harness.stack.queues.queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle as string,
        })),
      }),
    );
  });

  it('an invalid job item fails the tick with an error naming the item and the field', async () => {
    await harness.stack.dynamo.send(
      new (await import('@aws-sdk/client-dynamodb')).PutItemCommand({
        TableName: harness.stack.names.config,
        Item: {
          pk: { S: 'job#broken' },
          document: {
            S: JSON.stringify({
              kind: 'job',
              id: 'broken',
              database: 'main',
              channel: 'messenger',
              audience: { sql: 'SELECT 1' },
              template: { text: '' },
            }),
          },
        },
      }),
    );
    const [outcome] = statuses(await harness.stack.tick('broken', '2026-11-28T03:00:00Z'));
    assert.match(outcome ?? '', /config item "job#broken": template\.text: /);
  });
});

describe('planner against a partially failing SendMessageBatch', () => {
  let harness: Harness;
  let proxy: Awaited<ReturnType<typeof startFailingSqsProxy>>;
  // Every third full call loses three entries; their retries (smaller calls) go through, whatever order calls arrive
  // in.
  let failEntries: (call: number, ids: string[]) => string[] = (call, ids) =>
    call % 3 === 1 && ids.length === 10 ? ids.slice(0, 3) : [];
  let reject: (body: string) => { code: string; message: string } | undefined = () => undefined;
  before(async () => {
    harness = await startHarness();
    proxy = await startFailingSqsProxy(
      process.env.AWS_ENDPOINT_URL_SQS as string,
      (call, ids) => failEntries(call, ids),
      { reject: (body) => reject(body) },
    );
    process.env.AWS_ENDPOINT_URL_SQS = proxy.endpoint;
    process.env.NOTIFIER_QUEUE_URL = onEndpoint(harness.stack.queues.queueUrl, proxy.endpoint);
  });
  after(async () => {
    await harness.stop();
    await proxy.stop();
  });

  it('retries only the failed entries and enqueues every recipient exactly once', async () => {
    const database = await seedAudience(400);
    // One recipient per task: many entries per page, so the proxy fails many of them.
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { recipientsPerTask: 1 }))
      await harness.stack.putConfig(item);
    assert.deepEqual(statuses(await harness.stack.tick('daily', '2026-11-28T02:00:00Z')), ['enqueued']);
    assert.ok(proxy.failedEntries() >= 30, `injected ${proxy.failedEntries()} entry failures`);
    // The job is the fair queue's tenant: every entry carries it, the retried ones too.
    assert.deepEqual([...new Set(proxy.entryGroups())], ['daily']);
    const depth = await queueDepth(harness.stack.sqs, harness.stack.queues.queueUrl);
    assert.equal(depth.visible, 360);
    const tasks = await drain(harness);
    assert.equal(new Set(tasks.map((task) => task.recipientId)).size, 360);
    const run = await createLedger({ table: harness.stack.names.ledger }).runs.get('daily@2026-11-28T02:00:00Z');
    assert.deepEqual([run?.planned, run?.enqueued], [360, 360]);
  });

  it('a group SQS refuses is sent again one recipient a task: only the recipient SQS still refuses fails, with its reason', async () => {
    const database = await seedAudience(60);
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'split' }))
      await harness.stack.putConfig(item);
    failEntries = () => [];
    // Refused wherever it travels, as a body with a character SQS does not accept would be.
    reject = (body) =>
      body.includes('"psid-13"') ? { code: 'InvalidMessageContents', message: 'Invalid characters found.' } : undefined;
    try {
      assert.deepEqual(statuses(await harness.stack.tick('split', '2026-11-28T03:00:00Z')), ['enqueued']);
    } finally {
      reject = () => undefined;
    }
    const tasks = await drain(harness);
    const audience = Array.from({ length: 60 }, (_, index) => index + 1)
      .filter((id) => id % 10 !== 0)
      .map((id) => `psid-${id}`);
    assert.deepEqual(
      tasks.map((task) => task.recipientId).sort(),
      audience.filter((id) => id !== 'psid-13').sort(),
      'every other recipient enqueued exactly once',
    );
    // The refused group (ids 12 to 22) went out one recipient a task; the other groups kept their ten.
    const split = ['psid-12', 'psid-14', 'psid-15', 'psid-16', 'psid-17', 'psid-18', 'psid-19', 'psid-21', 'psid-22'];
    assert.deepEqual(
      tasks
        .filter((task) => task.group.startsWith('r:'))
        .map((task) => [task.group, task.recipientId])
        .sort(),
      split.map((id) => [`r:${id}`, id]).sort(),
    );
    assert.deepEqual(
      [...new Set(tasks.filter((task) => !task.group.startsWith('r:')).map((task) => task.group))].sort(),
      [1, 23, 34, 45, 56].map((id) => `c:["${id}","psid-${id}"]`).sort(),
    );
    const splitLedger = createLedger({ table: harness.stack.names.ledger });
    const run = await splitLedger.runs.get('split@2026-11-28T03:00:00Z');
    assert.deepEqual([run?.planned, run?.enqueued, run?.failed], [54, 53, 1]);
    const { outcomes } = await collectOutcomes(splitLedger.table, 'split@2026-11-28T03:00:00Z');
    assert.deepEqual(
      outcomes.map(({ recipientId, status, failureClass, reason }) => ({ recipientId, status, failureClass, reason })),
      [
        {
          recipientId: 'psid-13',
          status: 'failed',
          failureClass: 'invalid',
          reason: 'SQS rejected the task: InvalidMessageContents Invalid characters found.',
        },
      ],
    );
  });

  it('a planner that fails mid-audience resumes on retry from its cursor, without duplicates', async () => {
    const ledger = createLedger({ table: harness.stack.names.ledger });
    const database = await seedAudience(500);
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'outage' }))
      await harness.stack.putConfig(item);
    // Two pages (ten tasks of ten recipients each) get through, then SQS fails every entry: an outage mid-run.
    let forwarded = 0;
    failEntries = (_call, ids) => {
      if (forwarded >= 20) return ids;
      forwarded += ids.length;
      return [];
    };
    const failed = await harness.stack.tick('outage', '2026-11-28T05:00:00Z');
    assert.match(statuses(failed)[0] ?? '', /could not be enqueued/);
    const halfway = await ledger.runs.get('outage@2026-11-28T05:00:00Z');
    assert.deepEqual([halfway?.status, halfway?.cursor, halfway?.enqueued], ['planning', '["222","psid-222"]', 200]);
    assert.match(halfway?.lastError ?? '', /could not be enqueued/);

    failEntries = () => [];
    assert.deepEqual(statuses(await harness.stack.tick('outage', '2026-11-28T05:00:00Z')), ['enqueued']);
    const tasks = await drain(harness);
    assert.equal(new Set(tasks.map((task) => task.recipientId)).size, 450);
    const run = await ledger.runs.get('outage@2026-11-28T05:00:00Z');
    assert.deepEqual([run?.planned, run?.enqueued, run?.lastError], [450, 450, undefined]);
  });
});

describe('planner on embedded Postgres (PGlite)', () => {
  let harness: Harness;
  let pglite: Awaited<ReturnType<typeof startPglite>>;
  before(async () => {
    harness = await startHarness();
    pglite = await startPglite();
  });
  after(async () => {
    await harness.stop();
    await pglite.stop();
  });

  it('reads the audience through the same pg code path', async () => {
    const client = new pg.Client({ connectionString: pglite.url });
    await client.connect();
    await client.query('CREATE TABLE users (id integer PRIMARY KEY, psid text, first_name text, opted_in boolean)');
    await client.query("INSERT INTO users SELECT g, 'p' || g, 'U' || g, true FROM generate_series(1, 120) g");
    await client.end();
    for (const item of messengerJob(
      { host: pglite.host, port: pglite.port, database: pglite.database, user: pglite.user, password: pglite.password },
      harness.sandbox.baseUrl,
      { pageSize: 50 },
    )) {
      await harness.stack.putConfig(item);
    }
    assert.deepEqual(statuses(await harness.stack.tick('daily', '2026-11-28T01:00:00Z')), ['enqueued']);
    assert.equal((await drain(harness)).length, 120);
  });
});
