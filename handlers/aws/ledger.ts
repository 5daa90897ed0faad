import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type Item, N, S, dynamoClient, isConditionFailure, readNumber, readString } from './dynamo.js';

export type RunStatus = 'planning' | 'enqueued';
export type DeliveryStatus = 'claimed' | 'released' | 'sent' | 'failed' | 'skipped';

export interface RunCounters {
  planned: number;
  enqueued: number;
  sent: number;
  skipped: number;
  failed: number;
}

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
export type FinalStatus = 'sent' | 'failed' | 'skipped';
/** The invocation whose run counters include a final outcome, and when that invocation is over for sure. */
export interface CountOwner {
  readonly owner: string;
  readonly until: number;
}
export type Claim = { kind: 'claimed' } | { kind: 'done'; status: FinalStatus; countedBy?: CountOwner } | { kind: 'busy' };

/** Another planner took the run over after this one's lease expired: this one must stop at once. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

const COUNTERS = ['planned', 'enqueued', 'sent', 'skipped', 'failed'] as const;

export const runKey = (runId: string) => `run#${runId}`;
export const deliveryKey = (runId: string, recipientId: string) => `delivery#${runId}#${recipientId}`;

function toRun(item: Item): RunRecord {
  const counters = Object.fromEntries(COUNTERS.map((name) => [name, readNumber(item, name) ?? 0])) as unknown as RunCounters;
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

/**
 * The ledger makes SQS's at-least-once delivery exactly-once in effect: one run item per tick (lease, cursor,
 * counters) and one delivery item per recipient (claim, outcome). Every transition is a conditional write.
 */
export class Ledger {
  readonly #table: string;
  readonly #ttlSeconds: number;

  constructor(table: string, ttlDays = 30) {
    this.#table = table;
    this.#ttlSeconds = ttlDays * 86_400;
  }

  #expiresAt(now: number) {
    return N(Math.floor(now / 1000) + this.#ttlSeconds);
  }

  async #update(input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName'>) {
    return dynamoClient().send(new UpdateItemCommand({ TableName: this.#table, ...input }));
  }

  /** Takes the planning lease of a run, creating the run on its first tick. */
  async acquireRun(runId: string, job: string, scheduledTime: string, owner: string, leaseMs: number, now = Date.now()): Promise<RunLease> {
    try {
      const { Attributes } = await this.#update({
        Key: { pk: S(runKey(runId)) },
        UpdateExpression:
          'SET job = :job, scheduledTime = :time, gsi1pk = :gsi1pk, gsi1sk = :time, startedAt = if_not_exists(startedAt, :now), #status = if_not_exists(#status, :planning), leaseOwner = :owner, leaseUntil = :until, updatedAt = :now, expiresAt = if_not_exists(expiresAt, :expires)',
        ConditionExpression: 'attribute_not_exists(pk) OR (#status = :planning AND (attribute_not_exists(leaseUntil) OR leaseUntil < :nowMs))',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':job': S(job),
          ':time': S(scheduledTime),
          ':gsi1pk': S(`job#${job}`),
          ':now': S(new Date(now).toISOString()),
          ':nowMs': N(now),
          ':planning': S('planning'),
          ':owner': S(owner),
          ':until': N(now + leaseMs),
          ':expires': this.#expiresAt(now),
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { kind: 'acquired', run: toRun(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = error.Item ?? (await this.#getItem(runKey(runId)));
      if (existing && readString(existing, 'status') !== 'planning') return { kind: 'finished', run: toRun(existing) };
      return { kind: 'busy' };
    }
  }

  /**
   * Advances the cursor and adds the page's counters in one conditional write, so a page is counted once even
   * when a crashed planner enqueued it before (the sender's claim then drops the duplicate task).
   */
  async saveProgress(runId: string, owner: string, cursor: string, deltas: Partial<RunCounters>, leaseMs: number, now = Date.now()): Promise<void> {
    const entries = Object.entries(deltas).filter(([, value]) => value);
    const add = entries.map(([name]) => `${name} :${name}`).join(', ');
    try {
      await this.#update({
        Key: { pk: S(runKey(runId)) },
        UpdateExpression: `SET #cursor = :cursor, leaseUntil = :until, updatedAt = :now${add ? ` ADD ${add}` : ''}`,
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeNames: { '#cursor': 'cursor' },
        ExpressionAttributeValues: {
          ':cursor': S(cursor),
          ':until': N(now + leaseMs),
          ':now': S(new Date(now).toISOString()),
          ':owner': S(owner),
          ...Object.fromEntries(entries.map(([name, value]) => [`:${name}`, N(value as number)])),
        },
      });
    } catch (error) {
      if (isConditionFailure(error)) throw new LeaseLostError(`run ${runId}: the planning lease passed to another invocation`);
      throw error;
    }
  }

  async finishRun(runId: string, owner: string, now = Date.now()): Promise<void> {
    await this.#update({
      Key: { pk: S(runKey(runId)) },
      UpdateExpression: 'SET #status = :enqueued, updatedAt = :now REMOVE leaseOwner, leaseUntil, lastError',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':enqueued': S('enqueued'), ':now': S(new Date(now).toISOString()), ':owner': S(owner) },
    });
  }

