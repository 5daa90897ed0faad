/**
 * Keyset pagination over an arbitrary audience query: the user's SQL is wrapped as a subquery and paged on its
 * unique id column, so each page is an index range scan and memory stays flat whatever the audience size.
 */
export interface PageQuery {
  readonly text: string;
  readonly values: readonly unknown[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new TypeError(`"${name}" is not a plain SQL identifier`);
  return `"${name}"`;
}

export function pageQuery(audienceSql: string, params: readonly unknown[], idColumn: string, cursor: string | null, pageSize: number): PageQuery {
  const id = quoteIdentifier(idColumn);
  const sql = audienceSql.trim().replace(/;\s*$/, '');
  const limitParam = `$${params.length + 1}`;
  if (cursor === null) {
    return { text: `SELECT * FROM (${sql}) AS audience ORDER BY ${id} LIMIT ${limitParam}`, values: [...params, pageSize] };
  }
  const cursorParam = `$${params.length + 2}`;
  return {
    text: `SELECT * FROM (${sql}) AS audience WHERE ${id} > ${cursorParam} ORDER BY ${id} LIMIT ${limitParam}`,
    values: [...params, pageSize, cursor],
  };
}

/** SQS allows 10 entries per SendMessageBatch call. */
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
