import { type Item, N, readNumber } from '../dynamo.js';
import { shareKey } from './keys.js';
import type { LedgerTable } from './table.js';

/**
 * Each sender container's entry on a channel: until when (epoch ms) it counts as working there, and the share of the
 * channel's rate (0..1] it may use until its next write.
 */
export type ShareEntries = ReadonlyMap<string, { readonly until: number; readonly share: number }>;

/** A sender's entry is a top-level attribute of the channel's item, so the first write needs no map to exist yet. */
const ENTRY_PREFIX = 'sender#';

/** The senders working on each channel, as the ledger holds them (delivery/share.ts decides what they mean). */
export class RateShares {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  /**
   * Sets this container's entry and removes the `prune` entries, in one UpdateItem that answers the item as it stands
   * after it. A retry after a lost answer sets the same value. The item expires (TTL) with the latest write's entry,
   * so a channel nobody sends on leaves nothing behind.
   */
  async renew(
    channel: string,
    write: {
      readonly container: string;
      readonly until: number;
      readonly share: number;
      readonly prune: readonly string[];
    },
    signal: AbortSignal,
  ): Promise<ShareEntries> {
    const names: Record<string, string> = { '#me': ENTRY_PREFIX + write.container };
    write.prune.forEach((container, index) => {
      names[`#gone${index}`] = ENTRY_PREFIX + container;
    });
    const remove = write.prune.length > 0 ? ` REMOVE ${write.prune.map((_, index) => `#gone${index}`).join(', ')}` : '';
    const { Attributes = {} } = await this.#table.update(
      shareKey(channel),
      {
        UpdateExpression: `SET #me = :entry, expiresAt = :expiresAt${remove}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':entry': { M: { until: N(write.until), share: N(write.share) } },
          ':expiresAt': N(Math.ceil(write.until / 1000)),
        },
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
