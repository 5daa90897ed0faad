import { createHmac, timingSafeEqual } from 'node:crypto';
import { classifyWebhookStatus } from '../core/classify.js';
import type { WebhookChannelConfig } from '../config/schema.js';
import type { Channel, OutboundMessage, Receipt } from './channel.js';
import { errorFromStatus, postJson } from './http.js';

export const SIGNATURE_HEADER = 'x-notifier-signature';
export const TIMESTAMP_HEADER = 'x-notifier-timestamp';

/** The signature covers the timestamp and the body, so a captured request cannot be replayed later or altered. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers: checks the signature in constant time and rejects stale timestamps (default 5 minutes). */
export function verifyWebhook(secret: string, headers: { signature: string | undefined; timestamp: string | undefined }, body: string, now = Date.now(), toleranceSeconds = 300): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A signed JSON POST: 2xx accepted, 429 and 5xx retried honouring Retry-After, any other 4xx permanent. */
export function webhookChannel(config: WebhookChannelConfig, signingSecret: string, now: () => number = Date.now): Channel {
  return {
    type: 'webhook',
    async send(message: OutboundMessage, signal?: AbortSignal): Promise<Receipt> {
      const body = JSON.stringify({ recipientId: message.recipientId, text: message.text, quickReplies: message.quickReplies ?? [], idempotencyKey: message.idempotencyKey });
      const timestamp = Math.floor(now() / 1000);
      const answer = await postJson(
        config.url,
        body,
        { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signWebhook(signingSecret, timestamp, body), 'idempotency-key': message.idempotencyKey },
        config.timeoutMs,
        signal,
        [signingSecret],
      );
      if (answer.status >= 200 && answer.status < 300) return {};
      throw errorFromStatus(answer, 'webhook', classifyWebhookStatus);
    },
  };
}
