import { type Item, N, readNumber, readString, S } from '../dynamo.js';
import { runKey } from './keys.js';
import { REASON_CHARS } from './outcomes.js';
import { conditional, iso, type LedgerTable } from './table.js';

export type RunStatus = 'planning' | 'enqueued';

export interface RunCounters {
  planned: number;
  enqueued: number;
  sent: number;
  skipped: number;
  failed: number;
}

const COUNTERS = ['planned', 'enqueued', 'sent', 'skipped', 'failed'] as const satisfies readonly (keyof RunCounters)[];

export interface RunRecord extends RunCounters {
  runId: string;
  job: string;
  scheduledTime: string;
  status: RunStatus;
  cursor: string | null;
  startedAt: string;
  updatedAt: string;
  halted?: string;
  lastError?: string;
}

export type RunLease = { kind: 'acquired'; run: RunRecord } | { kind: 'busy' } | { kind: 'finished'; run: RunRecord };

/** Another planner took the run over after this one's lease expired: this one must stop at once. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** Who holds a run's planning lease, and for how long from `now`. */
export interface LeaseHolder {
  readonly runId: string;
  readonly owner: string;
  readonly leaseMs: number;
  readonly now?: number;
}

function toRun(item: Item): RunRecord {
  const counters = Object.fromEntries(
    COUNTERS.map((name) => [name, readNumber(item, name) ?? 0]),
  ) as unknown as RunCounters;
  const halted = readString(item, 'halted');
  const lastError = readString(item, 'lastError');
  return {
    ...counters,
    runId: (readString(item, 'pk') ?? '').slice('run#'.length),
    job: readString(item, 'job') ?? '',
    scheduledTime: readString(item, 'scheduledTime') ?? '',
    status: (readString(item, 'status') ?? 'planning') as RunStatus,
    cursor: readString(item, 'cursor') ?? null,
    startedAt: readString(item, 'startedAt') ?? '',
    updatedAt: readString(item, 'updatedAt') ?? '',
    ...(halted ? { halted } : {}),
    ...(lastError ? { lastError } : {}),
  };
}

/** `ADD a :a, b :b` for the non-zero counters, with their values. */
export function addCounters(deltas: Partial<RunCounters>): { expression: string; values: Item } {
  const entries = Object.entries(deltas).filter(([, value]) => value);
  return {
    expression: entries.length > 0 ? `ADD ${entries.map(([name]) => `${name} :${name}`).join(', ')}` : '',
    values: Object.fromEntries(entries.map(([name, value]) => [`:${name}`, N(value as number)])),
  };
}

