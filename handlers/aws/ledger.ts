import { GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { singleGroup } from '../core/task.js';
import { type Item, N, S, dynamoClient, isConditionFailure, readNumber, readString } from './dynamo.js';

export type RunStatus = 'planning' | 'enqueued';
export type GroupStatus = 'claimed' | 'released' | 'settled';

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

export interface NewOutcome {
  readonly status: FinalStatus;
  readonly reason?: string;
  readonly failureClass?: string;
  readonly providerMessageId?: string;
}

/** A recipient's final outcome, with the invocation whose run counters include it and when that one is over for sure. */
export interface RecordedOutcome extends NewOutcome {
  readonly owner: string;
  readonly until: number;
}

/** A recipient's final outcome as stored: in a group item (the sender), or alone (the planner could not enqueue it). */
export interface StoredOutcome extends NewOutcome {
  readonly recipientId: string;
  readonly item: 'group' | 'planner';
}

export type GroupClaim = { kind: 'claimed'; outcomes: Map<string, RecordedOutcome> } | { kind: 'settled'; outcomes: Map<string, RecordedOutcome> } | { kind: 'busy' };

/** Another planner took the run over after this one's lease expired: this one must stop at once. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

const COUNTERS = ['planned', 'enqueued', 'sent', 'skipped', 'failed'] as const;

export const runKey = (runId: string) => `run#${runId}`;
export const deliveryKey = (runId: string, recipientId: string) => `delivery#${runId}#${recipientId}`;
export const groupKey = (runId: string, group: string) => `group#${runId}#${group}`;

// Outcome entries are one small map per recipient inside the group item; short names keep a group of ten under 2 KB.
function writeOutcome(outcome: NewOutcome, owner: string, until: number): AttributeValue {
  const entry: Item = { s: S(outcome.status), o: S(owner), u: N(until) };
  if (outcome.providerMessageId !== undefined) entry.m = S(outcome.providerMessageId);
  if (outcome.reason !== undefined) entry.r = S(outcome.reason.slice(0, 1000));
  if (outcome.failureClass !== undefined) entry.c = S(outcome.failureClass);
  return { M: entry };
}

function readOutcomes(item: Item | undefined): Map<string, RecordedOutcome> {
  const outcomes = new Map<string, RecordedOutcome>();
  for (const [recipient, value] of Object.entries(item?.outcomes?.M ?? {})) {
    const entry = value.M;
    const status = readString(entry, 's');
    if (!entry || (status !== 'sent' && status !== 'failed' && status !== 'skipped')) continue;
    const optional = { providerMessageId: readString(entry, 'm'), reason: readString(entry, 'r'), failureClass: readString(entry, 'c') };
    outcomes.set(recipient, {
      status,
      owner: readString(entry, 'o') ?? '',
      until: readNumber(entry, 'u') ?? 0,
      ...Object.fromEntries(Object.entries(optional).filter(([, text]) => text !== undefined)),
    });
  }
  return outcomes;
}

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
 * counters) and one item per task's group of recipients (claim, and each recipient's outcome). Every transition is a
 * conditional write; a group of ten costs three write units where one item per recipient cost twenty.
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
   * Claims a task's group of recipients. A claim expires at `claimUntil`, so a sender that crashed mid-send does not
   * strand its group; a released group (a retryable failure) may be retaken at once; a settled group never is. The
   * answer carries the outcomes already recorded, whoever recorded them: those recipients are not sent again.
   */
  async claimGroup(runId: string, job: string, group: string, recipients: number, owner: string, claimUntil: number, now = Date.now()): Promise<GroupClaim> {
    try {
      const { Attributes } = await this.#update({
        Key: { pk: S(groupKey(runId, group)) },
        UpdateExpression:
          'SET #status = :claimed, claimOwner = :owner, claimUntil = :until, runId = :runId, job = :job, groupId = :group, recipients = :recipients, outcomes = if_not_exists(outcomes, :none), updatedAt = :now, expiresAt = if_not_exists(expiresAt, :expires) ADD attempts :one',
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :released OR (#status = :claimed AND claimUntil < :nowMs)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':claimed': S('claimed'),
          ':released': S('released'),
          ':owner': S(owner),
          ':until': N(claimUntil),
          ':runId': S(runId),
          ':job': S(job),
          ':group': S(group),
          ':recipients': N(recipients),
          ':none': { M: {} },
          ':now': S(new Date(now).toISOString()),
          ':nowMs': N(now),
          ':expires': this.#expiresAt(now),
          ':one': N(1),
        },
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { kind: 'claimed', outcomes: readOutcomes(Attributes) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = error.Item ?? (await this.#getItem(groupKey(runId, group)));
      return readString(existing, 'status') === 'settled' ? { kind: 'settled', outcomes: readOutcomes(existing) } : { kind: 'busy' };
    }
  }

  /**
   * Claims a settled group again for recipients it has no outcome for (a retried planner page whose rows changed
   * lists them under the same group name), on the condition that it is still settled and still lacks every one of
   * them. Returns the outcomes it holds, or undefined when another sender got there first.
   */
  async reopenGroup(runId: string, group: string, missing: readonly string[], owner: string, claimUntil: number, now = Date.now()): Promise<Map<string, RecordedOutcome> | undefined> {
    const names: Record<string, string> = { '#status': 'status', ...Object.fromEntries(missing.map((recipient, index) => [`#r${index}`, recipient])) };
    try {
      const { Attributes } = await this.#update({
        Key: { pk: S(groupKey(runId, group)) },
        UpdateExpression: 'SET #status = :claimed, claimOwner = :owner, claimUntil = :until, updatedAt = :now ADD attempts :one',
        ConditionExpression: ['#status = :settled', ...missing.map((_, index) => `attribute_not_exists(outcomes.#r${index})`)].join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':claimed': S('claimed'), ':settled': S('settled'), ':owner': S(owner), ':until': N(claimUntil), ':now': S(new Date(now).toISOString()), ':one': N(1) },
        ReturnValues: 'ALL_OLD',
      });
      return readOutcomes(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Records the final outcomes this sender reached, in one write, on the condition that it still holds the claim
   * (returns false otherwise). `settled` closes the group; otherwise the claim is handed back so the message's next
   * receive retakes it at once for the recipients still open, and `reason` says why they are.
   */
  async recordGroup(runId: string, group: string, owner: string, until: number, outcomes: ReadonlyMap<string, NewOutcome>, settled: boolean, reason?: string, now = Date.now()): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Item = { ':status': S(settled ? 'settled' : 'released'), ':now': S(new Date(now).toISOString()), ':owner': S(owner) };
    const sets = ['#status = :status', 'updatedAt = :now'];
    let index = 0;
    for (const [recipient, outcome] of outcomes) {
      names[`#r${index}`] = recipient;
      values[`:o${index}`] = writeOutcome(outcome, owner, until);
      sets.push(`outcomes.#r${index} = :o${index}`);
      index++;
    }
    if (reason !== undefined) {
      values[':reason'] = S(reason.slice(0, 1000));
      sets.push('lastReason = :reason');
    }
    try {
      await this.#update({
        Key: { pk: S(groupKey(runId, group)) },
        UpdateExpression: `SET ${sets.join(', ')}${settled ? '' : ' REMOVE claimOwner, claimUntil'}`,
        ConditionExpression: 'claimOwner = :owner',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Moves the counting of outcomes recorded by an invocation that died before adding them to the run's counters to
   * `owner`, whose own `addRunCounters` then includes them. Only one taker wins.
   */
  async takeOverCounts(runId: string, group: string, recipients: readonly string[], from: string, owner: string, until: number): Promise<boolean> {
    const names = Object.fromEntries(recipients.map((recipient, index) => [`#r${index}`, recipient]));
    try {
      await this.#update({
        Key: { pk: S(groupKey(runId, group)) },
        UpdateExpression: `SET ${recipients.map((_, index) => `outcomes.#r${index}.o = :owner, outcomes.#r${index}.u = :until`).join(', ')}`,
        ConditionExpression: recipients.map((_, index) => `outcomes.#r${index}.o = :from`).join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':owner': S(owner), ':until': N(until), ':from': S(from) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // An SDK retry of this very write finds its own result.
      const outcomes = readOutcomes(error.Item);
      return recipients.every((recipient) => outcomes.get(recipient)?.owner === owner);
    }
  }

  /**
   * Why a well-formed task could not be processed at all (its job's config item is missing or invalid, the table
   * refused a write): written on the group item as `lastReason`, without touching a claim or an outcome, so a task
   * that ends in the DLQ is explained in the ledger and not only in a log line.
   */
  async noteFailure(runId: string, job: string, group: string, reason: string, now = Date.now()): Promise<void> {
    await this.#update({
      Key: { pk: S(groupKey(runId, group)) },
      UpdateExpression: 'SET lastReason = :reason, updatedAt = :now, runId = :runId, job = :job, groupId = :group, outcomes = if_not_exists(outcomes, :none), #status = if_not_exists(#status, :released), expiresAt = if_not_exists(expiresAt, :expires)',
      ConditionExpression: 'attribute_not_exists(#status) OR #status IN (:released, :claimed)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':reason': S(reason.slice(0, 1000)),
        ':now': S(new Date(now).toISOString()),
        ':runId': S(runId),
        ':job': S(job),
        ':group': S(group),
        ':none': { M: {} },
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

  async getGroup(runId: string, group: string): Promise<{ status: GroupStatus; attempts: number; lastReason?: string; outcomes: Map<string, RecordedOutcome> } | undefined> {
    const item = await this.#getItem(groupKey(runId, group));
    if (!item) return undefined;
    const lastReason = readString(item, 'lastReason');
    return { status: (readString(item, 'status') ?? 'released') as GroupStatus, attempts: readNumber(item, 'attempts') ?? 0, ...(lastReason ? { lastReason } : {}), outcomes: readOutcomes(item) };
  }

  /**
   * One recipient's state, flattened for `dlq inspect`, `status` and tests: its outcome in the group item, else the
   * group's claim state and last reason, else what the planner recorded when it could not enqueue the recipient.
   */
  async getDelivery(runId: string, recipientId: string, group = singleGroup(recipientId)): Promise<Record<string, string | number> | undefined> {
    const item = await this.#getItem(groupKey(runId, group));
    const outcome = readOutcomes(item).get(recipientId);
    if (outcome) return { ...outcome, attempts: readNumber(item, 'attempts') ?? 0 };
    if (item) return { status: readString(item, 'status') ?? 'released', attempts: readNumber(item, 'attempts') ?? 0, ...(readString(item, 'lastReason') ? { lastReason: readString(item, 'lastReason') as string } : {}) };
    const planned = await this.#getItem(deliveryKey(runId, recipientId));
    if (!planned) return undefined;
    return Object.fromEntries(Object.entries(planned).map(([name, value]) => [name, 'N' in value && value.N !== undefined ? Number(value.N) : (value.S ?? '')]));
  }

  async listRuns(job: string, limit = 20): Promise<RunRecord[]> {
    const { Items = [] } = await dynamoClient().send(
      new QueryCommand({ TableName: this.#table, IndexName: 'by-job', KeyConditionExpression: 'gsi1pk = :job', ExpressionAttributeValues: { ':job': S(`job#${job}`) }, ScanIndexForward: false, Limit: limit }),
    );
    return Items.map(toRun);
  }
}

/**
 * Every final outcome of a run, and the malformed task bodies kept in the table, read with a full scan: for the local
 * runtime's report and the tests, never for a Lambda's path (a function, so the Lambda bundles leave it out).
 */
export async function scanOutcomes(table: string, runId: string): Promise<{ outcomes: StoredOutcome[]; malformed: number }> {
  const outcomes: StoredOutcome[] = [];
  let malformed = 0;
  let lastKey: Item | undefined;
  do {
    const page = await dynamoClient().send(new ScanCommand({ TableName: table, ExclusiveStartKey: lastKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) {
      const pk = readString(item, 'pk') ?? '';
      if (pk.startsWith('malformed#')) malformed++;
      else if (pk.startsWith(groupKey(runId, ''))) {
        for (const [recipientId, { owner: _, until: __, ...outcome }] of readOutcomes(item)) outcomes.push({ recipientId, item: 'group', ...outcome });
      } else if (pk.startsWith(deliveryKey(runId, ''))) {
        const optional = { reason: readString(item, 'reason'), failureClass: readString(item, 'failureClass') };
        outcomes.push({ recipientId: readString(item, 'recipientId') ?? '', item: 'planner', status: (readString(item, 'status') ?? 'failed') as FinalStatus, ...Object.fromEntries(Object.entries(optional).filter(([, text]) => text !== undefined)) });
      }
    }
    lastKey = page.LastEvaluatedKey;
  } while (lastKey);
  return { outcomes, malformed };
}
