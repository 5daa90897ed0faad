import * as z from 'zod';
import { ConfigError } from '../core/errors.js';
import { isLoopbackHost } from '../core/host-policy.js';
import { ID_MAX_LENGTH, idPattern, idRule } from '../core/ids.js';
import { toIssues } from '../core/issues.js';
import { MAX_RECIPIENTS_PER_TASK } from '../core/task.js';

/**
 * What an audience's recipient column holds, named by the field of Meta's request it fills: `id` (a PSID),
 * `user_ref` and `notification_messages_token` of the Send API's `recipient`, and `subscription_token` of the
 * Marketing Message API's `messenger_delivery_data`. The field decides the route (docs/adr/0012-messenger-routes.md).
 */
const RECIPIENT_KINDS = ['psid', 'notification_messages_token', 'user_ref', 'subscription_token'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];

/**
 * The message tags the Send API's schema knows
 * (https://developers.facebook.com/documentation/business-messaging/messenger-platform/send-messages). Since 27 April
 * 2026 Meta answers every request with CONFIRMED_EVENT_UPDATE, ACCOUNT_UPDATE or POST_PURCHASE_UPDATE with error 100
 * (RETIRED_MESSAGE_TAGS); HUMAN_AGENT is the one tag left, for a person answering within 7 days.
 */
export const MESSAGE_TAGS = [
  'CONFIRMED_EVENT_UPDATE',
  'POST_PURCHASE_UPDATE',
  'ACCOUNT_UPDATE',
  'HUMAN_AGENT',
] as const;

/** The tags Meta retired on 27 April 2026: utility templates carry what they carried. */
export const RETIRED_MESSAGE_TAGS: readonly (typeof MESSAGE_TAGS)[number][] = [
  'CONFIRMED_EVENT_UPDATE',
  'POST_PURCHASE_UPDATE',
  'ACCOUNT_UPDATE',
];

/** The id of a config item; the planner event's job id is one too. */
export const idSchema = z.string().regex(new RegExp(idPattern(ID_MAX_LENGTH)), idRule(ID_MAX_LENGTH));

/**
 * A channel's endpoint receives its credential: https only, plain http only on this machine (local runs and tests).
 * Which hosts are allowed at all is the module's decision (core/host-policy.ts), not the item's.
 */
const endpointUrl = z.url({ protocol: /^https?$/ }).refine((url) => {
  // Anything but plain http is the url check's to judge.
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  return parsed?.protocol !== 'http:' || isLoopbackHost(parsed.hostname);
}, 'must use https (plain http only for a loopback host: localhost, 127.0.0.0/8, ::1)');

/**
 * Secrets are stored by reference and resolved at run time. An inline value is accepted only when the item opts in
 * with `allowInlineSecrets: true`, so nobody pastes a token into the table by accident.
 */
