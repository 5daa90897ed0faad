/**
 * Reads keyset pages ahead of their consumer: the next page's query goes out as soon as the previous page's rows
 * are in, while the consumer still enqueues earlier pages, so the queue never waits for the database. At most
 * `depth` pages are read and not yet taken, which bounds memory.
 *
 * A page shorter than `pageSize`, or whose last row has no cursor, ends the reading (the consumer reports the missing
 * cursor); a failed read ends it too and surfaces from `next` when the consumer reaches that page.
 */
export class ReadAhead<Row> {
  readonly #read: (cursor: string | null) => Promise<Row[]>;
  readonly #cursorOf: (row: Row) => string | null;
  readonly #pageSize: number;
  readonly #depth: number;
  readonly #pages: Promise<Row[]>[] = [];
  #cursor: string | null;
  /** The one query out, if any: pages are read one after another, each from the cursor of the one before. */
  #inFlight: Promise<unknown> | undefined;
  #ended = false;

  constructor(options: {
    read: (cursor: string | null) => Promise<Row[]>;
    cursorOf: (row: Row) => string | null;
    from: string | null;
    pageSize: number;
    depth: number;
  }) {
    this.#read = options.read;
    this.#cursorOf = options.cursorOf;
    this.#cursor = options.from;
    this.#pageSize = options.pageSize;
    this.#depth = Math.max(1, options.depth);
  }

  /** The next page's rows, in keyset order; an empty page once the audience is read. */
  next(): Promise<Row[]> {
    this.#fill();
    const page = this.#pages.shift() ?? Promise.resolve([]);
    this.#fill();
    return page;
  }

  /** Stops reading ahead and waits for the read in flight, so no query outlives the invocation. */
  async close(): Promise<void> {
    this.#ended = true;
    await Promise.allSettled([this.#inFlight, ...this.#pages]);
  }

  #fill(): void {
    if (this.#inFlight || this.#ended || this.#pages.length >= this.#depth) return;
    const page = this.#read(this.#cursor).then(
      (rows) => {
        this.#inFlight = undefined;
        const last = rows.length === this.#pageSize ? this.#cursorOf(rows[rows.length - 1] as Row) : null;
        if (last === null) this.#ended = true;
        else this.#cursor = last;
        this.#fill();
        return rows;
      },
      (error: unknown) => {
        this.#inFlight = undefined;
        this.#ended = true;
        throw error;
      },
    );
    // Until the consumer takes it, a failed read must not surface as an unhandled rejection.
    page.catch(() => undefined);
    this.#inFlight = page;
    this.#pages.push(page);
  }
}
