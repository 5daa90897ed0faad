import { parseArgs } from 'node:util';
import {
  type AudienceRow,
  type BuiltRecipient,
  buildRecipient,
  cursorOf,
  DATABASE_HOSTS_ENV,
  type DatabaseConfig,
  databaseHostRefusal,
  disconnect,
  type JobConfig,
  jobTemplates,
  missingFields,
  type OutboundMessage,
  parseConfigItem,
  parseHostAllowlist,
  readAudiencePage,
  renderMessage,
  resolveSecret,
  taskSpecFor,
} from '../../handlers/surface.js';
import { type ConfigSource, configSource } from './config-source.js';
import { type CliIO, numberOption, UsageError } from './io.js';

const PREVIEW_HELP = `notifier preview <job> [--limit N] [--database-url URL] [--table NAME | --file PATH] [--json]
  Renders the messages the first N recipients of the job's audience would get (default 10, at most 1000): the
  audience is read as the planner reads it (the job's query, keyset paging, read-only transactions) and each row
  built and rendered as the planner and the sender would. Nothing is sent and nothing is written. Rows the planner
  would record as failed show why; rows missing template fields (without a fallback) name every missing field.

  --database-url URL  read the audience here instead of the job's database item, e.g. a replica:
                      postgres://user:password@host:5432/app?sslmode=require (sslmode: disable, require, verify-full)
  --table NAME        config table (default: $NOTIFIER_CONFIG_TABLE)
  --file PATH         config items from a local JSON file instead of the table
  --json              one JSON object: { job, rows: [...], summary }

Exit codes: 0 rendered (also when rows have problems: they are the answer), 1 the job, its database or the
audience query failed, 2 usage error.`;

export type PreviewRow =
  | {
      readonly recipientId: string;
      readonly status: 'ok';
      readonly text: string;
      readonly quickReplies?: readonly { title: string; payload: string }[];
    }
  | { readonly recipientId: string; readonly status: 'missing-fields'; readonly missing: readonly string[] }
  | { readonly recipientId: string | null; readonly status: 'invalid'; readonly reason: string };

/**
 * A database given as a URL, with the database item's defaults (timeouts). The item's schema wants a password
 * reference, which is never resolved here: the URL's password travels apart, as a resolved one would.
 */
function databaseFromUrl(url: string): { database: DatabaseConfig; password: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--database-url is not a URL: expected postgres://user:password@host:5432/database`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol))
    throw new UsageError(`--database-url must start with postgres:// or postgresql://, got "${parsed.protocol}"`);
  const password = decodeURIComponent(parsed.password);
  const database = parseConfigItem(
    'database',
    {
      id: 'preview',
      host: parsed.hostname,
      port: Number(parsed.port || 5432),
      database: decodeURIComponent(parsed.pathname.slice(1)),
      user: decodeURIComponent(parsed.username),
      password: { inline: 'unused' },
      allowInlineSecrets: true,
      ssl: parsed.searchParams.get('sslmode') ?? 'verify-full',
    },
    '--database-url',
  );
  return { database, password };
}

/**
 * The job's own database item, and its password resolved as the planner resolves it: only for a host on the
 * allowlist (NOTIFIER_DATABASE_HOSTS, as the module gives the planner), checked before the password is resolved. A
 * URL the operator types (--database-url) carries its own password and is the operator's choice.
 */
async function jobDatabase(
  config: ConfigSource,
  job: JobConfig,
): Promise<{ database: DatabaseConfig; password: string }> {
  const database = await config.database(job.database);
  const refusal = databaseHostRefusal(
    database,
    parseHostAllowlist(process.env[DATABASE_HOSTS_ENV] ?? '', DATABASE_HOSTS_ENV),
  );
  if (refusal) throw refusal;
  return { database, password: await resolveSecret(database.password) };
}

/**
 * A message as an operator reads it: its text, or a utility template's name, language and rendered values (Meta holds
 * the template's own text).
 */
export function messageText(message: Pick<OutboundMessage, 'text' | 'utility'>): string {
  const { utility } = message;
  if (!utility) return message.text ?? '';
  const values = (part: 'header' | 'body') => {
    const given = utility[part];
    if (!given) return [];
    const shown = Array.isArray(given)
      ? given.map((value: string) => JSON.stringify(value))
      : Object.entries(given).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
    return [`${part} ${shown.join(', ')}`];
  };
  const parts = [...values('header'), ...values('body')].map((part) => `; ${part}`).join('');
  return `utility template ${utility.name} (${utility.language})${parts}`;
}

