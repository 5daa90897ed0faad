/**
 * Virtual time for the explorer: while installed, `setTimeout`, `clearTimeout`, `Date`, `performance.now` and
 * `AbortSignal.timeout` read and schedule on this clock instead of the machine's, so a schedule of minutes of Lambda
 * time runs in milliseconds and the same seed replays the same interleaving. The handlers need no seam for it: they
 * read time through these globals (the Pacer's and the checkpoints' default clocks are `performance.now()` evaluated on
 * each call, the dispatcher's abort is `AbortSignal.timeout`).
 *
 * `setImmediate` and `process.nextTick` stay real: dynalite answers through them, so time only moves once every real
 * callback has run (`settle`), which is what makes a run deterministic.
 */

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly run: () => void;
}

/** The object a virtual `setTimeout` answers: what callers do with Node's Timeout (unref, refresh) is accepted. */
class VirtualTimeout {
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setImmediate: globalThis.setImmediate,
  Date: globalThis.Date,
  performanceNow: performance.now,
  abortTimeout: AbortSignal.timeout,
  random: Math.random,
};

export const realImmediate = () => new Promise<void>((resolve) => real.setImmediate(resolve));

export class VirtualClock {
  #now: number;
  readonly #origin: number;
  readonly #timers: Timer[] = [];
  #nextId = 1;
  /** Real work the simulation waits for before moving time on (DynamoDB requests being answered by dynalite). */
  #busy = 0;

  constructor(startMs: number) {
    this.#now = startMs;
    this.#origin = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Counts a piece of real asynchronous work; time stands still until it is done. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#busy++;
    return work.finally(() => this.#busy--);
  }

  setTimeout(run: () => void, delayMs: number): VirtualTimeout {
    const id = this.#nextId++;
    const timer = { id, at: this.#now + Math.max(0, Number.isFinite(delayMs) ? delayMs : 0), run };
    // Sorted by due time, then by creation: two timers due together fire in the order they were set.
    let index = this.#timers.length;
    while (index > 0 && (this.#timers[index - 1] as Timer).at > timer.at) index--;
    this.#timers.splice(index, 0, timer);
    return new VirtualTimeout(id);
  }

  clearTimeout(handle: unknown): void {
    if (handle === undefined || handle === null) return;
    const id = handle instanceof VirtualTimeout ? handle.id : Number(handle);
    const index = this.#timers.findIndex((timer) => timer.id === id);
    if (index >= 0) this.#timers.splice(index, 1);
  }

  /** Waits until no real work is pending and a few turns of the real event loop brought nothing new. */
  async settle(): Promise<void> {
    for (let quiet = 0; quiet < 2; ) {
      await realImmediate();
      quiet = this.#busy > 0 ? 0 : quiet + 1;
    }
  }

  /**
   * Fires timers in order until `done()` holds or virtual time would pass `untilMs`; answers whether `done()` held.
   */
  async run(done: () => boolean, untilMs: number): Promise<boolean> {
    for (;;) {
      await this.settle();
      if (done()) return true;
      const next = this.#timers[0];
      if (!next || next.at > untilMs) {
        this.#now = Math.max(this.#now, untilMs);
        return done();
      }
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.run();
    }
  }

  /** Replaces the globals; `random` is the schedule's own stream, so SDK jitter and retry jitter replay too. */
  install(random: () => number): void {
    const clock = this;
    const VirtualDate = class extends real.Date {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(clock.now());
        else super(...(args as [string]));
      }
      static override now(): number {
        return clock.now();
      }
    };
    globalThis.Date = VirtualDate as DateConstructor;
    globalThis.setTimeout = ((run: (...args: unknown[]) => void, delayMs?: number, ...args: unknown[]) =>
      clock.setTimeout(() => run(...args), delayMs ?? 0)) as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((handle: unknown) => clock.clearTimeout(handle)) as typeof clearTimeout;
    performance.now = () => clock.now() - clock.#origin;
    AbortSignal.timeout = (delayMs: number) => {
      const controller = new AbortController();
      clock.setTimeout(
        () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
        delayMs,
      );
      return controller.signal;
    };
    Math.random = random;
  }

  uninstall(): void {
    globalThis.Date = real.Date;
    globalThis.setTimeout = real.setTimeout;
    globalThis.clearTimeout = real.clearTimeout;
    performance.now = real.performanceNow;
    AbortSignal.timeout = real.abortTimeout;
    Math.random = real.random;
  }
}
