/** The outcome classes a delivery attempt can end in; they decide what happens to the SQS message. */
export type FailureClass = 'transient' | 'rate-limited' | 'deferred' | 'permanent' | 'fatal';

export interface ProviderErrorDetails {
  readonly status?: number;
  readonly code?: number;
  readonly subcode?: number;
  readonly retryAfterMs?: number;
  /** The answer may mean that this person blocked the business (channels/graph-errors.ts GraphErrorEntry). */
  readonly perhapsBlocked?: true;
  /** A permanent answer about this person that puts them on the channel's suppression list. */
  readonly suppressible?: true;
}

/** Base class: callers branch on the subclass, never on the message text. */
export abstract class DeliveryError extends Error {
  abstract readonly failureClass: FailureClass;
  readonly details: ProviderErrorDetails;

  constructor(message: string, details: ProviderErrorDetails = {}) {
    super(message);
    this.details = details;
  }
}

/** 5xx, timeouts, network errors: the same request may succeed later. */
export class TransientDeliveryError extends DeliveryError {
  override readonly name = 'TransientDeliveryError';
  readonly failureClass = 'transient';
}

/** The provider asked us to slow down; the message goes back to the queue. */
export class RateLimitedError extends DeliveryError {
  override readonly name = 'RateLimitedError';
  readonly failureClass = 'rate-limited';
}

/**
 * This recipient cannot receive it now but may later (a per-person Marketing Messages limit): the message goes back to
 * the queue for a later attempt without slowing the sender, as the limit is this person's, not the Page's.
 */
export class DeferredDeliveryError extends DeliveryError {
  override readonly name = 'DeferredDeliveryError';
  readonly failureClass = 'deferred';
}

/** This recipient can never receive this message (blocked the page, outside the window): record and drop. */
export class PermanentDeliveryError extends DeliveryError {
  override readonly name = 'PermanentDeliveryError';
  readonly failureClass = 'permanent';
}

/** The job itself is broken (invalid token, missing permission): stop spending the audience. */
export class FatalChannelError extends DeliveryError {
  override readonly name = 'FatalChannelError';
  readonly failureClass = 'fatal';
}

/** An invalid config item or input: `item` names it, each issue's `path` the field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly item: string;
  readonly issues: readonly { path: string; message: string }[];

  constructor(item: string, issues: readonly { path: string; message: string }[]) {
    super(`${item}: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`);
    this.item = item;
    this.issues = issues;
  }
}

export function isDeliveryError(error: unknown): error is DeliveryError {
  return error instanceof DeliveryError;
}
