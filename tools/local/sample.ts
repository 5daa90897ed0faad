import pg from 'pg';
import type { TokenState, WindowModel } from './messenger-window.js';

/** The sample channel's Page: numeric, as a Page id is, so the webhook receiver can map Meta's events to it. */
export const SAMPLE_PAGE_ID = '100000000000001';

export const SAMPLE_JOB = 'sample-digest';
/** The sample audience's Marketing Messages subscribers, sent to by token on the Send API (Recurring Notifications). */
const SAMPLE_MARKETING_JOB = 'sample-marketing';
/** The sample audience's checkbox plugin opt-ins, sent to by user_ref. */
const SAMPLE_CHECKBOX_JOB = 'sample-checkbox';
/** The same subscribers on the Marketing Message API (subscription_token), in the sample's message campaign. */
const SAMPLE_MARKETING_API_JOB = 'sample-marketing-api';
/** Every sample PSID, inside the 24-hour window or not, by utility template. */
const SAMPLE_UTILITY_JOB = 'sample-utility';
/** The sample channel's ad account and its one active message campaign, as the sandbox knows them. */
export const SAMPLE_AD_ACCOUNT = '1234567890';
export const SAMPLE_CAMPAIGN = '120210000000000001';
/** The sample Page's approved utility template: a named placeholder in its body. */
export const SAMPLE_UTILITY_TEMPLATE = { name: 'digest_ready', language: 'en_US', body: ['first_name'] } as const;
/** The digest by PSID that knows each person's last message: the people outside the window get no request. */
export const SAMPLE_WINDOW_JOB = 'sample-window';
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

/**
 * Hours since sample recipient n last wrote to the Page: every third is outside the 24-hour window (25..96 h). The
 * sandbox's window model and the sample table's last_message_at column are both made from these numbers.
 */
const SINCE_MESSAGE = { outsideEvery: 3, outsideFrom: 25, outsideSpread: 72, insideSpread: 23 } as const;
export const sampleHoursSinceMessage = (n: number): number =>
  n % SINCE_MESSAGE.outsideEvery === 0
    ? SINCE_MESSAGE.outsideFrom + (n % SINCE_MESSAGE.outsideSpread)
    : n % SINCE_MESSAGE.insideSpread;
/** sampleHoursSinceMessage in SQL, of the row number g. */
const SQL_HOURS_SINCE_MESSAGE =
  `CASE WHEN g % ${SINCE_MESSAGE.outsideEvery} = 0 ` +
  `THEN ${SINCE_MESSAGE.outsideFrom} + g % ${SINCE_MESSAGE.outsideSpread} ELSE g % ${SINCE_MESSAGE.insideSpread} END`;

