import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createLedger } from '../handlers/aws/ledger/index.js';
import { numberOption, UsageError } from '../tools/cli/io.js';
import { main } from '../tools/cli/notifier.js';
import { encodeRecord, failureRecord } from '../tools/common/invocation-record.js';
import { queueDepth } from '../tools/local/sqs.js';
import { startOutageTcpProxy } from './support/fault-proxies.js';
import { type Harness, messengerJob, seedAudience, startHarness, TOKEN, waitFor } from './support/harness.js';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('numeric options', () => {
  it('gives the value in range, undefined when not given', () => {
    assert.equal(numberOption('--limit', '1000', { min: 1, integer: true, max: 1000 }), 1000);
    assert.equal(numberOption('--rate', ' 0.5 ', { min: 0, above: true }), 0.5);
    assert.equal(numberOption('--share', '0', { min: 0, max: 1 }), 0);
    assert.equal(numberOption('--limit', undefined, { min: 1 }), undefined);
  });

  it('names the option, what it accepts and what it got', () => {
    const cases: [string, Parameters<typeof numberOption>[2], RegExp][] = [
      ['1001', { min: 1, integer: true, max: 1000 }, /^--x must be a whole number from 1 to 1000, got "1001"$/],
      ['2.5', { min: 1, integer: true }, /^--x must be a whole number >= 1, got "2.5"$/],
      ['0', { min: 0, above: true }, /^--x must be a number > 0, got "0"$/],
      ['3001', { min: 0, above: true, max: 3000 }, /^--x must be a number > 0 and <= 3000, got "3001"$/],
      ['', { min: 0 }, /got ""$/],
      ['10x', { min: 0 }, /got "10x"$/],
      ['Infinity', { min: 0 }, /got "Infinity"$/],
      ['-1', { min: 0, max: 1 }, /from 0 to 1, got "-1"$/],
    ];
    for (const [raw, range, message] of cases) {
      assert.throws(
        () => numberOption('--x', raw, range),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
        raw,
      );
    }
  });
});

