/**
 * One schedule's world: the DynamoDB store, the queue and its DLQ, the providers, the containers that live and die,
 * and what the explorer knows that the handlers do not: every acceptance by a provider, and which of them fell into
 * the window of docs/adr/0002-duplicate-window.md (excused) because the sender could not know of it.
 */
import type { ConfigStore } from '../../../handlers/aws/config-store.js';
import type { Ledger } from '../../../handlers/aws/ledger/index.js';
import { createLedger } from '../../../handlers/aws/ledger/index.js';
import { ConfigError } from '../../../handlers/core/errors.js';
import type { VirtualClock } from './clock.js';
import { Container, type Death } from './container.js';
import { type DynamoStore, LEDGER_TABLE, openGate } from './dynamo.js';
import type { FaultPlan } from './faults.js';
import type { Prng } from './prng.js';
import { Provider } from './provider.js';
import { SimQueue } from './queue.js';
import type { JobSpec, WorldSpec } from './spec.js';
import { labelOf } from './write-labels.js';

export interface AcceptanceRecord {
  /** `<runId>/<recipientId>`, the message's idempotency key. */
  readonly key: string;
  readonly container: string;
  readonly at: number;
  /** Why this acceptance may be followed by another: the sender could not know of it. */
  excused?: string;
  /** Why it was not excused although its sender died before recording it. */
  unexcused?: string;
}

export interface RunState {
  readonly job: JobSpec;
  readonly runId: string;
  /** A planner invocation answered `enqueued` or `already-finished`. */
  finished: boolean;
  /** Ticks that failed after Lambda's retries and the operator's replays. */
  abandoned: number;
}

export class World {
  readonly clock: VirtualClock;
  readonly spec: WorldSpec;
  readonly plan: FaultPlan;
  readonly random: Prng;
  readonly store: DynamoStore;
  readonly queue: SimQueue;
  readonly observer: Ledger;
  readonly providers = new Map<string, Provider>();
  readonly acceptances: AcceptanceRecord[] = [];
  readonly deaths: Death[] = [];
  /** The groups each recipient was enqueued in, by `<runId>/<recipientId>`. */
  readonly groupsOf = new Map<string, Set<string>>();
  readonly runs = new Map<string, RunState>();
  readonly events: string[] = [];
  #containers = 0;

