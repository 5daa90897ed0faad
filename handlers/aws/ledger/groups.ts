import { randomUUID } from 'node:crypto';
import { type Item, N, readNumber, readString, S } from '../dynamo.js';
import { groupKey } from './keys.js';
import { type NewOutcome, REASON_CHARS, type RecordedOutcome, readOutcomes, writeOutcome } from './outcomes.js';
import { conditional, iso, type LedgerTable } from './table.js';

export type GroupStatus = 'claimed' | 'released' | 'settled';
export type GroupClaim =
  /** `claim` names this claim (the owner and a token drawn for it): the record write must present it. */
  | { kind: 'claimed'; claim: string; outcomes: Map<string, RecordedOutcome> }
  | { kind: 'settled'; outcomes: Map<string, RecordedOutcome> }
  | { kind: 'busy' };

export interface GroupState {
  readonly status: GroupStatus;
  readonly attempts: number;
  readonly lastReason?: string;
  readonly outcomes: Map<string, RecordedOutcome>;
}

/** A task's group of one run, and the sender invocation holding (or asking for) its claim until `until`. */
export interface GroupHolder {
  readonly runId: string;
  readonly group: string;
  readonly owner: string;
  readonly until: number;
  readonly now?: number;
}

export interface GroupRecord extends GroupHolder {
  /** The claim this record is made under, as `claim` or `reopen` answered it. */
  readonly claim: string;
  readonly outcomes: ReadonlyMap<string, NewOutcome>;
  /** Closes the group for good; otherwise the claim is handed back for the recipients still open. */
  readonly settle: boolean;
  /** Why recipients are still open: what `dlq inspect` shows. */
  readonly reason?: string;
  /** Ends the write, SDK retries included, when the invocation has no time left for it. */
  readonly signal?: AbortSignal;
}

/**
 * Whether a record write whose retry failed its condition had landed the first time. Handing the claim back removes
 * it, so the retry of a record that landed fails: its outcomes, stamped with this invocation and this write's time,
 * tell it apart from a claim that expired under it. A record of no outcome that landed reads as not landed: it counted
 * nothing, and its message only comes back one receive sooner.
 */
function landed(item: Item | undefined, write: { owner: string; at: number; recipients: readonly string[] }): boolean {
  if (write.recipients.length === 0) return false;
  const outcomes = readOutcomes(item);
  return write.recipients.every((recipient) => {
    const outcome = outcomes.get(recipient);
    return outcome?.owner === write.owner && outcome.at === write.at;
  });
}

/**
 * Whether the item is held by `claim`: this very claim write landed. A claim's name carries a token drawn for it, not
 * only the invocation: two copies of one task in a batch claim the group apart, and only one of them gets it.
 */
function holds(item: Item | undefined, claim: string): boolean {
  return readString(item, 'status') === 'claimed' && readString(item, 'claimOwner') === claim;
}

/** A claim's name: the invocation that holds it, and a token of its own. */
const claimName = (owner: string) => `${owner}#${randomUUID().slice(0, 8)}`;

/** `#r0`, `#r1`, ... for recipient ids used as map keys in an expression (ids may hold any character). */
const recipientNames = (recipients: readonly string[]) =>
  Object.fromEntries(recipients.map((recipient, index) => [`#r${index}`, recipient]));

function toGroup(item: Item): GroupState {
  const lastReason = readString(item, 'lastReason');
  return {
    status: (readString(item, 'status') ?? 'released') as GroupStatus,
    attempts: readNumber(item, 'attempts') ?? 0,
    ...(lastReason ? { lastReason } : {}),
    outcomes: readOutcomes(item),
  };
}

/**
 * One item per task's group of recipients: the claim that keeps two senders from sending the same group at once, and
 * each recipient's outcome. Every transition is a conditional write.
 */
