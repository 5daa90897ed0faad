// The Graph API's error vocabulary, beside the Messenger channel that speaks it: each code with the class of failure
// it means for one delivery and the page of Meta's documentation it comes from, and the usage headers that warn before
// a rate limit. The classes, and what an HTTP status means without a Graph code, are in handlers/core/classify.ts.
import { classifyHttpStatus } from '../core/classify.js';
import type { FailureClass } from '../core/errors.js';

const ERROR_CODES_URL = 'https://developers.facebook.com/docs/messenger-platform/error-codes';
const SEND_API_ERRORS_URL = 'https://developers.facebook.com/docs/messenger-platform/reference/send-api/error-codes';
const RATE_LIMITS_URL = 'https://developers.facebook.com/docs/graph-api/overview/rate-limiting';
const MARKETING_MESSAGES_API_URL =
  'https://developers.facebook.com/documentation/business-messaging/messenger-platform/marketing-messages-on-messenger/api-reference';

/** One row of the table: the class, where Meta documents the code, and what an operator can do about it. */
export interface GraphErrorEntry {
  readonly failureClass: FailureClass;
  readonly source: string;
  /** Appended to the recorded reason, so the ledger tells the operator what to change. */
  readonly advice?: string;
  /**
   * Meta also gives this answer when the person blocked the business: a recipient who gets it on every attempt while
   * the channel accepts others is recorded as failed instead of going round the queue to the DLQ.
   */
  readonly perhapsBlocked?: true;
  /**
   * The answer is about this person for good (blocked the Page, stopped the messages, a token that is not this Page's):
   * the recipient goes on the channel's suppression list (docs/adr/0013-window-and-suppressions.md).
   */
  readonly suppress?: true;
}

const TOKEN_GONE =
  'remove this notification_messages_token from the audience, ' +
  "or refresh it from the messaging_optins webhook or the Page's notification_message_tokens edge";

/**
 * Graph API error codes and what they mean for one delivery, each with the page of Meta's documentation it comes
 * from. A `code/subcode` key wins over a bare `code` key. A code not listed is classed by its range (business-use-case
 * limits, permissions), else by the HTTP status: see classifyGraphError.
 */
