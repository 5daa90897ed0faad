import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createLedger, runOutcomePages, type StoredOutcome } from '../handlers/aws/ledger/index.js';
import { main } from '../tools/cli/notifier.js';
import { csvCell } from '../tools/cli/outcomes.js';
import { startPoller } from '../tools/local/poller.js';
import { graphError } from '../tools/local/sandbox-reply.js';
import { queueDepth } from '../tools/local/sqs.js';
import { type Harness, messengerJob, seedAudience, startHarness, waitFor } from './support/harness.js';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n'), writes: out.length };
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StoredOutcome & Record<string, unknown>);

// A recipient with no first name (the template has no fallback), a row without a recipient, and a recipient id a
// spreadsheet would take for a formula, with a comma and quotes.
const HOSTILE = `INSERT INTO users (id, psid, first_name) VALUES (41, 'psid-41', NULL), (42, NULL, 'Nobody'), (43, '=HYPERLINK("x"),1', 'Eve')`;
const HOSTILE_ID = '=HYPERLINK("x"),1';

describe('operator commands against the local stack', () => {
  let harness: Harness;
  let database: Awaited<ReturnType<typeof seedAudience>>;
  const runId = 'daily@2026-11-28T08:00:00Z';

  before(async () => {
    // Config read past a 100 ms cache, and a paused task re-sent 1 s later: the pause test needs no minutes.
    harness = await startHarness({
      maxReceiveCount: 3,
      extraEnv: { NOTIFIER_CONFIG_CACHE_MS: '100', NOTIFIER_PAUSE_RECHECK_SECONDS: '1' },
    });
    database = await seedAudience(40, { extraRows: HOSTILE });
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { pageSize: 10 }))
      await harness.stack.putConfig(item);
  });
  after(async () => harness.stop());

  const ledgerItems = async () =>
    (
      await harness.stack.dynamo.send(
        new ScanCommand({ TableName: harness.stack.names.ledger, Select: 'COUNT', ConsistentRead: true }),
      )
    ).Count ?? 0;
  const sendsTo = (recipients: ReadonlySet<string>) =>
    harness.sandbox.requests.filter((request) => recipients.has(request.recipientId ?? '')).length;

  it('every new command answers --help with exit 0 and a missing argument with exit 2', async () => {
    for (const command of ['outcomes', 'preview', 'send-test', 'pause', 'resume']) {
      const help = await cli(command, '--help');
      assert.equal(help.code, 0, command);
      assert.match(help.out, new RegExp(`notifier ${command}`));
      assert.equal((await cli(command)).code, 2, `${command} without its argument`);
    }
    assert.match(
      (await cli('--help')).out,
      /outcomes <run-id>[\s\S]*preview <job>[\s\S]*send-test[\s\S]*pause\|resume/,
    );
  });

  it('preview renders the first rows from the real audience, names missing fields per row, and sends or writes nothing', async () => {
    const first = await cli('preview', 'daily', '--limit', '3', '--json');
    assert.equal(first.code, 0, first.err);
    const report = JSON.parse(first.out);
    assert.deepEqual(
      report.rows.map((row: { recipientId: string; text: string }) => [row.recipientId, row.text]),
      [1, 2, 3].map((id) => [`psid-${id}`, `Hello User${id}, your digest is ready`]),
    );

    const all = await cli('preview', 'daily', '--limit', '1000', '--json');
    const rows = JSON.parse(all.out).rows as {
      recipientId: string | null;
      status: string;
      missing?: string[];
      reason?: string;
    }[];
    assert.equal(rows.length, 36 + 3, 'opted-in rows only, read page after page (pageSize 10)');
    assert.deepEqual(
      rows.find((row) => row.recipientId === 'psid-41'),
      { recipientId: 'psid-41', status: 'missing-fields', missing: ['first_name'] },
    );
    assert.deepEqual(
      rows.find((row) => row.status === 'invalid'),
      {
        recipientId: null,
        status: 'invalid',
        reason: 'column "psid" (recipientColumn) is missing or empty in the row with id = 42',
      },
    );
    assert.deepEqual(JSON.parse(all.out).summary, {
      rows: 39,
      ok: 37,
      missingFields: 1,
      invalid: 1,
      missingByField: { first_name: 1 },
    });
    const text = await cli('preview', 'daily', '--limit', '1000');
    assert.match(text.out, /psid-41 {2}MISSING first_name/);
    assert.match(text.out, /39 rows: 37 render, 1 miss template fields \(first_name: 1\), 1 invalid; nothing sent/);

    const url = `postgres://${encodeURIComponent(database.user)}:${encodeURIComponent(database.password)}@${database.host}:${database.port}/${database.database}?sslmode=disable`;
    assert.deepEqual(
      JSON.parse((await cli('preview', 'daily', '--limit', '3', '--json', '--database-url', url)).out),
      report,
      'the same rows through --database-url',
    );
    assert.equal((await cli('preview', 'daily', '--database-url', 'mysql://db/app')).code, 2);
    assert.equal((await cli('preview', 'daily', '--limit', '0')).code, 2);
    assert.equal((await cli('preview', 'ghost')).code, 1);

    assert.equal(harness.sandbox.requests.length, 0, 'nothing sent');
    assert.deepEqual(
      await queueDepth(harness.stack.sqs, harness.stack.queues.queueUrl),
      { visible: 0, inFlight: 0 },
      'nothing enqueued',
    );
    assert.equal(await ledgerItems(), 0, 'nothing written to the ledger');
  });

  it("outcomes streams each recipient of one run, filtered, as text, JSON Lines and CSV, from the run's own items only", async () => {
    assert.deepEqual(
      (await harness.stack.tick('daily', '2026-11-28T08:00:00Z')).map((outcome) =>
        outcome.ok ? outcome.result.status : outcome.error.message,
      ),
      ['enqueued'],
    );
    // Another run of the same job in the same table: reading one run must not touch it.
    const poller = startPoller(harness.stack.sqs, await harness.stack.loadSender(), {
      queueUrl: harness.stack.queues.queueUrl,
      batchSize: 10,
      maximumConcurrency: 2,
      functionTimeoutMs: 30_000,
    });
    const ledger = createLedger({ table: harness.stack.names.ledger });
    try {
      await waitFor('the run to settle', async () => {
        const run = await ledger.runs.get(runId);
        return run && run.status === 'enqueued' && run.sent + run.failed + run.skipped === run.planned
          ? run
          : undefined;
      });
    } finally {
      await poller.stop();
    }
    // Its tasks stay queued (the pause test's senders deliver them).
    assert.deepEqual(
      (await harness.stack.tick('daily', '2026-11-29T08:00:00Z')).map((outcome) =>
        outcome.ok ? outcome.result.status : 'error',
      ),
      ['enqueued'],
    );

    const all = await cli('outcomes', runId, '--json');
    assert.equal(all.code, 0, all.err);
    const outcomes = jsonLines(all.out);
    assert.equal(outcomes.length, 39);
    assert.equal(new Set(outcomes.map((outcome) => outcome.recipientId)).size, 39);
    assert.ok(all.writes > 1, 'written page by page, not at the end');
    assert.match(all.err, /39 outcomes listed: 37 sent, 2 failed, 0 skipped/);
    const sent = outcomes.find((outcome) => outcome.recipientId === 'psid-5');
    assert.equal(sent?.status, 'sent');
    assert.match(String(sent?.providerMessageId), /^m_sandbox_\d+$/);
    assert.ok(Math.abs(Date.parse(String(sent?.at)) - Date.now()) < 600_000, `an outcome time: ${sent?.at}`);

    const failed = jsonLines((await cli('outcomes', runId, '--status', 'failed', '--json')).out);
    assert.deepEqual(
      failed
        .map((outcome) => [
          outcome.failureClass,
          outcome.item,
          outcome.recipientId.startsWith('row:') ? 'row:' : outcome.recipientId,
        ])
        .sort(),
      [
        ['invalid', 'planner', 'row:'],
        ['permanent', 'group', 'psid-41'],
      ],
    );
    assert.match(
      String(failed.find((outcome) => outcome.recipientId === 'psid-41')?.reason),
      /template field "first_name" is missing/,
    );
    assert.deepEqual(
      jsonLines((await cli('outcomes', runId, '--class', 'permanent', '--json')).out).map(
        (outcome) => outcome.recipientId,
      ),
      ['psid-41'],
    );
    assert.deepEqual(
      jsonLines((await cli('outcomes', runId, '--recipient', 'psid-5', '--json')).out).map((outcome) => outcome.status),
      ['sent'],
    );
    assert.match(
      (await cli('outcomes', runId, '--recipient', 'psid-41')).out,
      /^time +status +class +recipient.*\n\S+ +failed +permanent +psid-41 +- +template field/,
    );

    const csv = (await cli('outcomes', runId, '--csv')).out.split('\n');
    assert.equal(csv[0], 'at,status,failureClass,recipientId,providerMessageId,reason,group');
    assert.equal(csv.length, 40);
    assert.ok(
      csv.some((line) => line.includes(`,sent,,"'=HYPERLINK(""x""),1",m_sandbox_`)),
      'the hostile id is quoted and defused',
    );
    assert.equal(csvCell(HOSTILE_ID), `"'=HYPERLINK(""x""),1"`);
    assert.equal(csvCell('-5'), "'-5");
    assert.equal(csvCell('plain'), 'plain');

    assert.equal((await cli('outcomes', 'daily@2000-01-01T00:00:00Z')).code, 1);
    assert.equal((await cli('outcomes', runId, '--status', 'lost')).code, 2);
    assert.equal((await cli('outcomes', runId, '--csv', '--json')).code, 2);
  });

  it('reading a run queries only its partitions: no Scan, and no item of another run', async () => {
    const client = new DynamoDBClient({});
    const commands: string[] = [];
    client.middlewareStack.add((next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    });
    const table = createLedger({ table: harness.stack.names.ledger, client }).table;
    let items = 0;
    const recipients = new Set<string>();
    for await (const page of runOutcomePages(table, runId)) {
      items += page.items;
      for (const outcome of page.outcomes) recipients.add(outcome.recipientId);
    }
    assert.deepEqual([...new Set(commands)], ['QueryCommand']);
    assert.equal(commands.length, 17, 'the run partition and its 16 group shards, one page each');
    assert.equal(recipients.size, 39);
    const stored =
      (
        await harness.stack.dynamo.send(
          new ScanCommand({ TableName: harness.stack.names.ledger, ConsistentRead: true }),
        )
      ).Items ?? [];
    const ofRun = stored.filter((item) => item.pk?.S === `run#${runId}` || item.pk?.S?.startsWith(`run#${runId}#`));
    assert.equal(items, ofRun.length, 'every item of the run, and nothing else');
    assert.ok(stored.length > ofRun.length, 'the other run is in the table');
    client.destroy();
  });

  it("send-test sends one real message with the given fields, reports the provider's answer and records it apart from runs", async () => {
    const before = harness.sandbox.requests.length;
    const result = await cli('send-test', 'daily', '--to', 'psid-tester', '--field', 'first_name=Zoë 🚀', '--json');
    assert.equal(result.code, 0, result.err);
    const report = JSON.parse(result.out);
    assert.equal(report.status, 'sent');
    assert.match(report.providerMessageId, /^m_sandbox_\d+$/);
    assert.match(report.runId, /^daily@test-\d{4}-\d\d-\d\dT/);
    assert.equal(harness.sandbox.requests.length, before + 1, 'exactly one request');
    assert.equal(harness.sandbox.deliveries.at(-1)?.text, 'Hello Zoë 🚀, your digest is ready');
    assert.deepEqual(
      jsonLines((await cli('outcomes', report.runId, '--json')).out).map((outcome) => [
        outcome.recipientId,
        outcome.status,
        outcome.providerMessageId,
      ]),
      [['psid-tester', 'sent', report.providerMessageId]],
    );
    assert.ok(
      !(JSON.parse((await cli('runs', '--job', 'daily', '--json')).out) as { runId: string }[]).some((run) =>
        run.runId.includes('test'),
      ),
      'not a run of the job',
    );

    harness.sandbox.inject((request) =>
      request.recipientId === 'psid-gone' ? graphError(551, "This person isn't available right now.") : undefined,
    );
    const refused = await cli('send-test', 'daily', '--to', 'psid-gone', '--field', 'first_name=Ada');
    harness.sandbox.inject(undefined);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /NOT sent to psid-gone: permanent: .*551/);
    const missing = await cli('send-test', 'daily', '--to', 'psid-tester');
    assert.equal(missing.code, 2);
    assert.match(missing.err, /first_name.*--field first_name=VALUE/);
    assert.equal((await cli('send-test', 'daily', '--to', 'psid-tester', '--field', 'novalue')).code, 2);
  });

  it('pause holds a job without failing anyone or reaching the DLQ while another job sends; resume sends each once', async () => {
    const held = await seedAudience(30);
    const other = await seedAudience(20);
    // Recipient ids of their own, so the sandbox's requests tell the jobs apart.
    const audience = (prefix: string) => ({
      sql: `SELECT id, '${prefix}-' || psid AS psid, first_name FROM users WHERE opted_in = $1`,
      params: [true],
      idColumn: 'id',
      recipientColumn: 'psid',
    });
    for (const item of messengerJob(held, harness.sandbox.baseUrl, {
      id: 'held',
      recipientsPerTask: 3,
      audience: audience('held'),
    }))
      await harness.stack.putConfig(item);
    for (const item of messengerJob(other, harness.sandbox.baseUrl, {
      id: 'other',
      recipientsPerTask: 3,
      audience: audience('other'),
    }))
      await harness.stack.putConfig(item);
    assert.equal((await cli('pause', 'ghost')).code, 1, 'no such job');
    assert.deepEqual(JSON.parse((await cli('pause', 'held', '--json')).out), {
      job: 'held',
      paused: true,
      changed: true,
    });
    assert.match((await cli('pause', 'held')).out, /already paused/);
    assert.match((await cli('config', 'list')).out, /job\s+held\s+valid/, 'the pause mark is no config item');

    const heldRun = 'held@2026-11-30T08:00:00Z';
    const otherRun = 'other@2026-11-30T08:00:00Z';
    // The paused job's planner waits with its lease, enqueueing nothing, until the resume below.
    const heldTick = harness.stack.tick('held', '2026-11-30T08:00:00Z');
    const ledger = createLedger({ table: harness.stack.names.ledger });
    try {
      await waitFor('the paused planner to wait', () =>
        harness.logs.some((line) => line.includes('job paused: planning waits')) ? true : undefined,
      );
      assert.deepEqual(
        [(await ledger.runs.get(heldRun))?.status, (await ledger.runs.get(heldRun))?.planned],
        ['planning', 0],
      );
      // A look at the queue that hides nothing: the other run's tasks wait there, none of this job's.
      const { Messages = [] } = await harness.stack.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: harness.stack.queues.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        }),
      );
      assert.deepEqual(
        Messages.filter((message) => (JSON.parse(message.Body ?? '{}') as { job?: string }).job === 'held'),
        [],
        'nothing enqueued while paused',
      );
    } finally {
      // Resume planning only (the sender's side is paused again below, before any task of the job is received); also
      // on a failure above, so the waiting planner ends.
      await cli('resume', 'held');
    }
    assert.deepEqual(
      (await heldTick).map((outcome) => (outcome.ok ? outcome.result.status : outcome.error.message)),
      ['enqueued'],
    );
    await cli('pause', 'held');
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the 100 ms config cache
    assert.deepEqual(
      (await harness.stack.tick('other', '2026-11-30T08:00:00Z')).map((outcome) =>
        outcome.ok ? outcome.result.status : 'error',
      ),
      ['enqueued'],
    );

    const heldIds = new Set(
      Array.from({ length: 30 }, (_, index) => index + 1)
        .filter((id) => id % 10 !== 0)
        .map((id) => `held-psid-${id}`),
    );
    const heldTasks = Math.ceil(27 / 3);
    let heldReceives = 0;
    const sendsBefore = sendsTo(heldIds);
    const sender = await harness.stack.loadSender();
    const counting: typeof sender = (event, context) => {
      heldReceives += event.Records.filter(
        (record) => (JSON.parse(record.body) as { job?: string }).job === 'held',
      ).length;
      return sender(event, context);
    };
    const poller = startPoller(harness.stack.sqs, counting, {
      queueUrl: harness.stack.queues.queueUrl,
      batchSize: 10,
      maximumConcurrency: 2,
      functionTimeoutMs: 30_000,
    });
    try {
      // Each of the paused job's tasks received more often than max_receive_count (3) allows one message, on average.
      await waitFor(
        'the paused tasks to cycle past max_receive_count',
        () => (heldReceives >= heldTasks * 5 ? true : undefined),
        60_000,
      );
      assert.equal(sendsTo(heldIds) - sendsBefore, 0, 'nothing sent for the paused job');
      assert.equal((await queueDepth(harness.stack.sqs, harness.stack.queues.dlqUrl)).visible, 0, 'nothing in the DLQ');
      const paused = await ledger.runs.get(heldRun);
      assert.deepEqual([paused?.sent, paused?.failed, paused?.skipped], [0, 0, 0], 'nobody failed or skipped');
      const otherDone = await waitFor('the other job to send meanwhile', async () => {
        const run = await ledger.runs.get(otherRun);
        return run && run.sent === 18 ? run : undefined;
      });
      assert.deepEqual([otherDone.planned, otherDone.failed, otherDone.skipped], [18, 0, 0]);
      assert.equal(sendsTo(heldIds) - sendsBefore, 0, 'still nothing sent for the paused job');

      assert.match((await cli('resume', 'held')).out, /resumed held \(paused since /);
      assert.match((await cli('resume', 'held')).out, /held was not paused/);
      const done = await waitFor('the resumed run to finish', async () => {
        const run = await ledger.runs.get(heldRun);
        return run && run.sent === 27 ? run : undefined;
      });
      assert.deepEqual([done.planned, done.sent, done.failed, done.skipped], [27, 27, 0, 0]);
    } finally {
      await poller.stop();
    }
    const perRecipient = new Map<string, number>();
    for (const request of harness.sandbox.requests)
      if (heldIds.has(request.recipientId ?? ''))
        perRecipient.set(request.recipientId as string, (perRecipient.get(request.recipientId as string) ?? 0) + 1);
    assert.deepEqual(
      [...perRecipient.values()].filter((count) => count !== 1),
      [],
      'each recipient sent exactly once',
    );
    assert.equal(perRecipient.size, 27);
    assert.equal((await queueDepth(harness.stack.sqs, harness.stack.queues.dlqUrl)).visible, 0);
  });
});
