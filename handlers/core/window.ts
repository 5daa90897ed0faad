import type { RowFields } from './template.js';

/**
 * Messenger's standard messaging window: a page-scoped id or user_ref may get a RESPONSE or UPDATE only within this
 * long of the person's last message to the Page (https://developers.facebook.com/docs/messenger-platform/policy/
 * policy-overview, "24-hour standard messaging window"). Tagged messages and subscription tokens are not bound by it.
 */
export const WINDOW_MS = 24 * 3_600_000;
/**
 * A last message later than now by more than this is not a time the Page saw: clocks of the audience's database and
 * the sender may differ by seconds, not by minutes.
 */
const CLOCK_SKEW_MS = 5 * 60_000;

/** What the window says of one recipient: send, skip (outside, or never wrote), or fail (the value is not a time). */
export type WindowVerdict =
  | { kind: 'inside' }
  | { kind: 'outside'; reason: string }
  | { kind: 'invalid'; reason: string };

const describe = (value: unknown) => JSON.stringify(value)?.slice(0, 80) ?? String(value);

/** ISO 8601 date and time with a zone; PostgreSQL's text form (`2026-12-07 08:00:00+00`) included. */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * The last message's time (epoch ms) from the column's value as the planner carried it: a timestamptz arrives as
 * ISO 8601 text; text must carry its zone, as a time without one means a different instant on each machine. A number
 * is refused rather than guessed at (seconds or milliseconds?).
 */
function lastMessageAt(value: unknown): number | undefined {
  const match = typeof value === 'string' ? TIMESTAMP.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, date, time, zone] = match as unknown as [string, string, string, string];
  const offset = /^[+-]\d{2}$/.test(zone) ? `${zone}:00` : zone;
  const at = Date.parse(`${date}T${time}${offset}`);
  return Number.isFinite(at) ? at : undefined;
}

/**
 * Whether a recipient is inside the 24-hour window at `now`, from the value of the job's last-message column in their
 * fields. Never throws: whatever the audience holds is an outcome with its reason.
 */
export function windowVerdict(fields: RowFields, column: string, now: number): WindowVerdict {
  const where = `column "${column}" (audience.lastMessageColumn)`;
  if (!Object.hasOwn(fields, column))
    return { kind: 'invalid', reason: `${where} is not in the audience row: select it in audience.sql` };
  const value = fields[column];
  if (value === null) return { kind: 'outside', reason: 'outside the 24-hour window: no last message (NULL)' };
  const at = lastMessageAt(value);
  if (at === undefined)
    return {
      kind: 'invalid',
      reason: `${where} holds ${describe(value)}, not a time: select a timestamptz or ISO 8601 text with its zone`,
    };
  if (at > now + CLOCK_SKEW_MS)
    return {
      kind: 'invalid',
      reason: `${where} holds ${new Date(at).toISOString()}, later than now: the Page cannot have seen it yet`,
    };
  if (now - at >= WINDOW_MS)
    return { kind: 'outside', reason: `outside the 24-hour window: last message ${new Date(at).toISOString()}` };
  return { kind: 'inside' };
}
