import type { ShareEntries } from '../aws/ledger/shares.js';

// Each Page's rate, shared by the senders actually working on it (docs/adr/0016-pages-and-jobs.md). Every sender
// container keeps an entry in one ledger item per channel while it sends there: until when it counts as working on the
// channel, and the share of the channel's rate it may use until its next write. A sender raises its share only by
// announcing it first, and takes no more than what the others' entries leave, so the shares in use never add up to
// more than the whole rate, whoever writes first.

/** How long an entry counts its sender as working on the channel after it was written. */
export const SHARE_ENTRY_MS = 6_000;
/** How often a sender renews its entry while it sends on the channel and has its fair share. */
export const SHARE_RENEW_MS = 2_000;
/** How soon a sender below its fair share (one that just joined) writes again, to take it up. */
export const SHARE_CATCH_UP_MS = 500;
/**
 * The longest a send waits for its sender to hold a share above the floor (the first answer, or a joiner's catch-up
 * while the sender that held the whole rate lets go of half): one renewal of the others and a catch-up of its own.
 */
export const SHARE_READY_MS = SHARE_RENEW_MS + 2 * SHARE_CATCH_UP_MS;
/** The longest a renewal may take, its SDK retries included; a renewal that takes longer keeps the last share. */
export const SHARE_WRITE_BUDGET_MS = 250;
/** The least share a working sender keeps: its sends then wait in the queue rather than for a share of nothing. */
export const SHARE_FLOOR = 0.01;
/** Entries expired this long ago are removed by the next renewal of any sender (a few at a time). */
const PRUNE_AFTER_MS = SHARE_ENTRY_MS;
const PRUNE_AT_ONCE = 5;

/** One renewal: this container's new entry, and the long-expired entries it removes. */
export interface ShareWrite {
  readonly container: string;
  readonly until: number;
  /** The share of the channel's rate (0..1] this sender may use until its next write. */
  readonly share: number;
  readonly prune: readonly string[];
}

/** Writes a renewal; answers every entry as the item holds them after the write. */
export type RenewShare = (channelId: string, write: ShareWrite, signal: AbortSignal) => Promise<ShareEntries>;

/** What one answer grants: the share this sender may use, its fair share, and the entries long gone. */
export function grant(
  entries: ShareEntries,
  write: Pick<ShareWrite, 'container' | 'share'>,
  now: number,
): { share: number; fair: number; gone: string[] } {
  let senders = 1;
  let others = 0;
  const gone: string[] = [];
  for (const [id, entry] of entries) {
    if (id === write.container) continue;
    if (entry.until > now) {
      senders++;
      others += entry.share;
    } else if (entry.until < now - PRUNE_AFTER_MS && gone.length < PRUNE_AT_ONCE) gone.push(id);
  }
  const fair = 1 / senders;
  return { share: Math.max(SHARE_FLOOR, Math.min(write.share, fair, 1 - others)), fair, gone };
}

interface ChannelShare {
  /** When the next renewal is due (epoch ms). */
  dueAt: number;
  /** The renewal in flight. */
  writing?: Promise<void> | undefined;
  /** What the next write announces. */
  intent?: number;
  /** The share in use; none before the first answer (or after an idle spell): the static share. */
  granted?: number;
  /** Until when the last entry that landed counts this sender; after it, the others may have taken its share. */
  lapsesAt: number;
  /** Whether the last renewal failed. */
  failing: boolean;
  gone: readonly string[];
}

/**
 * A container's shares of its channels' rates. `ready` is called before each send's turn: it renews the entry when a
 * renewal is due, beside the sends, and makes the send wait (at most SHARE_READY_MS) only while this sender holds no
 * share above the floor: before its first answer, after an idle spell, or as a joiner while the others let go. A sender
 * thus sends only on a share it was granted. A renewal that fails keeps the last share until the entry that landed
 * lapses, and then the floor, since the others may have taken the share by then.
 */
export class LiveShare {
  readonly #channels = new Map<string, ChannelShare>();
  readonly #write: RenewShare;
  readonly #container: string;
  readonly #static: number;
  readonly #now: () => number;
  readonly #onChange: (channelId: string) => void;
  readonly #onError: (channelId: string, error: unknown) => void;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #waits = new Map<string, Promise<void>>();

