/**
 * Runs one schedule: draws the world and the faults from the seed (or takes them from a targeted case), runs the real
 * planner and sender against it on virtual time until every run is enqueued and the queue has drained, or until the
 * time bound, then checks the invariants.
 */
import { runIdFor } from '../../../handlers/core/run-id.js';
import { setLogSink } from '../../../handlers/observability/log.js';
import { VirtualClock } from './clock.js';
import { DynamoStore } from './dynamo.js';
import { drawProfile, FaultPlan, type FaultProfile, type TargetedFault } from './faults.js';
import { checkDuplicates, checkRuns, type Violation } from './invariants.js';
import { Planners } from './planners.js';
import { Prng } from './prng.js';
import { Senders } from './senders.js';
import { drawWorld, type WorldSpec } from './spec.js';
import { World } from './world.js';
import { labelOf } from './write-labels.js';

/** Virtual time a schedule may take before it counts as stuck (invariant 4). */
export const TIME_BOUND_MS = 3 * 60 * 60_000;

export interface ScheduleOptions {
  /** A fixed world instead of one drawn from the seed. */
  readonly world?: (random: Prng) => WorldSpec;
  readonly profile?: FaultProfile;
  readonly targets?: readonly TargetedFault[];
  /** Keep the handlers' log lines (the last ones are reported with a failing seed). */
  readonly logs?: boolean;
  readonly timeBoundMs?: number;
  /** Runs in virtual time before the fleets start: seeds the ledger, schedules injected messages. */
  readonly setup?: (world: World) => Promise<void>;
}

export interface ScheduleReport {
  readonly seed: number;
  readonly violations: readonly Violation[];
  readonly faults: ReadonlyMap<string, number>;
  readonly virtualMs: number;
  readonly world: World;
  readonly senders: Senders;
  readonly logs: readonly string[];
}

export async function runSchedule(seed: number, options: ScheduleOptions = {}): Promise<ScheduleReport> {
  const random = new Prng(seed);
  const spec = options.world ? options.world(random.fork()) : drawWorld(random.fork());
  const plan = new FaultPlan(options.profile ?? drawProfile(random.fork()), random.fork(), options.targets);
  const clock = new VirtualClock(spec.start);
  const store = await DynamoStore.create(clock, labelOf);
  const logs: string[] = [];
  setLogSink(options.logs ? (line) => logs.push(line) : () => undefined);
  const jitter = random.fork();
  clock.install(() => jitter.next());
  try {
    const world = new World({ clock, spec, plan, random: random.fork(), store });
    for (const job of spec.jobs) {
      const runId = runIdFor(job.id, spec.scheduledTime);
      world.runs.set(runId, { job, runId, finished: false, abandoned: 0 });
    }
    if (options.setup) await settled(clock, options.setup(world));
    const senders = new Senders(world);
    new Planners(world).start();
    senders.start();
    const runs = [...world.runs.values()];
    const ended = await clock.run(
      () => runs.every((run) => run.finished || run.abandoned > 0) && world.queue.depth === 0 && senders.busy === 0,
      spec.start + (options.timeBoundMs ?? TIME_BOUND_MS),
    );
    const violations = [...checkDuplicates(world), ...(await settled(clock, checkRuns(world, ended)))];
    return { seed, violations, faults: plan.counts, virtualMs: clock.now() - spec.start, world, senders, logs };
  } finally {
    clock.uninstall();
    setLogSink((line) => process.stdout.write(`${line}\n`));
  }
}

/** Awaits work that reads the store while the virtual clock is installed (time does not move meanwhile). */
async function settled<T>(clock: VirtualClock, work: Promise<T>): Promise<T> {
  let done = false;
  const result = work.finally(() => {
    done = true;
  });
  await clock.run(() => done, clock.now());
  return result;
}
