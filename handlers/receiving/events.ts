import { z } from 'zod';

/**
 * What the receiver reads of a Messenger webhook body
 * (https://developers.facebook.com/docs/messenger-platform/webhooks):
 * `{ object: "page", entry: [{ id: <Page id>, time: <ms>, messaging: [event, ...] }] }`. Each entry and each event is
 * validated alone, so one bad entry of a batch is named and the others are applied.
 */

/** One event the receiver acts on; anything else on the app's webhook (messages, postbacks) is the team's bot's. */
export type ReceiverEvent =
  | { readonly kind: 'delivered' | 'read'; readonly psid: string; readonly watermark: number }
  | { readonly kind: 'opt-out' | 'opt-in'; readonly psid: string; readonly token?: string; readonly at: number }
  | { readonly kind: 'other' };

export interface Entry {
  readonly pageId: string;
  /** When Meta sent the entry (epoch ms). */
  readonly time: number;
  readonly events: readonly ReceiverEvent[];
  /** Events of the entry that are not what their field says they are, by index, with why. */
  readonly malformed: readonly string[];
}

export type ParsedEntry = ({ readonly ok: true } & Entry) | { readonly ok: false; readonly problem: string };

const epochMs = z.coerce.number().int().positive();
/** A Page id, as a channel item's pageId names it. */
const id = z.string().regex(/^\d{1,32}$/, 'must be a numeric id');
/** A person's Page-scoped id: numeric from Meta, kept as the audience column holds it whatever it looks like. */
const psid = z.string().min(1).max(256);

const bodySchema = z.object({ object: z.literal('page'), entry: z.array(z.unknown()).min(1) });
const entrySchema = z.object({ id, time: epochMs, messaging: z.array(z.unknown()).default([]) });

const party = { sender: z.object({ id: psid }), recipient: z.object({ id }) };
// message_deliveries and message_reads: `watermark`, every message before it delivered, or read
// (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries and
// .../message-reads).
const deliverySchema = z.object({ ...party, delivery: z.object({ watermark: epochMs }) });
const readSchema = z.object({ ...party, read: z.object({ watermark: epochMs }) });
// messaging_optins for Marketing Messages (https://developers.facebook.com/docs/messenger-platform/reference/
// webhook-events/messaging_optins): the person stopped or resumed them.
const optinSchema = z.object({
  ...party,
  timestamp: epochMs,
  optin: z.object({
    type: z.literal('notification_messages'),
    notification_messages_status: z.enum(['STOP_NOTIFICATIONS', 'RESUME_NOTIFICATIONS']),
    notification_messages_token: z.string().min(1).max(1000).optional(),
  }),
});

const issue = (error: z.ZodError) =>
  error.issues.map((entry) => `${entry.path.join('.') || '(root)'} ${entry.message}`).join('; ');

function parseEvent(raw: unknown): ReceiverEvent | string {
  if (!raw || typeof raw !== 'object') return 'is not an object';
  const fields = raw as Record<string, unknown>;
  if ('delivery' in fields || 'read' in fields) {
    const kind = 'delivery' in fields ? 'delivered' : 'read';
    const parsed = kind === 'delivered' ? deliverySchema.safeParse(raw) : readSchema.safeParse(raw);
    if (!parsed.success) return issue(parsed.error);
    const watermark = 'delivery' in parsed.data ? parsed.data.delivery.watermark : parsed.data.read.watermark;
    return { kind, psid: parsed.data.sender.id, watermark };
  }
  const optin = fields.optin as Record<string, unknown> | undefined;
  if (optin && typeof optin === 'object' && 'notification_messages_status' in optin) {
    const parsed = optinSchema.safeParse(raw);
    if (!parsed.success) return issue(parsed.error);
    const { sender, timestamp, optin: data } = parsed.data;
    const kind = data.notification_messages_status === 'STOP_NOTIFICATIONS' ? 'opt-out' : 'opt-in';
    const token = data.notification_messages_token;
    return { kind, psid: sender.id, at: timestamp, ...(token === undefined ? {} : { token }) };
  }
  return { kind: 'other' };
}

function parseEntry(raw: unknown, index: number): ParsedEntry {
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: `entry[${index}]: ${issue(parsed.error)}` };
  const events: ReceiverEvent[] = [];
  const malformed: string[] = [];
  parsed.data.messaging.forEach((event, position) => {
    const result = parseEvent(event);
    if (typeof result === 'string') malformed.push(`entry[${index}].messaging[${position}]: ${result}`);
    else events.push(result);
  });
  return { ok: true, pageId: parsed.data.id, time: parsed.data.time, events, malformed };
}

/** The body's entries, each parsed or named as malformed; a string when the body itself is not a Page webhook. */
export function parseWebhookBody(json: unknown): ParsedEntry[] | string {
  const body = bodySchema.safeParse(json);
  if (!body.success) return `not a Messenger Page webhook body: ${issue(body.error)}`;
  return body.data.entry.map(parseEntry);
}
