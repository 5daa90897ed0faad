import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { OutboundMessage } from '../handlers/channels/channel.js';
import { webhookChannel } from '../handlers/channels/webhook.js';
import type { WebhookChannelConfig } from '../handlers/config/schema.js';
import { FatalChannelError } from '../handlers/core/errors.js';

interface Delivery {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A receiving team's endpoint: it keeps the raw body and headers, which is what a verification library needs. */
async function startReceiver() {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), headers: plain(request.headers) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/notifier`,
    deliveries,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function plain(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
  );
}

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const message = (recipientId: string, runId = 'daily@2026-11-28T08:00:00Z'): OutboundMessage => ({
  recipientId,
  text: 'Hello Zoë 👋 "quoted" \\ back',
  messagingType: 'UPDATE',
  idempotencyKey: `${runId}/${recipientId}`,
});

describe('webhook deliveries verified with the standardwebhooks library', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let config: WebhookChannelConfig;
  before(async () => {
    receiver = await startReceiver();
    config = {
      kind: 'channel',
      id: 'hook',
      type: 'webhook',
      url: receiver.url,
      signingSecret: { ssmParameter: '/hook/new' },
      previousSigningSecret: { ssmParameter: '/hook/old' },
      timeoutMs: 2_000,
      ratePerSecond: 100,
      allowInlineSecrets: false,
    };
  });
  after(async () => receiver.stop());

  const last = () => receiver.deliveries.at(-1) as Delivery;

  it('a delivery verifies with the secret, and its payload is what was sent', async () => {
    const current = secret();
    await webhookChannel(config, [current]).send(message('psid-1'));
    const delivery = last();
    assert.deepEqual(new Webhook(current).verify(delivery.body, delivery.headers), {
      recipientId: 'psid-1',
      text: 'Hello Zoë 👋 "quoted" \\ back',
      quickReplies: [],
      idempotencyKey: 'daily@2026-11-28T08:00:00Z/psid-1',
    });
    assert.match(delivery.headers['webhook-signature'] ?? '', /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.throws(
      () => new Webhook(secret()).verify(delivery.body, delivery.headers),
      WebhookVerificationError,
      'another secret does not verify it',
    );
    assert.throws(
      () => new Webhook(current).verify(delivery.body.replace('psid-1', 'psid-9'), delivery.headers),
      WebhookVerificationError,
      'nor an altered body',
    );
  });

  it('during a rotation, receivers holding either secret verify the same delivery', async () => {
    const [next, previous] = [secret(), secret()];
    await webhookChannel(config, [next, previous]).send(message('psid-2'));
    const delivery = last();
    assert.equal(delivery.headers['webhook-signature']?.split(' ').length, 2, 'two space-separated signatures');
    assert.ok(new Webhook(next).verify(delivery.body, delivery.headers), 'a receiver that switched already');
    assert.ok(new Webhook(previous).verify(delivery.body, delivery.headers), 'a receiver that has not switched yet');
    assert.throws(() => new Webhook(secret()).verify(delivery.body, delivery.headers), WebhookVerificationError);
  });

  it('the webhook-id is the same on every attempt at one recipient of one run, so a receiver deduplicates retries', async () => {
    const channel = webhookChannel(config, [secret()]);
    await channel.send(message('psid-3'));
    const first = last().headers['webhook-id'];
    await channel.send(message('psid-3'));
    assert.equal(last().headers['webhook-id'], first);
    await channel.send(message('psid-4'));
    assert.notEqual(last().headers['webhook-id'], first);
    await channel.send(message('psid-3', 'daily@2026-11-29T08:00:00Z'));
    assert.notEqual(last().headers['webhook-id'], first, 'the next run is a new message');
  });

  it('a captured delivery replayed later is refused by the receiver for its old timestamp', async () => {
    const current = secret();
    const tenMinutesAgo = Date.now() - 10 * 60_000;
    await webhookChannel(config, [current], () => tenMinutesAgo).send(message('psid-5'));
    const delivery = last();
    assert.equal(delivery.headers['webhook-timestamp'], String(Math.floor(tenMinutesAgo / 1000)));
    assert.throws(() => new Webhook(current).verify(delivery.body, delivery.headers), /timestamp too old/);
    // The same delivery with a fresh timestamp fails too: the timestamp is signed.
    assert.throws(
      () =>
        new Webhook(current).verify(delivery.body, {
          ...delivery.headers,
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        }),
      /No matching signature/,
    );
  });

  it('a secret not in the whsec_<base64> form halts the job before anything is sent, naming the channel and field', async () => {
    const before = receiver.deliveries.length;
    for (const [secrets, field] of [
      [['plain-text-secret-of-some-length'], 'signingSecret'],
      [[secret(), 'whsec_c2hvcnQ='], 'previousSigningSecret'],
    ] as const) {
      await assert.rejects(
        webhookChannel(config, secrets).send(message('psid-6')),
        (error: Error) => error instanceof FatalChannelError && error.message.startsWith(`channel "hook": ${field} `),
      );
    }
    assert.equal(receiver.deliveries.length, before, 'no request went out');
  });
});
