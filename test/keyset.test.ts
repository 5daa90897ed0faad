import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseSchema, jobSchema } from '../handlers/config/schema.js';
import { decodeCursor, encodeCursor, keyText } from '../handlers/core/keyset.js';
import { pageQueries } from '../handlers/core/paging.js';
import { buildRecipient, cursorOf, GROUP_NAME_RESERVE_BYTES, groupTasks, parseTask } from '../handlers/core/task.js';
import { type AudienceRow, disconnect, readAudiencePage } from '../handlers/db/audience.js';
import { ReadAhead } from '../handlers/planning/read-ahead.js';
import { seedAudience } from './support/harness.js';

const HOSTILE = [
  'Zoë 🚀',
  'quote " and \\ backslash',
  '\uFFFE\uFFFF',
  'rtl \u200F mark',
  '{{braces}}',
  'line\u2028sep',
  'x'.repeat(300),
];

describe('keyset cursors', () => {
  it('encode both key values as a JSON array and read them back, NULLs and hostile text included', () => {
    for (const [id, recipient] of [
      ['7', 'p7'],
      [null, 'p'],
      ['7', null],
      [null, null],
      ...HOSTILE.map((value) => [value, value]),
    ] as [string | null, string | null][]) {
      const text = encodeCursor(id, recipient);
      assert.deepEqual(decodeCursor(text), { kind: 'composite', id, recipient }, text);
    }
    assert.equal(encodeCursor('7', 'p7'), '["7","p7"]');
  });

  it('read a cursor saved by the id-only version as that id, whatever it looks like', () => {
    for (const old of ['42', 'abc', '[', '[1,2]', '["a"]', '["a","b","c"]', '[null,1]', '{"a":1}', ''])
      assert.deepEqual(decodeCursor(old), { kind: 'legacy', id: old }, old);
  });

  it('take strings, numbers and bigints as key text, NULL as null, and nothing else', () => {
    assert.deepEqual(
      [keyText('a'), keyText(5), keyText(2n ** 70n), keyText(null)],
      ['a', '5', '1180591620717411303424', null],
    );
    for (const value of [undefined, new Date(0), { a: 1 }, true, Buffer.from('x')])
      assert.equal(keyText(value), undefined);
  });
});

describe('page queries', () => {
  const audience = {
    sql: 'SELECT id, psid FROM users WHERE opted_in = $1; ',
    params: [true],
    idColumn: 'id',
    recipientColumn: 'psid',
  };
  const from = 'SELECT * FROM (\nSELECT id, psid FROM users WHERE opted_in = $1\n) AS audience WHERE';
  const tail = { text: `${from} "id" IS NULL ORDER BY "psid" NULLS FIRST LIMIT $2`, values: [true, 500] };

  it('start with the rows that have an id, then the NULL-id tail', () => {
    assert.deepEqual(pageQueries(audience, null, 500), [
      { text: `${from} "id" IS NOT NULL ORDER BY "id", "psid" NULLS FIRST LIMIT $2`, values: [true, 500] },
      tail,
    ]);
  });

  it('continue after a composite cursor with a row comparison, the recipient breaking ties', () => {
    assert.deepEqual(pageQueries(audience, encodeCursor('42', 'p"42'), 500), [
      {
        text: `${from} ("id", "psid") > ($3, $4) ORDER BY "id", "psid" NULLS FIRST LIMIT $2`,
        values: [true, 500, '42', 'p"42'],
      },
      tail,
    ]);
  });

  it('after a row without a recipient, continue with the same id only where a recipient sorts after NULL', () => {
    assert.deepEqual(pageQueries(audience, encodeCursor('42', null), 500)[0], {
      text: `${from} "id" >= $3 AND ("id" > $3 OR "psid" IS NOT NULL) ORDER BY "id", "psid" NULLS FIRST LIMIT $2`,
      values: [true, 500, '42'],
    });
  });

  it('inside the NULL-id tail, read the tail alone', () => {
    assert.deepEqual(pageQueries(audience, encodeCursor(null, 'p9'), 500), [
      { text: `${from} "id" IS NULL AND "psid" > $3 ORDER BY "psid" NULLS FIRST LIMIT $2`, values: [true, 500, 'p9'] },
    ]);
    assert.deepEqual(pageQueries(audience, encodeCursor(null, null), 500), [
      { text: `${from} "id" IS NULL AND "psid" IS NOT NULL ORDER BY "psid" NULLS FIRST LIMIT $2`, values: [true, 500] },
    ]);
  });

  it('resume a cursor saved by the id-only version on the id alone', () => {
    assert.deepEqual(pageQueries({ ...audience, sql: 'SELECT id, psid FROM users', params: [] }, '42', 10)[0], {
      text: 'SELECT * FROM (\nSELECT id, psid FROM users\n) AS audience WHERE "id" > $2 ORDER BY "id", "psid" NULLS FIRST LIMIT $1',
      values: [10, '42'],
    });
  });

  it('refuse key columns that are not plain identifiers', () => {
    assert.throws(
      () => pageQueries({ ...audience, recipientColumn: 'psid; DROP TABLE users' }, null, 10),
      /plain SQL identifier/,
    );
  });
});

