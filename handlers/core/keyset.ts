/**
 * The audience's keyset: rows are ordered by (idColumn, recipientColumn), the recipient breaking ties, so a key
 * value that repeats never straddles a page boundary unread (docs/adr/0005-composite-keyset.md).
 *
 * The ledger stores the cursor as one string: a JSON array `[id, recipient]` of the two values as text, each `null`
 * when the column is NULL. A cursor that is not such an array was saved by a version that paged on idColumn alone; a
 * run in flight across the upgrade resumes from it with that version's meaning (rows whose id is greater).
 */
export type KeysetCursor =
  | { readonly kind: 'composite'; readonly id: string | null; readonly recipient: string | null }
  | { readonly kind: 'legacy'; readonly id: string };

export interface KeyColumns {
  readonly idColumn: string;
  readonly recipientColumn: string;
}

/**
 * A column value as keyset text: strings, numbers and bigints (pg returns bigint and numeric as strings) read back
 * exactly as the same value when PostgreSQL casts the parameter to the column's type; NULL is null; anything else
 * (a Date, whose text loses microseconds, or a JSON value) is undefined: it cannot be a cursor.
 */
export function keyText(value: unknown): string | null | undefined {
  if (value === null) return null;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
    ? String(value)
    : undefined;
}

export function encodeCursor(id: string | null, recipient: string | null): string {
  return JSON.stringify([id, recipient]);
}

const isKeyPart = (value: unknown): value is string | null => value === null || typeof value === 'string';

export function decodeCursor(text: string): KeysetCursor {
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.length === 2 && isKeyPart(parsed[0]) && isKeyPart(parsed[1]))
      return { kind: 'composite', id: parsed[0], recipient: parsed[1] };
  }
  return { kind: 'legacy', id: text };
}
