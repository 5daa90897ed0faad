/**
 * Which jobs this container holds back after a fatal channel error (an invalid token, a missing permission), and the
 * single probe that tells when one may go again: after the cool-down, one group sends to one recipient while the job's
 * other groups in this container wait for its verdict instead of spending requests on a broken token.
 */
export class JobHalts {
  readonly #until = new Map<string, number>();
  readonly #probes = new Map<string, Promise<void>>();
  readonly #cooldownMs: number;
  readonly #now: () => number;

  constructor(options: { readonly cooldownMs: number; readonly now?: () => number }) {
    this.#cooldownMs = options.cooldownMs;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds the job is still held back, 0 when it is not. */
  remainingMs(job: string): number {
    return Math.max(0, (this.#until.get(job) ?? 0) - this.#now());
  }

  /**
   * Halts the job; true when this call started the halt (and so should alarm and mark the run), false if it already
   * was.
   */
  halt(job: string): boolean {
    if (this.remainingMs(job) > 0) return false;
    this.#until.set(job, this.#now() + this.#cooldownMs);
    return true;
  }

  resume(job: string): void {
    this.#until.delete(job);
  }

  /**
   * How a group of `job` may proceed: `send` (not halted), `wait` (still cooling down, for `delayMs`), or `probe`: this
   * group sends one recipient first and must call `done` once that answer is in.
   */
  async gate(
    job: string,
  ): Promise<{ kind: 'send' } | { kind: 'wait'; delayMs: number } | { kind: 'probe'; done: () => void }> {
    for (;;) {
      if (!this.#until.has(job)) return { kind: 'send' };
      const delayMs = this.remainingMs(job);
      if (delayMs > 0) return { kind: 'wait', delayMs };
      const running = this.#probes.get(job);
      if (!running) break;
      await running;
    }
    let done!: () => void;
    this.#probes.set(job, new Promise<void>((resolve) => (done = resolve)));
    return {
      kind: 'probe',
      done: () => {
        this.#probes.delete(job);
        done();
      },
    };
  }
}
