import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoConfigStore } from '../handlers/aws/config-store.js';
import { collectOutcomes, createLedger, type Ledger } from '../handlers/aws/ledger/index.js';
import { keyAttributes, suppressionKey } from '../handlers/aws/ledger/keys.js';
import { AppliedBodies, Receipts } from '../handlers/aws/ledger/receipts.js';
import { Suppressions } from '../handlers/aws/ledger/suppressions.js';
import { createLogger } from '../handlers/observability/log.js';
import {
  createReceiver,
  type FunctionUrlEvent,
  type FunctionUrlResult,
  MAX_BODY_BYTES,
  STALE_AFTER_MS,
} from '../handlers/receiving/index.js';
import { signBody } from '../handlers/receiving/signature.js';
import { main } from '../tools/cli/notifier.js';
import { loadBundle } from '../tools/local/bundle.js';
import { metaWebhookBodies, signedRequest } from '../tools/local/meta-webhooks.js';
import { startReceiverEndpoint } from '../tools/local/receiver-endpoint.js';
import { type Harness, messengerJob, runJobThrough, seedAudience, startHarness, TOKEN } from './support/harness.js';

const APP_SECRET = 'meta-app-secret-0123456789abcdef';
const VERIFY_TOKEN = 'verify-token-of-the-notifier';
const PAGE = '1029384756';
const CHANNEL = 'digest';

type Event = Record<string, unknown>;
const party = (psid: string) => ({ sender: { id: psid }, recipient: { id: PAGE } });
const delivered = (psid: string, watermark: number): Event => ({ ...party(psid), delivery: { watermark } });
const read = (psid: string, watermark: number): Event => ({ ...party(psid), read: { watermark } });
const optin = (psid: string, status: string, timestamp: number, token?: string): Event => ({
  ...party(psid),
  timestamp,
  optin: {
    type: 'notification_messages',
    notification_messages_status: status,
    ...(token ? { notification_messages_token: token } : {}),
  },
});

/** A webhook body as Meta writes it: one entry of one Page, sent now unless told. */
const body = (messaging: Event[], options: { time?: number; page?: string } = {}) =>
  JSON.stringify({
    object: 'page',
    entry: [{ id: options.page ?? PAGE, time: options.time ?? Date.now(), messaging }],
  });