describe('recipients and groups named by composite cursors', () => {
  const spec = {
    runId: 'daily@2026-01-01T00:00:00Z',
    job: 'daily',
    idColumn: 'id',
    recipientColumn: 'psid',
    fields: [],
  };

  it('a NULL key column is a recorded reason naming the column; a key that cannot be a cursor too', () => {
    const nullId = buildRecipient(spec, { id: null, psid: 'p1' });
    assert.deepEqual(nullId, {
      ok: false,
      cursor: '[null,"p1"]',
      recipientId: 'p1',
      reason: 'column "id" (idColumn) is NULL in the audience row: the audience\'s key must not be NULL',
    });
    const nullRecipient = buildRecipient(spec, { id: 5, psid: null });
    assert.deepEqual([nullRecipient.ok, nullRecipient.cursor], [false, '["5",null]']);
    assert.match(
      (nullRecipient as { reason: string }).reason,
      /"psid" \(recipientColumn\) is missing or empty in the row with id = 5/,
    );
    const date = buildRecipient(spec, { id: new Date(0), psid: 'p1' });
    assert.deepEqual([date.ok, date.cursor], [false, null]);
    assert.match((date as { reason: string }).reason, /"id" \(idColumn\) is missing or not a string\/number/);
    assert.match(
      (buildRecipient(spec, { id: 1, psid: { a: 1 } }) as { reason: string }).reason,
      /"psid" \(recipientColumn\) is missing or not a string\/number in the row with id = 1/,
    );
  });

  it('the cursor keeps the recipient as the database holds it, untrimmed, so the next page starts right after it', () => {
    const built = buildRecipient(spec, { id: '3', psid: ' p3 ' });
    assert.deepEqual(built.ok && [built.recipient.id, built.cursor], ['p3', '["3"," p3 "]']);
    assert.equal(cursorOf({ id: 3n, psid: 4 }, spec), '["3","4"]');
  });

  it('groups sharing an id get distinct names; a name is stable and always fits the reserve', () => {
    const cursors = [
      '["7","a"]',
      '["7","b"]',
      encodeCursor('a'.repeat(284), 'x'),
      encodeCursor('a'.repeat(285), 'x'),
      encodeCursor('"'.repeat(100), 'x'),
      ...HOSTILE.map((value) => encodeCursor(value, value)),
    ];
    const names = cursors.map(
      (cursor) => groupTasks(spec, [{ cursor, recipient: { id: 'p', fields: {} } }], 10)[0]?.key ?? '',
    );
    assert.equal(new Set(names).size, cursors.length, names.join(' | '));
    assert.deepEqual(names.slice(0, 3), ['c:["7","a"]', 'c:["7","b"]', `c:${cursors[2]}`]);
    // One character past the reserve, quotes that escaping doubles, and non-ASCII text are named by their digest.
    for (const index of [3, 4, 5, 7, 8, 10, 11]) assert.match(names[index] ?? '', /^h:[\w-]{43}$/, cursors[index]);
    for (const index of [6, 9]) assert.equal(names[index], `c:${cursors[index]}`);
    for (const name of names) assert.ok(Buffer.byteLength(JSON.stringify(name)) <= GROUP_NAME_RESERVE_BYTES, name);
    assert.deepEqual(
      cursors.map((cursor) => groupTasks(spec, [{ cursor, recipient: { id: 'p', fields: {} } }], 10)[0]?.key),
      names,
      'the same cursor names the same group',
    );
    const body =
      groupTasks(spec, [{ cursor: cursors[2] as string, recipient: { id: 'p', fields: {} } }], 10)[0]?.body ?? '';
    assert.ok(parseTask(body).ok, 'a name at the reserve passes the task schema');
  });
});

/** Pages the whole audience the way the planner does, returning each page's rows. */
async function readAll(
  database: ReturnType<typeof databaseSchema.parse>,
  password: string,
  job: ReturnType<typeof jobSchema.parse>,
  from: string | null = null,
): Promise<AudienceRow[][]> {
  const reader = new ReadAhead({
    read: (cursor) => readAudiencePage(database, password, job, cursor),
    cursorOf: (row) => cursorOf(row, job.audience),
    from,
    pageSize: job.pageSize,
    depth: 1,
  });
  const pages: AudienceRow[][] = [];
  for (let rows = await reader.next(); rows.length > 0; rows = await reader.next()) {
    pages.push(rows);
    assert.ok(pages.length < 1_000, 'paging ends');
  }
  return pages;
}

