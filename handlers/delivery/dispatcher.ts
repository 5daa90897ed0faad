import type { DeliveryError } from '../core/errors.js';
import { type LatencyEstimate, type Pacer, Semaphore } from '../core/limiter.js';
import { DEFAULT_RETRY_POLICY, decideRetry, type RetryDecision, type RetryPolicy } from '../core/retry.js';

/** One send to one recipient, as the channel answered it. */
export type AttemptResult =
  | { kind: 'sent'; providerMessageId?: string; usagePercent?: number }
  | { kind: 'failed'; error: DeliveryError }
  /** Not sent at all (the job is halted): the recipient stays open. */
  | { kind: 'held'; reason: string; delayMs: number };

/** Where a recipient ends up in this invocation. */
export type Settlement =
  | { kind: 'sent'; providerMessageId?: string }
  | { kind: 'failed'; error: DeliveryError }
  | { kind: 'fatal'; error: DeliveryError }
  /** Still to be delivered: back to the queue, visible again in `delayMs`. */
  | { kind: 'open'; reason: string; delayMs: number };

export interface SendSpec {
  /** The channel's pacing and latency, shared by the container's sends on that channel. */
  readonly pacer: Pacer;
  readonly latency: LatencyEstimate;
  readonly timeoutMs: number;
  readonly send: (signal: AbortSignal) => Promise<AttemptResult>;
  readonly onAnswer?: (latencyMs: number) => void;
  readonly onRetry?: (failure: { attempt: number; error: DeliveryError; decision: RetryDecision }) => void;
}

export interface DispatcherOptions {
  /** Sends in flight at once across the invocation. */
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
  /** in-flight: when the request started; deferred: when the retry is due. */
  at: number;
  spec: SendSpec;
  abort?: AbortController;
  wake?: (() => void) | undefined;
}

const CUT_REASON =
  'no answer while the rest of the batch was done (a straggler): returned to the queue instead of holding the batch';

/**
 * The sends of one invocation, across all its groups: paced, at most `parallelism` in flight, retried as the retry
 * policy decides, and without a barrier at the end. Once nothing is left to send but stragglers (requests out ten times
 * longer than the provider usually takes) and retries not due soon, those are given up and their recipients returned
 * to the queue, so the sender can take its next batch instead of idling on a few slow answers.
 *
 * `hold()` keeps the cut from happening while groups are still being claimed and have not submitted their sends.
 */
export class Dispatcher {
  readonly #slots: Semaphore;
  readonly #options: Required<DispatcherOptions>;
  readonly #entries = new Set<Entry>();
  #holds = 0;
  #cut = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DispatcherOptions) {
    this.#slots = new Semaphore(options.parallelism);
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
    const entry: Entry = { state: 'waiting', at: Date.now(), spec };
    this.#entries.add(entry);
    try {
      for (let attempt = 1; ; attempt++) {
        const result = await this.#attempt(entry);
        if (result.kind === 'sent')
          return result.providerMessageId === undefined
            ? { kind: 'sent' }
            : { kind: 'sent', providerMessageId: result.providerMessageId };
        if (result.kind === 'held') return { kind: 'open', reason: result.reason, delayMs: result.delayMs };
        if (result.kind === 'stopped') return { kind: 'open', reason: result.reason, delayMs: 0 };
        const decision = decideRetry(
          {
            failureClass: result.error.failureClass,
            attempt,
            timeLeftMs: this.#options.deadline - Date.now(),
            ...retryAfter(result.error),
          },
          this.#options.policy,
        );
        spec.onRetry?.({ attempt, error: result.error, decision });
        if (decision.action === 'record') return { kind: 'failed', error: result.error };
        if (decision.action === 'halt') return { kind: 'fatal', error: result.error };
        if (decision.action === 'return')
          return { kind: 'open', reason: result.error.message, delayMs: decision.delayMs };
        if (!(await this.#defer(entry, decision.delayMs)))
          return { kind: 'open', reason: result.error.message, delayMs: Math.max(0, entry.at - Date.now()) };
      }
    } finally {
      this.#entries.delete(entry);
      this.#changed();
    }
  }

  async #attempt(entry: Entry): Promise<AttemptResult | { kind: 'stopped'; reason: string }> {
    const { spec } = entry;
    entry.state = 'waiting';
    this.#changed();
    return this.#slots.use(async () => {
      const wait = spec.pacer.reserve();
      if (wait > 0) await sleep(wait);
      const timeLeft = this.#options.deadline - Date.now();
      if (this.#cut) return { kind: 'stopped', reason: CUT_REASON };
      // No attempt may outlive the invocation: its claim would expire under it and another sender send again.
      if (timeLeft <= 0) return { kind: 'stopped', reason: 'no time left in this invocation to send' };
      entry.abort = new AbortController();
      entry.state = 'in-flight';
      entry.at = Date.now();
      this.#changed();
      const started = performance.now();
      const result = await spec.send(
        AbortSignal.any([entry.abort.signal, AbortSignal.timeout(Math.min(spec.timeoutMs, timeLeft))]),
      );
      const latencyMs = performance.now() - started;
      spec.onAnswer?.(latencyMs);
      entry.state = 'waiting';
      // An acceptance that raced the cut still counts: only a request that failed because it was given up is open.
      if (result.kind !== 'sent' && entry.abort.signal.aborted) return { kind: 'stopped', reason: CUT_REASON };
      spec.latency.observe(latencyMs);
      if (result.kind === 'sent') spec.pacer.onAccepted(result.usagePercent);
      else if (result.kind === 'failed' && result.error.failureClass === 'rate-limited') spec.pacer.onRateLimited();
      return result;
    });
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
          entry.at + lag + entry.spec.latency.stragglerAfterMs(this.#options.stragglerFloorMs, entry.spec.timeoutMs),
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const retryAfter = (error: DeliveryError) =>
  error.details.retryAfterMs === undefined ? {} : { retryAfterMs: error.details.retryAfterMs };
