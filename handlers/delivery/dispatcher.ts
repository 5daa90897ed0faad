import type { ChannelConfig } from '../config/schema.js';
import { type DeliveryError, PermanentDeliveryError } from '../core/errors.js';
import { LatencyEstimate, Pacer, Semaphore } from '../core/limiter.js';
import { DEFAULT_RETRY_POLICY, decideRetry, type RetryDecision, type RetryPolicy } from '../core/retry.js';
import { type LiveShare, SHARE_HORIZON_MS, SHARE_RENEW_MS } from './share.js';

/** One send to one recipient, as the channel answered it. */
export type AttemptResult =
  | { kind: 'sent'; providerMessageId?: string; usagePercent?: number }
  | { kind: 'failed'; error: DeliveryError }
  /** Not sent at all (the job is halted): the recipient stays open. */
  | { kind: 'held'; reason: string; delayMs: number };

/**
 * Where a recipient ends up in this invocation. `open` recipients are still to be delivered, visible again in
 * `delayMs`; `waited` says that nothing went wrong with them (their channel's pace or the invocation's time ran out),
 * so their task waits as a new message instead of counting a failed receive.
 */
export type Settlement =
  | { kind: 'sent'; providerMessageId?: string }
  | { kind: 'failed'; error: DeliveryError }
  | { kind: 'fatal'; error: DeliveryError }
  | { kind: 'open'; reason: string; delayMs: number; waited: boolean };

/**
 * A channel as the sends of a container see it: its pace (its share of the channel's rate) and its latency, shared by
 * every invocation of the container. Each invocation gives a lane its own send slots.
 */
export interface Lane {
  readonly id: string;
  readonly pacer: Pacer;
  readonly latency: LatencyEstimate;
  /** The channel's answers so far in this container: acceptances, and answers that may mean "blocked". */
  readonly answers: { accepted: number; perhapsBlocked: number };
  /** The live share of the channel's rate (share.ts); none when the share is static. */
  readonly share?: {
    /** Called before each turn: renews the entry when due; a wait while this sender holds no share yet. */
    readonly ready: (withinMs: number) => Promise<void> | undefined;
    /** Whether this sender holds a share above the floor. */
    readonly held: () => boolean;
    /** How long from now its share may still be used on the entry that landed last. */
    readonly trustedForMs: () => number;
  };
}

/** How a turn is waited for: the clock the deadline is on, and its sleep. */
export interface TurnClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}
// Read on each call, so a clock installed after this module loaded (the explorer's virtual time) is the one used.
const REAL_CLOCK: TurnClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The container's lanes, one per channel. A lane paces its channel at its share of `ratePerSecond`: the one the live
 * share granted (share.ts; the floor while it has none, which its sends wait out), or with the live share off the
 * static share, 1 / the most senders the event source mapping runs. A new `ratePerSecond` takes effect as soon as
 * the config cache hands out the new item, and a new share before the next turn.
 */
export function channelLanes(options: {
  readonly instances: number;
  readonly parallelism: number;
  readonly share?: (onChange: (channelId: string) => void) => LiveShare;
  /** The pacers' clock (tests). */
  readonly now?: () => number;
}) {
  const lanes = new Map<string, Lane & { channelRate: number }>();
  const share = options.share?.((channelId) => {
    const lane = lanes.get(channelId);
    if (lane) lane.pacer.limit(rateOf(lane));
  });
  const rateOf = (lane: { id: string; channelRate: number }) =>
    lane.channelRate * (share ? (share.share(lane.id) ?? share.floor) : 1 / Math.max(1, options.instances));
  const liveShare = (lane: Lane & { channelRate: number }, live: LiveShare) => ({
    // The share can lapse between two writes (a sender whose writes fail): its pacer follows before each turn.
    ready: (withinMs: number) => {
      const wait = live.ready(lane.id, withinMs);
      lane.pacer.limit(rateOf(lane));
      return wait?.then(() => lane.pacer.limit(rateOf(lane)));
    },
    held: () => live.held(lane.id),
    trustedForMs: () => live.trustedForMs(lane.id),
  });
  return (channel: ChannelConfig): Lane => {
    let lane = lanes.get(channel.id);
    if (!lane) {
      const id = channel.id;
      const created: Lane & { channelRate: number; share?: Lane['share'] } = {
        id,
        channelRate: channel.ratePerSecond,
        pacer: new Pacer(rateOf({ id, channelRate: channel.ratePerSecond }), options.parallelism, options.now),
        latency: new LatencyEstimate(),
        answers: { accepted: 0, perhapsBlocked: 0 },
      };
      if (share) created.share = liveShare(created, share);
      lanes.set(id, created);
      lane = created;
    }
    lane.channelRate = channel.ratePerSecond;
    lane.pacer.limit(rateOf(lane));
    return lane;
  };
}

