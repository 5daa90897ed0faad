import type { JobConfig, RecipientKind } from '../config/schema.js';

export interface OutboundMessage {
  readonly recipientId: string;
  /** What `recipientId` is (default `psid`): the channel sends the matching recipient shape. */
  readonly recipientKind?: RecipientKind;
  readonly text: string;
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
