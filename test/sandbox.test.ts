import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { OutboundMessage } from '../handlers/channels/channel.js';
import { parseUsagePercent } from '../handlers/channels/graph-errors.js';
import { messengerChannel } from '../handlers/channels/messenger.js';
import {
  MARKETING_TEXT_MAX,
  type MessengerChannelConfig,
  parseConfigItem,
  type RecipientKind,
} from '../handlers/config/schema.js';
import type { DeliveryError } from '../handlers/core/errors.js';
import { WINDOW_MS } from '../handlers/core/window.js';
import { type Fault, type FaultShares, faultFor } from '../tools/local/fault-plan.js';
import { MARKETING_TEXT_MAX as META_TEXT_MAX } from '../tools/local/messenger-routes.js';
import { WINDOW_MS as META_WINDOW_MS } from '../tools/local/messenger-window.js';
import { type SandboxOptions, startSandbox } from '../tools/local/sandbox.js';
import { usageWindow } from '../tools/local/sandbox-rate.js';

const TOKEN = 'sandbox-test-token-"quoted"-ü';
const shares: FaultShares = { transientOnce: 0.25, hangFirst: 0.25, permanent: 0.25 };
const SEED = 11;

/** The first recipient (hostile ids included) whose plan is `fault`. */
function recipientWith(fault: Fault, prefix = 'Zoë 🚀 '): string {
  for (let n = 0; n < 10_000; n++) if (faultFor(SEED, `${prefix}${n}`, shares) === fault) return `${prefix}${n}`;
  throw new Error(`no recipient with ${fault}`);
}

const sandboxes: { stop(): Promise<void> }[] = [];
after(async () => {
  for (const sandbox of sandboxes) await sandbox.stop();
});

async function sandboxWith(options: SandboxOptions) {
  const sandbox = await startSandbox({ accessToken: TOKEN, ...options });
  sandboxes.push(sandbox);
  return sandbox;
}