/**
 * Waits for the channel's next turn, and takes it. With a live share the turn must come within SHARE_HORIZON_MS, and
 * while the sender's entry still lets it use its share: a later one is waited for without booking it, so that a share
 * lowered or renewed meanwhile paces it; a sender that holds no share of the channel (its wait ran out) gives the
 * recipient back to the queue rather than sending at the floor's pace. A turn that comes after the deadline is not
 * taken: the recipient waits in the queue until then.
 */
export async function takeTurn(
  lane: Lane,
  deadline: number,
  clock: TurnClock = REAL_CLOCK,
): Promise<{ kind: 'turn'; waitMs: number } | Stop> {
  for (;;) {
    const ready = lane.share?.ready(deadline - clock.now());
    if (ready) await ready;
    if (lane.share && !lane.share.held())
      return { kind: 'stopped', reason: NO_SHARE, delayMs: SHARE_RENEW_MS, waited: true };
    const horizon = lane.share
      ? Math.max(0, Math.min(SHARE_HORIZON_MS, lane.share.trustedForMs()))
      : Number.POSITIVE_INFINITY;
    const within = deadline - clock.now();
    const turn = lane.pacer.reserve(Math.min(within, horizon));
    if (turn.taken) return { kind: 'turn', waitMs: turn.waitMs };
    if (turn.waitMs > within) return { kind: 'stopped', reason: NO_TURN, delayMs: turn.waitMs, waited: true };
    await clock.sleep(Math.max(TURN_STEP_MS, turn.waitMs - horizon));
  }
}

export interface SendSpec {
  readonly lane: Lane;
  readonly timeoutMs: number;
  readonly send: (signal: AbortSignal) => Promise<AttemptResult>;
  readonly onAnswer?: (latencyMs: number) => void;
  readonly onRetry?: (failure: { attempt: number; error: DeliveryError; decision: RetryDecision }) => void;
}

export interface DispatcherOptions {
  /** Sends in flight at once on each channel of the invocation. */
  readonly parallelism: number;
  /** No send starts, and none is still out, after this time (epoch ms). */
  readonly deadline: number;
  readonly policy?: RetryPolicy;
  /** A request is a straggler after at least this long (and ten times the usual latency). */
  readonly stragglerFloorMs?: number;
  /** A retry due this soon is waited for even when nothing else is left to send. */
  readonly retryGraceMs?: number;
  /**
   * The process's recent event-loop pause, added to the straggler threshold (a stalled loop is not a slow provider).
   */
  readonly loopLagMs?: () => number;
}

interface Entry {
  state: 'waiting' | 'in-flight' | 'deferred';
  /** Its channel's answers when this recipient's first attempt went out. */
  readonly answersBefore: { readonly accepted: number; readonly perhapsBlocked: number };
  /** How many of its attempts got an answer that may mean "blocked". */
  perhapsBlocked: number;
  /** in-flight: when the request started; deferred: when the retry is due. */
  at: number;
  spec: SendSpec;
  abort?: AbortController;
  wake?: (() => void) | undefined;
}

type Stop = { kind: 'stopped'; reason: string; delayMs: number; waited: boolean };
/** The least a send waits before asking again for a turn beyond the horizon. */
const TURN_STEP_MS = 10;

const CUT_REASON =
  'no answer while the rest of the batch was done (a straggler): returned to the queue instead of holding the batch';
const NO_TIME = 'no time left in this invocation to send';
const NO_TURN = "the channel's pace has no turn for it before this invocation ends";
const NO_SHARE = "this sender holds no share of the channel's rate yet (the senders working on it are settling theirs)";

