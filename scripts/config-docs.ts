// docs/CONFIG.md, the reference of the config items, written from the schema the handlers validate with.
//
//   npm run docs:config            # writes docs/CONFIG.md
//   npm run docs:config -- --check # fails when docs/CONFIG.md is not what the schema gives
//
// Every field's type, default and bounds come from the JSON Schema of handlers/config/schema.ts; its words from the
// schema's descriptions, else from FIELD_NOTES below. A field with neither fails the generator, so a field added to
// the schema cannot go undocumented. The examples (scripts/config-docs/examples.json) are validated by
// test/config-docs.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../handlers/surface.js';
import type { JsonSchema } from '../tools/cli/config-explain.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIG_DOC = join(root, 'docs', 'CONFIG.md');

/** Words for the fields whose schema has no description (keyed `<section>.<field>`). */
const FIELD_NOTES: Readonly<Record<string, string>> = {
  'job.kind': 'always `"job"`',
  'job.id': 'the job id: the schedule of `jobs.<id>` in Terraform invokes the planner with it',
  'job.enabled': '`false` records the rest of a run as skipped (to hold runs without a verdict, use `notifier pause`)',
  'job.audience': 'who receives the message: [the audience](#the-audience-what-the-sql-must-return)',
  'job.template': 'what they receive: [the template](#the-template)',
  'job.messagingType':
    'Messenger `messaging_type`; outside the 24-hour window only a utility template, a subscription token or `MESSAGE_TAG` with `HUMAN_AGENT` reaches people ([Messenger policy](../README.md#messenger-policy); `notifier config validate` says whom a job reaches)',
  'job.tag':
    'the message tag, required with `messagingType: "MESSAGE_TAG"` and allowed only with it; `CONFIRMED_EVENT_UPDATE`, `ACCOUNT_UPDATE` and `POST_PURCHASE_UPDATE` are refused (retired by Meta on 27 April 2026)',
  'job.pageSize': 'rows the planner reads per page (one keyset query, one read-only transaction)',
  'job.enqueueConcurrency': 'SendMessageBatch calls the planner keeps in flight',
  'audience.params': 'values bound to `$1`..`$n` of `sql`',
  'template.text': 'the message; `{{ field }}` inserts a column of the row, `{{ field | "fallback" }}` a fallback',
  'template.quickReplies': 'Messenger quick replies (buttons under the message)',
  'quickReply.title': 'the button text',
  'quickReply.payload': 'what Messenger sends back to the Page when the button is tapped',
  'database.kind': 'always `"database"`',
  'database.id': 'the id jobs name in `database`',
  'database.host':
    "PostgreSQL host name; must be listed in the module's `database_hosts`, or the planner refuses it before the password is read",
  'database.port': 'PostgreSQL port',
  'database.database': 'database name',
  'database.user': 'role the planner logs in as: read-only (docs/OPERATIONS.md, "The database role")',
  'database.password': "the role's password, as a [secret reference](#secret-references)",
  'database.statementTimeoutMs': "cap on each page's query (`SET LOCAL statement_timeout`)",
  'database.connectTimeoutMs': 'cap on connecting',
  'database.allowInlineSecrets': '`true` admits `{ "inline": ... }` secrets in this item',
  'messenger.kind': 'always `"channel"`',
  'messenger.id': 'the id jobs name in `channel`',
  'messenger.type': '`"messenger"`: the Messenger Send API',
  'messenger.timeoutMs': 'cap on one send request',
  'messenger.allowInlineSecrets': '`true` admits `{ "inline": ... }` secrets in this item',
  'messenger.baseUrl': "Graph API origin; its host must be listed in the module's `channel_hosts.messenger`",
  'messenger.apiVersion':
    'Graph API version the channel calls; set it to stay on a version (docs/UPGRADING.md, "Graph API version")',
  'messenger.pageId': 'the Page that sends: `me` (the Page of the token) or its numeric id',
  'messenger.accessToken': 'Page access token, as a [secret reference](#secret-references)',
  'webhook.kind': 'always `"channel"`',
  'webhook.id': 'the id jobs name in `channel`',
  'webhook.type': '`"webhook"`: a signed HTTPS POST per recipient (docs/OPERATIONS.md, "Verifying webhook deliveries")',
  'webhook.timeoutMs': 'cap on one request',
  'webhook.allowInlineSecrets': '`true` admits `{ "inline": ... }` secrets in this item',
  'webhook.url': "the receiver; https, and its host must be listed in the module's `channel_hosts.webhook`",
};