const secretRefSchema = z.union([
  z.strictObject({ ssmParameter: z.string().min(1).describe('SSM SecureString parameter name or ARN') }),
  z.strictObject({
    secretsManager: z.string().min(1).describe('Secrets Manager secret ARN or name'),
    jsonKey: z.string().min(1).optional().describe('key to read when the secret string is a JSON object'),
  }),
  z.strictObject({ inline: z.string().min(1).describe('the secret itself; requires allowInlineSecrets') }),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

const columnName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name');

const audienceSchema = z.strictObject({
  sql: z.string().min(1).describe('SELECT returning one row per recipient; $1..$n bind to params'),
  params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).default([]),
  idColumn: columnName
    .default('id')
    .describe(
      'ordered column used for keyset pagination, with recipientColumn breaking ties; NULLs are recorded as failed',
    ),
  recipientColumn: columnName.default('psid').describe('column holding the channel recipient id'),
  recipientKind: z
    .enum(RECIPIENT_KINDS)
    .default('psid')
    .describe(
      'what recipientColumn holds (Messenger), which decides the route: psid (a page-scoped id) or user_ref ' +
        '(a checkbox plugin reference) on the Send API; notification_messages_token: a subscription token on the ' +
        'Send API (Recurring Notifications, still answered only for subscribers in the EU, the UK, Japan, South ' +
        'Korea and Australia); subscription_token: a subscription token on the Marketing Message API ' +
        "(act_<adAccountId>/messages, needs marketingMessage and the channel's adAccountId; subscribers outside " +
        'the EU, the UK, Japan, South Korea and Australia)',
    ),
  lastMessageColumn: columnName
    .optional()
    .describe(
      "column holding each person's last message to the Page (timestamptz, or ISO 8601 text with a zone): " +
        'a RESPONSE or UPDATE job then records people outside the 24-hour window as skipped without a request; ' +
        'NULL reads as never (skipped), a value that is not a time as failed; MESSAGE_TAG jobs and utility ' +
        'templates are not affected',
    ),
});

/** Meta's template names: lowercase letters, digits and underscores (as its template library lists them). */
const UTILITY_NAME = /^[a-z0-9_]{1,512}$/;

/**
 * A utility template of the Page's library, sent by name and language to PSIDs
 * (https://developers.facebook.com/documentation/business-messaging/messenger-platform/send-messages/utility-messages).
 * Each parameter is a template of this project rendered from the row's fields: a list fills positional placeholders
 * ({{1}}, {{2}}, ...) in order, an object fills named ones ({{order_id}}) by name.
 */
const utilityParameters = z.union([
  z.array(z.string().min(1).max(1024)).min(1).max(10),
  z
    .record(
      z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a named placeholder: lowercase, digits, underscores'),
      z.string().min(1).max(1024),
    )
    .refine(
      (record) => Object.keys(record).length >= 1 && Object.keys(record).length <= 10,
      'must name 1 to 10 placeholders',
    ),
]);

const utilityTemplateSchema = z.strictObject({
  name: z
    .string()
    .regex(UTILITY_NAME, 'must be a template name: lowercase letters, digits and underscores')
    .describe("the template's name in the Page's library (an approved UTILITY template)"),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a language code such as en or en_US')
    .describe("the template's language code, sent as language.code"),
  header: utilityParameters.optional().describe("values of the header's placeholders, each rendered from the row"),
  body: utilityParameters.optional().describe("values of the body's placeholders, each rendered from the row"),
});
export type UtilityTemplate = z.infer<typeof utilityTemplateSchema>;

/** The Marketing Message API's text template holds at most 640 characters. */
export const MARKETING_TEXT_MAX = 640;

const marketingMessageSchema = z.strictObject({
  messageId: z
    .string()
    .regex(/^\d+$/, 'must be the numeric id act_<adAccountId>/message_campaign answered with')
    .describe('the message campaign id, sent as message_id'),
  minConversationGapSeconds: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'sent as min_conversation_gap_seconds: Meta does not send to a person whose thread with the Page was active ' +
        'within this many seconds (answered 2300052, recorded as failed)',
    ),
});

const quickReplySchema = z.strictObject({ title: z.string().min(1).max(20), payload: z.string().min(1).max(1000) });

