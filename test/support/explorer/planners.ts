/**
 * The planner side: scheduler ticks (repeated when the profile says so), Lambda's asynchronous invocations with their
 * two retries, the operator's replay of a tick that failed for good, and the planner's dependencies: the audience
 * read from memory through a keyset cursor, SendMessageBatch into the simulated queue, continuations.
 */
import type { EnqueueResult, OutgoingMessage } from '../../../handlers/aws/queue.js';
import type { PlannerEvent } from '../../../handlers/config/planner-event.js';
import { decodeCursor } from '../../../handlers/core/keyset.js';
import type { Semaphore } from '../../../handlers/core/limiter.js';
import { Metrics } from '../../../handlers/observability/metrics.js';
import { createPlanner, type PlannerResult } from '../../../handlers/planning/index.js';
import type { Container } from './container.js';
import { invoke } from './lambda.js';
import type { JobSpec } from './spec.js';
import type { World } from './world.js';

/** Lambda's retries of a failed asynchronous invocation, and the operator's replays of a tick that failed for good. */
const RETRY_DELAYS_MS = [60_000, 120_000];
const REPLAY_AFTER_MS = 5 * 60_000;
const REPLAYS = 2;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Planners {
  readonly #world: World;

  constructor(world: World) {
    this.#world = world;
  }

  /** The scheduler's tick of every job (twice when the profile repeats ticks). */
  start(): void {
    const world = this.#world;
    for (const job of world.spec.jobs) {
      const event = { job: job.id, scheduledTime: world.spec.scheduledTime };
      void this.#asyncInvoke(event, 0);
      if (world.plan.profile.duplicateTick) {
        world.plan.count('scheduler.duplicate-tick');
        setTimeout(() => void this.#asyncInvoke(event, 0), world.random.int(0, 3_000));
      }
    }
  }

  /** One asynchronous invocation, as Lambda runs it: retried twice, then left to the operator, who replays it. */
  async #asyncInvoke(event: PlannerEvent, replays: number): Promise<void> {
    const world = this.#world;
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      const container = world.newContainer('planner');
      const outcome = await invoke(
        container,
        createPlanner(this.#deps(container)),
        event,
        world.spec.planner.timeoutMs,
      );
      if (outcome.kind === 'ok') return this.#done(outcome.value);
      world.note(
        `planner ${container.id} failed: ${outcome.kind === 'error' ? String(outcome.error) : outcome.reason}`,
      );
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay !== undefined) await sleep(delay);
    }
    const run = [...world.runs.values()].find((entry) => entry.job.id === event.job);
    if (replays >= REPLAYS) {
      if (run) run.abandoned++;
      return;
    }
    await sleep(REPLAY_AFTER_MS);
    world.plan.count('operator.ticks-replay');
    await this.#asyncInvoke(event, replays + 1);
  }

  #done(result: PlannerResult): void {
    if (result.status === 'watched') return;
    const run = this.#world.runs.get(result.runId);
    if (run && (result.status === 'enqueued' || result.status === 'already-finished')) run.finished = true;
  }

  #deps(container: Container) {
    const world = this.#world;
    const jobs = new Map(world.spec.jobs.map((job) => [job.id, job]));
    return {
      config: world.configStore(container),
      ledger: container.ledger,
      databaseHosts: new Set([world.spec.database.host]),
      readPage: (_database: unknown, _password: string, job: { id: string; pageSize: number }, cursor: string | null) =>
        container.io('db.readPage', async () => {
          await sleep(world.spec.planner.pageLatencyMs);
          return readPage(jobs.get(job.id) as JobSpec, cursor, job.pageSize);
        }),
      enqueue: (messages: readonly OutgoingMessage[], slots: Semaphore) => this.#enqueue(container, messages, slots),
      continueRun: (next: PlannerEvent) =>
        container.io('lambda.invoke', async () => {
          void this.#asyncInvoke(next, 0);
        }),
      metrics: new Metrics('sim-planner'),
    };
  }

  /** SendMessageBatch, ten a call, failed calls retried as handlers/aws/queue.ts does; what still fails is unsent. */
  async #enqueue(container: Container, messages: readonly OutgoingMessage[], slots: Semaphore): Promise<EnqueueResult> {
    const world = this.#world;
    const result: EnqueueResult = { enqueued: 0, rejected: [], unsent: [], retried: 0 };
    const batches: { message: OutgoingMessage; index: number }[][] = [];
    messages.forEach((message, index) => {
      if (index % 10 === 0) batches.push([]);
      batches.at(-1)?.push({ message, index });
    });
    let enqueued = 0;
    await Promise.all(
      batches.map(async (batch) => {
        for (let attempt = 1; attempt <= 4; attempt++) {
          const fault = world.plan.sqs('sqs.sendBatch');
          const sent = await slots.use(() =>
            container.io('sqs.sendBatch', async () => {
              await sleep(5);
              if (fault === 'throttle') return false;
              for (const { message } of batch) {
                world.queue.send(message.body);
                world.registerTask(message.body);
              }
              return fault === 'none';
            }),
          );
          if (sent) {
            enqueued += batch.length;
            return;
          }
          await sleep(100 * 2 ** (attempt - 1));
        }
        for (const { message, index } of batch)
          result.unsent.push({ index, key: message.key, code: 'Throttled', message: 'SendMessageBatch kept failing' });
      }),
    );
    return { ...result, enqueued };
  }
}

/** The page after `cursor` of the job's audience: rows `{ id, psid, first_name }` ordered by id. */
function readPage(job: JobSpec, cursor: string | null, pageSize: number) {
  const after = cursor === null ? 0 : Number(decodeCursor(cursor).id);
  return job.audience
    .map((psid, index) => ({ id: index + 1, psid, first_name: `Ada${index + 1}` }))
    .filter((row) => row.id > after)
    .slice(0, pageSize);
}
