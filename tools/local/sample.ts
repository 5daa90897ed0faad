import pg from 'pg';
import type { TokenState, WindowModel } from './messenger-window.js';

/** The sample channel's Page: numeric, as a Page id is, so the webhook receiver can map Meta's events to it. */
export const SAMPLE_PAGE_ID = '100000000000001';

export const SAMPLE_JOB = 'sample-digest';
/** The sample audience's Marketing Messages subscribers, sent to by token. */
const SAMPLE_MARKETING_JOB = 'sample-marketing';
/** The sample audience's checkbox plugin opt-ins, sent to by user_ref. */
const SAMPLE_CHECKBOX_JOB = 'sample-checkbox';
const SAMPLE_TABLE = 'notifier_sample_recipients';

/**
 * First names as real audiences hold them, which a pipeline must carry untouched: astral characters (refused by the
 * SQS emulator), U+FFFE/U+FFFF (refused by SQS), control characters, right-to-left marks, quotes and backslashes,
 * template syntax that must stay literal, a value over 300 characters. PostgreSQL text cannot hold NUL or a lone
 * surrogate, so those are left out.
 */
export const SAMPLE_HOSTILE_NAMES: readonly string[] = [
  'Zoë 🚀',
  '😀👩‍👩‍👧𝄞',
  'A\uFFFEB\uFFFF',
  'bell\u0007 tab\t new\nline del\u007f',
  '\u202Eشكرا\u200F',
  'say "hi" \\ back\\slash',
  '{{first_name}} {{ psid | "x" }} $& $1',
  `long ${'ü🚀x'.repeat(110)}`,
];

/** Hours since sample recipient n last wrote to the Page: every third is outside the 24-hour window (25..96 h). */
export const sampleHoursSinceMessage = (n: number): number => (n % 3 === 0 ? 25 + (n % 72) : n % 23);

/** Sample recipient n's subscription token, when n opted in to Marketing Messages (every second): some stale. */
export function sampleToken(n: number): { token: string; state: TokenState } | undefined {
  if (n % 2 !== 0) return undefined;
  return { token: `mm-token-${n}`, state: n % 8 === 0 ? 'opted-out' : n % 14 === 0 ? 'other-page' : 'valid' };
}

/** Sample recipient n's checkbox plugin reference, when n opted in through the checkbox (every fourth). */
export const sampleUserRef = (n: number): string | undefined => (n % 4 === 1 ? `user-ref-${n}` : undefined);

/** What the Messenger sandbox knows of the sample audience at `now`: the window of each person, each token's state. */
export function sampleWindowModel(size: number, now: number): WindowModel {
  const lastInteractionAt = new Map<string, number>();
  const tokens = new Map<string, TokenState>();
  for (let n = 1; n <= size; n++) {
    const at = now - sampleHoursSinceMessage(n) * 3_600_000;
    lastInteractionAt.set(`psid-${n}`, at);
    const userRef = sampleUserRef(n);
    if (userRef) lastInteractionAt.set(userRef, at);
    const token = sampleToken(n);
    if (token) tokens.set(token.token, token.state);
  }
  return { lastInteractionAt, tokens };
}

/**
 * Creates and fills the sample audience: `size` recipients, one in ten opted out; one in seven has a hostile first
 * name (SAMPLE_HOSTILE_NAMES in turn) and one in eleven none (NULL), which the template's fallback covers. Every second
 * has a Marketing Messages token (sampleToken) and every fourth a checkbox user_ref (sampleUserRef).
 */