/** One Send API call through Node's own HTTP client; `timeoutMs` makes it give up, closing the connection. */
async function send(baseUrl: string, recipientId: string, options: { timeoutMs?: number } = {}) {
  try {
    const response = await fetch(`${baseUrl}/v21.0/me/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ recipient: { id: recipientId }, message: { text: `Hi ${recipientId} \uFFFE` } }),
      ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as { error?: { code: number } },
    };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return 'gave up' as const;
    throw error;
  }
}

const waitFor = async (condition: () => boolean, what: string) => {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 100) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('Messenger sandbox as a provider with tails', () => {
  it('does not deliver a hung first request the client gave up on, and delivers the retry', async () => {
    const sandbox = await sandboxWith({ faults: { seed: SEED, shares, hangMs: 20_000 } });
    const hung = recipientWith('hang-first');
    assert.equal(await send(sandbox.baseUrl, hung, { timeoutMs: 300 }), 'gave up');
    await waitFor(() => sandbox.counts().abandoned === 1, 'the abandoned request to be counted');
    assert.equal(sandbox.deliveries.length, 0);
    const retry = await send(sandbox.baseUrl, hung);
    assert.ok(retry !== 'gave up' && retry.status === 200);
    assert.deepEqual(
      sandbox.deliveries.map((delivery) => delivery.recipientId),
      [hung],
    );
    assert.equal(sandbox.deliveries[0]?.text, `Hi ${hung} \uFFFE`);
    assert.deepEqual(
      { ...sandbox.counts(), firstRequestAt: 0, lastAnswerAt: 0 },
      {
        requests: 2,
        deliveries: 1,
        rejectedForRate: 0,
        abandoned: 1,
        duplicates: 0,
        firstRequestAt: 0,
        lastAnswerAt: 0,
      },
    );
  });

  it('does not deliver an ordinary send whose answer came after the client left', async () => {
    const sandbox = await sandboxWith({ latencyMs: 1_000, faults: { seed: SEED, shares } });
    assert.equal(await send(sandbox.baseUrl, recipientWith('ok'), { timeoutMs: 100 }), 'gave up');
    await waitFor(() => sandbox.counts().abandoned === 1, 'the abandoned request to be counted');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal(sandbox.deliveries.length, 0);
  });

  it('with acceptLate, delivers the send the client gave up on, so the retry is a duplicate', async () => {
    const sandbox = await sandboxWith({ acceptLate: true, faults: { seed: SEED, shares, hangMs: 20_000 } });
    const hung = recipientWith('hang-first');
    assert.equal(await send(sandbox.baseUrl, hung, { timeoutMs: 300 }), 'gave up');
    await waitFor(() => sandbox.counts().abandoned === 1, 'the abandoned request to be counted');
    assert.equal(sandbox.deliveries.length, 1);
    const retry = await send(sandbox.baseUrl, hung);
    assert.ok(retry !== 'gave up' && retry.status === 200);
    assert.equal(sandbox.deliveries.length, 2);
    assert.equal(sandbox.counts().duplicates, 1);
  });

  it('answers a transient-once recipient with error 2 once, a permanent one with 551 every time', async () => {
    const sandbox = await sandboxWith({ faults: { seed: SEED, shares } });
    const flaky = recipientWith('transient-once', '\u202E"{{first_name}}"\u0001 ');
    const first = await send(sandbox.baseUrl, flaky);
    assert.ok(first !== 'gave up');
    assert.deepEqual([first.status, first.body.error?.code], [500, 2]);
    const second = await send(sandbox.baseUrl, flaky);
    assert.ok(second !== 'gave up' && second.status === 200);
    const blocked = recipientWith('permanent');
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await send(sandbox.baseUrl, blocked);
      assert.ok(answer !== 'gave up');
      assert.equal(answer.body.error?.code, 551);
    }
    assert.deepEqual(
      sandbox.deliveries.map((delivery) => delivery.recipientId),
      [flaky],
    );
    assert.equal(sandbox.counts().abandoned, 0);
  });

  it('reports rising usage in x-business-use-case-usage as load grows, and answers 613 past the limit', async () => {
    const sandbox = await sandboxWith({ ratePerSecond: 50, usageWindowMs: 2_000 });
    const usageAfter = async (count: number) => {
      const answers = await Promise.all(
        Array.from({ length: count }, (_, n) => send(sandbox.baseUrl, `load-${count}-${n}`)),
      );
      // Each call is counted before its answer is written, so the answer written last counts them all.
      let highest = 0;
      for (const answer of answers) {
        assert.ok(answer !== 'gave up');
        const raw = JSON.parse(answer.headers.get('x-business-use-case-usage') as string) as Record<
          string,
          { type: string; call_count: number }[]
        >;
        const [entry] = Object.values(raw)[0] ?? [];
        assert.equal(entry?.type, 'messenger');
        assert.equal(
          parseUsagePercent(answer.headers),
          entry?.call_count,
          'the sender reads the value the sandbox reports',
        );
        highest = Math.max(highest, entry?.call_count ?? 0);
      }
      return highest;
    };
    const low = await usageAfter(10);
    const high = await usageAfter(40);
    // 100 calls fill a 2 s window at 50/s: 10 calls are 10 %, 50 are 50 %.
    assert.equal(low, 10);
    assert.equal(high, 50);
    const over = await Promise.all(Array.from({ length: 100 }, (_, n) => send(sandbox.baseUrl, `over-${n}`)));
    const rejected = over.filter((answer) => answer !== 'gave up' && answer.body.error?.code === 613).length;
    assert.ok(rejected > 0, 'the bucket holds 50 tokens; 150 calls within a second or two exceed it');
    assert.equal(sandbox.counts().rejectedForRate, rejected);
    assert.equal(sandbox.counts().requests, 150);
  });

  it('keeps no usage header without a rate limit or with a window of 0', async () => {
    for (const options of [{}, { ratePerSecond: 10, usageWindowMs: 0 }]) {
      const sandbox = await sandboxWith(options);
      const answer = await send(sandbox.baseUrl, 'plain');
      assert.ok(answer !== 'gave up');
      assert.equal(answer.headers.get('x-business-use-case-usage'), null);
    }
  });

  it('forgets calls older than the window', () => {
    const window = usageWindow(10, 1_000);
    for (let at = 0; at < 5; at++) window.record(at * 100);
    assert.equal(window.percent(450), 50);
    assert.equal(window.percent(1_250), 20);
    assert.equal(window.percent(5_000), 0);
  });

  it('refuses fault shares out of range before it listens', async () => {
    await assert.rejects(
      startSandbox({ faults: { seed: 1, shares: { permanent: 2 } } }),
      /permanent must be a number in 0\.\.1, got 2/,
    );
  });
});

describe('Messenger sandbox: the 24-hour window and subscription tokens', () => {
  const hour = 3_600_000;
  // An ASCII page token: these tests are about the window, not about how a header carries other characters.
  const pageToken = 'EAAB-window-test-token';
  const window = () => ({
    lastInteractionAt: new Map([
      ['psid-in', Date.now() - 2 * hour],
      ['psid-out', Date.now() - 30 * hour],
      ['ref-in', Date.now() - hour],
      ['ref-out', Date.now() - 48 * hour],
    ]),
    tokens: new Map([
      ['token-ok', 'valid'],
      ['token-stopped', 'opted-out'],
      ['token-theirs', 'other-page'],
    ] as const),
  });
  const channelFor = (baseUrl: string) =>
    messengerChannel(
      parseConfigItem('channel', {
        id: 'm',
        type: 'messenger',
        baseUrl,
        pageId: 'me',
        accessToken: { inline: pageToken },
        allowInlineSecrets: true,
      }) as MessengerChannelConfig,
      pageToken,
    );
  const message = (
    recipientId: string,
    recipientKind: RecipientKind,
    extra: Partial<OutboundMessage> = {},
  ): OutboundMessage => ({
    recipientId,
    recipientKind,
    text: `Hi ${recipientId}`,
    messagingType: 'UPDATE',
    idempotencyKey: `run/${recipientId}`,
    ...extra,
  });
  const outcome = (channel: ReturnType<typeof channelFor>, sent: OutboundMessage) =>
    channel.send(sent).then(
      () => 'sent',
      (error: DeliveryError) => `${error.failureClass}: ${error.message}`,
    );

  it('refuses RESPONSE/UPDATE outside 24 hours with 10/2018278 and lets a tag or a valid token through', async () => {
    const sandbox = await sandboxWith({ accessToken: pageToken, window: window() });
    const channel = channelFor(sandbox.baseUrl);
    assert.equal(await outcome(channel, message('psid-in', 'psid', { messagingType: 'RESPONSE' })), 'sent');
    assert.equal(await outcome(channel, message('ref-in', 'user_ref')), 'sent');
    for (const [id, kind] of [
      ['psid-out', 'psid'],
      ['psid-never', 'psid'],
      ['ref-out', 'user_ref'],
    ] as const) {
      assert.match(
        await outcome(channel, message(id, kind)),
        /^permanent: Graph API error 10\/2018278 \(HTTP 400\): .*outside of allowed window.*; outside the 24-hour window: reach this person with a subscription token or a message tag/,
      );
    }
    assert.equal(
      await outcome(channel, message('psid-out', 'psid', { messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' })),
      'sent',
    );
    assert.equal(await outcome(channel, message('token-ok', 'notification_messages_token')), 'sent');
    assert.deepEqual(
      sandbox.deliveries.map((delivery) => delivery.recipientId),
      ['psid-in', 'ref-in', 'psid-out', 'token-ok'],
    );
    // The request shapes as the sandbox received them.
    const bodies = sandbox.deliveries.map((delivery) => delivery.body as Record<string, unknown>);
    assert.deepEqual(
      bodies.map((body) => [body.recipient, body.messaging_type, body.tag]),
      [
        [{ id: 'psid-in' }, 'RESPONSE', undefined],
        [{ user_ref: 'ref-in' }, 'UPDATE', undefined],
        [{ id: 'psid-out' }, 'MESSAGE_TAG', 'HUMAN_AGENT'],
        [{ notification_messages_token: 'token-ok' }, undefined, undefined],
      ],
    );
  });

  it("answers an opted-out, another Page's or unknown token with its error: permanent, with advice to remove or refresh it", async () => {
    const sandbox = await sandboxWith({ accessToken: pageToken, window: window() });
    const channel = channelFor(sandbox.baseUrl);
    const answers = await Promise.all(
      ['token-stopped', 'token-theirs', 'token-forged'].map((token) =>
        outcome(channel, message(token, 'notification_messages_token')),
      ),
    );
    assert.match(
      answers[0] as string,
      /^permanent: Graph API error 10\/1893015 .*stopped notification messages.*; the person stopped these messages: remove this notification_messages_token from the audience, or refresh it/,
    );
    assert.match(answers[1] as string, /^permanent: Graph API error 2300005 .*; the token belongs to another Page/);
    assert.match(
      answers[2] as string,
      /^permanent: Graph API error 100 .*notification_messages_token is invalid.*; .*remove this notification_messages_token/,
    );
    assert.equal(sandbox.deliveries.length, 0);
  });

  it('without a window model, every recipient is open, as before', async () => {
    const sandbox = await sandboxWith({ accessToken: pageToken });
    assert.equal(await outcome(channelFor(sandbox.baseUrl), message('psid-never', 'psid')), 'sent');
  });
});

describe('Messenger channel: the Graph API version it calls', () => {
  it('posts to /v26.0/<page>/messages by default, and to the version a channel names', async () => {
    const token = 'EAAB-version-test-token';
    const sandbox = await sandboxWith({ accessToken: token });
    const send = (extra: Record<string, unknown>) =>
      messengerChannel(
        parseConfigItem('channel', {
          id: 'm',
          type: 'messenger',
          baseUrl: sandbox.baseUrl,
          pageId: '1234',
          accessToken: { inline: token },
          allowInlineSecrets: true,
          ...extra,
        }) as MessengerChannelConfig,
        token,
      ).send({
        recipientId: 'psid-1',
        recipientKind: 'psid',
        text: 'Hi',
        messagingType: 'UPDATE',
        idempotencyKey: 'run/psid-1',
      });
    await send({});
    await send({ apiVersion: 'v23.0' });
    assert.deepEqual(
      sandbox.requests.map((request) => request.path),
      ['/v26.0/1234/messages', '/v23.0/1234/messages'],
    );
  });
});

describe('Messenger sandbox: the Marketing Message API and utility templates', () => {
  const pageToken = 'EAAB-routes-test-token';
  const model = () => ({
    lastInteractionAt: new Map([['psid-stale', Date.now() - 72 * 3_600_000]]),
    tokens: new Map([
      ['sub-ok', 'valid'],
      ['sub-stopped', 'opted-out'],
      ['sub-theirs', 'other-page'],
      ['sub-old', 'expired'],
    ] as const),
    campaigns: new Map([
      ['111', 'active'],
      ['222', 'not-ready'],
    ] as const),
    utilityTemplates: new Map([['order_update', { language: 'en_US', body: ['order_id'] }]]),
  });
  const channelFor = (baseUrl: string, adAccountId = '987654321') =>
    messengerChannel(
      parseConfigItem('channel', {
        id: 'm',
        type: 'messenger',
        baseUrl,
        pageId: '1909458034523498',
        adAccountId,
        accessToken: { inline: pageToken },
        allowInlineSecrets: true,
      }) as MessengerChannelConfig,
      pageToken,
    );
  const marketing = (token: string, messageId = '111'): OutboundMessage => ({
    recipientId: token,
    recipientKind: 'subscription_token',
    text: `Hi ${token}, 20% off`,
    messagingType: 'UPDATE',
    marketingMessage: { messageId },
    idempotencyKey: `run/${token}`,
  });
  const utility = (psid: string, name = 'order_update', orderId = '566701'): OutboundMessage => ({
    recipientId: psid,
    recipientKind: 'psid',
    utility: { name, language: 'en_US', body: { order_id: orderId } },
    messagingType: 'UPDATE',
    idempotencyKey: `run/${psid}`,
  });
  const attempt = (channel: ReturnType<typeof channelFor>, sent: OutboundMessage) =>
    channel.send(sent).then(
      (receipt) => ({ sent: receipt.providerMessageId }),
      (error: DeliveryError) => ({ failureClass: error.failureClass, message: error.message, details: error.details }),
    );

  it('sends a marketing message to act_<adAccountId>/messages and takes its tracking id as the message id', async () => {
    const sandbox = await sandboxWith({ accessToken: pageToken, window: model() });
    const answer = await attempt(channelFor(sandbox.baseUrl), marketing('sub-ok'));
    assert.deepEqual(answer, { sent: 'm_sandbox_1' });
    assert.equal(sandbox.requests[0]?.path, '/v26.0/act_987654321/messages');
    assert.equal(sandbox.requests[0]?.headers.authorization, `Bearer ${pageToken}`);
    assert.deepEqual(sandbox.deliveries[0]?.body, {
      message_id: '111',
      messenger_delivery_data: { subscription_token: 'sub-ok' },
      message: { text: 'Hi sub-ok, 20% off' },
    });
  });

  it("answers a stopped, another Page's, expired or unknown token with its code: permanent and suppressible", async () => {
    const sandbox = await sandboxWith({ accessToken: pageToken, window: model() });
    const channel = channelFor(sandbox.baseUrl);
    const answers = [];
    for (const token of ['sub-stopped', 'sub-theirs', 'sub-old', 'sub-forged'])
      answers.push(await attempt(channel, marketing(token)));
    assert.deepEqual(
      answers.map((answer) => ['failureClass' in answer && answer.failureClass, 'details' in answer && answer.details]),
      [2300034, 2300005, 2300037, 2300004].map((code) => ['permanent', { status: 400, code, suppressible: true }]),
    );
    assert.match(JSON.stringify(answers[3]), /Graph API error 2300004 .*remove this subscription token/);
    assert.equal(sandbox.deliveries.length, 0);
  });

  it('a campaign Meta is still preparing halts the job without failing anyone; an unknown one too', async () => {
    const sandbox = await sandboxWith({ accessToken: pageToken, window: model() });
    const channel = channelFor(sandbox.baseUrl);
    const notReady = await attempt(channel, marketing('sub-ok', '222'));
    assert.ok('failureClass' in notReady);
    assert.equal(notReady.failureClass, 'fatal');
    assert.match(notReady.message, /2300041 .*not ready yet/);
    const unknown = await attempt(channel, marketing('sub-ok', '333'));
    assert.ok('failureClass' in unknown && unknown.failureClass === 'fatal' && unknown.details.code === 2300001);
  });

  it('over its rate the Marketing Message API answers 2300078, rate-limited', async () => {
    const sandbox = await sandboxWith({ accessToken: pageToken, window: model(), ratePerSecond: 1, usageWindowMs: 0 });
    const channel = channelFor(sandbox.baseUrl);
    const answers = [await attempt(channel, marketing('sub-ok')), await attempt(channel, marketing('sub-ok'))];
    assert.deepEqual(answers[0], { sent: 'm_sandbox_1' });
    assert.ok('failureClass' in (answers[1] ?? {}));
    assert.deepEqual(
      [
        (answers[1] as { failureClass: string }).failureClass,
        (answers[1] as { details: { code: number } }).details.code,
      ],
      ['rate-limited', 2300078],
    );
  });

  it("a blocked person's fault plan is 2300034 on the Marketing Message API and 551 on the Send API, both suppressible", async () => {
    const sandbox = await sandboxWith({
      accessToken: pageToken,
      faults: { seed: SEED, shares: { permanent: 1 } },
    });
    const channel = channelFor(sandbox.baseUrl);
    const token = await attempt(channel, marketing('anyone'));
    const psid = await attempt(channel, utility('anyone'));
    assert.deepEqual(
      [token, psid].map((answer) => ('details' in answer ? [answer.details.code, answer.details.suppressible] : [])),
      [
        [2300034, true],
        [551, true],
      ],
    );
  });

  it('sends a utility template outside the 24-hour window; an unknown template or a missing placeholder is 100', async () => {
    const sandbox = await sandboxWith({ accessToken: pageToken, window: model() });
    const channel = channelFor(sandbox.baseUrl);
    assert.deepEqual(await attempt(channel, utility('psid-stale')), { sent: 'm_sandbox_1' });
    assert.equal(sandbox.requests[0]?.path, '/v26.0/1909458034523498/messages');
    assert.deepEqual(sandbox.deliveries[0]?.body, {
      recipient: { id: 'psid-stale' },
      messaging_type: 'UTILITY',
      message: {
        template: {
          name: 'order_update',
          language: { code: 'en_US' },
          components: [{ type: 'body', parameters: [{ type: 'text', parameter_name: 'order_id', text: '566701' }] }],
        },
      },
    });
    const unknown = await attempt(channel, utility('psid-stale', 'promo_blast'));
    assert.ok('failureClass' in unknown);
    assert.deepEqual([unknown.failureClass, unknown.details.code], ['permanent', 100]);
    assert.match(unknown.message, /promo_blast does not exist or is not approved/);
    const { utility: _template, ...rest } = utility('psid-stale');
    const plain = await attempt(channel, { ...rest, text: 'Hi' });
    assert.ok('failureClass' in plain && plain.details.code === 10 && plain.details.subcode === 2018278);
  });
});

describe('Messenger sandbox: each Page at its own limit (--page-limits)', () => {
  const post = (baseUrl: string, path: string) =>
    fetch(`${baseUrl}/v26.0/${path}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ recipient: { id: 'psid-1' }, message: { text: 'Hi' } }),
    }).then((response) => response.arrayBuffer());

  it("limits a Page at its own rate; the Marketing Message API's path names no Page and keeps the global rate", async () => {
    const sandbox = await sandboxWith({ ratePerSecond: 100, pageRates: { '100000000000001': 1 }, usageWindowMs: 0 });
    for (let n = 0; n < 3; n++) await post(sandbox.baseUrl, '100000000000001');
    for (let n = 0; n < 3; n++) await post(sandbox.baseUrl, 'act_987654321');
    assert.equal(sandbox.page('100000000000001').requests, 3);
    assert.ok(sandbox.page('100000000000001').rejectedForRate >= 1);
    assert.equal(sandbox.page('act_987654321').requests, 3);
    assert.equal(sandbox.page('act_987654321').rejectedForRate, 0);
  });
});

describe("the sandbox's Meta and the product agree on Meta's numbers", () => {
  it('the 24-hour window and the text template limit are the same on both sides', () => {
    assert.equal(META_WINDOW_MS, WINDOW_MS);
    assert.equal(META_TEXT_MAX, MARKETING_TEXT_MAX);
  });
});