const jobObjectSchema = z.strictObject({
  kind: z.literal('job'),
  id: idSchema,
  enabled: z.boolean().default(true),
  database: idSchema.describe('id of a database item'),
  channel: idSchema.describe('id of a channel item'),
  audience: audienceSchema,
  template: z.strictObject({
    text: z.string().min(1).max(2000).optional().describe('the message text; one of text and utility'),
    quickReplies: z.array(quickReplySchema).max(13).optional(),
    utility: utilityTemplateSchema
      .optional()
      .describe('a utility template of the Page, to PSIDs; one of text and utility'),
  }),
  marketingMessage: marketingMessageSchema
    .optional()
    .describe('the Marketing Message API campaign: required when audience.recipientKind is subscription_token'),
  messagingType: z.enum(['RESPONSE', 'UPDATE', 'MESSAGE_TAG']).default('UPDATE'),
  tag: z.enum(MESSAGE_TAGS).optional(),
  pageSize: z.number().int().min(10).max(10_000).default(1000),
  enqueueConcurrency: z.number().int().min(1).max(50).default(5),
  leadSeconds: z
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(60)
    .describe(
      "seconds of its channel's ratePerSecond the planner keeps enqueued but not yet done: the next page waits " +
        'until the run holds less; 0 enqueues the whole audience as fast as it is read',
    ),
  suppressionList: z
    .boolean()
    .default(true)
    .describe(
      "skip the recipients on the channel's suppression list, and add those whose answer is permanent " +
        "for them (blocked the Page, stopped the messages, an invalid or other Page's token); " +
        "false: neither, for this job (the module's suppressions.enabled = false turns it off for every job)",
    ),
  recipientsPerTask: z
    .number()
    .int()
    .min(1)
    .max(MAX_RECIPIENTS_PER_TASK)
    .default(10)
    .describe(
      'recipients one queue message and one ledger item carry; ' +
        '1 also drops a recipient the audience lists twice across pages, at twice the cost per recipient',
    ),
});

export const jobSchema = jobObjectSchema.superRefine((job, context) => {
  for (const issue of [...contentIssues(job), ...routeIssues(job)]) context.addIssue({ code: 'custom', ...issue });
});

type JobShape = z.infer<typeof jobObjectSchema>;
type JobIssue = { path: (string | number)[]; message: string };

/** What a job's content must be: a text or a utility template, never both, and quick replies only with a text. */
function contentIssues(job: JobShape): JobIssue[] {
  const { text, utility, quickReplies } = job.template;
  if (text === undefined && utility === undefined)
    return [{ path: ['template'], message: 'needs text (a message) or utility (a utility template)' }];
  if (text !== undefined && utility !== undefined)
    return [{ path: ['template'], message: 'has both text and utility: a job sends one or the other' }];
  if (utility && quickReplies)
    return [{ path: ['template', 'quickReplies'], message: 'is only allowed with template.text' }];
  return [];
}

/**
 * What each route allows. A subscription token is a Marketing Message: Meta's request for it carries no
 * messaging_type, and tags may not carry promotional content
 * (https://developers.facebook.com/documentation/business-messaging/messenger-platform/send-messages). A utility
 * template goes to PSIDs with messaging_type UTILITY. Since 27 April 2026 three tags answer error 100 for everyone.
 */
function routeIssues(job: JobShape): JobIssue[] {
  const kind = job.audience.recipientKind;
  if ((kind === 'notification_messages_token' || kind === 'subscription_token') && job.audience.lastMessageColumn)
    return [
      {
        path: ['audience', 'lastMessageColumn'],
        message:
          'is only for page-scoped ids and user_refs: a subscription token reaches its person outside the ' +
          '24-hour window, so the window does not apply to it',
      },
    ];
  if (job.marketingMessage && kind !== 'subscription_token')
    return [
      { path: ['marketingMessage'], message: 'is only allowed when audience.recipientKind is subscription_token' },
    ];
  if (kind === 'subscription_token') return marketingIssues(job);
  if (job.template.utility) return utilityIssues(job);
  if (kind === 'notification_messages_token' && job.messagingType !== 'UPDATE')
    return [
      {
        path: ['messagingType'],
        message:
          `must be UPDATE (the default) when audience.recipientKind is notification_messages_token: ` +
          `a Marketing Message is neither a RESPONSE nor a tagged message, got ${job.messagingType}`,
      },
    ];
  return tagIssues(job);
}

