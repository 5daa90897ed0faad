import { MESSAGE_TAGS, RETIRED_MESSAGE_TAGS } from '../../handlers/surface.js';
import { WINDOW_HOURS } from '../common/window-policy.js';

/** What the sandbox knows of a subscription token; a token it does not know is invalid. */
export type TokenState = 'valid' | 'opted-out' | 'other-page' | 'expired';

/** A Marketing Message API campaign's state as the sandbox plays it. */
export type CampaignState = 'active' | 'inactive' | 'not-ready';

/** A utility template of the Page's library: its language and the placeholders its header and body hold. */
export interface UtilityTemplateModel {
  readonly language: string;
  readonly header?: readonly string[] | number;
  readonly body?: readonly string[] | number;
}

/**
 * The audience as Meta sees it: when each person (by PSID or user_ref) last wrote to the Page, and the state of each
 * subscription token. A person missing from `lastInteractionAt` never wrote. When given, the Page's message campaigns
 * and utility templates by id and name: one not listed is unknown (without them, any is accepted).
 */
export interface WindowModel {
  readonly lastInteractionAt: ReadonlyMap<string, number>;
  readonly tokens: ReadonlyMap<string, TokenState>;
  readonly campaigns?: ReadonlyMap<string, CampaignState>;
  readonly utilityTemplates?: ReadonlyMap<string, UtilityTemplateModel>;
}

/** A Graph error the sandbox answers with. */
export interface WindowRefusal {
  readonly code: number;
  readonly subcode?: number;
  readonly message: string;
}

/** Meta's own count of the window, kept apart from the sender's (handlers/core/window.ts); a test holds them equal. */
export const WINDOW_MS = WINDOW_HOURS * 3_600_000;

type Recipient = { id?: unknown; user_ref?: unknown; notification_messages_token?: unknown };

const objectField = (value: unknown, field: string): Record<string, unknown> | undefined => {
  const inner = value && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
  return inner && typeof inner === 'object' ? (inner as Record<string, unknown>) : undefined;
};

const recipientOf = (body: unknown): Recipient | undefined => objectField(body, 'recipient') as Recipient | undefined;

/**
 * Whichever recipient field the request carries (the Marketing Message API's `messenger_delivery_data` included): the
 * id the sandbox records deliveries and fault plans by.
 */
export function recipientKey(body: unknown): string | undefined {
  const recipient = recipientOf(body);
  const value =
    recipient?.id ??
    recipient?.user_ref ??
    recipient?.notification_messages_token ??
    objectField(body, 'messenger_delivery_data')?.subscription_token;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The Send API's window rules for one request (codes from
 * https://developers.facebook.com/docs/messenger-platform/error-codes): a token goes through when valid, whatever the
 * window; RESPONSE/UPDATE to a PSID or user_ref only within 24 hours of the person's last message; MESSAGE_TAG with
 * HUMAN_AGENT (the one tag left since 27 April 2026) and UTILITY at any time. Undefined means the request passes.
 */
export function windowRefusal(body: unknown, now: number, model: WindowModel): WindowRefusal | undefined {
  const recipient = recipientOf(body);
  if (typeof recipient?.notification_messages_token === 'string') {
    const state = model.tokens.get(recipient.notification_messages_token);
    if (state === 'valid') return undefined;
    if (state === 'opted-out')
      return {
        code: 10,
        subcode: 1893015,
        message: '(#10) This user has currently stopped notification messages for this topic',
      };
    if (state === 'other-page')
      return {
        code: 2300005,
        message: 'The page id behind your message does not match the page id on the messenger subscription token.',
      };
    if (state === 'expired') return { code: 100, message: '(#100) notification_messages_token has expired' };
    return { code: 100, message: '(#100) notification_messages_token is invalid' };
  }
  const { messaging_type: type, tag } = body as { messaging_type?: unknown; tag?: unknown };
  // A utility template is Meta's route for updates outside the window (the template itself is checked apart).
  if (type === 'UTILITY') return undefined;
  if (type === 'MESSAGE_TAG')
    return (MESSAGE_TAGS as readonly unknown[]).includes(tag) &&
      !(RETIRED_MESSAGE_TAGS as readonly unknown[]).includes(tag)
      ? undefined
      : { code: 100, message: '(#100) Param tag must be a valid message tag' };
  const key = recipientKey(body);
  const last = key === undefined ? undefined : model.lastInteractionAt.get(key);
  if (last !== undefined && now - last <= WINDOW_MS) return undefined;
  return { code: 10, subcode: 2018278, message: '(#10) This message is sent outside of allowed window.' };
}
