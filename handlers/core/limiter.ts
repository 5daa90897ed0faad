/**
 * Client-side pacing: a token bucket shared by every send in one container, so a sender never asks the provider for
 * more than its share of the rate limit. A rate-limit answer halves the rate and acceptances recover it additively
 * (AIMD), so several containers converge on the provider's limit. A usage header is a soft signal: at 100 % of the
 * quota the rate eases off by a tenth, below it the header changes nothing (a cut at 80 % would give away a fifth of
 * the limit for nothing).
 */
export class Pacer {
  #rate: number;
  #maxRate: number;
  #tokens: number;
  #last: number;
  #lastCut = Number.NEGATIVE_INFINITY;
  readonly #burst: number;
  readonly #now: () => number;

  /**
   * `burst` is how many requests may leave at once after an idle spell: the tokens a sender saved while it waited for
   * its next batch, without which a paced sender falls short of its share.
   */
  constructor(ratePerSecond: number, burst = 1, now: () => number = () => performance.now()) {
    this.#rate = ratePerSecond;
    this.#maxRate = ratePerSecond;
    this.#burst = Math.max(1, burst);
    this.#tokens = Math.min(this.#burst, ratePerSecond);
    this.#now = now;
    this.#last = now();
  }

  get rate(): number {
    return this.#rate;
  }

  /**
   * A new ceiling (a channel's new rate, or a new number of senders sharing it): the current rate moves with it in
   * proportion, so a rate that a rate-limit answer cut stays cut by as much.
   */
  limit(ratePerSecond: number): void {
    if (ratePerSecond === this.#maxRate) return;
    // The time since the last turn earned its tokens at the old rate, not the new one; and turns already booked ahead
    // (tokens below zero) keep the time they hold, so the first new turn comes after them, at the new rate.
    this.#refill();
    if (this.#tokens < 0) this.#tokens = (this.#tokens * ratePerSecond) / this.#maxRate;
    this.#rate = (this.#rate * ratePerSecond) / this.#maxRate;
    this.#maxRate = ratePerSecond;
  }

  /**
   * The wait before the next request may go. The turn is taken only when it comes within `withinMs`: a turn due later
   * is left for whoever can use it (the request goes back to the queue until then, instead of sleeping past its
   * invocation's end).
   */
  reserve(withinMs = Number.POSITIVE_INFINITY): { taken: boolean; waitMs: number } {
    this.#refill();
    const waitMs = this.#tokens >= 1 ? 0 : ((1 - this.#tokens) / this.#rate) * 1000;
    if (waitMs > withinMs) return { taken: false, waitMs };
    this.#tokens -= 1;
    return { taken: true, waitMs };
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(
      Math.min(this.#burst, Math.max(1, this.#rate)),
      this.#tokens + ((now - this.#last) / 1000) * this.#rate,
    );
    this.#last = now;
  }

  /** A request was accepted; `usagePercent` is the provider's usage header, when it sends one. */
  onAccepted(usagePercent?: number): void {
    if (usagePercent !== undefined && usagePercent >= 100) this.#cut(0.9);
    else this.#rate = Math.min(this.#maxRate, this.#rate + this.#maxRate / 50);
  }

  onRateLimited(): void {
    this.#cut(0.5);
  }

  // The answers to one overshoot arrive together: they cut the rate once, not once each.
  #cut(factor: number): void {
    const now = this.#now();
    if (now - this.#lastCut < 500) return;
    this.#lastCut = now;
    this.#rate = Math.max(this.#maxRate / 20, this.#rate * factor);
  }
}

/**
 * How long the provider usually takes, as an exponentially weighted mean of its answers' latencies, and from it when
 * a request has become a straggler: one still out long after its peers came back.
 */
export class LatencyEstimate {
  #meanMs: number;

  constructor(initialMs = 200) {
    this.#meanMs = initialMs;
  }

  get meanMs(): number {
    return this.#meanMs;
  }

  observe(latencyMs: number): void {
    this.#meanMs += (latencyMs - this.#meanMs) / 20;
  }

  /** Ten times the usual latency, within [floorMs, ceilingMs]. */
  stragglerAfterMs(floorMs: number, ceilingMs: number): number {
    return Math.min(ceilingMs, Math.max(floorMs, 10 * this.#meanMs));
  }
}

/**
 * At most `permits` tasks at once, first come first served: the sends of a sender invocation share its parallelism,
 * a planner's SendMessageBatch calls the job's enqueueConcurrency.
 */
export class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(permits: number) {
    this.#free = Math.max(1, permits);
  }

  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
