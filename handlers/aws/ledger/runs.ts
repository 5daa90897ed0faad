import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { RunEnd, RunEnding } from '../../core/run-end.js';
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
  /** Sender invocations that opened a count on the run and have not added it yet. */
  openCounts: number;
  /** How the run ended, once it has (docs/adr/0014-run-alarms-and-end-of-run-event.md). */
  end?: RunEnd;
  /** The run ended and its end-of-run event is not known to be published yet. */
  eventPending?: boolean;
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

/** A run item as the ledger's parts read it. */
export function toRun(item: Item): RunRecord {
  const counters = Object.fromEntries(
    COUNTERS.map((name) => [name, readNumber(item, name) ?? 0]),
  ) as unknown as RunCounters;
  const halted = readString(item, 'halted');
  const lastError = readString(item, 'lastError');
  const ending = readString(item, 'ending') as RunEnding | undefined;
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
    openCounts: item.pendingCounts?.SS?.length ?? 0,
    ...(ending
      ? { end: { ending, cause: readString(item, 'endCause') ?? '', endedAt: readString(item, 'endedAt') ?? '' } }
      : {}),
    ...(item.eventPending?.BOOL ? { eventPending: true } : {}),
  };
}

/** A run that ended, as the end's write left it; `byThis` when this invocation's write (or its retry) ended it. */
export type RunEnded = { kind: 'ended'; run: RunRecord; byThis: boolean } | { kind: 'missing' };

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

  /** Ends the planning; answers the run as the write left it, for the end of a run the senders already counted. */
  async finish(options: { readonly runId: string; readonly owner: string; readonly now?: number }): Promise<RunRecord> {
    const { runId, owner, now = Date.now() } = options;
    const result = await this.#table.conditionalUpdate(runKey(runId), {
      UpdateExpression:
        'SET #status = :enqueued, updatedAt = :now, finishedBy = :owner REMOVE leaseOwner, leaseUntil, lastError',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':enqueued': S('enqueued'), ':now': iso(now), ':owner': S(owner) },
      ReturnValues: 'ALL_NEW',
    });
    if (result.ok) return toRun(result.value.Attributes ?? {});
    // An SDK retry of a finish that landed finds the run enqueued by this very invocation.
    if (readString(result.item, 'finishedBy') === owner) return toRun(result.item as Item);
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

  /**
   * Writes the run's end once: the first end wins and later ones change nothing. With `event`, the end also marks its
   * end-of-run event pending, in the same write, so that an invocation that dies before publishing leaves the event
   * to the watch (the outbox of docs/adr/0014-run-alarms-and-end-of-run-event.md). A retry of an end that landed finds
   * the run ended by this invocation.
   */
  async end(
    options: { readonly runId: string; readonly owner: string; readonly end: RunEnd; readonly event: boolean },
    signal?: AbortSignal,
  ): Promise<RunEnded> {
    const { runId, owner, end, event } = options;
    const result = await this.#table.conditionalUpdate(
      runKey(runId),
      {
        UpdateExpression: `SET ending = :ending, endCause = :cause, endedAt = :at, endedBy = :owner${
          event ? ', eventPending = :pending' : ''
        }`,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(ending)',
        ExpressionAttributeValues: {
          ':ending': S(end.ending),
          ':cause': S(end.cause.slice(0, REASON_CHARS)),
          ':at': S(end.endedAt),
          ':owner': S(owner),
          ...(event ? { ':pending': { BOOL: true } } : {}),
        },
        ReturnValues: 'ALL_NEW',
      },
      signal,
    );
    if (result.ok) return { kind: 'ended', run: toRun(result.value.Attributes ?? {}), byThis: true };
    if (!result.item) return { kind: 'missing' };
    const byThis = readString(result.item, 'endedBy') === owner && readString(result.item, 'endedAt') === end.endedAt;
    return { kind: 'ended', run: toRun(result.item), byThis };
  }

  /** The run's end-of-run event was published: removing the mark again is harmless. */
  async published(runId: string, signal?: AbortSignal): Promise<void> {
    await this.#table.update(runKey(runId), { UpdateExpression: 'REMOVE eventPending' }, signal);
  }

  /**
   * The job's runs ticked since `since` that the watch still has to look at: not ended, or ended with the event
   * pending. From the `by-job` index, oldest first.
   */
  async unsettled(job: string, since: number): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    let lastKey: Item | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.#table.client.send(
        new QueryCommand({
          TableName: this.#table.name,
          IndexName: 'by-job',
          KeyConditionExpression: 'gsi1pk = :job AND gsi1sk >= :since',
          FilterExpression: 'attribute_not_exists(ending) OR eventPending = :pending',
          ExpressionAttributeValues: {
            ':job': S(`job#${job}`),
            ':since': S(new Date(since).toISOString()),
            ':pending': { BOOL: true },
          },
          ExclusiveStartKey: lastKey,
        }),
      );
      runs.push(...Items.map(toRun));
      lastKey = LastEvaluatedKey;
    } while (lastKey);
    return runs;
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