export class GroupLedger {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  /**
   * Claims a group. A claim expires at `until`, so a sender that crashed mid-send does not strand its group; a released
   * group (a retryable failure) may be retaken at once; a settled group never is. The answer carries the outcomes
   * already recorded, whoever recorded them: those recipients are not sent again.
   */
  async claim(options: GroupHolder & { readonly job: string; readonly recipients: number }): Promise<GroupClaim> {
    const { runId, group, owner, until, job, recipients, now = Date.now() } = options;
    const claim = claimName(owner);
    const result = await this.#table.conditionalUpdate(groupKey(runId, group), {
      UpdateExpression: `SET ${[
        '#status = :claimed',
        'claimOwner = :owner',
        'claimUntil = :until',
        'runId = :runId',
        'job = :job',
        'groupId = :group',
        'recipients = :recipients',
        'outcomes = if_not_exists(outcomes, :none)',
        'updatedAt = :now',
        'expiresAt = if_not_exists(expiresAt, :expires)',
      ].join(', ')} ADD attempts :one`,
      ConditionExpression:
        'attribute_not_exists(pk) OR #status = :released OR (#status = :claimed AND claimUntil < :nowMs)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':claimed': S('claimed'),
        ':released': S('released'),
        ':owner': S(claim),
        ':until': N(until),
        ':runId': S(runId),
        ':job': S(job),
        ':group': S(group),
        ':recipients': N(recipients),
        ':none': { M: {} },
        ':now': iso(now),
        ':nowMs': N(now),
        ':expires': this.#table.expiresAt(now),
        ':one': N(1),
      },
      ReturnValues: 'ALL_OLD',
    });
    if (result.ok) return { kind: 'claimed', claim, outcomes: readOutcomes(result.value.Attributes) };
    const existing = result.item;
    // An SDK retry of a claim that landed meets its own claim: it is this sender's, not another's.
    if (holds(existing, claim)) return { kind: 'claimed', claim, outcomes: readOutcomes(existing) };
    return readString(existing, 'status') === 'settled'
      ? { kind: 'settled', outcomes: readOutcomes(existing) }
      : { kind: 'busy' };
  }

  /**
   * Claims a settled group again for recipients it has no outcome for (a retried planner page whose rows changed
   * lists them under the same group name), on the condition that it is still settled and still lacks every one of
   * them. Returns the claim and the outcomes it holds, or undefined when another sender got there first.
   */
  async reopen(
    options: GroupHolder & { readonly missing: readonly string[] },
  ): Promise<{ claim: string; outcomes: Map<string, RecordedOutcome> } | undefined> {
    const { runId, group, owner, until, missing, now = Date.now() } = options;
    const claim = claimName(owner);
    const result = await this.#table.conditionalUpdate(groupKey(runId, group), {
      UpdateExpression:
        'SET #status = :claimed, claimOwner = :owner, claimUntil = :until, updatedAt = :now ADD attempts :one',
      ConditionExpression: [
        '#status = :settled',
        ...missing.map((_, index) => `attribute_not_exists(outcomes.#r${index})`),
      ].join(' AND '),
      ExpressionAttributeNames: { '#status': 'status', ...recipientNames(missing) },
      ExpressionAttributeValues: {
        ':claimed': S('claimed'),
        ':settled': S('settled'),
        ':owner': S(claim),
        ':until': N(until),
        ':now': iso(now),
        ':one': N(1),
      },
      ReturnValues: 'ALL_OLD',
    });
    if (result.ok) return { claim, outcomes: readOutcomes(result.value.Attributes) };
    // An SDK retry of a reopen that landed finds the group held by this very claim.
    return holds(result.item, claim) ? { claim, outcomes: readOutcomes(result.item) } : undefined;
  }

  /**
   * Records the outcomes this sender reached, in one write, on the condition that its claim still holds the group
   * (false otherwise: a newer claim records them).
   */
  async record(options: GroupRecord): Promise<boolean> {
    const { runId, group, owner, until, claim, outcomes, settle, reason, now = Date.now() } = options;
    const recipients = [...outcomes.keys()];
    const values: Item = { ':status': S(settle ? 'settled' : 'released'), ':now': iso(now), ':claim': S(claim) };
    const sets = ['#status = :status', 'updatedAt = :now'];
    recipients.forEach((recipient, index) => {
      values[`:o${index}`] = writeOutcome(outcomes.get(recipient) as NewOutcome, { owner, until, at: now });
      sets.push(`outcomes.#r${index} = :o${index}`);
    });
    if (reason !== undefined) {
      values[':reason'] = S(reason.slice(0, REASON_CHARS));
      sets.push('lastReason = :reason');
    }
    const result = await this.#table.conditionalUpdate(
      groupKey(runId, group),
      {
        UpdateExpression: `SET ${sets.join(', ')}${settle ? '' : ' REMOVE claimOwner, claimUntil'}`,
        ConditionExpression: 'claimOwner = :claim',
        ExpressionAttributeNames: { '#status': 'status', ...recipientNames(recipients) },
        ExpressionAttributeValues: values,
      },
      options.signal,
    );
    return result.ok || landed(result.item, { owner, at: now, recipients });
  }

  /**
   * Moves the counting of outcomes recorded by an invocation that died before adding them to the run's counters to
   * `owner`, whose own count then includes them. Only one taker wins.
   */
  async takeOverCounts(
    options: GroupHolder & { readonly recipients: readonly string[]; readonly from: string },
  ): Promise<boolean> {
    const { runId, group, owner, until, recipients, from } = options;
    const sets = recipients.map((_, index) => `outcomes.#r${index}.o = :owner, outcomes.#r${index}.u = :until`);
    const result = await this.#table.conditionalUpdate(groupKey(runId, group), {
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: recipients.map((_, index) => `outcomes.#r${index}.o = :from`).join(' AND '),
      ExpressionAttributeNames: recipientNames(recipients),
      ExpressionAttributeValues: { ':owner': S(owner), ':until': N(until), ':from': S(from) },
    });
    if (result.ok) return true;
    // An SDK retry of this very write finds its own result.
    const outcomes = readOutcomes(result.item);
    return recipients.every((recipient) => outcomes.get(recipient)?.owner === owner);
  }

  /**
   * Why a well-formed task could not be processed at all (its job's config item is missing or invalid, the table
   * refused a write): written as `lastReason` without touching a claim or an outcome, so a task that ends in the DLQ
   * is explained in the ledger and not only in a log line.
   */
  async noteFailure(options: {
    readonly runId: string;
    readonly job: string;
    readonly group: string;
    readonly reason: string;
    readonly now?: number;
    readonly signal?: AbortSignal;
  }): Promise<void> {
    const { runId, job, group, reason, now = Date.now() } = options;
    await conditional(
      this.#table.update(
        groupKey(runId, group),
        {
          UpdateExpression: `SET ${[
            'lastReason = :reason',
            'updatedAt = :now',
            'runId = :runId',
            'job = :job',
            'groupId = :group',
            'outcomes = if_not_exists(outcomes, :none)',
            '#status = if_not_exists(#status, :released)',
            'expiresAt = if_not_exists(expiresAt, :expires)',
          ].join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#status) OR #status IN (:released, :claimed)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':reason': S(reason.slice(0, REASON_CHARS)),
            ':now': iso(now),
            ':runId': S(runId),
            ':job': S(job),
            ':group': S(group),
            ':none': { M: {} },
            ':released': S('released'),
            ':claimed': S('claimed'),
            ':expires': this.#table.expiresAt(now),
          },
        },
        options.signal,
      ),
    );
  }

  async get(runId: string, group: string): Promise<GroupState | undefined> {
    const item = await this.#table.get(groupKey(runId, group));
    return item ? toGroup(item) : undefined;
  }
}
