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
const MARKETING_MESSAGES_CHANGELOG_URL =
  'https://developers.facebook.com/documentation/business-messaging/messenger-platform/marketing-messages-on-messenger/changelog';
const SEND_MESSAGES_URL =
  'https://developers.facebook.com/documentation/business-messaging/messenger-platform/send-messages';

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
   * A permanent outcome for this person on this channel (blocked the Page, a token opted out, invalid, expired or
   * another Page's): the DeliveryError carries `suppressible: true`, so a suppression list can stop writing to them.
   */
  readonly suppress?: true;
}

const TOKEN_GONE =
  'remove this notification_messages_token from the audience, ' +
  "or refresh it from the messaging_optins webhook or the Page's notification_message_tokens edge";

const SUBSCRIPTION_TOKEN_GONE =
  "remove this subscription token from the audience, or refresh it from the Page's notification_message_tokens edge";
const BLOCKED = 'this person blocked the Page or cannot be reached on Messenger';
const CAMPAIGN = 'fix the message campaign in Ads Manager; the job resumes when Meta accepts a message again';
const ACCOUNT = 'fix the ad account (payment, spend limit, terms of service); the job resumes when Meta accepts again';
const NOT_READY =
  'the message campaign is not ready yet (Meta prepares a new one for up to a few hours); kept for later';
const PAYLOAD =
  'the rendered message was refused: check template.text against the text template (at most 640 characters)';
const FREQUENCY_CAP = "Meta's frequency cap for this person: not sent in this run, a later run tries again";

/** One Marketing Message API code: every one of them comes from the API reference's error table unless given. */
const marketing = (
  failureClass: FailureClass,
  advice?: string,
  extra: Partial<GraphErrorEntry> = {},
): GraphErrorEntry => ({ failureClass, source: MARKETING_MESSAGES_API_URL, ...(advice ? { advice } : {}), ...extra });

/**
 * The Marketing Message API's own codes (act_<AD_ACCOUNT_ID>/messages), by what they say: the campaign, the message
 * set, the ad account or the app (fatal: no token can be reached until an operator acts, and nobody is failed), this
 * person's token (permanent; suppressible when it will never take a message again), a per-person limit that passes
 * (deferred), the payload (permanent, as Graph 100 is), and a wait the API asks for (rate-limited or transient).
 */
