/**
 * A Lambda execution environment in the simulation: one process running one invocation at a time, whose every I/O
 * (DynamoDB attempts, SQS calls, provider requests, audience reads, invokes) passes its gate. The fault plan may kill
 * it at any of those points, the request landing first or not; the invocation deadline kills it too. A dead container
 * does nothing more that anyone can see: its requests never land and never answer, its later I/O never settles, and
 * it is replaced by a cold one for the next invocation.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLedger, type Ledger } from '../../../handlers/aws/ledger/index.js';
import type { DynamoAttempt, DynamoGate, DynamoStore } from './dynamo.js';
import { LEDGER_TABLE } from './dynamo.js';
import type { FaultPlan } from './faults.js';
import { labelOf } from './write-labels.js';

export type DeathCause = 'crash' | 'deadline';

export interface Death {
  readonly container: Container;
  readonly cause: DeathCause;
  readonly reason: string;
  readonly at: number;
  /** The groups (`<runId>/<group>`) whose record write was on its way when it died. */
  readonly recordsInFlight: ReadonlySet<string>;
}

const never = <T>() => new Promise<T>(() => undefined);

/** The group a ledger request is about, from its key, as `<runId>/<group>`. */
function groupOf(input: Record<string, unknown>): string | undefined {
  const key = input.Key as { pk?: { S?: string }; sk?: { S?: string } } | undefined;
  const pk = key?.pk?.S ?? '';
  const sk = key?.sk?.S ?? '';
  if (!sk.startsWith('group#')) return undefined;
  const runId = pk.slice('run#'.length).replace(/#[0-9a-f]$/, '');
  return `${runId}/${sk.slice('group#'.length)}`;
}

/** The recipients a group record write records as sent. */
function sentIn(input: Record<string, unknown>): string[] {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, { M?: { s?: { S?: string } } }>;
  return Object.entries(names).flatMap(([name, recipient]) => {
    const index = /^#r(\d+)$/.exec(name)?.[1];
    return index !== undefined && values[`:o${index}`]?.M?.s?.S === 'sent' ? [recipient] : [];
  });
}

export class Container {
  readonly id: string;
  readonly kind: 'sender' | 'planner';
  readonly client: DynamoDBClient;
  readonly ledger: Ledger;
  death: Death | undefined;
  readonly #plan: FaultPlan;
  readonly #onDeath: (death: Death) => void;
  readonly #records = new Map<string, number>();
  #invocations = 0;
  readonly #deathListeners: ((reason: string) => void)[] = [];

  constructor(options: {
    id: string;
    kind: 'sender' | 'planner';
    store: DynamoStore;
    plan: FaultPlan;
    onDeath: (death: Death) => void;
    /** A group's record write failed for good after the sends (window 2 of ADR 0002): its sent recipients. */
    onRecordRefused: (group: string, sent: readonly string[]) => void;
  }) {
    this.id = options.id;
    this.kind = options.kind;
    this.#plan = options.plan;
    this.#onDeath = options.onDeath;
    this.client = options.store.client(this.#gate(), labelOf);
    this.#watchRecords(options.onRecordRefused);
    this.ledger = createLedger({ table: LEDGER_TABLE, client: this.client });
  }

  get dead(): boolean {
    return this.death !== undefined;
  }

  /** A new request id: the ledger's owner of what this invocation claims and counts. */
  nextRequestId(): string {
    return `${this.id}/${++this.#invocations}`;
  }

  kill(cause: DeathCause, reason: string): void {
    if (this.death) return;
    this.death = { container: this, cause, reason, at: Date.now(), recordsInFlight: new Set(this.#records.keys()) };
    this.#onDeath(this.death);
    for (const listener of this.#deathListeners) listener(reason);
  }

  whenDead(listener: (reason: string) => void): void {
    if (this.death) listener(this.death.reason);
    else this.#deathListeners.push(listener);
  }

  /**
   * One I/O call other than DynamoDB. The plan may kill the container before the call goes out (it never lands) or
   * once it has landed (its answer is never read); after a death nothing settles.
   */
  async io<T>(label: string, perform: () => Promise<T>): Promise<T> {
    if (this.dead) return never();
    if (this.#plan.ioFails(label))
      throw Object.assign(new Error(`${label} failed (injected)`), { name: 'ThrottlingException' });
    const crash = this.#plan.crashAt(label);
    if (crash === 'before') {
      this.kill('crash', `crash before ${label}`);
      return never();
    }
    const call = perform();
    if (crash === 'after') {
      await call.catch(() => undefined);
      this.kill('crash', `crash after ${label} landed`);
      return never();
    }
    try {
      const value = await call;
      return this.dead ? never() : value;
    } catch (error) {
      if (this.dead) return never();
      throw error;
    }
  }

  /**
   * Above the SDK (its retries included): which group record writes are on their way, and which failed for good. A
   * death during a record write, or a record the ledger refused, leaves sends unrecorded inside ADR 0002's window.
   */
  #watchRecords(onRefused: (group: string, sent: readonly string[]) => void): void {
    const send = this.client.send.bind(this.client) as (command: unknown) => Promise<unknown>;
    (this.client as { send: unknown }).send = (command: { input: Record<string, unknown> }) => {
      const group = labelOf('UpdateItem', command.input).startsWith('group.record')
        ? groupOf(command.input)
        : undefined;
      if (!group) return send(command);
      this.#records.set(group, (this.#records.get(group) ?? 0) + 1);
      return send(command)
        .catch((error: unknown) => {
          // A failed condition is an answer (the claim passed on); anything else left the sends unrecorded.
          if (!this.dead && !(error instanceof Error && error.name === 'ConditionalCheckFailedException'))
            onRefused(group, sentIn(command.input));
          throw error;
        })
        .finally(() => {
          const left = (this.#records.get(group) ?? 1) - 1;
          if (left > 0) this.#records.set(group, left);
          else this.#records.delete(group);
        });
    };
  }

  #gate(): DynamoGate {
    const plan = this.#plan;
    return {
      decide: (attempt: DynamoAttempt) => plan.dynamo(attempt, this.kind),
      latencyMs: () => plan.dynamoLatencyMs(),
      dead: () => this.dead,
      kill: (reason) => this.kill('crash', reason),
    };
  }
}