describe('notifier CLI against the local stack', () => {
  let harness: Harness;
  let dir: string;
  let configFile: string;
  before(async () => {
    harness = await startHarness();
    dir = mkdtempSync(join(tmpdir(), 'notifier-cli-'));
    const database = await seedAudience(40);
    configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(messengerJob(database, harness.sandbox.baseUrl)));
  });
  after(async () => harness.stop());

  it('every command answers --help with exit 0, and an unknown command with exit 2', async () => {
    for (const command of [
      ['--help'],
      ['start', '--help'],
      ['config', '--help'],
      ['secrets', '--help'],
      ['run', '--help'],
      ['status', '--help'],
      ['runs', '--help'],
      ['dlq', '--help'],
      ['ticks', '--help'],
      ['outcomes', '--help'],
      ['preview', '--help'],
      ['send-test', '--help'],
      ['pause', '--help'],
      ['resume', '--help'],
    ]) {
      const result = await cli(...command);
      assert.equal(result.code, 0, command.join(' '));
      assert.match(result.out, /notifier/);
    }
    assert.equal((await cli('launch')).code, 2);
    assert.equal((await cli('config', 'validate', '--bogus-flag')).code, 2);
  });

  it('config validate accepts a valid file and names the field of an invalid one', async () => {
    const valid = await cli('config', 'validate', configFile);
    assert.deepEqual({ code: valid.code, err: valid.err }, { code: 0, err: '' });
    assert.match(
      valid.out,
      /^3 items valid\njob daily: sends to page-scoped ids \(PSID\) with UPDATE: only people who wrote to the Page within the last 24 hours are reached/,
    );
    const reach = JSON.parse((await cli('config', 'validate', configFile, '--json')).out);
    assert.deepEqual(
      [reach.valid, reach.reach.daily.recipientKind, reach.reach.daily.messagingType, reach.reach.daily.outsideWindow],
      [3, 'psid', 'UPDATE', 'not-reached'],
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify([
        {
          kind: 'job',
          id: 'x',
          database: 'db',
          channel: 'c',
          audience: { sql: 'SELECT 1', idColumn: 'no spaces' },
          template: { text: 'hi' },
        },
      ]),
    );
    const result = await cli('config', 'validate', bad);
    assert.equal(result.code, 1);
    assert.match(result.err, /item x: audience\.idColumn: must be a plain column name/);
    writeFileSync(bad, '{"items": [');
    assert.match((await cli('config', 'validate', bad)).err, /is not JSON/);
    assert.equal((await cli('config', 'validate', join(dir, 'missing.json'))).code, 2);
  });

  it('config put, get, list and delete round-trip through the table', async () => {
    const put = await cli('config', 'put', configFile);
    assert.equal(put.code, 0, put.err);
    assert.match(put.out, /put job#daily/);
    const get = await cli('config', 'get', 'job', 'daily');
    assert.equal(get.code, 0);
    assert.equal(JSON.parse(get.out).template.text, 'Hello {{first_name}}, your digest is ready');
    const list = await cli('config', 'list', '--json');
    assert.deepEqual(
      JSON.parse(list.out).map(
        (row: { kind: string; id: string; valid: boolean }) => `${row.kind}#${row.id}:${row.valid}`,
      ),
      ['channel#messenger:true', 'database#daily-db:true', 'job#daily:true'],
    );
    assert.equal((await cli('config', 'get', 'job', 'nope')).code, 1);
    assert.equal((await cli('config', 'get', 'pipeline', 'x')).code, 2);
    assert.equal((await cli('config', 'delete', 'job', 'nope')).code, 1);
  });

  it('config get, list and delete also work on a local file', async () => {
    const copy = join(dir, 'copy.json');
    writeFileSync(copy, readFileSync(configFile));
    assert.equal((await cli('config', 'get', 'channel', 'messenger', '--file', copy)).code, 0);
    assert.equal((await cli('config', 'delete', 'channel', 'messenger', '--file', copy)).code, 0);
    assert.equal(JSON.parse(readFileSync(copy, 'utf8')).length, 2);
    assert.match(
      (await cli('config', 'list', '--file', copy)).out,
      /job\s+daily\s+INVALID: job#daily: channel: names channel item "messenger", which is not in \S+copy\.json \(it has no channel item\)/,
    );
  });

  it("config validate checks a job's references against the table with --table, and the table itself", async () => {
    assert.equal((await cli('config', 'put', configFile)).code, 0);
    const items = JSON.parse(readFileSync(configFile, 'utf8')) as { kind: string; id: string }[];
    const jobOnly = join(dir, 'job-only.json');
    writeFileSync(jobOnly, JSON.stringify(items.filter((item) => item.kind === 'job')));
    const alone = await cli('config', 'validate', jobOnly);
    assert.equal(alone.code, 1);
    assert.match(alone.err, /item daily: database: names database item "daily-db", which is not in \S+job-only\.json/);
    assert.match(alone.err, /add --table NAME$/);
    const table = process.env.NOTIFIER_CONFIG_TABLE ?? '';
    const withTable = await cli('config', 'validate', jobOnly, '--table', table);
    assert.deepEqual([withTable.code, withTable.err], [0, '']);
    assert.match(withTable.out, /^1 items valid/);
    const dangling = join(dir, 'dangling.json');
    writeFileSync(dangling, JSON.stringify([{ ...items.find((item) => item.kind === 'job'), channel: 'messengr' }]));
    const refused = await cli('config', 'validate', dangling, '--table', table);
    assert.match(
      refused.err,
      new RegExp(
        `channel: names channel item "messengr", which is not in \\S+dangling\\.json or config table ${table} \\(did you mean "messenger"\\?\\)`,
      ),
    );
    assert.doesNotMatch(refused.err, /written/);
    const put = await cli('config', 'put', dangling);
    assert.equal(put.code, 1);
    assert.match(put.err, /1 of 1 items are invalid; nothing was written$/);
    const whole = await cli('config', 'validate', '--table', table);
    assert.deepEqual([whole.code, whole.err], [0, '']);
    assert.match(whole.out, /^3 items valid/);
  });

  it('secrets check resolves every reference without printing a value', async () => {
    const ok = await cli('secrets', 'check');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /ok\s+daily\s+channel#messenger\s+inline/);
    assert.ok(!ok.out.includes(TOKEN));
    const withSsm = join(dir, 'ssm.json');
    const items = JSON.parse(readFileSync(configFile, 'utf8'));
    items[1].accessToken = { ssmParameter: '/notifier/page-token' };
    writeFileSync(withSsm, JSON.stringify(items));
    process.env.AWS_ENDPOINT_URL_SSM = 'http://127.0.0.1:9';
    const failed = await cli('secrets', 'check', '--file', withSsm);
    delete process.env.AWS_ENDPOINT_URL_SSM;
    assert.equal(failed.code, 1);
    assert.match(failed.out, /FAILED\s+daily\s+channel#messenger\s+ssm:\/notifier\/page-token/);
    assert.equal((await cli('secrets', 'check', '--job', 'ghost')).code, 1);
  });

  it('run starts a run as the schedule would; status and runs report it', async () => {
    const started = await cli(
      'run',
      'daily',
      '--function',
      'planner',
      '--scheduled-time',
      '2026-11-28T10:00:00Z',
      '--json',
    );
    assert.equal(started.code, 0, started.err);
    const { runId } = JSON.parse(started.out);
    assert.equal(runId, 'daily@2026-11-28T10:00:00Z');
    const ledger = createLedger({ table: harness.stack.names.ledger });
    await waitFor('the planner to enqueue', async () =>
      (await ledger.runs.get(runId))?.status === 'enqueued' ? true : undefined,
    );
    const status = await cli('status', runId, '--json');
    assert.equal(status.code, 0);
    assert.deepEqual([JSON.parse(status.out).planned, JSON.parse(status.out).pending], [36, 36]);
    assert.match((await cli('status', runId)).out, /enqueued\s*\n.*\n.*\nplanned\s+36/s);
    const runs = await cli('runs', '--job', 'daily', '--json');
    assert.deepEqual(
      JSON.parse(runs.out).map((run: { runId: string }) => run.runId),
      [runId],
    );
    assert.equal((await cli('status', 'daily@2000-01-01T00:00:00Z')).code, 1);
    assert.equal((await cli('runs')).code, 2);
    assert.equal((await cli('run')).code, 2);
    assert.equal((await cli('run', 'daily', '--function', 'planner', '--scheduled-time', 'teatime')).code, 1);
  });

  it('dlq inspect shows the count and each reason; dlq redrive moves the messages back', async () => {
    const { sqs, queues } = harness.stack;
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.dlqUrl, MessageBody: '{"v":1,"runId":"r"' }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.dlqUrl,
        MessageBody: JSON.stringify({
          v: 1,
          runId: 'daily@2026-11-28T10:00:00Z',
          job: 'daily',
          recipientId: 'psid-1',
          fields: {},
        }),
      }),
    );
    const inspect = await cli('dlq', 'inspect', '--dlq-url', queues.dlqUrl, '--json');
    assert.equal(inspect.code, 0, inspect.err);
    const report = JSON.parse(inspect.out);
    assert.equal(report.count, 2);
    assert.deepEqual(
      report.samples.map((sample: { reason: string }) => sample.reason.split(':')[0]).sort(),
      [
        'malformed',
        'never claimed (message ' +
          report.samples.find((s: { reason: string }) => s.reason.startsWith('never')).messageId +
          ')',
      ].sort(),
    );
    const before = await queueDepth(sqs, queues.queueUrl);
    const redrive = await cli('dlq', 'redrive', '--dlq-url', queues.dlqUrl, '--rate', '100');
    assert.equal(redrive.code, 0, redrive.err);
    assert.match(redrive.out, /moved 2 messages/);
    assert.equal((await queueDepth(sqs, queues.dlqUrl)).visible, 0);
    assert.equal((await queueDepth(sqs, queues.queueUrl)).visible, before.visible + 2);
    assert.equal((await cli('dlq', 'purge', '--dlq-url', queues.dlqUrl)).code, 2);
    assert.equal((await cli('dlq', 'inspect', '--dlq-url', queues.dlqUrl, '--max', '50')).code, 2);
  });

  it('ticks lists failed planner invocations without consuming them; ticks replay resumes the run and deletes only what was accepted', async () => {
    const { sqs, plannerFailuresUrl } = harness.stack;
    const seeded = await seedAudience(30);
    const proxy = await startOutageTcpProxy(seeded);
    try {
      const database = { ...seeded, host: proxy.host, port: proxy.port };
      for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'outage', pageSize: 10 }))
        await harness.stack.putConfig(item);
      proxy.down();
      const runId = 'outage@2026-11-28T11:00:00Z';
      const [failed] = await harness.stack.tick('outage', '2026-11-28T11:00:00.000+00:00');
      assert.equal(failed?.ok, false);
      assert.ok(proxy.refused() > 0, 'the planner reached for the database');
      const record = failureRecord({
        requestId: 'r',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:p',
        payload: null,
        error: new Error('boom'),
        attempts: 3,
        at: new Date(),
      });
      // Hostile records beside the real one: not JSON, and an event whose job id no planner would accept.
      await sqs.send(
        new SendMessageCommand({ QueueUrl: plannerFailuresUrl, MessageBody: '{"requestPayload": {"job": "dai' }),
      );
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: plannerFailuresUrl,
          MessageBody: encodeRecord({
            ...record,
            requestPayload: { job: 'Zoë 🚀\uFFFF'.repeat(40), scheduledTime: '2026-11-28T11:00:00Z' },
          }),
        }),
      );

      const listed = await cli('ticks', '--json');
      assert.equal(listed.code, 0, listed.err);
      const rows = JSON.parse(listed.out) as Record<string, unknown>[];
      const tick = rows.find((row) => row.runId === runId);
      assert.deepEqual(
        [tick?.job, tick?.attempts, tick?.condition, tick?.continuation],
        ['outage', 1, 'RetriesExhausted', 0],
      );
      assert.match(String(tick?.error), /ECONNRESET|Connection terminated|connect/i);
      assert.match(String(tick?.age), /^\d+s$/);
      assert.deepEqual(
        rows
          .filter((row) => row.unreadable)
          .map((row) => String(row.unreadable).split(':')[0])
          .sort(),
        ['not an invocation record', 'requestPayload is not a planner event'],
      );
      assert.match(
        String(rows.find((row) => String(row.unreadable).startsWith('requestPayload'))?.unreadable),
        /job: must be 1-64 characters of a-z/,
      );
      assert.equal(
        JSON.parse((await cli('ticks', '--json')).out).length,
        3,
        'listing does not consume or hide the records',
      );
      assert.match((await cli('ticks')).out, new RegExp(`${runId}\\s+outage\\s+1\\s+\\d+s\\s+\\w*Error`));

      proxy.up();
      const replay = await cli('ticks', 'replay', runId, '--json');
      assert.equal(replay.code, 0, replay.err);
      assert.deepEqual(JSON.parse(replay.out), { replayed: [{ runId, records: 1 }], refused: [] });
      assert.match(replay.err, /2 records are not a planner invocation/);
      assert.deepEqual(
        (await harness.stack.settle()).map((outcome) => (outcome.ok ? outcome.result.status : 'error')),
        ['enqueued'],
      );
      const run = await createLedger({ table: harness.stack.names.ledger }).runs.get(runId);
      assert.deepEqual([run?.status, run?.planned, run?.enqueued], ['enqueued', 27, 27]);
      assert.deepEqual(
        (JSON.parse((await cli('ticks', '--json')).out) as { runId?: string }[]).map((row) => row.runId),
        [undefined, undefined],
        'only the unreadable records stay',
      );

      const again = await cli('ticks', 'replay', runId);
      assert.equal(again.code, 1);
      assert.match(again.err, /no failed invocation of run "outage@2026-11-28T11:00:00Z"/);
      assert.equal((await cli('ticks', 'purge')).code, 2);
      assert.equal((await cli('ticks', '--max', '0')).code, 2);
    } finally {
      await proxy.stop();
    }
  });
});

