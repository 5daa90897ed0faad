import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collectOutcomes, createLedger, type Ledger } from '../handlers/aws/ledger/index.js';
import type { BatchResponse, SqsEvent } from '../handlers/delivery/batch.js';
import { main } from '../tools/cli/notifier.js';
import { type Handler, lambdaContext } from '../tools/local/bundle.js';
import { graphError } from '../tools/local/sandbox-reply.js';
import { startDynamoAnswerLoss } from './support/fault-proxies.js';
import {
  type Harness,
  messengerJob,
  runJobThrough,
  seedAudience,
  sharedService,
  startHarness,
} from './support/harness.js';
import { readDelivery } from './support/ledger-reads.js';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The audience rows whose Send API answer is permanent for them, and the answer each gets. */
const PERMANENT = new Map([
  ['psid-3', graphError(551, "This person isn't available right now.")],
  ['psid-13', graphError(200, "This person isn't available right now.", 1545041, 403)],
  ['psid-23', graphError(10, 'This user has currently stopped notification messages', 1893015, 403)],
  // Permanent, but about the message, not the person: never suppressed.
  ['psid-33', graphError(100, '(#100) Invalid parameter')],
]);
const SUPPRESSIBLE = ['psid-3', 'psid-13', 'psid-23'];
/** A blocked recipient whose suppression put the ledger refuses, every time. */
const REFUSED = 'refused-1';
const HOUR = 3_600_000;

