import {
  type DeliveryError,
  FatalChannelError,
  PermanentDeliveryError,
  RateLimitedError,
  TransientDeliveryError,
  type FailureClass,
  type ProviderErrorDetails,
} from './errors.js';

/**
 * Graph API error codes and what they mean for one delivery. Source: Meta's "Messenger Platform: Common
 * Error Codes" and "Send API error codes" reference pages. A `code/subcode` key wins over a bare `code` key.
 * Anything not listed falls back to the HTTP status (see classifyHttpStatus).
 */
export const GRAPH_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = {
  // "An unknown error occurred" / "unexpected error, retry later" / "Temporary send message failure".
  '1': 'transient',
  '2': 'transient',
  '1200': 'transient',
  // 2/2018344: the Page admin has not accepted the Privacy ToS; no recipient can be reached until they do.
  '2/2018344': 'fatal',
  // Application, user, page and hourly call limits.
  '4': 'rate-limited',
  '17': 'rate-limited',
  '32': 'rate-limited',
  '613': 'rate-limited',
  // 4/2018354: minimum delay between two marketing notifications to this person: this send will never pass.
  '4/2018354': 'permanent',
  // 9/2018352: the recipient has received too many messages recently.
  '9/2018352': 'rate-limited',
  // Business-use-case limits (80001 pages, 80006 Messenger, ...).
  '80001': 'rate-limited',
  '80004': 'rate-limited',
  '80006': 'rate-limited',
  // Invalid parameter in this message; 100/2018001 "No matching user found".
  '100': 'permanent',
  '100/2018001': 'permanent',
  // 10: permission error. With these subcodes it is about this recipient's messaging window, not the app.
  '10': 'fatal',
  '10/2018278': 'permanent',
  '10/2018108': 'permanent',
  '10/2018065': 'permanent',
  // Invalid or expired access token.
  '190': 'fatal',
  // 200-299: permissions; 200/1545041 "This person isn't available right now".
  '200': 'fatal',
  '200/1545041': 'permanent',
  // The token lacks pages_messaging.
  '230': 'fatal',
  // The Page is temporarily blocked from messaging for policy reasons.
  '368': 'fatal',
  // The person blocked the Page or is otherwise unreachable.
  '551': 'permanent',
};

/** Codes in 80000..80014 are business-use-case rate limits even when not listed individually. */
function isBusinessUseCaseLimit(code: number): boolean {
  return code >= 80_000 && code <= 80_014;
}

export function classifyHttpStatus(status: number): FailureClass {
  if (status === 429) return 'rate-limited';
  if (status === 408 || status >= 500) return 'transient';
  if (status === 401 || status === 403) return 'fatal';
  return 'permanent';
}

/** A webhook receiver has no account to revoke: every 4xx but 408 and 429 is about this one request. */
export function classifyWebhookStatus(status: number): FailureClass {
  if (status === 429) return 'rate-limited';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

export function classifyGraphError(code: number | undefined, subcode: number | undefined, status: number): FailureClass {
  if (code === undefined) return classifyHttpStatus(status);
  const exact = subcode === undefined ? undefined : GRAPH_ERROR_CLASSES[`${code}/${subcode}`];
  if (exact) return exact;
  const byCode = GRAPH_ERROR_CLASSES[String(code)];
  if (byCode) return byCode;
  if (isBusinessUseCaseLimit(code)) return 'rate-limited';
  if (code > 200 && code < 300) return 'fatal';
  return classifyHttpStatus(status);
}

const ERROR_BY_CLASS = {
  transient: TransientDeliveryError,
  'rate-limited': RateLimitedError,
  permanent: PermanentDeliveryError,
  fatal: FatalChannelError,
} as const;

export function deliveryErrorFor(failureClass: FailureClass, message: string, details: ProviderErrorDetails): DeliveryError {
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

/**
 * Graph API usage headers (X-App-Usage, X-Page-Usage, X-Business-Use-Case-Usage) report percentages of the quota.
 * Returns the highest percentage seen, so the sender can slow down before it hits 613.
 */
export function parseUsagePercent(headers: { get(name: string): string | null }): number | undefined {
  let highest: number | undefined;
  const visit = (value: unknown): void => {
    if (typeof value === 'number' && Number.isFinite(value)) highest = Math.max(highest ?? 0, value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'type' || key === 'estimated_time_to_regain_access') continue;
        visit(inner);
      }
    }
  };
  for (const name of ['x-app-usage', 'x-page-usage', 'x-business-use-case-usage']) {
    const raw = headers.get(name);
    if (!raw || raw.length > 10_000) continue;
    try {
      visit(JSON.parse(raw));
    } catch {
      // A malformed usage header is advisory only: ignore it rather than fail a delivery.
    }
  }
  return highest;
}
