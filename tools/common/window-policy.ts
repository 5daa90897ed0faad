import {
  graphErrorReason,
  type JobConfig,
  type RecipientKind,
  WINDOW_MS,
  windowBound,
} from '../../handlers/surface.js';

/**
 * Messenger's 24-hour standard messaging window, as it applies to a job: Meta's rules in one place, for the run
 * summary, `notifier config validate` and any command that previews a job.
 * Sources: https://developers.facebook.com/docs/messenger-platform/policy/policy-overview (the window),
 * https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags (tags),
 * https://developers.facebook.com/docs/messenger-platform/send-messages/recurring-notifications (Marketing Messages).
 */
export const WINDOW_HOURS = WINDOW_MS / 3_600_000;

/** The Graph errors that mean "outside the window" (common error codes page): recorded as failed, permanent. */
const OUTSIDE_WINDOW_ERRORS = ['10/2018278', '10/2534022'] as const;

/** What each tag may carry; never promotional content, and never a digest or newsletter. */
const TAG_USES: Readonly<Record<NonNullable<JobConfig['tag']>, string>> = {
  // The first three were retired on 27 April 2026 (the schema refuses them): kept to describe an older item.
  CONFIRMED_EVENT_UPDATE: 'reminders and updates about an event the person has registered for',
  POST_PURCHASE_UPDATE: 'updates about a purchase the person made (order, shipping, payment)',
  ACCOUNT_UPDATE: "a non-recurring change to the person's application or account",
  HUMAN_AGENT: "a human agent answering the person's message within 7 days (needs the Human Agent permission)",
};

/** What describeReach reads of a job; the template only for whether it is a utility template. */
export type ReachJob = Pick<JobConfig, 'audience' | 'messagingType' | 'tag'> & {
  readonly template?: Pick<JobConfig['template'], 'utility'>;
};

export interface Reach {
  readonly recipientKind: RecipientKind;
  /** The `messaging_type` sent: UTILITY for a utility template, null for a subscription token (none is sent). */
  readonly messagingType: JobConfig['messagingType'] | 'UTILITY' | null;
  readonly tag: JobConfig['tag'] | null;
  /** Whether people whose last message to the Page is older than 24 hours are reached at all. */
  readonly outsideWindow: 'reached' | 'reached-for-tag-use-only' | 'not-reached';
  /** One sentence an operator reads before a run. */
  readonly summary: string;
}

const KIND_NAMES: Readonly<Record<RecipientKind, string>> = {
  psid: 'page-scoped ids (PSID)',
  notification_messages_token: 'Marketing Messages subscription tokens (notification_messages_token)',
  user_ref: 'checkbox plugin references (user_ref)',
  subscription_token: 'Marketing Messages subscription tokens (subscription_token)',
};

/** The regions where Meta still answers Recurring Notifications, and where the Marketing Message API sends nothing. */
export const RECURRING_NOTIFICATION_REGIONS = 'the EU, the UK, Japan, South Korea and Australia';

/** A job's route by what it sends: one sentence for each route that does not depend on the 24-hour window. */
function routeSummary(job: ReachJob, sends: string): string | undefined {
  if (job.audience.recipientKind === 'subscription_token')
    return (
      `${sends} through the Marketing Message API: every subscriber is reached, inside the 24-hour window or not, ` +
      `except subscribers in ${RECURRING_NOTIFICATION_REGIONS}; Meta charges the business per message; ` +
      `an invalid, expired, opted-out or other Page's token is recorded as failed and may be suppressed`
    );
  if (job.audience.recipientKind === 'notification_messages_token')
    return (
      `${sends} as Recurring Notifications on the Send API: Meta answers them only for subscribers in ` +
      `${RECURRING_NOTIFICATION_REGIONS} (elsewhere use recipientKind subscription_token), within Meta's ` +
      `per-person limits (a limited person is tried again later); an opted-out or other Page's token is recorded ` +
      `as failed and suppressed, an invalid one as failed with the advice to remove or refresh it`
    );
  if (job.template?.utility)
    return (
      `${sends} as utility template ${job.template.utility.name}: people outside the 24-hour window are reached ` +
      `where Meta offers utility messages (open beta: the US, Vietnam, Thailand, the Philippines), ` +
      `for order, account and appointment updates, never promotional content`
    );
  return undefined;
}

/** Which recipient kind and messaging type a job uses, and what that means for people outside the window. */
export function describeReach(job: ReachJob): Reach {
  const recipientKind = job.audience.recipientKind;
  const sends = `sends to ${KIND_NAMES[recipientKind]}`;
  const route = routeSummary(job, sends);
  if (route) {
    const utility = job.template?.utility !== undefined;
    return {
      recipientKind,
      messagingType: utility ? 'UTILITY' : null,
      tag: null,
      outsideWindow: 'reached',
      summary: route,
    };
  }
  if (!windowBound(job) && job.tag) {
    return {
      recipientKind,
      messagingType: job.messagingType,
      tag: job.tag,
      outsideWindow: 'reached-for-tag-use-only',
      summary:
        `${sends} with MESSAGE_TAG ${job.tag}: people outside the 24-hour window are reached, ` +
        `but only for ${TAG_USES[job.tag]}; a tag may not carry promotional content, a digest or a newsletter`,
    };
  }
  const others = job.audience.lastMessageColumn
    ? `everyone else is recorded as skipped without a request (from column "${job.audience.lastMessageColumn}")`
    : `everyone else is recorded as failed (Graph error ${OUTSIDE_WINDOW_ERRORS[0]}, permanent)`;
  return {
    recipientKind,
    messagingType: job.messagingType,
    tag: null,
    outsideWindow: 'not-reached',
    summary:
      `${sends} with ${job.messagingType}: only people who wrote to the Page within the last ${WINDOW_HOURS} hours ` +
      `are reached; ${others}`,
  };
}

/** True when a recorded reason is an outside-the-window answer of the Send API. */
export function failedOutsideWindow(reason: string | undefined): boolean {
  return (
    reason !== undefined && OUTSIDE_WINDOW_ERRORS.some((label) => reason.startsWith(`${graphErrorReason(label)} `))
  );
}
