import { parseTask } from '../core/task.js';
import { createLogger } from '../observability/log.js';
import type { MalformedRecord, SqsRecord } from './events.js';
import { deliverGroup } from './group.js';
import type { GroupResult, InvocationState, SenderState } from './group-state.js';

type Malformed = MalformedRecord | (SqsRecord & { reason: string });

/** A body that is not a task: recorded with its reason, then dropped. */
async function keepMalformed(
  { ledger, metrics }: SenderState,
  entry: Malformed,
  requestId: string | undefined,
): Promise<void> {
  const messageId = entry.messageId;
  await ledger.records.recordMalformed({ messageId, reason: entry.reason, body: entry.body });
  metrics.count('(malformed)', 'FailedMalformed');
  createLogger({ messageId, requestId }).error('malformed task body: recorded and dropped', { reason: entry.reason });
}

/** Keeps each malformed record; answers, for each, whether the ledger took it. */
export function keepEveryMalformed(
  state: SenderState,
  malformed: readonly MalformedRecord[],
  requestId: string | undefined,
): Promise<boolean[]> {
  return Promise.all(
    malformed.map((entry) =>
      keepMalformed(state, entry, requestId).then(
        () => true,
        () => false,
      ),
    ),
  );
}

/**
 * Delivers one record's task; a delivery that fails unexpectedly leaves its reason on the group, where `notifier dlq
 * inspect` shows it.
 */
async function handleRecord(
  state: SenderState,
  invocation: InvocationState,
  record: SqsRecord,
  release: () => void,
  requestId: string | undefined,
): Promise<GroupResult> {
  const parsed = parseTask(record.body);
  if (!parsed.ok) {
    release();
    await keepMalformed(
      state,
      { ...record, reason: parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ') },
      requestId,
    );
    return { kind: 'done' };
  }
  const { task } = parsed;
  const log = createLogger({
    messageId: record.messageId,
    requestId,
    runId: task.runId,
    job: task.job,
    group: task.group,
  });
  try {
    return await deliverGroup({ state, invocation, task, messageId: record.messageId, log }, release);
  } catch (error) {
    // The message goes back to the queue (and after maxReceiveCount to the DLQ): leave the reason on the group, for
    // `dlq inspect`.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await state.ledger.groups
      .noteFailure({ runId: task.runId, job: task.job, group: task.group, reason })
      .catch(() => undefined);
    log.error('delivery failed unexpectedly; the message stays queued', { error });
    return { kind: 'open' };
  }
}

/** Handles every record of the batch at once, each releasing its hold on the dispatcher once its sends are out. */
export function handleEveryRecord(
  state: SenderState,
  invocation: InvocationState,
  records: readonly SqsRecord[],
  requestId: string | undefined,
): Promise<GroupResult[]> {
  const holds = records.map(() => invocation.dispatcher.hold());
  return Promise.all(
    records.map((record, index) =>
      handleRecord(state, invocation, record, holds[index] as () => void, requestId).catch(
        (error: unknown): GroupResult => {
          // Keeping a malformed body failed (the ledger refused it): the message stays queued, and says why here.
          createLogger({ messageId: record.messageId, requestId }).error(
            'the record could not be handled; the message stays queued',
            { error },
          );
          return { kind: 'open' };
        },
      ),
    ),
  );
}