const code = (value: unknown) => `\`${JSON.stringify(value)}\``;

/** Type and bounds, e.g. `integer, 10-10000` or `"UPDATE" \| "RESPONSE"`. */
export function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return code(schema.const);
  if (schema.enum) return schema.enum.map(code).join(' | ');
  if (schema.anyOf?.every((option) => option.type === 'object')) return '[secret reference](#secret-references)';
  // A choice of shapes that are not all objects (utility placeholders: a list or an object): each shape's type.
  if (schema.anyOf)
    return schema.anyOf.map((option) => (option.type === 'object' ? 'object' : typeOf(option))).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any');
  const bounds: string[] = [];
  if (schema.format === 'uri') bounds.push('URL');
  if (schema.pattern) bounds.push(`matching \`${schema.pattern}\``);
  if (schema.maxLength !== undefined) bounds.push(`${schema.minLength ?? 0}-${schema.maxLength} characters`);
  else if (schema.minLength) bounds.push('not empty');
  const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : undefined);
  if (low !== undefined || schema.maximum !== undefined)
    bounds.push(typeof low === 'string' ? `${low}, <= ${schema.maximum}` : `${low ?? '-∞'}-${schema.maximum ?? '∞'}`);
  if (type === 'array' && schema.items) {
    const of = schema.items.type === 'object' ? 'objects' : typeOf(schema.items);
    return `array of ${of}${schema.maxItems !== undefined ? `, at most ${schema.maxItems}` : ''}`;
  }
  return [type, ...bounds].join(', ');
}

/** A table cell: pipes escaped, and `<` outside code spans, which Markdown would take for a tag. */
const cell = (text: string) =>
  text
    .split('`')
    .map((part, index) => (index % 2 === 0 ? part.replaceAll('<', '\\<') : part))
    .join('`')
    .replaceAll('|', '\\|')
    .replaceAll('\n', ' ');