  /** Gives the lease up (handover to a continuation, or an error the next attempt may not hit). */
  async releaseRun(runId: string, owner: string, lastError?: string): Promise<void> {
    try {
      await this.#update({
        Key: { pk: S(runKey(runId)) },
        UpdateExpression: lastError ? 'SET lastError = :error REMOVE leaseOwner, leaseUntil' : 'REMOVE leaseOwner, leaseUntil, lastError',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': S(owner), ...(lastError ? { ':error': S(lastError.slice(0, 1000)) } : {}) },
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Registers a sender invocation, before it claims anything, as one whose outcomes are not in the run's counters yet.
   * Until its `addRunCounters` removes it again, a later sender can tell that the outcomes it recorded might never be
   * counted (it died in between) and count them itself. Adding an element to a set is idempotent.
   */
  async openRunCount(runId: string, owner: string): Promise<void> {
    await this.#update({ Key: { pk: S(runKey(runId)) }, UpdateExpression: 'ADD pendingCounts :owners', ExpressionAttributeValues: { ':owners': { SS: [owner] } } });
  }

  /** Whether `owner` opened a count on the run and has not added it yet. */
  async isCountPending(runId: string, owner: string): Promise<boolean> {
    const { Item } = await dynamoClient().send(new GetItemCommand({ TableName: this.#table, Key: { pk: S(runKey(runId)) }, ProjectionExpression: 'pendingCounts', ConsistentRead: true }));
    return Item?.pendingCounts?.SS?.includes(owner) ?? false;
  }

  /**
   * Adds a sender invocation's counters. With `owner`, the same write closes the count `openRunCount` opened, on the
   * condition that it is still open: an SDK retry of a write that already landed cannot add the counters twice.
   */
  async addRunCounters(runId: string, deltas: Partial<RunCounters>, owner?: string): Promise<void> {
    const entries = Object.entries(deltas).filter(([, value]) => value);
    const add = entries.length > 0 ? `ADD ${entries.map(([name]) => `${name} :${name}`).join(', ')}` : '';
    const values: Item = Object.fromEntries(entries.map(([name, value]) => [`:${name}`, N(value as number)]));
    if (owner === undefined) {
      if (!add) return;
      await this.#update({ Key: { pk: S(runKey(runId)) }, UpdateExpression: add, ExpressionAttributeValues: values });
      return;
    }
    try {
      await this.#update({
        Key: { pk: S(runKey(runId)) },
        UpdateExpression: `${add} DELETE pendingCounts :owners`.trim(),
        ConditionExpression: 'contains(pendingCounts, :owner)',
        ExpressionAttributeValues: { ...values, ':owners': { SS: [owner] }, ':owner': S(owner) },
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Marks the run as halted by a fatal channel error, for `status` and the operator. */
  async haltRun(runId: string, reason: string, now = Date.now()): Promise<void> {
    await this.#update({
      Key: { pk: S(runKey(runId)) },
      UpdateExpression: 'SET halted = :reason, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':reason': S(reason.slice(0, 1000)), ':now': S(new Date(now).toISOString()) },
    }).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  async clearHalt(runId: string): Promise<void> {
    await this.#update({ Key: { pk: S(runKey(runId)) }, UpdateExpression: 'REMOVE halted', ConditionExpression: 'attribute_exists(halted)' }).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  /**
   * Claims one delivery. A claim expires at `claimUntil`, so a sender that crashed mid-send does not strand its
   * recipient; a released claim (transient failure) may be retaken at once; a final outcome is never retaken.
   */
  async claimDelivery(runId: string, job: string, recipientId: string, owner: string, claimUntil: number, now = Date.now()): Promise<Claim> {
    try {
      await this.#update({
        Key: { pk: S(deliveryKey(runId, recipientId)) },
        UpdateExpression:
          'SET #status = :claimed, claimOwner = :owner, claimUntil = :until, runId = :runId, job = :job, recipientId = :recipient, updatedAt = :now, expiresAt = if_not_exists(expiresAt, :expires) ADD attempts :one',
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :released OR (#status = :claimed AND claimUntil < :nowMs)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':claimed': S('claimed'),
          ':released': S('released'),
          ':owner': S(owner),
          ':until': N(claimUntil),
          ':runId': S(runId),
          ':job': S(job),
          ':recipient': S(recipientId),
          ':now': S(new Date(now).toISOString()),
          ':nowMs': N(now),
          ':expires': this.#expiresAt(now),
          ':one': N(1),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = error.Item ?? (await this.#getItem(deliveryKey(runId, recipientId)));
      const status = readString(existing, 'status') as DeliveryStatus | undefined;
      if (status !== 'sent' && status !== 'failed' && status !== 'skipped') return { kind: 'busy' };
      const owner = readString(existing, 'claimOwner');
      const until = readNumber(existing, 'claimUntil');
      return { kind: 'done', status, ...(owner !== undefined && until !== undefined ? { countedBy: { owner, until } } : {}) };
    }
  }

  /**
   * Moves the counting of a final outcome from an invocation that died before adding it to the run's counters to
   * `owner`, whose own `addRunCounters` then includes it. Only one taker wins.
   */
  async takeOverCount(runId: string, recipientId: string, from: string, owner: string, until: number): Promise<boolean> {
    try {
      await this.#update({
        Key: { pk: S(deliveryKey(runId, recipientId)) },
        UpdateExpression: 'SET claimOwner = :owner, claimUntil = :until',
        ConditionExpression: 'claimOwner = :from AND #status IN (:sent, :failed, :skipped)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':owner': S(owner), ':until': N(until), ':from': S(from), ':sent': S('sent'), ':failed': S('failed'), ':skipped': S('skipped') },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // An SDK retry of this very write finds its own result.
      return readString(error.Item, 'claimOwner') === owner;
    }
  }

  /**
   * Records a final outcome. Returns false when this sender's claim had already passed to another. The claim's owner
   * and expiry stay on the item: they name the invocation whose run counters include the outcome.
   */
  async completeDelivery(runId: string, recipientId: string, owner: string, outcome: { status: FinalStatus; reason?: string; failureClass?: string; providerMessageId?: string }, now = Date.now()): Promise<boolean> {
    const optional = { reason: outcome.reason?.slice(0, 1000), failureClass: outcome.failureClass, providerMessageId: outcome.providerMessageId };
    const present = Object.entries(optional).filter((entry): entry is [string, string] => entry[1] !== undefined);
    try {
      await this.#update({
        Key: { pk: S(deliveryKey(runId, recipientId)) },
        UpdateExpression: `SET #status = :status, updatedAt = :now${present.map(([name]) => `, ${name} = :${name}`).join('')}`,
        ConditionExpression: 'claimOwner = :owner',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': S(outcome.status), ':now': S(new Date(now).toISOString()), ':owner': S(owner), ...Object.fromEntries(present.map(([name, value]) => [`:${name}`, S(value)])) },
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Hands a claim back after a retryable failure so the redelivered message can take it at once. */
  async releaseDelivery(runId: string, recipientId: string, owner: string, reason: string, now = Date.now()): Promise<void> {
    await this.#update({
      Key: { pk: S(deliveryKey(runId, recipientId)) },
      UpdateExpression: 'SET #status = :released, lastReason = :reason, updatedAt = :now REMOVE claimOwner, claimUntil',
      ConditionExpression: 'claimOwner = :owner',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':released': S('released'), ':reason': S(reason.slice(0, 1000)), ':now': S(new Date(now).toISOString()), ':owner': S(owner) },
    }).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  /**
   * Why a well-formed task could not be processed at all (its job's config item is missing or invalid, the table
   * refused a write): written on the delivery item as `lastReason`, without touching a claim or a final outcome, so a
   * task that ends in the DLQ is explained in the ledger and not only in a log line.
   */
  async noteFailure(runId: string, job: string, recipientId: string, reason: string, now = Date.now()): Promise<void> {
    await this.#update({
      Key: { pk: S(deliveryKey(runId, recipientId)) },
      UpdateExpression: 'SET lastReason = :reason, updatedAt = :now, runId = :runId, job = :job, recipientId = :recipient, #status = if_not_exists(#status, :released), expiresAt = if_not_exists(expiresAt, :expires)',
      ConditionExpression: 'attribute_not_exists(#status) OR #status IN (:released, :claimed)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':reason': S(reason.slice(0, 1000)),
        ':now': S(new Date(now).toISOString()),
        ':runId': S(runId),
        ':job': S(job),
        ':recipient': S(recipientId),
        ':released': S('released'),
        ':claimed': S('claimed'),
        ':expires': this.#expiresAt(now),
      },
    }).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  /** A recipient the planner could not turn into a task (bad row, rejected by SQS): recorded once, with why. */
  async recordUndeliverable(runId: string, job: string, recipientId: string, reason: string, now = Date.now()): Promise<boolean> {
    return this.#putOnce(deliveryKey(runId, recipientId), { status: S('failed'), failureClass: S('invalid'), reason: S(reason.slice(0, 1000)), runId: S(runId), job: S(job), recipientId: S(recipientId) }, now);
  }

  /** A task body that is not a valid task: kept with its reason so nothing is dropped silently. */
  async recordMalformed(messageId: string, reason: string, body: string, now = Date.now()): Promise<boolean> {
    return this.#putOnce(`malformed#${messageId}`, { status: S('failed'), failureClass: S('malformed'), reason: S(reason.slice(0, 1000)), body: S(body.slice(0, 4000) || '(empty)') }, now);
  }

  async #putOnce(pk: string, attributes: Item, now: number): Promise<boolean> {
    try {
      await dynamoClient().send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { pk: S(pk), ...attributes, updatedAt: S(new Date(now).toISOString()), expiresAt: this.#expiresAt(now) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async #getItem(pk: string): Promise<Item | undefined> {
    const { Item } = await dynamoClient().send(new GetItemCommand({ TableName: this.#table, Key: { pk: S(pk) }, ConsistentRead: true }));
    return Item;
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const item = await this.#getItem(runKey(runId));
    return item ? toRun(item) : undefined;
  }

  async getDelivery(runId: string, recipientId: string): Promise<Record<string, string | number> | undefined> {
    const item = await this.#getItem(deliveryKey(runId, recipientId));
    if (!item) return undefined;
    return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, 'N' in value && value.N !== undefined ? Number(value.N) : (value.S ?? '')]));
  }

  async listRuns(job: string, limit = 20): Promise<RunRecord[]> {
    const { Items = [] } = await dynamoClient().send(
      new QueryCommand({ TableName: this.#table, IndexName: 'by-job', KeyConditionExpression: 'gsi1pk = :job', ExpressionAttributeValues: { ':job': S(`job#${job}`) }, ScanIndexForward: false, Limit: limit }),
    );
    return Items.map(toRun);
  }
}
