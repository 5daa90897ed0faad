import * as z from 'zod';
import { ConfigError } from '../core/errors.js';
import { isLoopbackHost } from '../core/host-policy.js';
import { ID_MAX_LENGTH, idPattern, idRule } from '../core/ids.js';
import { toIssues } from '../core/issues.js';
import { MAX_RECIPIENTS_PER_TASK } from '../core/task.js';

/** What an audience's recipient column holds; each is a different `recipient` field of the Send API. */
const RECIPIENT_KINDS = ['psid', 'notification_messages_token', 'user_ref'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];

/**
 * The message tags Meta accepts (https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags).
 */
export const MESSAGE_TAGS = [
  'CONFIRMED_EVENT_UPDATE',
  'POST_PURCHASE_UPDATE',
  'ACCOUNT_UPDATE',
  'HUMAN_AGENT',
] as const;

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

const audienceSchema = z.strictObject({
  sql: z.string().min(1).describe('SELECT returning one row per recipient; $1..$n bind to params'),
  params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).default([]),
  idColumn: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name')
    .default('id')
    .describe(
      'ordered column used for keyset pagination, with recipientColumn breaking ties; NULLs are recorded as failed',
    ),
  recipientColumn: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name')
    .default('psid')
    .describe('column holding the channel recipient id'),
  recipientKind: z
    .enum(RECIPIENT_KINDS)
    .default('psid')
    .describe(
      'what recipientColumn holds (Messenger): a page-scoped id, ' +
        'a Marketing Messages subscription token (notification_messages_token), or a checkbox plugin user_ref',
    ),
});

const quickReplySchema = z.strictObject({ title: z.string().min(1).max(20), payload: z.string().min(1).max(1000) });

export const jobSchema = z
  .strictObject({
    kind: z.literal('job'),
    id: idSchema,
    enabled: z.boolean().default(true),
    database: idSchema.describe('id of a database item'),
    channel: idSchema.describe('id of a channel item'),
    audience: audienceSchema,
    template: z.strictObject({
      text: z.string().min(1).max(2000),
      quickReplies: z.array(quickReplySchema).max(13).optional(),
    }),
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
  })
  .superRefine((job, context) => {
    // A subscription token is a Marketing Message: Meta's request for it carries no messaging_type, and tags may not
    // carry promotional content (https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags).
    if (job.audience.recipientKind === 'notification_messages_token' && job.messagingType !== 'UPDATE') {
      context.addIssue({
        code: 'custom',
        path: ['messagingType'],
        message:
          `must be UPDATE (the default) when audience.recipientKind is notification_messages_token: ` +
          `a Marketing Message is neither a RESPONSE nor a tagged message, got ${job.messagingType}`,
      });
      return;
    }
    if (job.messagingType === 'MESSAGE_TAG' && !job.tag) {
      context.addIssue({ code: 'custom', path: ['tag'], message: 'is required when messagingType is MESSAGE_TAG' });
    }
    if (job.messagingType !== 'MESSAGE_TAG' && job.tag) {
      context.addIssue({ code: 'custom', path: ['tag'], message: 'is only allowed when messagingType is MESSAGE_TAG' });
    }
  });

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

const messengerChannelSchema = z.strictObject({
  ...channelCommon,
  type: z.literal('messenger'),
  baseUrl: endpointUrl.default('https://graph.facebook.com'),
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v23.0')
    .default('v23.0'),
  pageId: z
    .string()
    .regex(/^(me|\d+)$/, 'must be "me" or a numeric page id')
    .default('me'),
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