describe('the Messenger webhook receiver', () => {
  let harness: Harness;
  let ledger: Ledger;
  let receipts: Receipts;
  let suppressions: Suppressions;
  let endpoint: Awaited<ReturnType<typeof startReceiverEndpoint>>;

  const post = async (text: string, headers: Record<string, string> = signedRequest(text, APP_SECRET).headers) => {
    const response = await fetch(endpoint.url, { method: 'POST', body: text, headers });
    return { status: response.status, text: await response.text() };
  };
  const marks = async (psid: string, channel = CHANNEL) => (await receipts.among(channel, [psid])).get(psid);

  before(async () => {
    harness = await startHarness();
    for (const [id, pageId] of [
      [CHANNEL, PAGE],
      [`${CHANNEL}-eu`, PAGE],
      ['elsewhere', '5647382910'],
    ] as const)
      await harness.stack.putConfig({
        kind: 'channel',
        id,
        type: 'messenger',
        baseUrl: harness.sandbox.baseUrl,
        pageId,
        accessToken: { inline: TOKEN },
        allowInlineSecrets: true,
      });
    ledger = createLedger({ table: harness.stack.names.ledger });
    receipts = new Receipts(ledger.table);
    suppressions = new Suppressions(ledger.table);
    endpoint = await startReceiverEndpoint({
      configTable: harness.stack.names.config,
      ledgerTable: harness.stack.names.ledger,
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
      log: createLogger({ function: 'receiver' }),
    });
  });

  after(async () => {
    await endpoint?.stop();
    await harness?.stop();
  });

  it("answers Meta's verification request with hub.challenge, and refuses a wrong verify token", async () => {
    const ask = async (query: string) => {
      const response = await fetch(`${endpoint.url}?${query}`);
      return { status: response.status, text: await response.text() };
    };
    assert.deepEqual(await ask(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`), {
      status: 200,
      text: '1158201444',
    });
    for (const query of [
      'hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1',
      `hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`,
      'hub.challenge=1',
    ]) {
      const answer = await ask(query);
      assert.equal(answer.status, 403, query);
      assert.match(answer.text, /verification refused/);
    }
  });

  it('applies a signed body to every channel of its Page, and refuses an unsigned or wrongly signed one unwritten', async () => {
    const text = body([delivered('7001', 1_700_000_001_000), read('7001', 1_700_000_000_500)]);
    const unsigned = await post(text, { 'content-type': 'application/json' });
    assert.deepEqual(unsigned, { status: 401, text: 'X-Hub-Signature-256 is missing' });
    const forged = await post(text, signedRequest(text, 'another-app-secret').headers);
    assert.deepEqual(forged, { status: 401, text: 'X-Hub-Signature-256 does not match the body' });
    const tampered = await post(text.replace('7001', '7002'), signedRequest(text, APP_SECRET).headers);
    assert.equal(tampered.status, 401);
    const truncated = await post(text, { 'x-hub-signature-256': signBody(text, APP_SECRET).slice(0, 40) });
    assert.equal(truncated.status, 401);
    assert.equal(await marks('7001'), undefined, 'nothing written before the signature held');

    const accepted = await post(text);
    assert.equal(accepted.status, 200, accepted.text);
    assert.deepEqual(JSON.parse(accepted.text), {
      delivered: 2,
      read: 2,
      optedOut: 0,
      optedIn: 0,
      unchanged: 0,
      ignored: 0,
      problems: [],
    });
    for (const channel of [CHANNEL, `${CHANNEL}-eu`])
      assert.deepEqual(await marks('7001', channel), { delivered: 1_700_000_001_000, read: 1_700_000_000_500 });
    assert.equal(await marks('7001', 'elsewhere'), undefined, "another Page's channel is not touched");
  });

  it('moves a watermark only forward: a receipt that arrives late or twice leaves the later one', async () => {
    const first = await post(body([delivered('7100', 3_000), read('7100', 2_000)]));
    assert.equal(first.status, 200, first.text);
    const late = await post(body([delivered('7100', 1_000), read('7100', 2_000), delivered('7100', 2_500)]));
    assert.equal(late.status, 200);
    assert.equal(JSON.parse(late.text).unchanged, 6, 'three receipts, two channels, none moved');
    assert.deepEqual(await marks('7100'), { delivered: 3_000, read: 2_000 });
    const later = await post(body([read('7100', 4_000)]));
    assert.equal(JSON.parse(later.text).read, 2);
    assert.deepEqual(await marks('7100'), { delivered: 3_000, read: 4_000 });
  });

  it('refuses a stale body, or one from the future, before any write', async () => {
    const old = await post(body([delivered('7200', 5_000)], { time: Date.now() - STALE_AFTER_MS - 60_000 }));
    assert.equal(old.status, 403);
    assert.match(old.text, /^stale: entry of Page 1029384756 is from .*more than 48 h ago$/);
    const future = await post(body([delivered('7200', 5_000)], { time: Date.now() + 3_600_000 }));
    assert.equal(future.status, 403);
    assert.match(future.text, /in the future/);
    assert.equal(await marks('7200'), undefined);
  });

  it('turns an opt-out into a suppression under the agreed key, and a later re-opt-in into its removal', async () => {
    const at = Date.now() - 60_000;
    const stop = await post(body([optin('7300', 'STOP_NOTIFICATIONS', at, 'token-7300')]));
    assert.equal(stop.status, 200, stop.text);
    assert.equal(JSON.parse(stop.text).optedOut, 2);
    const { Item } = await harness.stack.dynamo.send(
      new GetItemCommand({
        TableName: harness.stack.names.ledger,
        Key: keyAttributes(suppressionKey(CHANNEL, 'token-7300')),
        ConsistentRead: true,
      }),
    );
    assert.equal(Item?.pk?.S, `suppression#${CHANNEL}`);
    assert.equal(Item?.sk?.S, 'token-7300', 'the subscription token, as a Marketing Messages audience holds it');
    assert.equal(Item?.source?.S, 'opt-out');
    assert.equal(Item?.at?.S, new Date(at).toISOString());
    assert.match(String(Item?.reason?.S), /STOP_NOTIFICATIONS/);
    assert.equal(Item?.expiresAt, undefined, 'an opt-out holds until the person opts in again');

    // A re-opt-in older than the opt-out (Meta's retries come out of order) lifts nothing.
    await post(body([optin('7300', 'RESUME_NOTIFICATIONS', at - 1_000, 'token-7300')]));
    assert.equal((await suppressions.among(CHANNEL, ['token-7300'])).size, 1);
    const resume = await post(body([optin('7300', 'RESUME_NOTIFICATIONS', at + 1_000, 'token-7300')]));
    assert.equal(JSON.parse(resume.text).optedIn, 2);
    assert.equal((await suppressions.among(CHANNEL, ['token-7300'])).size, 0);
    assert.equal((await suppressions.among(`${CHANNEL}-eu`, ['token-7300'])).size, 0);

    // A STOP retried after the RESUME that overtook it loses to the RESUME's tombstone.
    await post(body([optin('7300', 'STOP_NOTIFICATIONS', at + 500, 'token-7300')]));
    assert.equal((await suppressions.among(CHANNEL, ['token-7300'])).size, 0, 'an older STOP does not come back');

    // Without a token nothing is applied: the PSID also gets replies and utility templates the person did not refuse.
    const tokenless = await post(body([optin('7301', 'STOP_NOTIFICATIONS', at)]));
    assert.match(JSON.parse(tokenless.text).problems.join('\n'), /7301 names no notification_messages_token/);
    assert.equal((await suppressions.among(CHANNEL, ['7301'])).size, 0);

    // A block the sender found stays through a STOP and a RESUME of the same token.
    await suppressions.add({ channel: CHANNEL, recipient: 'token-7302', reason: 'blocked', source: 'send', at: '' });
    await post(body([optin('7302', 'STOP_NOTIFICATIONS', at, 'token-7302')]));
    await post(body([optin('7302', 'RESUME_NOTIFICATIONS', at + 1_000, 'token-7302')]));
    assert.equal((await suppressions.among(CHANNEL, ['token-7302'])).get('token-7302')?.source, 'send');
  });

  it('answers an exact replay without applying it again', async () => {
    const at = Date.now() - 30_000;
    const stop = body([optin('7400', 'STOP_NOTIFICATIONS', at, 'token-7400')]);
    assert.equal((await post(stop)).status, 200);
    assert.equal((await post(body([optin('7400', 'RESUME_NOTIFICATIONS', at + 1, 'token-7400')]))).status, 200);
    const replay = await post(stop);
    assert.deepEqual(replay, { status: 200, text: '{"replay":true}' });
    assert.equal((await suppressions.among(CHANNEL, ['token-7400'])).size, 0, 'the replayed opt-out is not re-applied');
  });

  it('names a bad entry, a bad event and an unknown Page, and applies the rest of the batch', async () => {
    const text = JSON.stringify({
      object: 'page',
      entry: [
        { id: PAGE, time: Date.now(), messaging: [delivered('7500', 9_000)] },
        { id: 'not-a-page', time: Date.now(), messaging: [delivered('7500', 9_500)] },
        { id: '999', time: Date.now(), messaging: [delivered('7500', 9_600)] },
        {
          id: PAGE,
          time: Date.now(),
          messaging: [read('7500', 'soon' as unknown as number), read('7500', 8_000), { message: { text: 'hi' } }],
        },
      ],
    });
    const answer = await post(text);
    assert.equal(answer.status, 200, answer.text);
    const tally = JSON.parse(answer.text);
    assert.deepEqual(tally.problems, [
      'entry[1]: id must be a numeric id',
      'Page 999: no channel item has this pageId; its events were not applied',
      'entry[3].messaging[0]: read.watermark Invalid input: expected number, received NaN',
    ]);
    assert.equal(tally.ignored, 1, "a message is the team's bot's, not the receiver's");
    assert.deepEqual(await marks('7500'), { delivered: 9_000, read: 8_000 });
  });

  it('refuses a body that is not JSON, not a Page webhook, or over the size limit', async () => {
    assert.deepEqual(await post('{"object":'), { status: 400, text: 'body is not JSON' });
    const instagram = await post(JSON.stringify({ object: 'instagram', entry: [{}] }));
    assert.equal(instagram.status, 400);
    assert.match(instagram.text, /^not a Messenger Page webhook body: object/);
    const huge = body([{ padding: 'x'.repeat(MAX_BODY_BYTES) }]);
    const oversized = await post(huge, { 'x-hub-signature-256': 'sha256=0' });
    assert.equal(oversized.status, 413);
    assert.match(oversized.text, /over the receiver's limit of 1048576/);
  });

  it('applies a body once when a write lands but its answer is lost: answered as an error, delivered again', async () => {
    const table = ledger.table;
    const real = new Receipts(table);
    let lose = 1;
    const receive = createReceiver({
      secrets: async () => ({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN }),
      channelsOfPage: (pageId) => new DynamoConfigStore(harness.stack.names.config, 0).channelsOfPage(pageId),
      receipts: {
        advance: async (options) => {
          const moved = await real.advance(options);
          if (lose-- > 0) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
          return moved;
        },
      },
      suppressions,
      applied: new AppliedBodies(table),
      log: createLogger({ function: 'receiver' }),
    });
    const text = body([delivered('7600', 12_000), read('7600', 11_000)]);
    const event: FunctionUrlEvent = {
      requestContext: { http: { method: 'POST' } },
      headers: signedRequest(text, APP_SECRET).headers,
      body: text,
    };
    await assert.rejects(receive(event), /socket hang up/);
    const retried = await receive(event);
    assert.equal(retried.statusCode, 200, retried.body);
    assert.deepEqual(await marks('7600'), { delivered: 12_000, read: 11_000 });
    assert.equal((await receive(event)).body, '{"replay":true}');
  });

  it("accepts a body the team's own app forwards unchanged, and refuses one it re-serialised", async () => {
    // The forwarding snippet of docs/RECEIVER.md (the raw bytes and the signature header, as received), and on
    // /reserialise the mistake it warns of.
    const RECEIVER_URL = endpoint.url;
    const bot = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const raw = Buffer.concat(chunks);
        response.writeHead(200).end('EVENT_RECEIVED');
        const forward = request.url?.includes('reserialise') ? JSON.stringify(JSON.parse(raw.toString())) : raw;
        await fetch(RECEIVER_URL, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': String(request.headers['x-hub-signature-256']),
          },
          body: forward,
        });
      });
    });
    await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
    const botUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}`;
    try {
      // Meta escapes non-ASCII in its bodies; a JSON round trip writes the characters themselves.
      const text = body([delivered('7700', 20_000), { ...party('7700'), message: { text: 'caf\\u00e9' } }]).replace(
        'caf\\\\u00e9',
        'caf\\u00e9',
      );
      const sent = await fetch(`${botUrl}/webhook`, { method: 'POST', ...signedRequest(text, APP_SECRET) });
      assert.equal(sent.status, 200);
      await waitForMarks(() => marks('7700'));
      assert.deepEqual(await marks('7700'), { delivered: 20_000 });

      const changed = body([delivered('7701', 20_000), { ...party('7701'), message: { text: 'caf\\u00e9' } }]).replace(
        'caf\\\\u00e9',
        'caf\\u00e9',
      );
      await fetch(`${botUrl}/reserialise`, { method: 'POST', ...signedRequest(changed, APP_SECRET) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await marks('7701'), undefined, 'a re-serialised body no longer matches its signature');
    } finally {
      await new Promise<void>((resolve) => bot.close(() => resolve()));
    }
  });

  it('emits from the sandbox the events Meta would, signed, and `notifier outcomes` shows delivered and read', async () => {
    const runId = 'digest@2026-12-01T08:00:00Z';
    const psids = ['7801', '7802', '7803'];
    for (const psid of psids) {
      const response = await fetch(`${harness.sandbox.baseUrl}/v23.0/me/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ recipient: { id: psid }, messaging_type: 'UPDATE', message: { text: 'digest' } }),
      });
      const { message_id } = (await response.json()) as { message_id: string };
      await ledger.records.recordTest({
        runId,
        job: 'digest',
        recipientId: psid,
        outcome: { status: 'sent', providerMessageId: message_id },
      });
    }
    const accepted = harness.sandbox.deliveries.filter((delivery) => psids.includes(delivery.recipientId));
    const plan = { pageId: PAGE, readShare: 0, optOutShare: 0, seed: 1 };
    const [deliveries] = harness.sandbox.webhookBodies({ ...plan, eventsPerBody: 1_000 });
    assert.ok(deliveries);
    const onlyOurs = (text: string) => {
      const parsed = JSON.parse(text);
      parsed.entry[0].messaging = parsed.entry[0].messaging.filter(
        (event: Event) =>
          psids.includes((event.sender as { id: string }).id) && (event.sender as { id: string }).id !== '7803',
      );
      return JSON.stringify(parsed);
    };
    assert.equal(accepted.length, 3);
    assert.equal((await post(onlyOurs(deliveries))).status, 200);
    const [withReads] = harness.sandbox.webhookBodies({ ...plan, readShare: 1, eventsPerBody: 1_000 });
    const reads = JSON.parse(withReads as string);
    reads.entry[0].messaging = reads.entry[0].messaging.filter(
      (event: Event) => 'read' in event && (event.sender as { id: string }).id === '7801',
    );
    assert.equal((await post(JSON.stringify(reads))).status, 200);

    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['outcomes', runId, '--receipts', '--channel', CHANNEL], {
      out: (text) => out.push(text),
      err: (text) => err.push(text),
    });
    assert.equal(code, 0, err.join('\n'));
    const lines = out.join('\n').split('\n');
    assert.match(lines[0] as string, /^time\s+status\s+receipt\s+class/);
    const row = (psid: string) => lines.find((line) => line.includes(` ${psid} `)) ?? '';
    assert.match(row('7801'), /sent\s+read\s/);
    assert.match(row('7802'), /sent\s+delivered\s/);
    assert.match(row('7803'), /sent\s+-\s/);
    assert.match(err.join('\n'), /3 outcomes listed: 3 sent, 0 failed, 0 skipped; of the sent, 2 delivered, 1 read/);
    const plain: string[] = [];
    assert.equal(await main(['outcomes', runId], { out: (text) => plain.push(text), err: () => undefined }), 0);
    assert.match(plain[0] as string, /^time\s+status\s+class\s+recipient/, 'no receipt column unless asked');
    const unknown = await main(['outcomes', runId, '--receipts', '--config-table', harness.stack.names.config], {
      out: () => undefined,
      err: (text) => plain.push(text),
    });
    assert.equal(unknown, 2, "the run's job is no config item: its channel cannot be told");
    assert.match(plain.at(-1) as string, /--receipts needs the run's channel/);

    await ledger.runs.acquire({
      runId,
      job: 'digest',
      scheduledTime: '2026-12-01T08:00:00Z',
      owner: 'test',
      leaseMs: 1_000,
    });
    const status: string[] = [];
    assert.equal(
      await main(['status', runId, '--receipts', '--channel', CHANNEL, '--json'], {
        out: (text) => status.push(text),
        err: (text) => status.push(text),
      }),
      0,
      status.join('\n'),
    );
    assert.deepEqual((({ delivered: d, read: r }) => ({ delivered: d, read: r }))(JSON.parse(status[0] as string)), {
      delivered: 2,
      read: 1,
    });
  });

  /** One scheduled run of `job` through the planner, the queue and the senders; its outcomes once all are in. */
  async function runJob(job: string, scheduledTime: string, recipients: number) {
    await runJobThrough(harness.stack, ledger.runs, { job, scheduledTime, recipients });
    const { outcomes: recorded } = await collectOutcomes(ledger.table, `${job}@${scheduledTime}`);
    return new Map(recorded.map((outcome) => [outcome.recipientId, outcome]));
  }

  it('honours an opt-out on the next run of a token job: skipped, no request; a re-opt-in lifts it', async () => {
    // A Recurring Notifications job: its audience holds notification_messages tokens, while Meta's opt-out names the
    // person by PSID as well; the suppression must be keyed by what the audience column holds.
    const database = await seedAudience(12, {
      extraRows: "ALTER TABLE users ADD COLUMN rn_token text; UPDATE users SET rn_token = 'rn-token-' || id",
    });
    const [databaseItem, , jobItem] = messengerJob(database, harness.sandbox.baseUrl, {
      id: 'offers',
      channel: CHANNEL,
      audience: {
        sql: 'SELECT id, rn_token, first_name FROM users WHERE opted_in = $1',
        params: [true],
        idColumn: 'id',
        recipientColumn: 'rn_token',
        recipientKind: 'notification_messages_token',
      },
    });
    for (const item of [databaseItem, jobItem]) await harness.stack.putConfig(item as Record<string, unknown>);
    const everyone = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12].map((n) => `rn-token-${n}`);
    const requestsFor = (token: string) =>
      harness.sandbox.requests.filter((request) => request.recipientId === token).length;

    const first = await runJob('offers', '2026-12-02T08:00:00Z', everyone.length);
    for (const token of everyone) assert.equal(first.get(token)?.status, 'sent', token);

    // What Meta reports back for the run, made and signed by the sandbox: every recipient stops Marketing Messages;
    // three of those opt-outs are posted.
    const stopping = ['rn-token-2', 'rn-token-5', 'rn-token-8'];
    const [reported] = metaWebhookBodies(
      harness.sandbox.deliveries.filter((delivery) => everyone.includes(delivery.recipientId)),
      { pageId: PAGE, readShare: 0, optOutShare: 1, seed: 21, eventsPerBody: 1_000 },
    );
    const parsed = JSON.parse(reported as string);
    const optOuts = (parsed.entry[0].messaging as Event[]).filter((event) => {
      const optin = event.optin as { notification_messages_token?: string } | undefined;
      return stopping.includes(optin?.notification_messages_token ?? '');
    });
    assert.equal(optOuts.length, stopping.length);
    for (const event of optOuts)
      assert.ok(!everyone.includes((event.sender as { id: string }).id), 'the PSID is not what the audience holds');
    parsed.entry[0].messaging = optOuts;
    const stopped = await post(JSON.stringify(parsed));
    assert.equal(stopped.status, 200, stopped.text);

    // Between the runs the person behind rn-token-5 resumes them, after the opt-out.
    const resumer = optOuts.find(
      (event) => (event.optin as { notification_messages_token: string }).notification_messages_token === 'rn-token-5',
    ) as Event;
    const resumed = await post(
      body([
        optin(
          (resumer.sender as { id: string }).id,
          'RESUME_NOTIFICATIONS',
          (resumer.timestamp as number) + 1_000,
          'rn-token-5',
        ),
      ]),
    );
    assert.equal(resumed.status, 200, resumed.text);
    const listed = await suppressions.among(CHANNEL, everyone);
    assert.deepEqual([...listed.keys()].sort(), ['rn-token-2', 'rn-token-8']);

    const second = await runJob('offers', '2026-12-03T08:00:00Z', everyone.length);
    for (const token of ['rn-token-2', 'rn-token-8']) {
      assert.equal(requestsFor(token), 1, `${token} opted out: no request on the next run`);
      assert.equal(second.get(token)?.status, 'skipped', token);
      assert.match(
        second.get(token)?.reason ?? '',
        new RegExp(
          `^on the suppression list of channel "${CHANNEL}": stopped Marketing Messages ` +
            '\\(messaging_optins STOP_NOTIFICATIONS\\) \\(opt-out, since ',
        ),
      );
    }
    for (const token of everyone.filter((id) => id !== 'rn-token-2' && id !== 'rn-token-8')) {
      assert.equal(requestsFor(token), 2, `${token} is sent to again`);
      assert.equal(second.get(token)?.status, 'sent', token);
    }
  });

  it("the sandbox's opt-out of a Marketing Message API send suppresses its subscription token", async () => {
    const token = 'mm-subscription-token-1';
    const send = { message_id: '2150', messenger_delivery_data: { subscription_token: token }, message: { text: 'x' } };
    const [reported] = metaWebhookBodies(
      // A Marketing Message API send names the ad account, not the Page, in its path.
      [{ recipientId: token, page: 'act_1234567890', text: 'x', body: send, at: Date.now() - 5_000 }],
      {
        pageId: PAGE,
        readShare: 0,
        optOutShare: 1,
        seed: 1,
      },
    );
    const answer = await post(reported as string);
    assert.equal(answer.status, 200, answer.text);
    assert.equal((await suppressions.among(CHANNEL, [token])).get(token)?.source, 'opt-out');
  });

  it('keeps a suppression list whose writes are safe to repeat and whose reads batch and page', async () => {
    const entry = { channel: 'list-test', recipient: 'r-0', reason: 'stopped', source: 'opt-out' as const, at: 'x' };
    await suppressions.add(entry);
    await suppressions.add(entry);
    await suppressions.add({ ...entry, channel: 'list-test-2', expiresAt: 2_000_000_000 });
    for (let n = 1; n < 130; n++) await suppressions.add({ ...entry, recipient: `r-${n}`, source: 'operator' });
    const asked = Array.from({ length: 150 }, (_, n) => `r-${n}`);
    const found = await suppressions.among('list-test', [...asked, 'r-0']);
    assert.equal(found.size, 130, 'two BatchGetItem requests, duplicates asked once');
    assert.deepEqual(found.get('r-0'), entry);
    const listed = [];
    for await (const item of suppressions.list('list-test')) listed.push(item);
    assert.equal(listed.length, 130);
    const everywhere = [];
    for await (const item of suppressions.list()) if (item.channel.startsWith('list-test')) everywhere.push(item);
    assert.equal(everywhere.length, 131);
    assert.equal(everywhere.find((item) => item.channel === 'list-test-2')?.expiresAt, 2_000_000_000);
    await suppressions.remove('list-test', 'r-0');
    await suppressions.remove('list-test', 'r-0');
    assert.equal((await suppressions.among('list-test', ['r-0'])).size, 0);
  });

  it('ships as a bundle that reads its secret from Secrets Manager once per container', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:meta-webhook-AbCdEf';
    const store = await startSecretStore(arn, { appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: store.endpoint, NOTIFIER_RECEIVER_SECRET: arn });
    try {
      const handler = await loadBundle<FunctionUrlEvent, FunctionUrlResult>('receiver');
      const context = { getRemainingTimeInMillis: () => 10_000, awsRequestId: 'r', functionName: 'acme-receiver' };
      const challenge = await handler(
        {
          requestContext: { http: { method: 'GET' } },
          queryStringParameters: { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '42' },
        },
        context,
      );
      assert.deepEqual([challenge.statusCode, challenge.body], [200, '42']);
      const text = body([delivered('7900', 30_000)]);
      const applied = await handler(
        {
          requestContext: { http: { method: 'POST' } },
          headers: signedRequest(text, APP_SECRET).headers,
          body: Buffer.from(text).toString('base64'),
          isBase64Encoded: true,
        },
        context,
      );
      assert.equal(applied.statusCode, 200, applied.body);
      assert.deepEqual(await marks('7900'), { delivered: 30_000 });
      assert.deepEqual(
        new Set(store.reads),
        new Set([arn]),
        'both keys of the one secret, read once each and cached after',
      );
      assert.equal(store.reads.length, 2);
    } finally {
      delete process.env.NOTIFIER_RECEIVER_SECRET;
      await store.stop();
    }
  });
});

async function waitForMarks(probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await probe()) === undefined && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

/** A Secrets Manager endpoint holding one secret: what the shipped receiver reads its app secret and token from. */
async function startSecretStore(arn: string, secret: object) {
  const reads: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString()) as { SecretId: string };
      reads.push(SecretId);
      response.writeHead(SecretId === arn ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify(
          SecretId === arn
            ? { ARN: arn, Name: 'meta-webhook', SecretString: JSON.stringify(secret) }
            : { __type: 'ResourceNotFoundException', message: 'no such secret' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