const MARKETING_MESSAGE_ERRORS: Readonly<Record<string, GraphErrorEntry>> = {
  '2300000': marketing('fatal', `the message campaign is not active: ${CAMPAIGN}`),
  '2300001': marketing('fatal', 'marketingMessage.messageId is not a message campaign this token may load'),
  '2300002': marketing('fatal', `the message set is inactive: ${CAMPAIGN}`),
  '2300003': marketing('fatal', `the message is not active: ${CAMPAIGN}`),
  '2300004': marketing('permanent', SUBSCRIPTION_TOKEN_GONE, { suppress: true }),
  '2300005': marketing(
    'permanent',
    `the token belongs to another Page: send it through that Page's channel, or remove it from the audience`,
    { suppress: true },
  ),
  '2300006': marketing('fatal', 'the campaign is not a direct send campaign: create it with is_direct_send = true'),
  '2300007': marketing('fatal', `the campaign has neither lifetime_budget nor daily_budget: ${CAMPAIGN}`),
  '2300008': marketing('fatal', `Meta could not price the campaign: ${CAMPAIGN}`),
  '2300009': marketing('fatal', `the campaign has no metadata for this message: ${CAMPAIGN}`),
  '2300010': marketing('permanent', PAYLOAD),
  '2300011': marketing('fatal', `the ad account has no payment method: ${ACCOUNT}`),
  '2300012': marketing('fatal', NOT_READY),
  '2300013': marketing('fatal', `the business has not accepted the Marketing Messages terms: ${ACCOUNT}`),
  '2300014': marketing('fatal', "the campaign's ad account is not the channel's adAccountId"),
  '2300015': marketing('fatal', `the campaign's budget is spent: ${CAMPAIGN}`),
  '2300016': marketing('fatal', `the bid is too low: ${CAMPAIGN}`),
  '2300017': marketing('fatal', `the ad account reached its spend limit: ${ACCOUNT}`),
  '2300018': marketing('permanent', PAYLOAD),
  '2300019': marketing(
    'fatal',
    'the app has not accepted the Marketing Messages terms (App Dashboard, Messenger API Settings)',
  ),
  '2300020': marketing('fatal', `the campaign's pacing type is invalid: ${CAMPAIGN}`),
  '2300021': marketing('permanent', PAYLOAD),
  '2300022': marketing('permanent', PAYLOAD),
  '2300023': marketing('permanent', PAYLOAD),
  '2300024': marketing('permanent', PAYLOAD),
  '2300025': marketing('permanent', PAYLOAD),
  '2300026': marketing('permanent', PAYLOAD),
  '2300027': marketing('permanent', PAYLOAD),
  // Not in the API reference's table: the changelog of 5 May 2026 ("retry after 1 hour").
  '2300028': { failureClass: 'fatal', source: MARKETING_MESSAGES_CHANGELOG_URL, advice: NOT_READY },
  '2300030': marketing('fatal', 'the ad account is not in a region Marketing Messages serve'),
  '2300031': marketing('fatal', 'the Page is not in a region Marketing Messages serve'),
  // Not suppressed: the same token may still take Recurring Notifications (notification_messages_token) there.
  '2300032': marketing('permanent', 'the subscriber is in the EU, the UK, Japan, South Korea or Australia'),
  '2300033': marketing('fatal', NOT_READY),
  '2300034': marketing('permanent', `the person stopped marketing messages: ${SUBSCRIPTION_TOKEN_GONE}`, {
    suppress: true,
  }),
  '2300035': marketing('deferred', 'one marketing message per token every 12 hours: sent again later'),
  '2300036': marketing('deferred', 'this person cannot receive messages right now: sent again later'),
  '2300037': marketing('permanent', `the token expired: ${SUBSCRIPTION_TOKEN_GONE}`, { suppress: true }),
  '2300038': marketing('permanent', PAYLOAD),
  '2300039': marketing('fatal', 'grant the app the Marketing Messages permissions on this Page'),
  '2300040': marketing('fatal', 'Meta does not offer this feature to this Page now'),
  '2300041': marketing('fatal', NOT_READY),
  '2300042': marketing('permanent', FREQUENCY_CAP),
  '2300043': marketing('permanent', FREQUENCY_CAP),
  '2300044': marketing('permanent', FREQUENCY_CAP),
  '2300046': marketing('permanent', PAYLOAD),
  '2300047': marketing('permanent', PAYLOAD),
  '2300048': marketing('permanent', PAYLOAD),
  // Meta's answer to marketingMessage.minConversationGapSeconds: a deliberate skip for this run.
  '2300052': marketing('permanent', 'the person talked with the Page within minConversationGapSeconds'),
  '2300053': marketing('fatal', `the campaign reached its lifetime budget: ${CAMPAIGN}`),
  '2300054': marketing('fatal', `the campaign reached its daily budget: ${CAMPAIGN}`),
  '2300055': marketing('rate-limited'),
  '2300056': marketing('fatal', `the ad account reached its spending limit: ${ACCOUNT}`),
  '2300057': marketing('transient'),
  '2300058': marketing('fatal', `the prepaid balance ran out: ${ACCOUNT}`),
  '2300059': marketing('fatal', `the stored balance is too low: ${ACCOUNT}`),
  '2300060': marketing('transient'),
  '2300061': marketing('rate-limited'),
  '2300062': marketing('rate-limited'),
  '2300063': marketing('transient'),
  '2300064': marketing('fatal', `the message creative is used by another campaign: ${CAMPAIGN}`),
  '2300065': marketing('fatal', 'the request named no Page: check the channel'),
  '2300066': marketing('fatal', `the Page has not signed the Marketing Messages terms: ${ACCOUNT}`),
  '2300067': marketing('fatal', `the ad account has not signed the Marketing Messages terms: ${ACCOUNT}`),
  '2300068': marketing('transient'),
  '2300069': marketing('fatal', `the Marketing Messages terms are not signed: ${ACCOUNT}`),
  '2300070': marketing('fatal', `the campaign's targeting is invalid: ${CAMPAIGN}`),
  '2300071': marketing('permanent', PAYLOAD),
  '2300072': marketing('permanent', PAYLOAD),
  '2300073': marketing('permanent', PAYLOAD),
  '2300074': marketing('permanent', PAYLOAD),
  '2300075': marketing('permanent', PAYLOAD),
  '2300076': marketing('permanent', PAYLOAD),
  '2300077': marketing('permanent', PAYLOAD),
  '2300078': marketing('rate-limited'),
  '2300079': marketing('rate-limited'),
  '2300080': marketing('rate-limited'),
};

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
    advice:
      'grant the app the permission this job needs (pages_messaging; for tokens also Marketing Messages; ' +
      'for a utility template page_utility_messaging)',
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
  '200/1545041': { failureClass: 'permanent', source: ERROR_CODES_URL, advice: BLOCKED, suppress: true },
  // The token lacks pages_messaging.
  '230': { failureClass: 'fatal', source: SEND_API_ERRORS_URL, advice: 'grant the page access token pages_messaging' },
  // The Page is temporarily blocked from messaging for policy reasons.
  '368': { failureClass: 'fatal', source: SEND_API_ERRORS_URL },
  // The person blocked the Page or is otherwise unreachable ("Person is not available", Send a Message).
  '551': { failureClass: 'permanent', source: SEND_MESSAGES_URL, advice: BLOCKED, suppress: true },
  '551/1545041': { failureClass: 'permanent', source: ERROR_CODES_URL, advice: BLOCKED, suppress: true },
  ...MARKETING_MESSAGE_ERRORS,
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
