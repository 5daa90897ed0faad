import {
  DeferredDeliveryError,
  type DeliveryError,
  type FailureClass,
  FatalChannelError,
  PermanentDeliveryError,
  type ProviderErrorDetails,
  RateLimitedError,
  TransientDeliveryError,
} from './errors.js';

export function classifyHttpStatus(status: number): FailureClass {
  if (status === 429) return 'rate-limited';
  if (status === 408 || status >= 500) return 'transient';
  if (status === 401 || status === 403) return 'fatal';
  return 'permanent';
}

/**
 * A webhook receiver's 4xx is about this one request, except 408 and 429, and 401 and 403: a receiver that refuses
 * the signature refuses every request (a signing secret rotated on one side only), so the job halts instead of
 * failing its whole audience.
 */
export function classifyWebhookStatus(status: number): FailureClass {
  if (status === 429) return 'rate-limited';
  if (status === 408 || status >= 500) return 'transient';
  if (status === 401 || status === 403) return 'fatal';
  return 'permanent';
}

const ERROR_BY_CLASS = {
  transient: TransientDeliveryError,
  'rate-limited': RateLimitedError,
  deferred: DeferredDeliveryError,
  permanent: PermanentDeliveryError,
  fatal: FatalChannelError,
} as const;

export function deliveryErrorFor(
  failureClass: FailureClass,
  message: string,
  details: ProviderErrorDetails,
): DeliveryError {
  return new ERROR_BY_CLASS[failureClass](message, details);
}

/**
 * Retry-After is either delta-seconds or an HTTP date. Returns milliseconds from `now`, or undefined when absent
 * or unparseable (a garbage header must not stall a sender).
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
