import { createHash, createHmac } from 'node:crypto';
import type { WebhookChannelConfig } from '../config/schema.js';
import { classifyWebhookStatus } from '../core/classify.js';
import { FatalChannelError } from '../core/errors.js';
import type { Channel, OutboundMessage, Receipt } from './channel.js';
import { errorFromStatus, postJson } from './http.js';

/** Standard Webhooks 1.0 headers: any of its verification libraries checks a delivery. */
const ID_HEADER = 'webhook-id';
const TIMESTAMP_HEADER = 'webhook-timestamp';
const SIGNATURE_HEADER = 'webhook-signature';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// The specification asks for 24 to 64 random bytes; fewer would make the HMAC key guessable.
const MIN_KEY_BYTES = 24;

/** The HMAC key of a `whsec_<base64>` secret, or why the secret is not one. */
export function webhookKey(secret: string): { ok: true; key: Buffer } | { ok: false; reason: string } {
  if (!secret.startsWith(SECRET_PREFIX))
    return { ok: false, reason: `is not in the Standard Webhooks form whsec_<base64>` };
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) return { ok: false, reason: 'has a part after whsec_ that is not base64' };
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_KEY_BYTES)
    return { ok: false, reason: `decodes to ${key.length} bytes; use at least ${MIN_KEY_BYTES} random bytes` };
  return { ok: true, key };
}

/**
 * The same for every attempt at one recipient of one run, so a receiver deduplicates retries by it; a digest, because a
 * recipient id may hold characters a header cannot.
 */
export function webhookId(idempotencyKey: string): string {
  return `msg_${createHash('sha256').update(idempotencyKey).digest('base64url')}`;
}

/** `v1,<base64>` per key, space-separated: during a rotation a receiver holding either secret verifies the delivery. */
export function signWebhook(keys: readonly Buffer[], signed: { id: string; timestamp: number; body: string }): string {
  const content = `${signed.id}.${signed.timestamp}.${signed.body}`;
  return keys.map((key) => `v1,${createHmac('sha256', key).update(content).digest('base64')}`).join(' ');
}

/**
 * A JSON POST signed per Standard Webhooks: 2xx accepted; 429 rate-limited, honouring Retry-After; 408 and 5xx retried
 * with backoff; any other status permanent (redirects are not followed). `secrets` are the current signing secret and,
 * during a rotation, the previous one. A secret that is not a `whsec_` key halts the job (fatal): no receiver could
 * verify what it signed.
 */
export function webhookChannel(
  config: WebhookChannelConfig,
  secrets: readonly string[],
  now: () => number = Date.now,
): Channel {
  const fields = ['signingSecret', 'previousSigningSecret'];
  const keys = secrets.map(webhookKey);
  const invalid = keys.findIndex((key) => !key.ok);
  const problem = keys[invalid];
  // An answer echoing the request must not carry a secret, whole or as the base64 part a receiver might print.
  const redacted = secrets.flatMap((secret) => [secret, secret.slice(SECRET_PREFIX.length)]);
  return {
    type: 'webhook',
    async send(message: OutboundMessage, signal?: AbortSignal): Promise<Receipt> {
      if (problem && !problem.ok)
        throw new FatalChannelError(`channel "${config.id}": ${fields[invalid]} ${problem.reason}`);
      const body = JSON.stringify({
        recipientId: message.recipientId,
        text: message.text,
        ...(message.utility ? { utility: message.utility } : {}),
        quickReplies: message.quickReplies ?? [],
        idempotencyKey: message.idempotencyKey,
      });
      const id = webhookId(message.idempotencyKey);
      const timestamp = Math.floor(now() / 1000);
      const signature = signWebhook(
        keys.flatMap((key) => (key.ok ? [key.key] : [])),
        { id, timestamp, body },
      );
      const answer = await postJson(
        config.url,
        body,
        { [ID_HEADER]: id, [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signature },
        config.timeoutMs,
        signal,
        redacted,
      );
      if (answer.status >= 200 && answer.status < 300) return {};
      throw errorFromStatus(answer, 'webhook', classifyWebhookStatus);
    },
  };
}