function tagIssues(job: JobShape): JobIssue[] {
  if (job.messagingType === 'MESSAGE_TAG' && !job.tag)
    return [{ path: ['tag'], message: 'is required when messagingType is MESSAGE_TAG' }];
  if (job.messagingType !== 'MESSAGE_TAG' && job.tag)
    return [{ path: ['tag'], message: 'is only allowed when messagingType is MESSAGE_TAG' }];
  if (job.tag && RETIRED_MESSAGE_TAGS.includes(job.tag))
    return [
      {
        path: ['tag'],
        message:
          `${job.tag} was retired by Meta on 27 April 2026 and is answered with error 100: ` +
          'send a utility template (template.utility) to PSIDs instead',
      },
    ];
  return [];
}

function marketingIssues(job: JobShape): JobIssue[] {
  const issues: JobIssue[] = [];
  const why = 'when audience.recipientKind is subscription_token (the Marketing Message API)';
  if (!job.marketingMessage) issues.push({ path: ['marketingMessage'], message: `is required ${why}` });
  if (job.messagingType !== 'UPDATE' || job.tag)
    issues.push({ path: ['messagingType'], message: `must be UPDATE (the default) and without a tag ${why}` });
  if (job.template.utility) issues.push({ path: ['template', 'utility'], message: `is not allowed ${why}` });
  if (job.template.quickReplies)
    issues.push({ path: ['template', 'quickReplies'], message: `are not sent by the text template ${why}` });
  if ((job.template.text?.length ?? 0) > MARKETING_TEXT_MAX)
    issues.push({ path: ['template', 'text'], message: `must be at most ${MARKETING_TEXT_MAX} characters ${why}` });
  return issues;
}

function utilityIssues(job: JobShape): JobIssue[] {
  const issues: JobIssue[] = [];
  if (job.audience.recipientKind !== 'psid')
    issues.push({
      path: ['audience', 'recipientKind'],
      message: `must be psid for a utility template: Meta sends utility messages to page-scoped ids only`,
    });
  if (job.messagingType !== 'UPDATE' || job.tag)
    issues.push({
      path: ['messagingType'],
      message: 'must be UPDATE (the default) and without a tag: a utility template is sent as messaging_type UTILITY',
    });
  return issues;
}

export const databaseSchema = z.strictObject({
  kind: z.literal('database'),
  id: idSchema,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(5432),
  database: z.string().min(1),
  user: z.string().min(1),
  password: secretRefSchema,
  ssl: z
    .enum(['verify-full', 'require-unverified', 'disable'], {
      error: (issue) =>
        issue.input === 'require'
          ? '"require" is not accepted: it encrypts without checking the server certificate. ' +
            'Use "verify-full" (with caCertificate for RDS), or "require-unverified" to opt out of the check explicitly'
          : 'must be one of "verify-full", "require-unverified", "disable"',
    })
    .default('verify-full')
    .describe(
      'verify-full checks the server certificate and host name (RDS needs its CA bundle in caCertificate); ' +
        'require-unverified encrypts without checking who answers; disable sends no TLS. ' +
        'The planner never answers a cleartext password request',
    ),
  caCertificate: z.string().optional().describe('PEM bundle trusted for verify-full (e.g. the RDS global bundle)'),
  statementTimeoutMs: z.number().int().min(100).max(900_000).default(30_000),
  connectTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  allowInlineSecrets: z.boolean().default(false),
});

const channelCommon = {
  kind: z.literal('channel'),
  id: idSchema,
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  ratePerSecond: z.number().positive().max(10_000).default(250).describe('provider rate limit shared by all senders'),
  allowInlineSecrets: z.boolean().default(false),
};

/**
 * The Graph API version a Messenger channel calls unless its `apiVersion` names another: v26.0, released 29 Jul 2026
 * (https://developers.facebook.com/documentation/development/graph-api/changelog). docs/UPGRADING.md says what
 * changed for the Send API since the previous default.
 */
export const DEFAULT_GRAPH_API_VERSION = 'v26.0';