/** Sample recipient n's subscription token, when n opted in to Marketing Messages (every second): some stale. */
export function sampleToken(n: number): { token: string; state: TokenState } | undefined {
  if (n % 2 !== 0) return undefined;
  const state = n % 8 === 0 ? 'opted-out' : n % 14 === 0 ? 'other-page' : n % 22 === 0 ? 'expired' : 'valid';
  return { token: `mm-token-${n}`, state };
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
  const { name, ...template } = SAMPLE_UTILITY_TEMPLATE;
  return {
    lastInteractionAt,
    tokens,
    campaigns: new Map([[SAMPLE_CAMPAIGN, 'active']]),
    utilityTemplates: new Map([[name, template]]),
  };
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
        `opted_in boolean NOT NULL, marketing_token text, user_ref text, last_message_at timestamptz)`,
    );
    // A table seeded by an earlier version lacks the opt-in and last-message columns.
    await client.query(
      `ALTER TABLE ${SAMPLE_TABLE} ADD COLUMN IF NOT EXISTS marketing_token text, ` +
        `ADD COLUMN IF NOT EXISTS user_ref text, ADD COLUMN IF NOT EXISTS last_message_at timestamptz`,
    );
    await client.query(`TRUNCATE ${SAMPLE_TABLE}`);
    await client.query(
      `INSERT INTO ${SAMPLE_TABLE}
       SELECT g, 'psid-' || g,
              CASE WHEN g % 7 = 0 THEN ($2::text[])[1 + (g / 7) % cardinality($2::text[])] ` +
        `WHEN g % 11 = 0 THEN NULL ELSE 'Reader ' || g END,
              g % 10 <> 0,
              CASE WHEN g % 2 = 0 THEN 'mm-token-' || g END,
              CASE WHEN g % 4 = 1 THEN 'user-ref-' || g END,
              now() - make_interval(hours => ${SQL_HOURS_SINCE_MESSAGE})
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

/**
 * A sample job: the same digest to the column `column` holds, for the rows that have one; with `lastMessageColumn`,
 * the window is judged from last_message_at.
 */
function sampleJob(id: string, column: string, recipientKind: string, window = false): Record<string, unknown> {
  const selected = window ? `${column}, first_name, last_message_at` : `${column}, first_name`;
  return {
    kind: 'job',
    id,
    database: 'sample',
    channel: 'sandbox',
    audience: {
      sql: `SELECT id, ${selected} FROM ${SAMPLE_TABLE} WHERE opted_in = $1 AND ${column} IS NOT NULL`,
      params: [true],
      idColumn: 'id',
      recipientColumn: column,
      recipientKind,
      ...(window ? { lastMessageColumn: 'last_message_at' } : {}),
    },
    template: {
      text: 'Hello {{first_name | "there"}}, your daily digest is ready.',
      quickReplies: [{ title: 'Open', payload: 'OPEN_DIGEST' }],
    },
    messagingType: 'UPDATE',
    pageSize: 500,
  };
}

/** The sample's two other routes: the Marketing Message API's text template, and a utility template to PSIDs. */
function sampleRouteJobs(): Record<string, unknown>[] {
  const marketing = sampleJob(SAMPLE_MARKETING_API_JOB, 'marketing_token', 'subscription_token');
  const utility = sampleJob(SAMPLE_UTILITY_JOB, 'psid', 'psid');
  return [
    {
      ...marketing,
      template: { text: 'Hello {{first_name | "there"}}, this week: 20% off every digest plan.' },
      marketingMessage: { messageId: SAMPLE_CAMPAIGN },
    },
    {
      ...utility,
      template: {
        utility: {
          name: SAMPLE_UTILITY_TEMPLATE.name,
          language: SAMPLE_UTILITY_TEMPLATE.language,
          body: { first_name: '{{first_name | "there"}}' },
        },
      },
    },
  ];
}

/**
 * The config items of the sample jobs, in the same schema as the config table: the digest by PSID (the default job), by
 * token (Recurring Notifications), by checkbox user_ref, by the Marketing Message API, by utility template, and by PSID
 * with each person's last message (sample-window).
 * `ratePerSecond` is the channel's configured rate: the provider's limit when the sandbox enforces one. */
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
      adAccountId: SAMPLE_AD_ACCOUNT,
      accessToken: { inline: accessToken },
      allowInlineSecrets: true,
      ratePerSecond: channel.ratePerSecond ?? 250,
      timeoutMs: 5000,
    },
    sampleJob(SAMPLE_JOB, 'psid', 'psid'),
    sampleJob(SAMPLE_MARKETING_JOB, 'marketing_token', 'notification_messages_token'),
    sampleJob(SAMPLE_CHECKBOX_JOB, 'user_ref', 'user_ref'),
    ...sampleRouteJobs(),
    sampleJob(SAMPLE_WINDOW_JOB, 'psid', 'psid', true),
  ];
}

/** Who of the sample table each sample job sends to: the column it needs, and what a row without it lacks. */
const SAMPLE_SELECTIONS: Readonly<Record<string, { has: (n: number) => boolean; lacking: string }>> = {
  [SAMPLE_JOB]: { has: () => true, lacking: '' },
  [SAMPLE_MARKETING_JOB]: { has: (n) => sampleToken(n) !== undefined, lacking: 'a Marketing Messages token' },
  [SAMPLE_CHECKBOX_JOB]: { has: (n) => sampleUserRef(n) !== undefined, lacking: 'a checkbox user_ref' },
  [SAMPLE_MARKETING_API_JOB]: { has: (n) => sampleToken(n) !== undefined, lacking: 'a Marketing Messages token' },
  [SAMPLE_UTILITY_JOB]: { has: () => true, lacking: '' },
  [SAMPLE_WINDOW_JOB]: { has: () => true, lacking: '' },
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
