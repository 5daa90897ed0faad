import type { ShareEntries, ShareWrite } from '../aws/ledger/shares.js';
import { CLAIM_SKEW_MS } from './limits.js';

// Each Page's rate, shared by the senders actually working on it (docs/adr/0016-pages-and-jobs.md). Every sender
// container keeps an entry in one ledger item per channel while it sends there: until when it counts as working on the
// channel, and the share of the channel's rate it may use until its next write. A sender raises its share only by
// announcing it first, takes no more than what the others' entries leave, and lowers its announcement only once the
// turns it booked at the higher share are past, so the shares in use never add up to more than the whole rate,
// whoever writes first.

/** How often a sender renews its entry while it takes turns on the channel and has its fair share. */
export const SHARE_RENEW_MS = 2_000;
/** How soon a sender below its fair share (one that just joined), or whose renewal failed, writes again. */
export const SHARE_CATCH_UP_MS = 500;
/**
 * How long an entry lets its sender use its share after the write: a renewal and one retry of it. The others count it
 * that long plus the clock skew allowed between containers, so a sender that stopped taking turns (its batch done)
 * frees its share within 4.5 s.
 */
export const SHARE_ENTRY_MS = SHARE_RENEW_MS + SHARE_CATCH_UP_MS;
/**
 * The furthest ahead a sender books turns on a live share; a share it lowers stays announced this long, until the
 * turns it booked at the higher share are past.
 */
export const SHARE_HORIZON_MS = 1_000;
/**
 * The longest a send waits for its sender to hold a share above the floor: until the entry of a sender that stopped
 * taking turns no longer counts, and two catch-ups (1 s) after it. A holder still at work lets go of the share sooner:
 * at its next renewal, plus the hold of its lowered share.
 */
export const SHARE_READY_MS = SHARE_ENTRY_MS + CLAIM_SKEW_MS + 2 * SHARE_CATCH_UP_MS;
/** The longest a renewal may take, its SDK retries included; a renewal that takes longer keeps the last share. */
export const SHARE_WRITE_BUDGET_MS = 250;
/** Entries expired this long ago are removed by the next renewal of any sender (a few at a time). */
const PRUNE_AFTER_MS = 60_000;
const PRUNE_AT_ONCE = 5;
/** Shares differing by less than this are the same: 1 - 4 x 0.2 is 0.19999999999999996 in floating point. */
const SAME = 1e-9;

/**
 * The pacer's resting share while its sender holds none (its writes fail, or it waits for its first answer): 1 % of
 * the rate, or less with many senders. Nothing is sent at it: a send needs a share above it (`held`).
 */
export const shareFloor = (instances: number) => Math.min(0.01, 1 / (10 * Math.max(1, instances)));

export type { ShareWrite };
/** Writes a renewal; answers every entry as the item holds them after the write. */
export type RenewShare = (channelId: string, write: ShareWrite, signal: AbortSignal) => Promise<ShareEntries>;

/**
 * What one answer grants: the share this sender may use, its fair share, and the entries long gone. An entry counts
 * until its `until` plus the clock skew allowed between containers.
 */
export function grant(
  entries: ShareEntries,
  write: Pick<ShareWrite, 'container' | 'share'>,
  now: number,
  floor: number,
): { share: number; fair: number; gone: { id: string; until: number }[] } {
  let senders = 1;
  let others = 0;
  const gone: { id: string; until: number }[] = [];
  for (const [id, entry] of entries) {
    if (id === write.container) continue;
    if (entry.until + CLAIM_SKEW_MS > now) {
      senders++;
      others += entry.share;
    } else if (entry.until + CLAIM_SKEW_MS + PRUNE_AFTER_MS < now && gone.length < PRUNE_AT_ONCE)
      gone.push({ id, until: entry.until });
  }
  const fair = 1 / senders;
  const room = 1 - others > write.share - SAME ? write.share : 1 - others;
  return { share: Math.max(floor, Math.min(write.share, fair, room)), fair, gone };
}

interface ChannelShare {
  /** When the next renewal is due (epoch ms). */
  dueAt: number;
  busy: boolean;
  /** The renewal in flight. */
  writing?: Promise<void> | undefined;
  /** What the next write announces. */
  intent?: number;
  /** The share in use; none before the first answer, or after an idle spell. */
  granted?: number;
  /** Until when this sender trusts its last entry that landed (its `until`; the others count it a skew longer). */
  lapsesAt: number;
  /** Whether the last renewal failed. */
  failing: boolean;
  gone: readonly { id: string; until: number }[];
}