describe('notifier cost', () => {
  it('prints an itemised estimate as JSON and rejects a bad flag naming it', async () => {
    const result = await cli('cost', '--audience', '1000000', '--json');
    assert.equal(result.code, 0, result.err);
    assert.ok(JSON.stringify(JSON.parse(result.out)).includes('perMillion'));
    const bad = await cli('cost', '--audience', 'lots');
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /--audience/);
  });

  it("fits 80 columns, counts the schedule's invocations and compares with an always-on worker", async () => {
    for (const argv of [['--audience', '1000000', '--region', 'eu-west-1'], ['--runs-per-day', '24'], ['--help']]) {
      const result = await cli('cost', ...argv);
      assert.equal(result.code, 0, result.err);
      const wide = result.out.split('\n').filter((line) => line.length > 80);
      assert.deepEqual(wide, [], `notifier cost ${argv.join(' ')}`);
      assert.doesNotMatch(result.out, /target|Celery|replaces/, `notifier cost ${argv.join(' ')}`);
    }
    const daily = await cli('cost', '--audience', '1000', '--runs-per-day', '24', '--days', '31');
    assert.match(daily.out, /^ {2}scheduled invocations \(first 14M a month free\) +\$0\.00\n {6}744 invocations at /m);
    assert.match(daily.out, /^For comparison, an always-on worker doing the same sends:$/m);
    assert.equal(JSON.parse((await cli('cost', '--json')).out).target, undefined, 'no internal target in the JSON');
  });
});
