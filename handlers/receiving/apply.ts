import type { ReceiptKind } from '../aws/ledger/receipts.js';
import type { Suppressions } from '../aws/ledger/suppressions.js';
import type { Entry, ReceiverEvent } from './events.js';

/** The ledger writes the receiver makes, each safe to retry (docs/adr/0009-retry-safe-writes.md). */
export interface ReceiptWriters {
  readonly receipts: {
    advance(options: { channel: string; psid: string; kind: ReceiptKind; watermark: number }): Promise<boolean>;
  };
  readonly suppressions: Pick<Suppressions, 'optWord'>;
}

/** What became of a body's events: the answer's body and the log line count these. */
export interface Tally {
  delivered: number;
  read: number;
  optedOut: number;
  optedIn: number;
  /** Receipts that moved no watermark: a retry, or overtaken by a later receipt. */
  unchanged: number;
  /** Events on the app's webhook that are not the receiver's (messages, postbacks): the team's bot's. */
  ignored: number;
  /** Entries of a Page no channel item names, and malformed entries and events, each with why. */
  problems: string[];
}

export const emptyTally = (): Tally => ({
  delivered: 0,
  read: 0,
  optedOut: 0,
  optedIn: 0,
  unchanged: 0,
  ignored: 0,
  problems: [],
});

/** Receipts go out this many at a time: order-free (watermarks only move forward), and bounded. */
const RECEIPT_CONCURRENCY = 16;

/** Why an opt-out's suppression exists, as `notifier suppressions` and the sender's skip reason show it. */
const OPT_OUT_REASON = 'stopped Marketing Messages (messaging_optins STOP_NOTIFICATIONS)';

/**
 * Applies a STOP or RESUME of Marketing Messages to the subscription token it names: that is what a Marketing
 * Messages audience holds, and all the person stopped. An event without a token is not applied: suppressing the PSID
 * would also stop the replies, utility templates and tagged messages the person did not refuse.
 */
async function applyOptIn(
  writers: ReceiptWriters,
  channel: string,
  event: Extract<ReceiverEvent, { kind: 'opt-out' | 'opt-in' }>,
  tally: Tally,
): Promise<void> {
  if (event.token === undefined) {
    tally.problems.push(`${event.kind} of ${event.psid} names no notification_messages_token: not applied`);
    return;
  }
  const at = new Date(event.at).toISOString();
  const word = event.kind;
  // Only over no entry or an older word of Meta's: a block a send found or an operator's entry stays, and a word
  // retried out of order never overrides a newer one (Suppressions.optWord).
  await writers.suppressions.optWord({ channel, recipient: event.token, reason: OPT_OUT_REASON, at, word });
  if (word === 'opt-out') tally.optedOut++;
  else tally.optedIn++;
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size)
    await Promise.all(items.slice(start, start + size).map(work));
}

/**
 * Applies one entry's events to every channel item of its Page: receipts concurrently, opt-outs and re-opt-ins one
 * after the other in the order Meta listed them. A failed write throws: the whole body is then answered 500 and Meta
 * delivers it again, every write here being safe to repeat.
 */
export async function applyEntry(
  writers: ReceiptWriters,
  channels: readonly string[],
  entry: Entry,
  tally: Tally,
): Promise<void> {
  const receipts = entry.events.flatMap((event) =>
    event.kind === 'delivered' || event.kind === 'read' ? channels.map((channel) => ({ channel, event })) : [],
  );
  await inBatches(receipts, RECEIPT_CONCURRENCY, async ({ channel, event }) => {
    const moved = await writers.receipts.advance({
      channel,
      psid: event.psid,
      kind: event.kind,
      watermark: event.watermark,
    });
    if (moved) tally[event.kind]++;
    else tally.unchanged++;
  });
  for (const event of entry.events) {
    if (event.kind === 'other') tally.ignored++;
    if (event.kind !== 'opt-out' && event.kind !== 'opt-in') continue;
    for (const channel of channels) await applyOptIn(writers, channel, event, tally);
  }
}