  constructor(options: { clock: VirtualClock; spec: WorldSpec; plan: FaultPlan; random: Prng; store: DynamoStore }) {
    this.clock = options.clock;
    this.spec = options.spec;
    this.plan = options.plan;
    this.random = options.random;
    this.store = options.store;
    this.queue = new SimQueue({ ...options.spec.queue, now: () => Date.now() });
    this.observer = createLedger({ table: LEDGER_TABLE, client: options.store.client(openGate(), labelOf) });
    for (const job of options.spec.jobs)
      this.providers.set(
        job.channel.id,
        new Provider(
          { id: job.channel.id, limitPerSecond: job.providerLimit, latencyMs: job.latencyMs, tails: job.tails },
          this.random.fork(),
          {
            accepted: (acceptance) => this.acceptances.push(this.#afterDeath({ ...acceptance })),
            lateAcceptance: (key, container) =>
              this.#excuse(key, container, 'the provider accepted after the client gave up'),
            fault: (kind) => this.plan.count(kind),
          },
        ),
      );
  }

  note(event: string): void {
    this.events.push(`${new Date(Date.now()).toISOString().slice(11, 23)} ${event}`);
  }

  newContainer(kind: 'sender' | 'planner'): Container {
    const container: Container = new Container({
      id: `${kind[0]}${++this.#containers}`,
      kind,
      store: this.store,
      plan: this.plan,
      onDeath: (death) => this.#onDeath(death),
      onRecordRefused: (group, sent) => {
        const runId = group.slice(0, group.indexOf('/'));
        for (const recipient of sent)
          this.#excuse(`${runId}/${recipient}`, container.id, `the ledger refused the record of ${group}`);
      },
    });
    return container;
  }

  /** The container's config store: config items read once per container, each read an I/O point. */
  configStore(container: Container): ConfigStore {
    const items = new Map<string, unknown>([[`database#${this.spec.database.id}`, this.spec.database]]);
    for (const job of this.spec.jobs) {
      items.set(`job#${job.id}`, job.job);
      items.set(`channel#${job.channel.id}`, job.channel);
    }
    const cache = new Map<string, Promise<unknown>>();
    const load = (key: string) => {
      let value = cache.get(key);
      if (!value) {
        value = container.io('config.get', async () => {
          const item = items.get(key);
          if (!item) throw new ConfigError(`config item "${key}"`, [{ path: '(item)', message: 'not found' }]);
          return item;
        });
        cache.set(key, value);
        value.catch(() => cache.delete(key));
      }
      return value as Promise<never>;
    };
    return {
      job: (id) => load(`job#${id}`),
      database: (id) => load(`database#${id}`),
      channel: (id) => load(`channel#${id}`),
      paused: async () => false,
    };
  }

  /** Notes the groups of an enqueued task body. */
  registerTask(body: string): void {
    const task = JSON.parse(body) as { runId: string; group: string; recipients: { id: string }[] };
    for (const recipient of task.recipients) {
      const key = `${task.runId}/${recipient.id}`;
      const groups = this.groupsOf.get(key) ?? new Set<string>();
      groups.add(task.group);
      this.groupsOf.set(key, groups);
    }
  }

  #excuse(key: string, container: string | undefined, why: string): void {
    const candidates = this.acceptances.filter(
      (entry) => entry.key === key && !entry.excused && (container === undefined || entry.container === container),
    );
    const latest = candidates.at(-1);
    if (latest) latest.excused = why;
  }

  /** A request its sender had sent before dying is still processed: nobody is left to record it. */
  #afterDeath(acceptance: AcceptanceRecord): AcceptanceRecord {
    const death = this.deaths.find((entry) => entry.container.id === acceptance.container);
    if (death?.cause === 'crash') acceptance.excused = `accepted after its sender died (${death.reason})`;
    else if (death)
      acceptance.unexcused = `accepted after ${death.container.id} was killed at its deadline (a send outlived it)`;
    return acceptance;
  }

  #onDeath(death: Death): void {
    this.deaths.push(death);
    this.note(`${death.container.id} died (${death.cause}): ${death.reason}`);
    // Assessed once every request in flight has landed or not: a virtual timer fires only after the store settled.
    setTimeout(() => void this.#assess(death), 0);
  }

  /** Which acceptances of a dead container its ledger never recorded, and whether ADR 0002's window covers them. */
  async #assess(death: Death): Promise<void> {
    for (const acceptance of this.acceptances) {
      if (acceptance.container !== death.container.id || acceptance.excused) continue;
      if (await this.recorded(acceptance.key)) continue;
      const runId = acceptance.key.slice(0, acceptance.key.indexOf('/'));
      const groups = [...(this.groupsOf.get(acceptance.key) ?? [])];
      const recording = groups.some((group) => death.recordsInFlight.has(`${runId}/${group}`));
      if (death.cause === 'crash' || recording) acceptance.excused = `${death.cause}: ${death.reason}`;
      else
        acceptance.unexcused =
          `accepted by ${death.container.id}, which was killed at its deadline with no record write of ` +
          `the group on its way (a send outlived the invocation's deadline)`;
    }
  }

  /** Whether the ledger holds an outcome for the recipient, in any group it was enqueued in. */
  async recorded(key: string): Promise<boolean> {
    const slash = key.indexOf('/');
    const runId = key.slice(0, slash);
    const recipient = key.slice(slash + 1);
    for (const group of this.groupsOf.get(key) ?? []) {
      const state = await this.observer.groups.get(runId, group);
      if (state?.outcomes.has(recipient)) return true;
    }
    return false;
  }
}