export const GRAPH_ERRORS: Readonly<Record<string, GraphErrorEntry>> = {
  // "An unknown error occurred" / "unexpected error, retry later" / "Temporary send message failure".
  '1': { failureClass: 'transient', source: ERROR_CODES_URL },
  // 1/99: "An unknown error occurred. Missing permissions can cause this issue": retrying spends the audience.
  '1/99': {
    failureClass: 'fatal',
    source: ERROR_CODES_URL,
    advice: 'missing permissions: the app may need Advanced Access, Business Verification or a permission',
  },
  // 2: "An unexpected error has occurred. Please retry your request later"; also answered when "a customer has blocked
  // your business from messaging him or her".
  '2': {
    failureClass: 'transient',
    source: ERROR_CODES_URL,
    advice: 'on every attempt while others are accepted, this person may have blocked the business',
    perhapsBlocked: true,
  },
  '1200': { failureClass: 'transient', source: SEND_API_ERRORS_URL },
  // 2/2018344: the Page admin has not accepted the Privacy ToS; no recipient can be reached until they do.
  '2/2018344': {
    failureClass: 'fatal',
    source: ERROR_CODES_URL,
    advice: 'a Page admin must accept the Privacy Terms of Service',
  },
  // Application, user, page and hourly call limits.
  '4': { failureClass: 'rate-limited', source: ERROR_CODES_URL },
  '17': { failureClass: 'rate-limited', source: RATE_LIMITS_URL },
  '32': { failureClass: 'rate-limited', source: RATE_LIMITS_URL },
  '613': { failureClass: 'rate-limited', source: SEND_API_ERRORS_URL },
  // 4/2018354: Marketing Messages' minimum delay between two messages to this person: a per-person limit that passes.
  '4/2018354': {
    failureClass: 'deferred',
    source: ERROR_CODES_URL,
    advice: 'Marketing Messages limit for this person: sent again later',
  },
  // 9/2018352: the Marketing Messages opt-in request limit: a per-person limit that passes, so it must not slow the
  // whole Page.
  '9/2018352': {
    failureClass: 'deferred',
    source: ERROR_CODES_URL,
    advice: 'Marketing Messages opt-in request limit for this person: sent again later',
  },
  // 10/1404170: the Page is temporarily restricted from Marketing Messages opt-in requests: a per-Page limit that
  // passes.
  '10/1404170': { failureClass: 'rate-limited', source: ERROR_CODES_URL },
  // Business-use-case limits (80001 pages, 80006 Messenger, ...).
  '80001': { failureClass: 'rate-limited', source: RATE_LIMITS_URL },
  '80004': { failureClass: 'rate-limited', source: RATE_LIMITS_URL },
  '80006': { failureClass: 'rate-limited', source: RATE_LIMITS_URL },
  // Invalid parameter in this message, also "notification_messages_token is invalid" and "... has expired".
  '100': {
    failureClass: 'permanent',
    source: ERROR_CODES_URL,
    advice: `check the recipient column; for a token: ${TOKEN_GONE}`,
  },
  // 100/2018001 "No matching user found".
  '100/2018001': {
    failureClass: 'permanent',
    source: ERROR_CODES_URL,
    advice: 'remove this recipient or check that the PSID belongs to this Page',
  },
  // 10: permission error, e.g. the app lacks a permission the job needs (Marketing Messages included).
  '10': {
    failureClass: 'fatal',
    source: ERROR_CODES_URL,
    advice: 'grant the app the permission this job needs (pages_messaging; for tokens also Marketing Messages)',
  },
  // With these subcodes code 10 is about this recipient's messaging window or opt-in, not the app.
  '10/2018278': {
    failureClass: 'permanent',
    source: ERROR_CODES_URL,
    advice:
      'outside the 24-hour window: reach this person with a subscription token or a message tag that fits the content',
  },
  '10/2534022': {
    failureClass: 'permanent',
    source: ERROR_CODES_URL,
    advice:
      'outside the 24-hour window: reach this person with a subscription token or a message tag that fits the content',
  },
  '10/2018108': { failureClass: 'permanent', source: ERROR_CODES_URL },
  '10/2018065': { failureClass: 'permanent', source: ERROR_CODES_URL },
  // 10/1893015: the person tapped "Stop these messages": the token is opted out for good.
  '10/1893015': {
    failureClass: 'permanent',
    source: ERROR_CODES_URL,
    advice: `the person stopped these messages: ${TOKEN_GONE}`,
    suppress: true,
  },
  // 10/1893063: the Page is restricted from sending messages for policy reasons.
  '10/1893063': {
    failureClass: 'fatal',
    source: ERROR_CODES_URL,
    advice: "the Page is temporarily restricted from messaging; see the Page's Messenger policy notices",
  },
  // Invalid or expired access token.
  '190': { failureClass: 'fatal', source: ERROR_CODES_URL, advice: "replace the channel's page access token" },
  // 200-299: permissions; 200/1545041 "This person isn't available right now".
  '200': {
    failureClass: 'fatal',
    source: ERROR_CODES_URL,
    advice: 'grant the app the permission this job needs (pages_messaging, reviewed and live)',
  },
  '200/1545041': { failureClass: 'permanent', source: ERROR_CODES_URL, suppress: true },
  // The token lacks pages_messaging.
  '230': { failureClass: 'fatal', source: SEND_API_ERRORS_URL, advice: 'grant the page access token pages_messaging' },
  // The Page is temporarily blocked from messaging for policy reasons.
  '368': { failureClass: 'fatal', source: SEND_API_ERRORS_URL },
  // The person blocked the Page or is otherwise unreachable.
  '551': { failureClass: 'permanent', source: ERROR_CODES_URL, suppress: true },
  // Marketing Messages on Messenger: the subscription token cannot be loaded, or belongs to another Page.
  '2300004': { failureClass: 'permanent', source: MARKETING_MESSAGES_API_URL, advice: TOKEN_GONE, suppress: true },
  '2300005': {
    failureClass: 'permanent',
    source: MARKETING_MESSAGES_API_URL,
    advice: `the token belongs to another Page: send it through that Page's channel, or ${TOKEN_GONE}`,
    suppress: true,
  },
};

/** The class of each table entry, by key: what the tests enumerate to cover every entry. */
export const GRAPH_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = Object.fromEntries(
  Object.entries(GRAPH_ERRORS).map(([key, entry]) => [key, entry.failureClass]),
);

/** `code` or `code/subcode`: how errors are named in the table, in reasons and in logs. */
export const graphErrorLabel = (code: number, subcode?: number): string =>
  subcode === undefined ? String(code) : `${code}/${subcode}`;

/** How a recorded reason names a Graph error: the prefix the ledger's reasons start with. */
export const graphErrorReason = (label: string): string => `Graph API error ${label}`;

/** The table entry for an answer: the exact `code/subcode` first, then the bare code. */
export function graphErrorEntry(code: number, subcode: number | undefined): GraphErrorEntry | undefined {
  return (
    (subcode === undefined ? undefined : GRAPH_ERRORS[graphErrorLabel(code, subcode)]) ?? GRAPH_ERRORS[String(code)]
  );
}

/** Codes in 80000..80014 are business-use-case rate limits even when not listed individually. */
function isBusinessUseCaseLimit(code: number): boolean {
  return code >= 80_000 && code <= 80_014;
}

export function classifyGraphError(
  code: number | undefined,
  subcode: number | undefined,
  status: number,
): FailureClass {
  if (code === undefined) return classifyHttpStatus(status);
  const entry = graphErrorEntry(code, subcode);
  if (entry) return entry.failureClass;
  if (isBusinessUseCaseLimit(code)) return 'rate-limited';
  if (code > 200 && code < 300) return 'fatal';
  return classifyHttpStatus(status);
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
