import { createHash } from 'node:crypto';
import { SIGNATURE_HEADER, signBody } from '../../handlers/surface.js';
import type { Delivery } from './sandbox-reply.js';

/** What the sandbox reports back for the messages it accepted, as Meta's webhook would. */
export interface MetaEventPlan {
  /** The Page the events are of: `entry[].id` and `recipient.id` (a channel item's pageId). */
  readonly pageId: string;
  /** Share of the delivered messages also read (0..1), chosen by recipient and seed. */
  readonly readShare: number;
  /** Share of the recipients who then stop Marketing Messages (0..1), chosen by recipient and seed. */
  readonly optOutShare: number;
  readonly seed: number;
  /** Events per POST: Meta batches up to 1,000. */
  readonly eventsPerBody?: number;
  /** When Meta "sends" the bodies (epoch ms); the events follow each delivery by a few hundred ms. */
  readonly now?: number;
}

/** A stable draw in [0, 1) for a recipient: the same seed picks the same readers and opt-outs. */
function draw(seed: number, what: string, recipient: string): number {
  return createHash('sha256').update(`${seed}:${what}:${recipient}`).digest().readUInt32BE(0) / 2 ** 32;
}

const party = (psid: string, pageId: string) => ({ sender: { id: psid }, recipient: { id: pageId } });

/**
 * Meta's `messaging` events for one accepted message: its delivery (watermark just after it was accepted), a read
 * for some, and, when the message went to a subscription token (on the Send API or the Marketing Message API), for
 * some an opt-out of Marketing Messages naming that token.
 */
function eventsFor(delivery: Delivery, plan: MetaEventPlan): object[] {
  const { recipient = {}, messenger_delivery_data: marketing } = delivery.body as {
    recipient?: Record<string, unknown>;
    messenger_delivery_data?: Record<string, unknown>;
  };
  // The token the message went to, on the Send API or the Marketing Message API; Meta's opt-out names it
  // (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messaging_optins).
  const token = recipient.notification_messages_token ?? marketing?.subscription_token;
  // A message sent to a token has no PSID in its request; the sandbox stands one in, derived from the token.
  const psid =
    typeof recipient.id === 'string'
      ? recipient.id
      : `9${String(Math.floor(draw(0, 'psid', delivery.recipientId) * 1e14)).padStart(14, '0')}`;
  const events: object[] = [{ ...party(psid, plan.pageId), delivery: { mids: [], watermark: delivery.at + 200 } }];
  if (draw(plan.seed, 'read', delivery.recipientId) < plan.readShare)
    events.push({ ...party(psid, plan.pageId), read: { watermark: delivery.at + 1_000 } });
  // Meta's STOP is about Marketing Messages, which go to tokens only: a message to a PSID gets none.
  if (typeof token === 'string' && draw(plan.seed, 'opt-out', delivery.recipientId) < plan.optOutShare)
    events.push({
      ...party(psid, plan.pageId),
      timestamp: delivery.at + 2_000,
      optin: {
        type: 'notification_messages',
        notification_messages_status: 'STOP_NOTIFICATIONS',
        notification_messages_token: token,
      },
    });
  return events;
}

/** The webhook bodies Meta would POST for `deliveries`, as raw JSON text, `eventsPerBody` events each. */
export function metaWebhookBodies(deliveries: readonly Delivery[], plan: MetaEventPlan): string[] {
  const events = deliveries.flatMap((delivery) => eventsFor(delivery, plan));
  const size = plan.eventsPerBody ?? 100;
  const time = plan.now ?? Date.now();
  const bodies: string[] = [];
  for (let start = 0; start < events.length; start += size)
    bodies.push(
      JSON.stringify({
        object: 'page',
        entry: [{ id: plan.pageId, time, messaging: events.slice(start, start + size) }],
      }),
    );
  return bodies;
}

/** A POST as Meta signs it: the raw body, and X-Hub-Signature-256 over its bytes with the app secret. */
export function signedRequest(body: string, appSecret: string): { body: string; headers: Record<string, string> } {
  return { body, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(body, appSecret) } };
}