/** What each audience row would become: the rendered message, the missing fields, or why it is no recipient. */
function previewRows(job: JobConfig, rows: readonly AudienceRow[]): PreviewRow[] {
  const runId = `${job.id}@preview`;
  const spec = taskSpecFor(runId, job);
  return rows.map((row) => previewRow(runId, job, buildRecipient(spec, row)));
}

function previewRow(runId: string, job: JobConfig, built: BuiltRecipient): PreviewRow {
  if (!built.ok) return { recipientId: built.recipientId, status: 'invalid', reason: built.reason };
  const { recipient } = built;
  const missing = [...new Set(jobTemplates(job).flatMap((template) => missingFields(template, recipient.fields)))];
  if (missing.length > 0) return { recipientId: recipient.id, status: 'missing-fields', missing };
  const rendered = renderMessage(runId, job, recipient);
  if (!rendered.ok) return { recipientId: recipient.id, status: 'missing-fields', missing: [rendered.field] };
  return {
    recipientId: recipient.id,
    status: 'ok',
    text: messageText(rendered.message),
    ...(rendered.message.quickReplies ? { quickReplies: rendered.message.quickReplies } : {}),
  };
}

/** The first `limit` rows of the audience, page by page as the planner reads them. */
async function readFirstRows(
  database: DatabaseConfig,
  password: string,
  job: JobConfig,
  limit: number,
): Promise<AudienceRow[]> {
  const rows: AudienceRow[] = [];
  let cursor: string | null = null;
  while (rows.length < limit) {
    const pageSize = Math.min(job.pageSize, limit - rows.length);
    const page = await readAudiencePage(database, password, { ...job, pageSize }, cursor);
    rows.push(...page);
    const last = page.at(-1);
    if (page.length < pageSize || !last) break;
    cursor = cursorOf(last, job.audience);
    if (cursor === null) break;
  }
  return rows;
}

function render(row: PreviewRow): string {
  const who = row.recipientId ?? '(no recipient)';
  if (row.status === 'ok')
    return (
      `${who}  ${JSON.stringify(row.text)}` +
      `${row.quickReplies ? `  [${row.quickReplies.map((reply) => reply.title).join(' | ')}]` : ''}`
    );
  if (row.status === 'missing-fields') return `${who}  MISSING ${row.missing.join(', ')}`;
  return `${who}  INVALID ${row.reason}`;
}

export async function previewCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      limit: { type: 'string' },
      'database-url': { type: 'string' },
      table: { type: 'string' },
      file: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(PREVIEW_HELP);
    return 0;
  }
  const jobId = positionals[0];
  if (!jobId) throw new UsageError('preview needs a job id: "notifier preview daily-digest"');
  const limit = numberOption('--limit', values.limit, { min: 1, integer: true, max: 1000 }) ?? 10;
  const given = values['database-url'] === undefined ? undefined : databaseFromUrl(values['database-url']);
  const config = await configSource(values);
  const job = await config.job(jobId);
  const source = given ?? (await jobDatabase(config, job));
  let rows: AudienceRow[];
  try {
    rows = await readFirstRows(source.database, source.password, job, limit);
  } finally {
    await disconnect();
  }
  const previews = previewRows(job, rows);
  const summary = {
    rows: previews.length,
    ok: 0,
    missingFields: 0,
    invalid: 0,
    missingByField: {} as Record<string, number>,
  };
  for (const row of previews) {
    if (row.status === 'ok') summary.ok++;
    else if (row.status === 'invalid') summary.invalid++;
    else {
      summary.missingFields++;
      for (const field of row.missing) summary.missingByField[field] = (summary.missingByField[field] ?? 0) + 1;
    }
  }
  if (values.json) io.out(JSON.stringify({ job: job.id, rows: previews, summary }));
  else {
    for (const row of previews) io.out(render(row));
    const byField = Object.entries(summary.missingByField).map(([field, count]) => `${field}: ${count}`);
    io.out(
      `\n${summary.rows} rows: ${summary.ok} render, ` +
        `${summary.missingFields} miss template fields${byField.length ? ` (${byField.join(', ')})` : ''}, ` +
        `${summary.invalid} invalid; nothing sent`,
    );
  }
  return 0;
}
