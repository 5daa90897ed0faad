/**
 * Known cases: targeted schedules of faults the seeded sweep found, each a fixed world with one fault forced where it
 * hurts, so that a test asserts what the fault used to break (docs/adr/0009-retry-safe-writes.md). Each runs in the
 * explorer's harness on virtual time and is reproducible from its seed.
 */
import type { TaskRecipient } from '../../../handlers/core/task.js';
import { NO_FAULTS } from './faults.js';
import { runSchedule, type ScheduleReport } from './runner.js';
import { fixedWorld, SCHEDULED_TIME } from './spec.js';

const RUN = (job: string) => `${job}@${SCHEDULED_TIME.replace('.000Z', 'Z')}`;

/** (a1) The answer of the planner's lease acquire is lost after it landed: the SDK's retry finds its own lease. */
export const lostLeaseAcquire = (seed: number) =>
  runSchedule(seed, {
    world: () => fixedWorld([{ size: 12, rate: 300, recipientsPerTask: 5 }]),
    profile: NO_FAULTS,
    targets: [{ label: 'lease.acquire', fault: 'lost-answer', nth: 1 }],
  });

/** (a2) The answer of the planner's checkpoint (saveProgress) is lost after it landed: the retry adds again. */
export const lostCheckpoint = (seed: number) =>
  runSchedule(seed, {
    world: () => fixedWorld([{ size: 30, rate: 300, recipientsPerTask: 5, pageSize: 10 }]),
    profile: NO_FAULTS,
    targets: [{ label: 'run.saveProgress', fault: 'lost-answer', nth: 1 }],
  });

/**
 * (a3) The answer of a group record that hands the claim back (`settle: false`, one recipient still open) is lost:
 * the retry's condition (`claimOwner = :owner`) fails as the first attempt removed it.
 */
export const lostRecordRelease = (seed: number) =>
  runSchedule(seed, {
    world: () =>
      fixedWorld([{ size: 5, rate: 300, recipientsPerTask: 5, tails: { failFirst: new Map([['job1-p3', 3]]) } }]),
    profile: NO_FAULTS,
    targets: [{ label: 'group.record.release', fault: 'lost-answer', nth: 1 }],
  });

/** (a4) The answer of a group claim is lost after it landed: the retry finds the sender's own claim. */
export const lostGroupClaim = (seed: number) =>
  runSchedule(seed, {
    world: () => fixedWorld([{ size: 5, rate: 300, recipientsPerTask: 5 }]),
    profile: NO_FAULTS,
    targets: [{ label: 'group.claim', fault: 'lost-answer', nth: 1 }],
  });

/** (b) A 5/s channel with parallelism 50: ten groups of ten need 20 s, the invocation has 10 s. */
export const slowPacerPastDeadline = (seed: number) =>
  runSchedule(seed, {
    world: () => fixedWorld([{ size: 100, rate: 5, recipientsPerTask: 10 }], { parallelism: 50, timeoutMs: 10_000 }),
    profile: NO_FAULTS,
  });

/** (c) One batch mixes a 5/s channel's nine groups and a 300/s channel's group. */
export const slowAndHealthyChannels = (seed: number) =>
  runSchedule(seed, {
    world: () =>
      fixedWorld(
        [
          { size: 90, rate: 5, recipientsPerTask: 10 },
          { size: 10, rate: 300, recipientsPerTask: 10 },
        ],
        { parallelism: 50, timeoutMs: 10_000, startDelayMs: 2_000 },
      ),
    profile: NO_FAULTS,
  });

/**
 * (d) After a fatal error's cool-down, a group whose recipients all have outcomes already (left `released` by an
 * earlier receive) is the first of its job in this container: it takes the probe role with nobody to probe, and the
 * next group of the job waits for the probe's verdict. The fatal answer halts the job (cool-down 5 s); its message is
 * returned after the visibility timeout (ChangeMessageVisibility is refused), so the container is warm and idle when
 * the recorded group's task comes in at 6 s, and another group's task at 8 s.
 */
export const probeWithNobodyToProbe = (seed: number) =>
  runSchedule(seed, {
    world: () =>
      fixedWorld(
        [{ size: 1, rate: 300, recipientsPerTask: 1, tails: { fatalUntil: Date.parse(SCHEDULED_TIME) + 3_000 } }],
        {
          haltCooldownMs: 5_000,
        },
      ),
    profile: NO_FAULTS,
    targets: [{ label: 'sqs.changeVisibility', fault: 'throttle' }],
    timeBoundMs: 10 * 60_000,
    setup: async (world) => {
      const runId = RUN('job1');
      const holder = { runId, group: 'r:job1-x1', owner: 'earlier-sender', until: world.spec.start - 1 };
      const claimed = await world.observer.groups.claim({ ...holder, job: 'job1', recipients: 1 });
      await world.observer.groups.record({
        ...holder,
        claim: claimed.kind === 'claimed' ? claimed.claim : '',
        outcomes: new Map([['job1-x1', { status: 'sent' }]]),
        settle: false,
      });
      const task = (id: string, recipients: TaskRecipient[]) =>
        JSON.stringify({ v: 2, runId, job: 'job1', group: `r:${id}`, recipients });
      setTimeout(() => world.queue.send(task('job1-x1', [{ id: 'job1-x1', fields: { first_name: 'Ada' } }])), 6_000);
      setTimeout(() => world.queue.send(task('job1-x2', [{ id: 'job1-x2', fields: { first_name: 'Bob' } }])), 8_000);
    },
  });

/** Sender invocations the Lambda runtime killed at their timeout. */
export const deadlineKills = (report: ScheduleReport) =>
  report.world.deaths.filter((death) => death.cause === 'deadline' && death.container.kind === 'sender');
