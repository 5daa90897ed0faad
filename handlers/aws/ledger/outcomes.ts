import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type Item, N, readNumber, readString, S } from '../dynamo.js';

export type FinalStatus = 'sent' | 'failed' | 'skipped';

export interface NewOutcome {
  readonly status: FinalStatus;
  readonly reason?: string;
  readonly failureClass?: string;
  readonly providerMessageId?: string;
}

/**
 * A recipient's final outcome, with the invocation whose run counters include it and when that one is over for sure.
 */
export interface RecordedOutcome extends NewOutcome {
  readonly owner: string;
  readonly until: number;
  /** When the outcome was recorded (epoch ms); absent on entries written before outcomes carried a time. */
  readonly at?: number;
}

/** Reasons are cut to this length wherever the ledger stores one. */
export const REASON_CHARS = 1000;

// Outcome entries are one small map per recipient inside the group item; short names keep a group of ten under 2 KB.
export function writeOutcome(
  outcome: NewOutcome,
  recorded: { readonly owner: string; readonly until: number; readonly at: number },
): AttributeValue {
  const entry: Item = { s: S(outcome.status), o: S(recorded.owner), u: N(recorded.until), t: N(recorded.at) };
  if (outcome.providerMessageId !== undefined) entry.m = S(outcome.providerMessageId);
  if (outcome.reason !== undefined) entry.r = S(outcome.reason.slice(0, REASON_CHARS));
  if (outcome.failureClass !== undefined) entry.c = S(outcome.failureClass);
  return { M: entry };
}

const isStatus = (value: string | undefined): value is FinalStatus =>
  value === 'sent' || value === 'failed' || value === 'skipped';

export function readOutcomes(item: Item | undefined): Map<string, RecordedOutcome> {
  const outcomes = new Map<string, RecordedOutcome>();
  for (const [recipient, value] of Object.entries(item?.outcomes?.M ?? {})) {
    const entry = value.M;
    const status = readString(entry, 's');
    if (!entry || !isStatus(status)) continue;
    const optional = {
      providerMessageId: readString(entry, 'm'),
      reason: readString(entry, 'r'),
      failureClass: readString(entry, 'c'),
    };
    const at = readNumber(entry, 't');
    outcomes.set(recipient, {
      status,
      owner: readString(entry, 'o') ?? '',
      until: readNumber(entry, 'u') ?? 0,
      ...(at === undefined ? {} : { at }),
      ...Object.fromEntries(Object.entries(optional).filter(([, text]) => text !== undefined)),
    });
  }
  return outcomes;
}