  constructor(options: {
    readonly write: RenewShare;
    readonly container: string;
    /** The most senders there may be (the event source mapping's maximum concurrency). */
    readonly instances: number;
    readonly onChange: (channelId: string) => void;
    readonly onError?: (channelId: string, error: unknown) => void;
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
  }) {
    this.#write = options.write;
    this.#container = options.container;
    this.#static = 1 / Math.max(1, options.instances);
    this.#onChange = options.onChange;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * The share of the channel's rate this sender may use: undefined while it holds none (never answered, or its entry
   * lapsed while it was idle), the floor when its writes fail.
   */
  share(channelId: string): number | undefined {
    const share = this.#channels.get(channelId);
    if (!share) return undefined;
    if (share.granted === undefined || this.#now() >= share.lapsesAt) return share.failing ? SHARE_FLOOR : undefined;
    return share.granted;
  }

  /**
   * Renews the entry when due; answers a wait while this sender holds no share above the floor, ending when it does,
   * after SHARE_READY_MS, or after `withinMs`, whichever comes first. Undefined when there is nothing to wait for.
   */
  ready(channelId: string, withinMs: number): Promise<void> | undefined {
    this.renew(channelId);
    if ((this.share(channelId) ?? 0) > SHARE_FLOOR) return undefined;
    let wait = this.#waits.get(channelId);
    if (!wait) {
      wait = this.#waitForShare(channelId, this.#now() + Math.min(SHARE_READY_MS, withinMs)).finally(() =>
        this.#waits.delete(channelId),
      );
      this.#waits.set(channelId, wait);
    }
    return wait;
  }

  async #waitForShare(channelId: string, until: number): Promise<void> {
    while (this.#now() < until && (this.share(channelId) ?? 0) <= SHARE_FLOOR) {
      await (this.renew(channelId) ??
        this.#channels.get(channelId)?.writing ??
        this.#sleep(Math.min(100, until - this.#now())));
    }
  }

  /** Renews this container's entry on the channel when it is due; returns the write, for tests, or undefined. */
  renew(channelId: string): Promise<void> | undefined {
    const now = this.#now();
    let share = this.#channels.get(channelId);
    if (share && (share.writing || now < share.dueAt)) return undefined;
    // Back after an idle spell: its entry lapsed because it had nothing to send, not because it could not write.
    if (!share || (!share.failing && now >= share.lapsesAt)) {
      const before = share?.granted;
      share = { dueAt: now, lapsesAt: 0, failing: false, gone: share?.gone ?? [] };
      this.#channels.set(channelId, share);
      if (before !== undefined) this.#onChange(channelId);
    }
    const writing = this.#renew(channelId, share, now);
    share.writing = writing;
    return writing;
  }

  async #renew(channelId: string, share: ChannelShare, now: number): Promise<void> {
    const budget = new AbortController();
    const timer = setTimeout(
      () => budget.abort(new DOMException('the share renewal ran out of time', 'TimeoutError')),
      SHARE_WRITE_BUDGET_MS,
    );
    const write: ShareWrite = {
      container: this.#container,
      until: now + SHARE_ENTRY_MS,
      share: share.intent ?? share.granted ?? this.#static,
      prune: share.gone,
    };
    const before = this.share(channelId);
    try {
      const granted = grant(await this.#write(channelId, write, budget.signal), write, this.#now());
      share.granted = granted.share;
      share.lapsesAt = write.until;
      share.failing = false;
      share.gone = granted.gone;
      // An entry announcing more than this sender now uses is corrected at once, so the others may take the rest.
      share.intent = granted.share < write.share ? granted.share : granted.fair;
      const wait = granted.share < write.share ? 0 : granted.share < granted.fair ? SHARE_CATCH_UP_MS : SHARE_RENEW_MS;
      share.dueAt = now + wait;
    } catch (error) {
      share.failing = true;
      share.dueAt = now + SHARE_CATCH_UP_MS;
      this.#onError(channelId, error);
    } finally {
      clearTimeout(timer);
      share.writing = undefined;
    }
    if (this.share(channelId) !== before) this.#onChange(channelId);
  }
}
