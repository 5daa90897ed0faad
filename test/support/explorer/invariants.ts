/**
 * What must hold after every schedule, whatever its faults. Each check answers violations with the invariant's
 * number and a message that names the recipient or the run, so a failing seed says what broke without a debugger.
 *
 * 1. Each recipient is accepted by the provider at most once per run, except acceptances the sender could not know
 *    of (docs/adr/0002-duplicate-window.md): a death after the acceptance and before its record, a record the ledger
 *    refused, an answer after the client gave up. The explorer excuses exactly those, as it makes them happen.
 * 2. Every planned recipient ends sent, failed with a reason, skipped with a reason, or is still queued or in the
 *    DLQ with its group's reason: nobody is lost, and nobody is recorded sent without an acceptance.
 * 3. The run's counters equal the ledger's outcomes and the audience.
 * 4. The run ends: the planner reaches `enqueued` and the queue drains (the DLQ may remain) in bounded virtual time.
 */
import { collectOutcomes, type StoredOutcome } from '../../../handlers/aws/ledger/index.js';
import { parseTask } from '../../../handlers/core/task.js';
import type { RunState, World } from './world.js';

export interface Violation {
  readonly invariant: 1 | 2 | 3 | 4;
  readonly message: string;
}

export function checkDuplicates(world: World): Violation[] {
  const byKey = new Map<string, typeof world.acceptances>();
  for (const acceptance of world.acceptances)
    byKey.set(acceptance.key, [...(byKey.get(acceptance.key) ?? []), acceptance]);
  const violations: Violation[] = [];
  for (const [key, acceptances] of byKey) {
    const excused = acceptances.filter((entry) => entry.excused).length;
    if (acceptances.length <= 1 + excused) continue;
    const story = acceptances
      .map(
        (entry) =>
          `${entry.container}@${entry.at - world.spec.start}ms${entry.excused ? ` (excused: ${entry.excused})` : entry.unexcused ? ` (${entry.unexcused})` : ''}`,
      )
      .join(', ');
    violations.push({
      invariant: 1,
      message: `${key} accepted ${acceptances.length} times, ${excused} of them in ADR 0002's window: ${story}`,
    });
  }
  return violations;
}

/** The groups still queued or dead-lettered, by `<runId>/<recipient>`, with where they are. */
function waitingRecipients(world: World): Map<string, 'queue' | 'dlq'> {
  const waiting = new Map<string, 'queue' | 'dlq'>();
  const note = (body: string, where: 'queue' | 'dlq') => {
    const parsed = parseTask(body);
    if (parsed.ok)
      for (const recipient of parsed.task.recipients) waiting.set(`${parsed.task.runId}/${recipient.id}`, where);
  };
  for (const message of world.queue.messages.values()) note(message.body, 'queue');
  for (const message of world.queue.dlq) note(message.body, 'dlq');
  return waiting;
}

async function checkRecipients(world: World, run: RunState, outcomes: readonly StoredOutcome[]): Promise<Violation[]> {
  const violations: Violation[] = [];
  const byRecipient = new Map(outcomes.map((outcome) => [outcome.recipientId, outcome]));
  const accepted = new Set(world.acceptances.map((entry) => entry.key));
  const waiting = waitingRecipients(world);
  for (const recipient of run.job.audience) {
    const key = `${run.runId}/${recipient}`;
    const outcome = byRecipient.get(recipient);
    if (outcome?.status === 'sent') {
      if (!accepted.has(key)) violations.push({ invariant: 2, message: `${key} recorded sent, never accepted` });
    } else if (outcome) {
      if (!outcome.reason) violations.push({ invariant: 2, message: `${key} ${outcome.status} without a reason` });
    } else if (waiting.get(key) === 'dlq') {
      const reasons = await Promise.all(
        [...(world.groupsOf.get(key) ?? [])].map(
          async (group) => (await world.observer.groups.get(run.runId, group))?.lastReason,
        ),
      );
      if (!reasons.some(Boolean))
        violations.push({ invariant: 2, message: `${key} in the DLQ, its group gives no reason` });
    } else if (!waiting.has(key)) {
      violations.push({ invariant: 2, message: `${key} lost: no outcome, not queued, not in the DLQ` });
    }
  }
  return violations;
}

function checkCounters(
  world: World,
  run: RunState,
  counters: Record<'planned' | 'enqueued' | 'sent' | 'failed' | 'skipped', number>,
  outcomes: readonly StoredOutcome[],
): Violation[] {
  const recorded = { sent: 0, failed: 0, skipped: 0 };
  for (const outcome of outcomes) recorded[outcome.status]++;
  const drained = world.queue.depth === 0 && world.queue.dlq.length === 0;
  const violations: Violation[] = [];
  const expect = (name: string, actual: number, wanted: number, exact: boolean) => {
    if (exact ? actual !== wanted : actual > wanted)
      violations.push({
        invariant: 3,
        message: `${run.runId}: counter ${name} is ${actual}, the ledger says ${wanted}${exact ? '' : ' (at most, while tasks wait)'}`,
      });
  };
  const planned = run.job.audience.length;
  expect('planned', counters.planned, planned, true);
  expect('enqueued', counters.enqueued, planned - outcomes.filter((entry) => entry.item === 'planner').length, true);
  for (const status of ['sent', 'failed', 'skipped'] as const)
    expect(status, counters[status], recorded[status], drained);
  return violations;
}

/** Invariants 2 to 4 for each run, from the ledger as the schedule left it. */
export async function checkRuns(world: World, ended: boolean): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const run of world.runs.values()) {
    const record = await world.observer.runs.get(run.runId);
    if (record?.status !== 'enqueued') {
      violations.push({
        invariant: 4,
        message: `${run.runId} is ${record?.status ?? 'missing'}, never enqueued (abandoned ticks: ${run.abandoned}, lease ${record ? 'held or expired' : 'none'})`,
      });
      continue;
    }
    const { outcomes } = await collectOutcomes(world.observer.table, run.runId);
    violations.push(...(await checkRecipients(world, run, outcomes)));
    violations.push(...checkCounters(world, run, record, outcomes));
  }
  if (!ended)
    violations.push({
      invariant: 4,
      message: `the schedule did not end: ${world.queue.depth} message(s) still queued, runs ${[...world.runs.values()].map((run) => `${run.runId}:${run.finished ? 'finished' : 'planning'}`).join(', ')}`,
    });
  return violations;
}
