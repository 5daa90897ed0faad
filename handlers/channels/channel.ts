import type { JobConfig, RecipientKind } from '../config/schema.js';

/** Placeholder values rendered from a row: positional ({{1}}, {{2}}) as a list, named ({{order_id}}) as an object. */
export type RenderedParameters = readonly string[] | Readonly<Record<string, string>>;

/** A utility template by name and language, its placeholders filled for one recipient. */
export interface RenderedUtility {
  readonly name: string;
  readonly language: string;
  readonly header?: RenderedParameters;
  readonly body?: RenderedParameters;
}

export interface OutboundMessage {
  readonly recipientId: string;
  /** What `recipientId` is (default `psid`): the channel sends the matching recipient shape, on the matching route. */
  readonly recipientKind?: RecipientKind;
  /** The message text; absent when the message is a utility template. */
  readonly text?: string;
  readonly utility?: RenderedUtility;
  /** The Marketing Message API campaign a `subscription_token` message belongs to. */
  readonly marketingMessage?: JobConfig['marketingMessage'];
  readonly quickReplies?: readonly { title: string; payload: string }[];
  readonly messagingType: JobConfig['messagingType'];
  readonly tag?: JobConfig['tag'];
  /** Stable per (run, recipient): lets a provider that supports it drop our rare duplicate. */
  readonly idempotencyKey: string;
}

export interface Receipt {
  readonly providerMessageId?: string;
  /** Highest quota usage the provider reported, in percent, when it reports one. */
  readonly usagePercent?: number;
}

/**
 * One adapter per provider. `send` resolves on acceptance and rejects with a DeliveryError subclass
 * (transient, rate-limited, deferred, permanent, fatal); its messages never contain credentials.
 */
export interface Channel {
  readonly type: string;
  send(message: OutboundMessage, signal?: AbortSignal): Promise<Receipt>;
}