/** One table row per field: name, type, required or default, what it is. */
export function fieldTable(section: string, schema: JsonSchema): string {
  const rows = Object.entries(schema.properties ?? {}).map(([name, field]) => {
    const words = FIELD_NOTES[`${section}.${name}`] ?? field.description;
    if (!words) throw new Error(`${section}.${name} has no description: add one to the schema or FIELD_NOTES`);
    const required = schema.required?.includes(name);
    const presence = required ? 'required' : field.default !== undefined ? code(field.default) : 'optional';
    const type = field.type === 'object' ? 'object' : typeOf(field);
    return `| \`${name}\` | ${cell(type)} | ${cell(presence)} | ${cell(words)} |`;
  });
  return ['| field | type | required / default | what it is |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function variantsOf(schema: JsonSchema): JsonSchema[] {
  return [...(schema.anyOf ?? schema.oneOf ?? [schema])].flatMap((option) =>
    option.anyOf || option.oneOf ? variantsOf(option) : [option],
  );
}

/** The object schemas of the schema: job, database, messenger channel, webhook channel, and their parts. */
export function sections(schema: JsonSchema = configJsonSchema() as JsonSchema) {
  const all = variantsOf(schema);
  const find = (kind: string, type?: string) => {
    const found = all.find(
      (option) =>
        option.properties?.kind?.const === kind && (type === undefined || option.properties?.type?.const === type),
    );
    if (!found) throw new Error(`the schema has no ${kind} ${type ?? ''} item`);
    return found;
  };
  const job = find('job');
  const template = job.properties?.template ?? {};
  const database = find('database');
  return {
    job,
    audience: job.properties?.audience ?? {},
    template,
    quickReply: template.properties?.quickReplies?.items ?? {},
    utility: template.properties?.utility ?? {},
    marketingMessage: job.properties?.marketingMessage ?? {},
    database,
    secret: database.properties?.password ?? {},
    messenger: find('channel', 'messenger'),
    webhook: find('channel', 'webhook'),
  };
}

/** `{ "ssmParameter": "<...>" }` per shape of the secret reference, with its fields' descriptions. */
function secretShapes(secret: JsonSchema): string {
  return (secret.anyOf ?? [])
    .map((option) => {
      const fields = Object.entries(option.properties ?? {}).map(([name, field]) => {
        const optional = option.required?.includes(name) ? '' : ' (optional)';
        return `\`${name}\`${optional}: ${field.description ?? ''}`;
      });
      return `- ${fields.join('; ')}`;
    })
    .join('\n');
}

export function examples(): Record<'messenger' | 'webhook', unknown[]> {
  return JSON.parse(readFileSync(join(root, 'scripts', 'config-docs', 'examples.json'), 'utf8'));
}

const PROLOGUE = readFileSync(join(root, 'scripts', 'config-docs', 'prologue.md'), 'utf8').trim();

/** The whole of docs/CONFIG.md. */
export function renderConfigDoc(): string {
  const s = sections();
  const { messenger, webhook } = examples();
  const json = (items: unknown[]) => `\`\`\`json\n${JSON.stringify(items, null, 2)}\n\`\`\``;
  return `${[
    '<!-- Generated by `npm run docs:config` from handlers/config/schema.ts and scripts/config-docs/: do not edit. -->',
    PROLOGUE,
    '## Job items',
    fieldTable('job', s.job),
    '### `audience`',
    fieldTable('audience', s.audience),
    '### `template`',
    fieldTable('template', s.template),
    '### `template.quickReplies[]`',
    fieldTable('quickReply', s.quickReply),
    '### `template.utility`',
    'A utility template of the Page (Messenger, to PSIDs), sent with `messaging_type: "UTILITY"`. `header` and `body` are a list of values for positional placeholders (`{{1}}`, `{{2}}`, ...) or an object of values for named ones; each value is rendered from the row like `text`.',
    fieldTable('utility', s.utility),
    '### `marketingMessage`',
    'The Marketing Message API campaign of a job whose `audience.recipientKind` is `subscription_token`; its channel needs `adAccountId`.',
    fieldTable('marketingMessage', s.marketingMessage),
    '## Database items',
    fieldTable('database', s.database),
    '## Channel items',
    'A channel is one of two types, told apart by `type`.',
    '### `"type": "messenger"`',
    fieldTable('messenger', s.messenger),
    '### `"type": "webhook"`',
    fieldTable('webhook', s.webhook),
    '## Secret references',
    'Every secret (`password`, `accessToken`, `signingSecret`, `previousSigningSecret`) is one of these objects, never the value itself:',
    secretShapes(s.secret),
    'The planner resolves a database\'s password and the sender a channel\'s secrets at run time (cached for five minutes), and only when the function may read them: `planner_secret_arns` and `sender_secret_arns` in the module list the secret and parameter ARNs each may read. `notifier secrets check` resolves every reference with the operator\'s credentials and prints no value. `{ "inline": "..." }` is for local runs and tests: an item holding one is refused unless it sets `"allowInlineSecrets": true`, and a Terraform job `definition` may hold none (it lands in state).',
    '## Complete examples',
    'Each is a file for `notifier config validate` and `notifier config put`, checked against the schema by `test/config-docs.test.ts`.',
    '### Messenger',
    'A private RDS database (its host in `database_hosts`, the planner in the VPC), a Page token in SSM, and a job for the people who wrote to the Page within the last 24 hours.',
    json(messenger),
    '### Webhook',
    'A database password inside a JSON secret (`jsonKey`), a signed webhook to a CRM (`hooks.example.com` in `channel_hosts.webhook`), and an audience keyed by its own columns.',
    json(webhook),
  ].join('\n\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = renderConfigDoc();
  if (process.argv.includes('--check')) {
    if (readFileSync(CONFIG_DOC, 'utf8') !== text) {
      console.error('docs/CONFIG.md is not what the schema gives: run "npm run docs:config"');
      process.exitCode = 1;
    } else console.log('docs/CONFIG.md is up to date');
  } else {
    writeFileSync(CONFIG_DOC, text);
    console.log('wrote docs/CONFIG.md');
  }
}
