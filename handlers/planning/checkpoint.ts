export type Counts = Readonly<Record<string, number>>;

/** Writes a cursor and the counts added since the previous write; writes never overlap and land in call order. */
export type CheckpointWrite = (cursor: string, added: Counts) => Promise<void>;

/**
 * Coalesces a run's progress writes: pages complete in order and each is recorded here, but at most one write per
 * `intervalMs` goes out, carrying the latest cursor and the counts of every page recorded since the last one. A
 * crash then re-reads at most that interval's pages from the last written cursor, and the sender's ledger drops the
 * copies they enqueue, like those of a crash between a page's enqueue and its cursor write.
 *
 * The first page is written at once. A failed write fails the next `record` or `flush`, and nothing is written after
 * it: a later cursor would skip the counts the failed write carried.
 */
export class Checkpoints {
  readonly #write: CheckpointWrite;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #cursor: string | undefined;
  #added: Record<string, number> = {};
  #lastStarted = Number.NEGATIVE_INFINITY;
  #writing: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  constructor(write: CheckpointWrite, intervalMs: number, now: () => number = () => performance.now()) {
    this.#write = write;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** Records a completed page; writes it now when the interval since the last write has passed. */
  record(cursor: string, counts: Counts): void {
    this.#throwIfFailed();
    this.#cursor = cursor;
    for (const [name, value] of Object.entries(counts)) if (value) this.#added[name] = (this.#added[name] ?? 0) + value;
    if (this.#now() - this.#lastStarted >= this.#intervalMs) this.#start();
  }

  /** Writes whatever is recorded and not yet written, and waits for every write. */
  async flush(): Promise<void> {
    if (this.#cursor !== undefined) this.#start();
    await this.#writing;
    this.#throwIfFailed();
  }

  #start(): void {
    const cursor = this.#cursor as string;
    const added = this.#added;
    this.#cursor = undefined;
    this.#added = {};
    this.#lastStarted = this.#now();
    this.#writing = this.#writing.then(() => (this.#failure ? undefined : this.#write(cursor, added)));
    this.#writing = this.#writing.catch((error: unknown) => {
      this.#failure ??= { error };
    });
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