/** The run item: one per scheduler tick, with the planner's lease and cursor, the counters and the halt mark. */
export class RunLedger {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  /** Takes the planning lease of a run, creating the run on its first tick. */
  async acquire(options: LeaseHolder & { readonly job: string; readonly scheduledTime: string }): Promise<RunLease> {
    const { runId, job, scheduledTime, owner, leaseMs, now = Date.now() } = options;
    const result = await this.#table.conditionalUpdate(runKey(runId), {
      UpdateExpression: `SET ${[
        'job = :job',
        'scheduledTime = :time',
        'gsi1pk = :gsi1pk',
        'gsi1sk = :time',
        'startedAt = if_not_exists(startedAt, :now)',
        '#status = if_not_exists(#status, :planning)',
        'leaseOwner = :owner',
        'leaseUntil = :until',
        'updatedAt = :now',
        'expiresAt = if_not_exists(expiresAt, :expires)',
      ].join(', ')}`,
      ConditionExpression:
        'attribute_not_exists(pk) OR ' +
        '(#status = :planning AND (attribute_not_exists(leaseUntil) OR leaseUntil < :nowMs))',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':job': S(job),
        ':time': S(scheduledTime),
        ':gsi1pk': S(`job#${job}`),
        ':now': iso(now),
        ':nowMs': N(now),
        ':planning': S('planning'),
        ':owner': S(owner),
        ':until': N(now + leaseMs),
        ':expires': this.#table.expiresAt(now),
      },
      ReturnValues: 'ALL_NEW',
    });
    if (result.ok) return { kind: 'acquired', run: toRun(result.value.Attributes ?? {}) };
    const existing = result.item;
    if (existing && readString(existing, 'status') !== 'planning') return { kind: 'finished', run: toRun(existing) };
    // An SDK retry of an acquire that landed meets this invocation's own lease: it is acquired, not busy.
    if (readString(existing, 'leaseOwner') === owner && readNumber(existing, 'leaseUntil') === now + leaseMs)
      return { kind: 'acquired', run: toRun(existing as Item) };
    return { kind: 'busy' };
  }

  /**
   * Advances the cursor and adds the pages' counters in one conditional write, so a page is counted once even
   * when a crashed planner enqueued it before (the sender's claim then drops the duplicate task). The cursor only
   * moves forward, so the write is conditional on it not standing there yet: an SDK retry of a write that landed
   * finds its own cursor and adds nothing again.
   */
  async saveProgress(
    options: LeaseHolder & { readonly cursor: string; readonly deltas: Partial<RunCounters> },
  ): Promise<void> {
    const { runId, owner, cursor, leaseMs, now = Date.now() } = options;
    const add = addCounters(options.deltas);
    const result = await this.#table.conditionalUpdate(runKey(runId), {
      UpdateExpression: `SET #cursor = :cursor, leaseUntil = :until, updatedAt = :now ${add.expression}`.trim(),
      ConditionExpression: 'leaseOwner = :owner AND (attribute_not_exists(#cursor) OR #cursor <> :cursor)',
      ExpressionAttributeNames: { '#cursor': 'cursor' },
      ExpressionAttributeValues: {
        ':cursor': S(cursor),
        ':until': N(now + leaseMs),
        ':now': iso(now),
        ':owner': S(owner),
        ...add.values,
      },
    });
    if (result.ok) return;
    if (readString(result.item, 'leaseOwner') === owner && readString(result.item, 'cursor') === cursor) return;
    throw new LeaseLostError(`run ${runId}: the planning lease passed to another invocation`);
  }

  /**
   * Extends a lease this invocation holds (a planner waiting out a pause writes no cursor). Setting the same lease end
   * again is harmless, so an SDK retry needs no recognising; a lease passed to another invocation throws.
   */
  async renewLease(options: LeaseHolder): Promise<void> {
    const { runId, owner, leaseMs, now = Date.now() } = options;
    const result = await conditional(
      this.#table.update(runKey(runId), {
        UpdateExpression: 'SET leaseUntil = :until',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':until': N(now + leaseMs), ':owner': S(owner) },
      }),
    );
    if (!result.ok) throw new LeaseLostError(`run ${runId}: the planning lease passed to another invocation`);
  }

  async finish(options: { readonly runId: string; readonly owner: string; readonly now?: number }): Promise<void> {
    const { runId, owner, now = Date.now() } = options;
    const result = await this.#table.conditionalUpdate(runKey(runId), {
      UpdateExpression:
        'SET #status = :enqueued, updatedAt = :now, finishedBy = :owner REMOVE leaseOwner, leaseUntil, lastError',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':enqueued': S('enqueued'), ':now': iso(now), ':owner': S(owner) },
    });
    // An SDK retry of a finish that landed finds the run enqueued by this very invocation.
    if (result.ok || readString(result.item, 'finishedBy') === owner) return;
    throw new LeaseLostError(`run ${runId}: the planning lease passed to another invocation before the run ended`);
  }

  /** Gives the lease up (handover to a continuation, or an error the next attempt may not hit). */
  async release(options: {
    readonly runId: string;
    readonly owner: string;
    readonly lastError?: string;
  }): Promise<void> {
    const { runId, owner, lastError } = options;
    await conditional(
      this.#table.update(runKey(runId), {
        UpdateExpression: lastError
          ? 'SET lastError = :error REMOVE leaseOwner, leaseUntil'
          : 'REMOVE leaseOwner, leaseUntil, lastError',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: {
          ':owner': S(owner),
          ...(lastError ? { ':error': S(lastError.slice(0, REASON_CHARS)) } : {}),
        },
      }),
    );
  }

  /** Marks the run as halted by a fatal channel error, for `status` and the operator. */
  async halt(runId: string, reason: string, signal?: AbortSignal, now = Date.now()): Promise<void> {
    await conditional(
      this.#table.update(
        runKey(runId),
        {
          UpdateExpression: 'SET halted = :reason, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':reason': S(reason.slice(0, REASON_CHARS)), ':now': iso(now) },
        },
        signal,
      ),
    );
  }

  async clearHalt(runId: string, signal?: AbortSignal): Promise<void> {
    await conditional(
      this.#table.update(
        runKey(runId),
        { UpdateExpression: 'REMOVE halted', ConditionExpression: 'attribute_exists(halted)' },
        signal,
      ),
    );
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const item = await this.#table.get(runKey(runId));
    return item ? toRun(item) : undefined;
  }

  /** The job's runs, newest first, from the `by-job` index. */
  async list(job: string, limit = 20): Promise<RunRecord[]> {
    const items = await this.#table.query({
      IndexName: 'by-job',
      KeyConditionExpression: 'gsi1pk = :job',
      ExpressionAttributeValues: { ':job': S(`job#${job}`) },
      ScanIndexForward: false,
      Limit: limit,
    });
    return items.map(toRun);
  }
}
