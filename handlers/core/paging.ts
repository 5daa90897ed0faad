import { decodeCursor, type KeyColumns } from './keyset.js';

export interface PageQuery {
  readonly text: string;
  readonly values: readonly unknown[];
}

export interface AudienceQuery extends KeyColumns {
  readonly sql: string;
  readonly params: readonly unknown[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new TypeError(`"${name}" is not a plain SQL identifier`);
  return `"${name}"`;
}

/**
 * Keyset pagination over an arbitrary audience query: the user's SQL is wrapped as a subquery and paged on
 * (idColumn, recipientColumn), so each page is an index range scan on idColumn (ties on it are sorted by an
 * incremental sort) and memory stays flat whatever the audience size, and no row sharing the page's last id is lost.
 *
 * The order is idColumn ascending with NULLs last, then recipientColumn ascending with NULLs first. Putting the
 * recipient's NULLs first makes the plain row comparison `(id, recipient) > ($a, $b)` exact for every row with an
 * id (a row `(a, NULL)` sorts before `(a, $b)`, and a row comparison is decided by its first unequal pair), and
 * keeps the id's index usable. Rows with a NULL id cannot be reached by a comparison on the id: they are read by a
 * second query, the tail, once the rows with an id are exhausted.
 *
 * The queries that read the page after `cursor`, in order: run each until `pageSize` rows are in, and keep the first
 * `pageSize`. Before the NULL-id tail that is the query over rows with an id, then the tail's first query; in the
 * tail, the tail's query alone.
 */
export function pageQueries(audience: AudienceQuery, cursor: string | null, pageSize: number): PageQuery[] {
  const id = quoteIdentifier(audience.idColumn);
  const recipient = quoteIdentifier(audience.recipientColumn);
  // The newlines keep a trailing `-- comment` in the job's SQL from swallowing the closing parenthesis.
  const from = `SELECT * FROM (\n${audience.sql.trim().replace(/;\s*$/, '')}\n) AS audience WHERE`;
  const limit = `LIMIT $${audience.params.length + 1}`;
  const at = (offset: number) => `$${audience.params.length + 1 + offset}`;
  const keyed = (where: string, keys: readonly string[] = []): PageQuery => ({
    text: `${from} ${where} ORDER BY ${id}, ${recipient} NULLS FIRST ${limit}`,
    values: [...audience.params, pageSize, ...keys],
  });
  const tail = (where: string, keys: readonly string[] = []): PageQuery => ({
    text: `${from} ${id} IS NULL${where} ORDER BY ${recipient} NULLS FIRST ${limit}`,
    values: [...audience.params, pageSize, ...keys],
  });
  if (cursor === null) return [keyed(`${id} IS NOT NULL`), tail('')];
  const key = decodeCursor(cursor);
  if (key.kind === 'legacy') return [keyed(`${id} > ${at(1)}`, [key.id]), tail('')];
  if (key.id === null)
    return [
      key.recipient === null
        ? tail(` AND ${recipient} IS NOT NULL`)
        : tail(` AND ${recipient} > ${at(1)}`, [key.recipient]),
    ];
  if (key.recipient === null)
    return [keyed(`${id} >= ${at(1)} AND (${id} > ${at(1)} OR ${recipient} IS NOT NULL)`, [key.id]), tail('')];
  return [keyed(`(${id}, ${recipient}) > (${at(1)}, ${at(2)})`, [key.id, key.recipient]), tail('')];
}

/** Splits `items` into runs of `size`: SQS's batch calls take at most 10 entries each. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** What the handover itself needs: release the lease, invoke the continuation. */
export const HANDOVER_RESERVE_MS = 10_000;

/**
 * Whether the planner should hand over before the next page: it keeps a margin of twice the slowest page seen
 * (a page can be slower than the average) plus a fixed reserve for the handover itself.
 */
export function shouldHandOver(remainingMs: number, slowestPageMs: number, reserveMs = HANDOVER_RESERVE_MS): boolean {
  return remainingMs < reserveMs + 2 * slowestPageMs;
}