const messengerChannelSchema = z.strictObject({
  ...channelCommon,
  type: z.literal('messenger'),
  baseUrl: endpointUrl.default('https://graph.facebook.com'),
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, `must look like ${DEFAULT_GRAPH_API_VERSION}`)
    .default(DEFAULT_GRAPH_API_VERSION),
  pageId: z
    .string()
    .regex(/^(me|\d+)$/, 'must be "me" or a numeric page id')
    .default('me'),
  adAccountId: z
    .string()
    .regex(/^\d+$/, 'must be the numeric ad account id, without "act_"')
    .optional()
    .describe(
      'the ad account of the Marketing Message API (act_<adAccountId>/messages): needed by jobs whose ' +
        'audience.recipientKind is subscription_token',
    ),
  accessToken: secretRefSchema,
});

const webhookChannelSchema = z.strictObject({
  ...channelCommon,
  type: z.literal('webhook'),
  url: endpointUrl,
  signingSecret: secretRefSchema.describe('Standard Webhooks secret, whsec_<base64>; every delivery is signed with it'),
  previousSigningSecret: secretRefSchema
    .optional()
    .describe('during a rotation, the secret receivers still verify with: deliveries carry a signature for each'),
});

const channelSchema = z.discriminatedUnion('type', [messengerChannelSchema, webhookChannelSchema]);

const configItemSchema = z.union([jobSchema, databaseSchema, channelSchema]);

export type JobConfig = z.infer<typeof jobSchema>;
export type DatabaseConfig = z.infer<typeof databaseSchema>;
export type ChannelConfig = z.infer<typeof channelSchema>;
export type MessengerChannelConfig = z.infer<typeof messengerChannelSchema>;
export type WebhookChannelConfig = z.infer<typeof webhookChannelSchema>;
export type ConfigItem = JobConfig | DatabaseConfig | ChannelConfig;
export type ConfigKind = ConfigItem['kind'];

const SCHEMA_BY_KIND = { job: jobSchema, database: databaseSchema, channel: channelSchema } as const;

/** The kinds of config item, in the order the CLI lists them. */
export const CONFIG_KINDS = Object.keys(SCHEMA_BY_KIND) as ConfigKind[];

function hasInlineSecret(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  if ('inline' in value) return true;
  return Object.values(value).some(hasInlineSecret);
}

/** Validates one config item; throws ConfigError naming the item and each bad field. */
export function parseConfigItem<K extends ConfigKind>(
  kind: K,
  input: unknown,
  label = `${kind} item`,
): Extract<ConfigItem, { kind: K }> {
  if (input && typeof input === 'object' && !('kind' in input)) input = { kind, ...input };
  const result = SCHEMA_BY_KIND[kind].safeParse(input);
  if (!result.success) throw new ConfigError(label, toIssues(result.error));
  const item = result.data as Extract<ConfigItem, { kind: K }>;
  if ('allowInlineSecrets' in item && !item.allowInlineSecrets && hasInlineSecret(item)) {
    throw new ConfigError(label, [
      {
        path: 'allowInlineSecrets',
        message:
          'an inline secret is present: ' +
          'store a reference (ssmParameter or secretsManager) or set allowInlineSecrets: true',
      },
    ]);
  }
  return item;
}

/** Validates an item whose kind is read from the item itself (CLI writes, local config files). */
export function parseAnyConfigItem(input: unknown, label = 'config item'): ConfigItem {
  const kind = input && typeof input === 'object' && 'kind' in input ? input.kind : undefined;
  if (kind !== 'job' && kind !== 'database' && kind !== 'channel') {
    throw new ConfigError(label, [{ path: 'kind', message: 'must be one of "job", "database", "channel"' }]);
  }
  return parseConfigItem(kind, input, label);
}

export function configKey(kind: ConfigKind, itemId: string): string {
  return `${kind}#${itemId}`;
}

/** The JSON Schema of every config item, for the docs and for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configItemSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
