/**
 * Runs `worker` over `items` with at most `concurrency` in flight; results keep the input order.
 * Errors are the worker's to handle: a rejection here would abandon the other items.
 */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, worker: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Client-side pacing: a token bucket shared by every delivery in one container, so a sender never asks the
 * provider for more than its share of the rate limit. `slowDown` halves the rate on a rate-limit answer and
 * `speedUp` recovers additively (AIMD), so several containers converge on the provider's limit.
 */
export class Pacer {
  #rate: number;
  readonly #maxRate: number;
  #tokens: number;
  #last: number;
  readonly #burst: number;
  readonly #now: () => number;

  /**
   * `burst` is how many requests may leave at once after an idle spell: one batch's worth lets a sender spend the
   * tokens it saved while waiting for answers and for its next batch, without which a paced sender falls short of its
   * share (a batch takes its paced time plus the provider's latency).
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

  /** Milliseconds to wait before the next request may go; reserves the slot. */
  reserve(): number {
    const now = this.#now();
    this.#tokens = Math.min(Math.min(this.#burst, Math.max(1, this.#rate)), this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#rate) * 1000;
  }

  slowDown(): void {
    this.#rate = Math.max(this.#maxRate / 20, this.#rate / 2);
  }

  speedUp(): void {
    this.#rate = Math.min(this.#maxRate, this.#rate + this.#maxRate / 50);
  }
}

/** At most `permits` tasks at once, first come first served: the sends of one invocation share its parallelism. */
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