/**
 * The sends of one invocation, across all its groups: paced, at most `parallelism` in flight on each channel, retried
 * as the retry policy decides, and without a barrier at the end. A send waits for its channel's turn before it takes a
 * send slot, and the slots are the channel's own, so a slow or rate-limited channel never holds another's sends. A
 * turn that comes after the deadline is not taken: the recipient waits in the queue until then. Once nothing is left
 * to send but stragglers (requests out ten times longer than the provider usually takes) and retries not due soon,
 * those are given up and their recipients returned to the queue, so the sender can take its next batch instead of
 * idling on a few slow answers.
 *
 * `hold()` keeps the cut from happening while groups are still being claimed and have not submitted their sends.
 */
export class Dispatcher {
  readonly #slots = new Map<string, Semaphore>();
  readonly #options: Required<DispatcherOptions>;
  readonly #entries = new Set<Entry>();
  #holds = 0;
  #cut = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DispatcherOptions) {
    this.#options = {
      policy: DEFAULT_RETRY_POLICY,
      stragglerFloorMs: 500,
      retryGraceMs: 500,
      loopLagMs: () => 0,
      ...options,
    };
  }

  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.#changed();
    };
  }

  /** Sends to one recipient until it settles; registers at once, so a `hold` released after this covers it. */
  async submit(spec: SendSpec): Promise<Settlement> {
    const entry: Entry = {
      state: 'waiting',
      answersBefore: { ...spec.lane.answers },
      perhapsBlocked: 0,
      at: Date.now(),
      spec,
    };
    this.#entries.add(entry);
    try {
      for (let attempt = 1; ; attempt++) {
        const result = await this.#attempt(entry);
        if (result.kind === 'sent')
          return result.providerMessageId === undefined
            ? { kind: 'sent' }
            : { kind: 'sent', providerMessageId: result.providerMessageId };
        if (result.kind === 'held')
          return { kind: 'open', reason: result.reason, delayMs: result.delayMs, waited: false };
        // A recipient that failed before it ran out of turns or time did not only wait: it returns as a failure.
        if (result.kind === 'stopped')
          return {
            kind: 'open',
            reason: result.reason,
            delayMs: result.delayMs,
            waited: result.waited && attempt === 1,
          };
        const settled = await this.#afterFailure(entry, attempt, result.error);
        if (settled) return settled;
      }
    } finally {
      this.#entries.delete(entry);
      this.#changed();
    }
  }

  /** What the retry policy makes of a failed attempt: a settlement, or undefined to try again. */
  async #afterFailure(entry: Entry, attempt: number, error: DeliveryError): Promise<Settlement | undefined> {
    const decision = decideRetry(
      {
        failureClass: error.failureClass,
        attempt,
        timeLeftMs: this.#options.deadline - Date.now(),
        ...retryAfter(error),
      },
      this.#options.policy,
    );
    entry.spec.onRetry?.({ attempt, error, decision });
    if (decision.action === 'record') return { kind: 'failed', error };
    if (decision.action === 'halt') return { kind: 'fatal', error };
    if (decision.action === 'return') {
      if (blockedAlone(entry, attempt, this.#options.policy.maxAttempts))
        return { kind: 'failed', error: new PermanentDeliveryError(error.message, error.details) };
      return { kind: 'open', reason: error.message, delayMs: decision.delayMs, waited: false };
    }
    if (await this.#defer(entry, decision.delayMs)) return undefined;
    return { kind: 'open', reason: error.message, delayMs: Math.max(0, entry.at - Date.now()), waited: false };
  }

  async #attempt(entry: Entry): Promise<AttemptResult | Stop> {
    const { spec } = entry;
    entry.state = 'waiting';
    this.#changed();
    const turn = await takeTurn(spec.lane, this.#options.deadline);
    if (turn.kind === 'stopped') return turn;
    if (turn.waitMs > 0) await sleep(turn.waitMs);
    return this.#slotsOf(spec.lane).use(() => this.#send(entry));
  }

  #slotsOf(lane: Lane): Semaphore {
    let slots = this.#slots.get(lane.id);
    if (!slots) {
      slots = new Semaphore(this.#options.parallelism);
      this.#slots.set(lane.id, slots);
    }
    return slots;
  }

  /** One request, in a send slot, bounded by the channel's timeout and the deadline. */
  async #send(entry: Entry): Promise<AttemptResult | Stop> {
    const { spec } = entry;
    const timeLeft = this.#options.deadline - Date.now();
    if (this.#cut) return { kind: 'stopped', reason: CUT_REASON, delayMs: 0, waited: false };
    // No attempt may outlive the invocation: its claim would expire under it and another sender send again.
    if (timeLeft <= 0) return { kind: 'stopped', reason: NO_TIME, delayMs: 0, waited: true };
    const cut = new AbortController();
    entry.abort = cut;
    entry.state = 'in-flight';
    entry.at = Date.now();
    this.#changed();
    const started = performance.now();
    // A timer rather than AbortSignal.timeout: it keeps to the clock the rest of the sender runs on.
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException('the request timed out', 'TimeoutError')),
      Math.min(spec.timeoutMs, timeLeft),
    );
    const result = await spec.send(AbortSignal.any([cut.signal, timeout.signal])).finally(() => clearTimeout(timer));
    const latencyMs = performance.now() - started;
    spec.onAnswer?.(latencyMs);
    entry.state = 'waiting';
    // An acceptance that raced the cut still counts: only a request that failed because it was given up is open.
    if (result.kind !== 'sent' && cut.signal.aborted)
      return { kind: 'stopped', reason: CUT_REASON, delayMs: 0, waited: false };
    spec.lane.latency.observe(latencyMs);
    if (result.kind === 'sent') spec.lane.answers.accepted++;
    if (result.kind === 'failed' && result.error.details.perhapsBlocked) {
      spec.lane.answers.perhapsBlocked++;
      entry.perhapsBlocked++;
    }
    if (result.kind === 'sent') spec.lane.pacer.onAccepted(result.usagePercent);
    else if (result.kind === 'failed' && result.error.failureClass === 'rate-limited') spec.lane.pacer.onRateLimited();
    return result;
  }

  /** Waits out a retry's delay outside any send slot; false when the cut came first. */
  #defer(entry: Entry, delayMs: number): Promise<boolean> {
    entry.state = 'deferred';
    entry.at = Date.now() + delayMs;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        entry.wake = undefined;
        resolve(!this.#cut);
      }, delayMs);
      entry.wake = () => {
        clearTimeout(timer);
        entry.wake = undefined;
        resolve(false);
      };
      this.#changed();
    });
  }

  /** Re-evaluates, after any change, whether only stragglers and distant retries are left, and if so when to cut. */
  #changed(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#cut || this.#holds > 0 || this.#entries.size === 0) return;
    const now = Date.now();
    const lag = this.#options.loopLagMs();
    let cutAt = now;
    for (const entry of this.#entries) {
      // A retry whose time has come is about to send: as good as waiting.
      if (entry.state === 'waiting' || (entry.state === 'deferred' && entry.at <= now)) return;
      if (entry.state === 'in-flight')
        cutAt = Math.max(
          cutAt,
          entry.at +
            lag +
            entry.spec.lane.latency.stragglerAfterMs(this.#options.stragglerFloorMs, entry.spec.timeoutMs),
        );
      else if (entry.at - now <= this.#options.retryGraceMs) cutAt = Math.max(cutAt, entry.at);
    }
    if (cutAt > now) {
      this.#timer = setTimeout(() => this.#changed(), cutAt - now);
      return;
    }
    this.#cut = true;
    for (const entry of this.#entries) {
      entry.abort?.abort();
      entry.wake?.();
    }
  }
}

/** Acceptances the channel must have made meanwhile, per other "perhaps blocked" answer, to single a recipient out. */
const HEALTHY_RATIO = 20;

/**
 * Whether a recipient got an answer that may mean "this person blocked you" (Graph code 2) on every attempt, while
 * its channel accepted many others and gave that answer to almost nobody else: then it is this person, not Meta. In
 * a partial outage answering code 2 to a share of requests, the others get it too, and the recipient goes back to the
 * queue instead.
 */
function blockedAlone(entry: Entry, attempts: number, maxAttempts: number): boolean {
  if (attempts < maxAttempts || entry.perhapsBlocked < attempts) return false;
  const { answers } = entry.spec.lane;
  const accepted = answers.accepted - entry.answersBefore.accepted;
  const others = answers.perhapsBlocked - entry.answersBefore.perhapsBlocked - entry.perhapsBlocked;
  return accepted >= HEALTHY_RATIO * Math.max(1, others);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const retryAfter = (error: DeliveryError) =>
  error.details.retryAfterMs === undefined ? {} : { retryAfterMs: error.details.retryAfterMs };
