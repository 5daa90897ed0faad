import { type Item, isConditionFailure, N, readNumber } from '../dynamo.js';
import { shareKey } from './keys.js';
import type { LedgerTable } from './table.js';

/**
 * Each sender container's entry on a channel: until when (epoch ms) it counts as working there, and the share of the
 * channel's rate (0..1] it may use until its next write.
 */
export type ShareEntries = ReadonlyMap<string, { readonly until: number; readonly share: number }>;

/** One renewal: this container's new entry, and the long-expired entries it removes, as it last saw them. */
export interface ShareWrite {
  readonly container: string;
  readonly until: number;
  /** The share of the channel's rate (0..1] this sender may use until its next write. */
  readonly share: number;
  readonly prune: readonly { readonly id: string; readonly until: number }[];
}

/** A sender's entry is a top-level attribute of the channel's item, so the first write needs no map to exist yet. */
const ENTRY_PREFIX = 'sender#';
/** The item outlives its latest entry by this much, whatever the clocks of the senders that wrote it. */
const TTL_MARGIN_SECONDS = 3_600;

/** The senders working on each channel, as the ledger holds them (delivery/share.ts decides what they mean). */
export class RateShares {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  /**
   * Sets this container's entry and removes the `prune` entries, in one UpdateItem that answers the item as it stands
   * after it. An entry is removed only if it still holds the `until` it was seen with: a sender that came back since
   * keeps its new entry (the write is then made again without removing anything). A retry after a lost answer sets
   * the same value, and finds the removed entries gone, which its condition allows.
   */
  async renew(channel: string, write: ShareWrite, signal: AbortSignal): Promise<ShareEntries> {
    try {
      return await this.#update(channel, write, signal);
    } catch (error) {
      if (write.prune.length === 0 || !isConditionFailure(error)) throw error;
      return this.#update(channel, { ...write, prune: [] }, signal);
    }
  }

  async #update(channel: string, write: ShareWrite, signal: AbortSignal): Promise<ShareEntries> {
    const names: Record<string, string> = { '#me': ENTRY_PREFIX + write.container };
    const values: Item = {
      ':entry': { M: { until: N(write.until), share: N(write.share) } },
      ':expiresAt': N(Math.ceil(write.until / 1000) + TTL_MARGIN_SECONDS),
    };
    const conditions: string[] = [];
    write.prune.forEach((gone, index) => {
      names[`#gone${index}`] = ENTRY_PREFIX + gone.id;
      values[`:seen${index}`] = N(gone.until);
      conditions.push(`(attribute_not_exists(#gone${index}) OR #gone${index}.#until = :seen${index})`);
    });
    if (conditions.length > 0) names['#until'] = 'until';
    const remove = write.prune.length > 0 ? ` REMOVE ${write.prune.map((_, i) => `#gone${i}`).join(', ')}` : '';
    const { Attributes = {} } = await this.#table.update(
      shareKey(channel),
      {
        UpdateExpression: `SET #me = :entry, expiresAt = :expiresAt${remove}`,
        ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      },
      signal,
    );
    return readEntries(Attributes);
  }
}

/** The entries of a channel's item; an attribute that is not a well-formed entry is left out. */
export function readEntries(item: Item): ShareEntries {
  const entries = new Map<string, { until: number; share: number }>();
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(ENTRY_PREFIX) || !value.M) continue;
    const until = readNumber(value.M, 'until');
    const share = readNumber(value.M, 'share');
    if (until !== undefined && share !== undefined && share > 0 && share <= 1)
      entries.set(name.slice(ENTRY_PREFIX.length), { until, share });
  }
  return entries;
}