describe('keyset paging on PostgreSQL', () => {
  let database: ReturnType<typeof databaseSchema.parse>;
  let password: string;
  const job = (audience: Record<string, unknown>) =>
    jobSchema.parse({
      kind: 'job',
      id: 'keys',
      database: 'main',
      channel: 'messenger',
      template: { text: 'hi' },
      pageSize: 10,
      audience,
    });
  before(async () => {
    const seeded = await seedAudience(0, {
      extraRows: `
        CREATE TABLE hostile (k text, psid text);
        CREATE INDEX ON hostile (k);
        -- 40 keys, each three times with different recipients, including hostile text.
        INSERT INTO hostile SELECT 'key-' || lpad((g / 3)::text, 3, '0'), 'psid-' || g FROM generate_series(0, 119) g;
        INSERT INTO hostile VALUES ${HOSTILE.map((value) => `(${quote(value)}, ${quote(value)}), (${quote(value)}, ${quote(`${value}-2`)})`).join(', ')};
        -- NULL recipients under a repeated key, NULL keys with and without recipients, and an exact duplicate row.
        INSERT INTO hostile VALUES ('key-005', NULL), ('key-005', NULL), (NULL, 'n1'), (NULL, 'n2'), (NULL, NULL), ('dup', 'same'), ('dup', 'same');
        INSERT INTO hostile SELECT NULL, 'tail-' || g FROM generate_series(1, 25) g;
        CREATE TABLE repeated (id bigint, psid text);
        INSERT INTO repeated SELECT g / 3, 'psid-' || g FROM generate_series(0, 999) g;`,
    });
    database = databaseSchema.parse({
      kind: 'database',
      id: 'main',
      host: seeded.host,
      port: seeded.port,
      database: seeded.database,
      user: seeded.user,
      password: { inline: seeded.password },
      ssl: 'disable',
      allowInlineSecrets: true,
    });
    password = seeded.password;
  });
  after(disconnect);

  it('reads 1,000 rows whose id repeats three times, ten a page: each exactly once', async () => {
    const pages = await readAll(
      database,
      password,
      job({ sql: 'SELECT id, psid FROM repeated -- a trailing comment', idColumn: 'id', recipientColumn: 'psid' }),
    );
    const psids = pages.flat().map((row) => row.psid);
    assert.equal(psids.length, 1_000);
    assert.equal(new Set(psids).size, 1_000);
    assert.equal(pages.length, 100);
  });

  it('reads hostile keys, NULL keys and NULL recipients once each; an exact duplicate key is read at least once', async () => {
    const pages = await readAll(
      database,
      password,
      job({ sql: 'SELECT k, psid FROM hostile', idColumn: 'k', recipientColumn: 'psid' }),
    );
    const read = pages.flat().map((row) => JSON.stringify([row.k, row.psid]));
    const expected = await tableKeys(database, password);
    const counts = (keys: string[]) =>
      keys.reduce((map, key) => map.set(key, (map.get(key) ?? 0) + 1), new Map<string, number>());
    const readCounts = counts(read);
    for (const [key, times] of counts(expected)) {
      const got = readCounts.get(key) ?? 0;
      assert.ok(got >= 1 && got <= times, `${key}: read ${got} times, ${times} in the table`);
    }
    assert.equal(readCounts.size, new Set(expected).size, 'nothing read that the table does not hold');
    assert.ok(read.length >= expected.length - 2, `${read.length} of ${expected.length}`);
  });

  it('resumes a cursor saved by the id-only version after that id', async () => {
    const pages = await readAll(
      database,
      password,
      job({ sql: 'SELECT id, psid FROM repeated', idColumn: 'id', recipientColumn: 'psid' }),
      '300',
    );
    const ids = pages.flat().map((row) => Number(row.id));
    assert.equal(ids.length, 1_000 - 301 * 3);
    assert.ok(ids.every((id) => id > 300));
  });
});

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

async function tableKeys(database: ReturnType<typeof databaseSchema.parse>, password: string): Promise<string[]> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({
    host: database.host,
    port: database.port,
    database: database.database,
    user: database.user,
    password,
  });
  await client.connect();
  try {
    return (await client.query('SELECT k, psid FROM hostile')).rows.map((row: AudienceRow) =>
      JSON.stringify([row.k, row.psid]),
    );
  } finally {
    await client.end();
  }
}