/**
 * A container's shares of its channels' rates. `ready` is called before each send's turn: it renews the entry when a
 * renewal is due, beside the sends, and makes the send wait (at most SHARE_READY_MS) only while this sender holds no
 * share above the floor: before its first answer, after an idle spell, or as a joiner while the holder lets go. A
 * sender thus sends only on a share it was granted. A renewal that fails keeps the last share until the entry that
 * landed lapses, and then the floor, since the others may have taken the share by then.
 */
export class LiveShare {
  readonly #channels = new Map<string, ChannelShare>();
  readonly #write: RenewShare;
  readonly #container: string;
  readonly #static: number;
  readonly floor: number;
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
    this.floor = shareFloor(options.instances);
    this.#onChange = options.onChange;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? (() => Date.now());
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * The share of the channel's rate this sender may use: undefined while it holds none (never answered, or its entry
   * lapsed while it was idle), the floor when its writes fail.
   */
  share(channelId: string): number | undefined {
    const share = this.#channels.get(channelId);
    if (!share) return undefined;
    if (share.granted === undefined || this.#now() >= share.lapsesAt) return share.failing ? this.floor : undefined;
    return share.granted;
  }

  /** Whether this sender holds a share above the floor. */
  held(channelId: string): boolean {
    return (this.share(channelId) ?? 0) > this.floor;
  }

  /**
   * How long from now this sender may still use its share on the last entry that landed: no turn is booked beyond it,
   * so the others, who count the entry that long and a skew more, never find turns of it after they took its share.
   */
  trustedForMs(channelId: string): number {
    const share = this.#channels.get(channelId);
    return share?.granted === undefined ? 0 : share.lapsesAt - this.#now();
  }

  /**
   * Renews the entry when due; answers a wait while this sender holds no share above the floor, ending when it does,
   * after SHARE_READY_MS, or after `withinMs`, whichever comes first. Undefined when there is nothing to wait for, and
   * nothing is written once `withinMs` is spent.
   */
  ready(channelId: string, withinMs: number): Promise<void> | undefined {
    if (withinMs <= 0) return undefined;
    this.renew(channelId);
    if (this.held(channelId)) return undefined;
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
    for (let left = until - this.#now(); left > 0 && !this.held(channelId); left = until - this.#now()) {
      const pending = this.renew(channelId) ?? this.#channels.get(channelId)?.writing;
      await Promise.race([pending ?? this.#sleep(Math.min(100, left)), this.#sleep(left)]);
    }
  }

  /** Renews this container's entry on the channel when it is due; returns the write, for tests, or undefined. */
  renew(channelId: string): Promise<void> | undefined {
    const now = this.#now();
    let share = this.#channels.get(channelId);
    if (share && (share.busy || now < share.dueAt)) return undefined;
    // Back after an idle spell: its entry lapsed because it had nothing to send, not because it could not write. What
    // it knew then (its share, the entries it found gone) is stale.
    if (!share || (!share.failing && now >= share.lapsesAt)) {
      const before = share?.granted;
      share = { dueAt: now, busy: false, lapsesAt: 0, failing: false, gone: [] };
      this.#channels.set(channelId, share);
      if (before !== undefined) this.#onChange(channelId);
    }
    share.busy = true;
    const writing = this.#renew(channelId, share, now);
    // A write that failed at once has already cleared `busy`; its finished promise must not stay as the one in flight.
    if (share.busy) share.writing = writing;
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
      const entries = await this.#write(channelId, write, budget.signal);
      const answeredAt = this.#now();
      const granted = grant(entries, write, answeredAt, this.floor);
      share.granted = granted.share;
      share.lapsesAt = write.until;
      share.failing = false;
      share.gone = granted.gone;
      this.#plan(share, now, answeredAt, before ?? 0, granted);
    } catch (error) {
      share.failing = true;
      share.dueAt = now + SHARE_CATCH_UP_MS;
      this.#onError(channelId, error);
    } finally {
      clearTimeout(timer);
      share.busy = false;
      share.writing = undefined;
    }
    if (this.share(channelId) !== before) this.#onChange(channelId);
  }

  /**
   * The next write. A sender that now uses less than before announces its lower share once the turns it booked at the
   * higher one are past (SHARE_HORIZON_MS after the answer), so the others may take the rest; until then its entry
   * still announces the higher one. A sender below its fair share asks for it again soon; one holding it renews it.
   */
  #plan(
    share: ChannelShare,
    now: number,
    answeredAt: number,
    inUse: number,
    granted: { share: number; fair: number },
  ): void {
    if (granted.share < inUse - SAME) {
      // The pacer slows down as this answer arrives: turns booked before it reach a horizon past it.
      share.intent = granted.share;
      share.dueAt = answeredAt + SHARE_HORIZON_MS;
      return;
    }
    share.intent = granted.fair;
    share.dueAt = now + (granted.share < granted.fair - SAME ? SHARE_CATCH_UP_MS : SHARE_RENEW_MS);
  }
}