describe('suppression lists and the 24-hour window', () => {
  let harness: Harness;
  let ledger: Ledger;
  let proxy: Awaited<ReturnType<typeof startDynamoAnswerLoss>>;
  const lostOnce = new Set<string>();
  const requestsFor = (recipientId: string) =>
    harness.sandbox.requests.filter((request) => request.recipientId === recipientId).length;

  before(async () => {
    // The first suppression put of each recipient lands and its answer is lost: the sender's client sends it again.
    // The puts for REFUSED never land.
    proxy = await startDynamoAnswerLoss(sharedService('NOTIFIER_TEST_DYNAMODB_ENDPOINT'), (operation, body) => {
      const recipient = /"pk":\{"S":"suppression#[^"]*"\},"sk":\{"S":"([^"]*)"/.exec(body)?.[1];
      if (!operation.endsWith('.PutItem') || recipient === undefined) return 'forward';
      if (recipient === REFUSED) return 'refuse';
      if (lostOnce.has(recipient)) return 'forward';
      lostOnce.add(recipient);
      return 'lose';
    });
    harness = await startHarness({ dynamoEndpoint: proxy.endpoint });
    ledger = createLedger({ table: harness.stack.names.ledger });
    harness.sandbox.inject((request) =>
      request.recipientId === REFUSED
        ? graphError(551, "This person isn't available right now.")
        : PERMANENT.get(request.recipientId ?? ''),
    );
  });
  after(async () => {
    await harness.stop();
    await proxy.stop();
  });

  const outcomesOf = async (runId: string) =>
    new Map((await collectOutcomes(ledger.table, runId)).outcomes.map((outcome) => [outcome.recipientId, outcome]));

  /** One scheduled run of `job` through the planner, the queue and the senders, until every recipient has an outcome. */
  const runJob = (job: string, scheduledTime: string, recipients: number) =>
    runJobThrough(harness.stack, ledger.runs, { job, scheduledTime, recipients });

  it('a second run of the same job does not call the provider for anyone the first run suppressed', async () => {
    const database = await seedAudience(40);
    for (const item of messengerJob(database, harness.sandbox.baseUrl)) await harness.stack.putConfig(item);
    const first = await runJob('daily', '2026-11-28T08:00:00Z', 36);
    assert.deepEqual([first.sent, first.failed, first.skipped], [32, 4, 0]);
    const listed = await ledger.suppressions.among('messenger', [...PERMANENT.keys()]);
    assert.deepEqual([...listed.keys()].sort(), [...SUPPRESSIBLE].sort(), 'only the answers about the person');
    const blocked = listed.get('psid-3');
    assert.equal(blocked?.source, 'send');
    assert.match(blocked?.reason ?? '', /Graph API error 551/);
    const inAYear = Date.now() / 1000 + 365 * 86_400;
    assert.ok(Math.abs((blocked?.expiresAt ?? 0) - inAYear) < 120, 'an entry lasts the module default of 365 days');
    assert.ok(proxy.lost() >= SUPPRESSIBLE.length, 'the first answer of each suppression put was lost');
    const firstOutcomes = await outcomesOf('daily@2026-11-28T08:00:00Z');
    for (const recipient of SUPPRESSIBLE) assert.equal(firstOutcomes.get(recipient)?.status, 'failed');

    const second = await runJob('daily', '2026-11-29T08:00:00Z', 36);
    assert.deepEqual([second.sent, second.failed, second.skipped], [32, 1, 3]);
    const secondOutcomes = await outcomesOf('daily@2026-11-29T08:00:00Z');
    for (const recipient of SUPPRESSIBLE) {
      assert.equal(requestsFor(recipient), 1, `${recipient} is not called again`);
      const outcome = secondOutcomes.get(recipient);
      assert.equal(outcome?.status, 'skipped');
      assert.match(outcome?.reason ?? '', /^on the suppression list of channel "messenger": Graph API error/);
    }
    assert.equal(requestsFor('psid-33'), 2, 'an answer about the message is asked again');
  });

  it('a job that turns the list off sends to the suppressed and adds nobody', async () => {
    const database = await seedAudience(40);
    for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'unlisted', suppressionList: false }))
      await harness.stack.putConfig(item);
    await ledger.suppressions.remove('messenger', 'psid-23');
    const run = await runJob('unlisted', '2026-11-30T08:00:00Z', 36);
    assert.deepEqual([run.sent, run.failed, run.skipped], [32, 4, 0]);
    assert.equal(requestsFor('psid-3'), 2, 'called despite its entry');
    assert.equal((await ledger.suppressions.among('messenger', ['psid-23'])).size, 0, 'and not put back');
  });

  it("a block a send found never replaces an operator's entry or a STOP, and refreshes an earlier send's", async () => {
    const entry = (recipient: string, source: 'send' | 'operator', at: string, expiresAt?: number) => ({
      channel: 'precedence',
      recipient,
      reason: `${source} at ${at}`,
      source,
      at,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    const later = Math.floor(Date.now() / 1000) + 86_400;
    await ledger.suppressions.add(entry('by-operator', 'operator', '2026-12-01T00:00:00Z'));
    await ledger.suppressions.optWord({
      channel: 'precedence',
      recipient: 'stopped',
      reason: 'STOP',
      at: '2026-12-01T00:00:00Z',
      word: 'opt-out',
    });
    await ledger.suppressions.add(entry('by-send', 'send', '2026-12-01T00:00:00Z', later));
    // An operator's entry that expired an hour ago, which TTL has not removed yet.
    await ledger.suppressions.add(entry('expired', 'operator', '2026-11-01T00:00:00Z', later - 90_000));
    for (const recipient of ['by-operator', 'stopped', 'by-send', 'expired'])
      await ledger.suppressions.add(entry(recipient, 'send', '2026-12-02T00:00:00Z', later + 60));
    const found = await ledger.suppressions.among('precedence', ['by-operator', 'stopped', 'by-send', 'expired']);
    assert.deepEqual(
      ['by-operator', 'stopped', 'by-send', 'expired'].map((id) => [found.get(id)?.source, found.get(id)?.expiresAt]),
      [
        ['operator', undefined],
        ['opt-out', undefined],
        ['send', later + 60],
        ['send', later + 60],
      ],
    );
  });

  it('the CLI lists, exports (CSV), adds and removes entries; hostile text survives the CSV', async () => {
    const hostile = { recipient: 'tok,"en"\nx', reason: 'asked us, twice: "stop"' };
    const added = await cli(
      'suppressions',
      'add',
      '--channel',
      'messenger',
      '--recipient',
      hostile.recipient,
      '--reason',
      hostile.reason,
      '--days',
      '7',
      '--json',
    );
    assert.equal(added.code, 0, added.err);
    assert.equal(JSON.parse(added.out).source, 'operator');
    const listed = await cli('suppressions', 'list', '--channel', 'messenger', '--json');
    const entries = listed.out.split('\n').map((line) => JSON.parse(line) as { recipient: string; expiresAt?: number });
    assert.deepEqual(entries.map((entry) => entry.recipient).sort(), [hostile.recipient, 'psid-13', 'psid-3'].sort());
    const exported = await cli('suppressions', 'export', '--channel', 'messenger');
    const lines = exported.out.split('\n');
    assert.equal(lines[0], 'channel,recipient,reason,source,at,expiresAt');
    assert.ok(
      exported.out.includes(`messenger,"tok,""en""\nx","asked us, twice: ""stop""",operator,`),
      `quoted as RFC 4180 says:\n${exported.out}`,
    );
    const removed = await cli('suppressions', 'remove', '--channel', 'messenger', '--recipient', hostile.recipient);
    assert.equal(removed.code, 0, removed.err);
    assert.equal((await ledger.suppressions.among('messenger', [hostile.recipient])).size, 0);
    const usage = await cli('suppressions', 'add', '--channel', 'messenger', '--recipient', ' padded');
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--recipient must be the id as the audience holds it/);
  });

  describe('the window, judged when the sender sends', () => {
    let send: Handler<SqsEvent, BatchResponse>;
    let counter = 0;
    const RUN_AT = '2026-12-01T08:00:00Z';
    const deliver = (job: string, entries: [string, unknown][]) =>
      send(
        {
          Records: entries.map(([recipientId, lastMessageAt]) => ({
            messageId: `w-${++counter}`,
            body: JSON.stringify({
              v: 1,
              runId: `${job}@${RUN_AT}`,
              job,
              recipientId,
              fields: { first_name: 'Ada', ...(lastMessageAt === undefined ? {} : { last_message_at: lastMessageAt }) },
            }),
          })),
        },
        lambdaContext('sender', 30_000),
      );
    const now = Date.now();
    // Every value an audience column may hold, and what becomes of it.
    const ROWS: [string, unknown, 'sent' | 'skipped' | 'failed', RegExp?][] = [
      ['w-inside', new Date(now - HOUR).toISOString(), 'sent'],
      ['w-pg-text', new Date(now - 2 * HOUR).toISOString().replace('T', ' ').replace('Z', '+00'), 'sent'],
      ['w-outside', new Date(now - 30 * HOUR).toISOString(), 'skipped', /^outside the 24-hour window: last message /],
      ['w-never', null, 'skipped', /no last message \(NULL\)/],
      ['w-text', 'yesterday', 'failed', /column "last_message_at" \(audience.lastMessageColumn\) holds "yesterday"/],
      ['w-number', 1_700_000_000, 'failed', /holds 1700000000, not a time/],
      ['w-future', '9999-12-31T00:00:00Z', 'failed', /later than now/],
      ['w-local', '2026-12-01 08:00:00', 'failed', /ISO 8601 text with its zone/],
      ['w-missing', undefined, 'failed', /is not in the audience row/],
    ];

    before(async () => {
      const database = await seedAudience(1);
      const window = {
        sql: 'SELECT id, psid, first_name, now() AS last_message_at FROM users',
        idColumn: 'id',
        recipientColumn: 'psid',
        lastMessageColumn: 'last_message_at',
      };
      for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'window', audience: window }))
        await harness.stack.putConfig(item);
      const tagged = { id: 'tagged', audience: window, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
      for (const item of messengerJob(database, harness.sandbox.baseUrl, tagged)) await harness.stack.putConfig(item);
      send = await harness.stack.loadSender();
    });

    it('records each value the column may hold as sent, skipped or failed with its reason; no request for any but the sent', async () => {
      const requestsBefore = harness.sandbox.requests.length;
      const response = await deliver(
        'window',
        ROWS.map(([recipient, value]) => [recipient, value]),
      );
      assert.deepEqual(response.batchItemFailures, []);
      for (const [recipient, , status, reason] of ROWS) {
        const outcome = await readDelivery(ledger, `window@${RUN_AT}`, recipient);
        assert.equal(outcome?.status, status, recipient);
        if (reason) assert.match(String(outcome?.reason), reason, recipient);
        assert.equal(requestsFor(recipient), status === 'sent' ? 1 : 0, `${recipient}: requests`);
      }
      assert.equal(harness.sandbox.requests.length - requestsBefore, 2, 'two requests in all');
      const run = await ledger.runs.get(`window@${RUN_AT}`);
      assert.deepEqual([run?.sent, run?.skipped, run?.failed], [2, 2, 5], 'the run counters count the skipped');
    });

    it('a suppression the ledger refuses costs the recipient its entry, never its recorded outcome', async () => {
      const response = await deliver('window', [[REFUSED, new Date(now - HOUR).toISOString()]]);
      assert.deepEqual(response.batchItemFailures, []);
      const outcome = await readDelivery(ledger, `window@${RUN_AT}`, REFUSED);
      assert.deepEqual([outcome?.status, outcome?.failureClass], ['failed', 'permanent']);
      assert.match(String(outcome?.reason), /Graph API error 551/);
      assert.equal((await ledger.suppressions.among('messenger', [REFUSED])).size, 0);
      assert.ok(harness.logs.some((line) => line.includes('could not put the recipient on the suppression list')));
    });

    it('a tagged job is not affected: everyone is sent to, in the window or not', async () => {
      const rows: [string, unknown][] = [
        ['t-outside', new Date(now - 30 * HOUR).toISOString()],
        ['t-never', null],
        ['t-text', 'yesterday'],
      ];
      assert.deepEqual((await deliver('tagged', rows)).batchItemFailures, []);
      for (const [recipient] of rows) {
        assert.equal((await readDelivery(ledger, `tagged@${RUN_AT}`, recipient))?.status, 'sent', recipient);
        assert.equal(requestsFor(recipient), 1);
      }
    });
  });
});
