import pg from 'pg';

export const SAMPLE_JOB = 'sample-digest';
export const SAMPLE_TABLE = 'notifier_sample_recipients';

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
 * Creates and fills the sample audience: `size` recipients, one in ten opted out; one in seven has a hostile first
 * name (SAMPLE_HOSTILE_NAMES in turn) and one in eleven none (NULL), which the template's fallback covers.
 */
export async function seedSampleAudience(url: string, size: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${SAMPLE_TABLE} (id bigint PRIMARY KEY, psid text NOT NULL, first_name text, opted_in boolean NOT NULL)`);
    await client.query(`TRUNCATE ${SAMPLE_TABLE}`);
    await client.query(
      `INSERT INTO ${SAMPLE_TABLE}
       SELECT g, 'psid-' || g,
              CASE WHEN g % 7 = 0 THEN ($2::text[])[1 + (g / 7) % cardinality($2::text[])] WHEN g % 11 = 0 THEN NULL ELSE 'Reader ' || g END,
              g % 10 <> 0
       FROM generate_series(1, $1::int) AS g`,
      [size, SAMPLE_HOSTILE_NAMES],
    );
    const { rows } = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${SAMPLE_TABLE} WHERE opted_in`);
    return Number(rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

// libpq's sslmode names for the database item's: "require" encrypts without verifying, as "require-unverified" says.
const SSL_MODES: Record<string, string> = { 'verify-full': 'verify-full', require: 'require-unverified', disable: 'disable' };

/** The config items of the sample job, in the same schema as the config table. */
/** `ratePerSecond` is the channel's configured rate: the provider's limit when the sandbox enforces one. */
export function sampleConfig(database: URL, graphBaseUrl: string, accessToken: string, channel: { ratePerSecond?: number } = {}): Record<string, unknown>[] {
  return [
    {
      kind: 'database',
      id: 'sample',
      host: database.hostname,
      port: Number(database.port || 5432),
      database: decodeURIComponent(database.pathname.slice(1)) || 'postgres',
      user: decodeURIComponent(database.username) || 'postgres',
      password: { inline: decodeURIComponent(database.password) || 'local-embedded-database' },
      ssl: SSL_MODES[database.searchParams.get('sslmode') ?? 'disable'] ?? 'disable',
      allowInlineSecrets: true,
    },
    { kind: 'channel', id: 'sandbox', type: 'messenger', baseUrl: graphBaseUrl, pageId: 'me', accessToken: { inline: accessToken }, allowInlineSecrets: true, ratePerSecond: channel.ratePerSecond ?? 250, timeoutMs: 5000 },
    {
      kind: 'job',
      id: SAMPLE_JOB,
      database: 'sample',
      channel: 'sandbox',
      audience: { sql: `SELECT id, psid, first_name FROM ${SAMPLE_TABLE} WHERE opted_in = $1`, params: [true], idColumn: 'id', recipientColumn: 'psid' },
      template: { text: 'Hello {{first_name | "there"}}, your daily digest is ready.', quickReplies: [{ title: 'Open', payload: 'OPEN_DIGEST' }] },
      messagingType: 'UPDATE',
      pageSize: 500,
    },
  ];
}