export async function seedSampleAudience(url: string, size: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${SAMPLE_TABLE} (id bigint PRIMARY KEY, psid text NOT NULL, first_name text, ` +
        `opted_in boolean NOT NULL, marketing_token text, user_ref text)`,
    );
    // A table seeded by an earlier version lacks the opt-in columns.
    await client.query(
      `ALTER TABLE ${SAMPLE_TABLE} ADD COLUMN IF NOT EXISTS marketing_token text, ` +
        `ADD COLUMN IF NOT EXISTS user_ref text`,
    );
    await client.query(`TRUNCATE ${SAMPLE_TABLE}`);
    await client.query(
      `INSERT INTO ${SAMPLE_TABLE}
       SELECT g, 'psid-' || g,
              CASE WHEN g % 7 = 0 THEN ($2::text[])[1 + (g / 7) % cardinality($2::text[])] ` +
        `WHEN g % 11 = 0 THEN NULL ELSE 'Reader ' || g END,
              g % 10 <> 0,
              CASE WHEN g % 2 = 0 THEN 'mm-token-' || g END,
              CASE WHEN g % 4 = 1 THEN 'user-ref-' || g END
       FROM generate_series(1, $1::int) AS g`,
      [size, SAMPLE_HOSTILE_NAMES],
    );
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) AS count FROM ${SAMPLE_TABLE} WHERE opted_in`,
    );
    return Number(rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

// libpq's sslmode names for the database item's: "require" encrypts without verifying, as "require-unverified" says.
const SSL_MODES: Record<string, string> = {
  'verify-full': 'verify-full',
  require: 'require-unverified',
  disable: 'disable',
};

/**
 * A database item for the PostgreSQL at `url` (postgres://user:password@host:port/database?sslmode=...), its password
 * inline: the embedded database of a local run, or the one --database-url names.
 */
export function databaseItemFromUrl(id: string, url: URL): Record<string, unknown> {
  return {
    kind: 'database',
    id,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
    user: decodeURIComponent(url.username) || 'postgres',
    password: { inline: decodeURIComponent(url.password) || 'local-embedded-database' },
    ssl: SSL_MODES[url.searchParams.get('sslmode') ?? 'disable'] ?? 'disable',
    allowInlineSecrets: true,
  };
}

/** A sample job: the same digest to the column `column` holds, for the rows that have one. */
function sampleJob(id: string, column: string, recipientKind: string): Record<string, unknown> {
  return {
    kind: 'job',
    id,
    database: 'sample',
    channel: 'sandbox',
    audience: {
      sql: `SELECT id, ${column}, first_name FROM ${SAMPLE_TABLE} WHERE opted_in = $1 AND ${column} IS NOT NULL`,
      params: [true],
      idColumn: 'id',
      recipientColumn: column,
      recipientKind,
    },
    template: {
      text: 'Hello {{first_name | "there"}}, your daily digest is ready.',
      quickReplies: [{ title: 'Open', payload: 'OPEN_DIGEST' }],
    },
    messagingType: 'UPDATE',
    pageSize: 500,
  };
}

/**
 * The config items of the sample jobs, in the same schema as the config table: the digest by PSID (the default job), by
 * Marketing Messages token and by checkbox user_ref. `ratePerSecond` is the channel's configured rate: the provider's
 * limit when the sandbox enforces one. */
export function sampleConfig(
  database: URL,
  graphBaseUrl: string,
  accessToken: string,
  channel: { ratePerSecond?: number } = {},
): Record<string, unknown>[] {
  return [
    databaseItemFromUrl('sample', database),
    {
      kind: 'channel',
      id: 'sandbox',
      type: 'messenger',
      baseUrl: graphBaseUrl,
      pageId: SAMPLE_PAGE_ID,
      accessToken: { inline: accessToken },
      allowInlineSecrets: true,
      ratePerSecond: channel.ratePerSecond ?? 250,
      timeoutMs: 5000,
    },
    sampleJob(SAMPLE_JOB, 'psid', 'psid'),
    sampleJob(SAMPLE_MARKETING_JOB, 'marketing_token', 'notification_messages_token'),
    sampleJob(SAMPLE_CHECKBOX_JOB, 'user_ref', 'user_ref'),
  ];
}

/** Who of the sample table each sample job sends to: the column it needs, and what a row without it lacks. */
const SAMPLE_SELECTIONS: Readonly<Record<string, { has: (n: number) => boolean; lacking: string }>> = {
  [SAMPLE_JOB]: { has: () => true, lacking: '' },
  [SAMPLE_MARKETING_JOB]: { has: (n) => sampleToken(n) !== undefined, lacking: 'a Marketing Messages token' },
  [SAMPLE_CHECKBOX_JOB]: { has: (n) => sampleUserRef(n) !== undefined, lacking: 'a checkbox user_ref' },
};

/**
 * How a sample job's audience comes out of the sample table, so that the summary's numbers add up:
 * "1,000 sample recipients: 100 opted out (every tenth), 900 to send to". Undefined for any other job.
 */
export function sampleAudienceNote(job: string, size: number): string | undefined {
  const selection = SAMPLE_SELECTIONS[job];
  if (!selection) return undefined;
  let optedOut = 0;
  let lacking = 0;
  for (let n = 1; n <= size; n++) {
    if (n % 10 === 0) optedOut++;
    else if (!selection.has(n)) lacking++;
  }
  const count = new Intl.NumberFormat('en-US').format;
  return (
    `${count(size)} sample recipients: ${count(optedOut)} opted out (every tenth)` +
    (lacking > 0 ? `, ${count(lacking)} without ${selection.lacking}` : '') +
    `, ${count(size - optedOut - lacking)} to send to`
  );
}

/** Why a sample job's PSID and user_ref recipients fail in part: the sample is made that way. */
export const SAMPLE_WINDOW_NOTE = 'by design every third sample recipient last wrote to the Page over 24 hours ago';
