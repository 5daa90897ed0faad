import { randomUUID } from 'node:crypto';
import type { RunRecord } from '../aws/ledger/index.js';
import { PartialResendError } from '../aws/requeue.js';
import { RunEnds } from '../aws/run-events.js';
import type { LambdaContext } from '../core/lambda-context.js';
import { messageGroupOfBody, parseTask } from '../core/task.js';
import { createLogger } from '../observability/log.js';
import type { InvocationState, Requeue, SenderDeps, SenderState } from './deps.js';
import { channelLanes, Dispatcher } from './dispatcher.js';
import { deliverGroup, type GroupResult } from './group.js';
import { JobHalts } from './halts.js';
import { CLAIM_SKEW_MS, RECORDING_CUTOFF_MS, RECORDING_RESERVE_MS } from './limits.js';
import { LiveShare } from './share.js';
import { RunTally } from './tally.js';

// One sender invocation: an SQS batch in, the messages that stay queued out. What happens to each task's group is in
// group.ts, to each recipient in recipient.ts.

/** One SQS message as Lambda's event source mapping hands it over. */
export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
  readonly receiptHandle?: string | undefined;
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * The sender: delivers a batch of tasks at once, and answers the messages that stay queued. What a container keeps
 * between invocations (its channels' lanes, its halts) lives as long as the sender it returns.
 */
export function createSender(deps: SenderDeps) {
  const state: SenderState = {
    ...deps,
    lane: channelLanes({ ...deps.options, ...(deps.options.rateShare === 'static' ? {} : { share: liveShare(deps) }) }),
    halts: new JobHalts({ cooldownMs: deps.options.haltCooldownMs }),
    runEnds: new RunEnds({ runs: deps.ledger.runs, metrics: deps.metrics, bus: deps.runEventBus }),
  };

  return async function send(event: unknown, context: LambdaContext): Promise<BatchResponse> {
    const requestId = context.awsRequestId;
    const invocation = openInvocation(deps, context, requestId ?? randomUUID());
    try {
      const { records, malformed } = readRecords(event, invocation.owner);
      const [results, kept] = await Promise.all([
        handleEveryRecord(state, invocation, records, requestId),
        Promise.all(
          malformed.map((entry) =>
            keepMalformed(state, entry, requestId).then(
              () => true,
              () => false,
            ),
          ),
        ),
      ]);
      const { uncounted, closed } = await invocation.tally.close(invocation.recording);
      const waiting = await resendWaiting(deps, records, results, uncounted, invocation.recording, requestId);
      const { failures, requeue } = unfinished({ records, results, uncounted, waiting, malformed, kept });
      if (requeue.length > 0 && deps.requeue)
        await shortenVisibility(deps.requeue, requeue, invocation.recording, requestId);
      // Last: a run this invocation completed but could not end (the cutoff came) is ended by the planner's watch.
      await endCompleted(state.runEnds, closed, invocation);
      deps.metrics.flush();
      return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
    } finally {
      invocation.close();
    }
  };
}

/** The container's live share of each channel's rate, its entries kept in the ledger under a name of its own. */
function liveShare(deps: SenderDeps) {
  const log = createLogger({ component: 'rate-share' });
  return (onChange: (channelId: string) => void) =>
    new LiveShare({
      write: (channelId, write, signal) => deps.ledger.shares.renew(channelId, write, signal),
      container: randomUUID(),
      instances: deps.options.instances,
      onChange,
      onError: (channelId, error) =>
        log.warn('could not renew the rate share; the last share stays', { channelId, error }),
    });
}

/** Ends the runs whose last count this invocation added. An end that fails is the watch's to write. */
async function endCompleted(ends: RunEnds, closed: readonly RunRecord[], invocation: InvocationState): Promise<void> {
  for (const run of closed)
    await ends
      .endIfComplete(run, invocation.owner, invocation.recording)
      .catch((error: unknown) =>
        createLogger({ runId: run.runId, requestId: invocation.owner }).warn(
          "could not end the completed run; the planner's watch ends it",
          { error },
        ),
      );
}

/** What the groups of one invocation share: its dispatcher, its run counters, and how long its claims last. */
function openInvocation(
  deps: SenderDeps,
  context: LambdaContext,
  owner: string,
): InvocationState & { close: () => void } {
  const remainingMs = context.getRemainingTimeInMillis();
  const invocationEnd = Date.now() + remainingMs;
  const deadline = invocationEnd - RECORDING_RESERVE_MS;
  const dispatcher = new Dispatcher({
    parallelism: deps.options.parallelism,
    deadline,
    stragglerFloorMs: deps.options.stragglerFloorMs,
    ...(deps.probes?.loopLagMs ? { loopLagMs: deps.probes.loopLagMs } : {}),
  });
  const recording = new AbortController();
  const cutoff = setTimeout(
    () => recording.abort(new Error('the invocation is about to end: ledger write abandoned')),
    Math.max(0, remainingMs - RECORDING_CUTOFF_MS),
  );
  return {
    owner,
    tally: new RunTally(deps.ledger.counts, owner),
    dispatcher,
    claimUntil: invocationEnd + CLAIM_SKEW_MS,
    deadline,
    recording: recording.signal,
    close: () => clearTimeout(cutoff),
  };
}

/** A record the event source mapping would never send (a hand-crafted test event): kept as malformed, never thrown. */
interface MalformedRecord {
  readonly messageId: string;
  /** Whether the event source mapping knows this id, so the message can be reported as a batch item failure. */
  readonly reportable: boolean;
  readonly reason: string;
  readonly body: string;
}

/**
 * Splits an event into the records that look like SQS messages and the ones that do not, which get a synthetic id
 * when they have none (`<request id>#<index>`, or `<request id>#event` for an event whose Records is not an array), so
 * the ledger can keep them.
 */
export function readRecords(event: unknown, requestId: string): { records: SqsRecord[]; malformed: MalformedRecord[] } {
  const list = (event as { Records?: unknown } | null)?.Records;
  const records: SqsRecord[] = [];
  const malformed: MalformedRecord[] = [];
  if (!Array.isArray(list)) {
    if (event !== undefined && event !== null && list !== undefined)
      malformed.push({
        messageId: `${requestId}#event`,
        reportable: false,
        reason: 'Records: not an array',
        body: safeJson(event),
      });
    return { records, malformed };
  }
  list.forEach((record: unknown, index) => {
    const messageId = (record as { messageId?: unknown } | null)?.messageId;
    const body = (record as { body?: unknown } | null)?.body;
    const id = typeof messageId === 'string' && messageId ? messageId : `${requestId}#${index}`;
    if (typeof messageId !== 'string' || !messageId)
      malformed.push({
        messageId: id,
        reportable: false,
        reason: `Records[${index}].messageId: missing or not a string`,
        body: safeJson(record),
      });
    else if (typeof body !== 'string')
      malformed.push({
        messageId: id,
        reportable: true,
        reason: `Records[${index}].body: missing or not a string`,
        body: safeJson(record),
      });
    else records.push(record as SqsRecord);
  });
  return { records, malformed };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A body that is not a task: recorded with its reason, then dropped. */
async function keepMalformed(
  { ledger, metrics }: SenderState,
  entry: { readonly messageId: string; readonly reason: string; readonly body: string },
  requestId: string | undefined,
): Promise<void> {
  const messageId = entry.messageId;
  await ledger.records.recordMalformed({ messageId, reason: entry.reason, body: entry.body });
  metrics.count('(malformed)', 'FailedMalformed');
  createLogger({ messageId, requestId }).error('malformed task body: recorded and dropped', { reason: entry.reason });
}

/** Handles every record of the batch at once, each releasing its hold on the dispatcher once its sends are out. */
function handleEveryRecord(
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
    const reason = parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    await keepMalformed(state, { ...record, reason }, requestId);
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
      .noteFailure({ runId: task.runId, job: task.job, group: task.group, reason, signal: invocation.recording })
      .catch(() => undefined);
    log.error('delivery failed unexpectedly; the message stays queued', { error });
    return { kind: 'open' };
  }
}

/**
 * Tasks that only wait (a paused job, a channel whose pace had no turn left) go back to the queue as new delayed
 * messages and the received ones are deleted: returning them instead would count a receive each time, and a pause of
 * hours or a slow channel's backlog would push them to the DLQ. A task that could not be re-sent stays queued the
 * ordinary way.
 */
async function resendWaiting(
  { resend }: Pick<SenderDeps, 'resend'>,
  records: readonly SqsRecord[],
  results: readonly GroupResult[],
  uncounted: ReadonlySet<string>,
  signal: AbortSignal,
  requestId: string | undefined,
): Promise<ReadonlySet<string>> {
  const waiting = records.flatMap((record, index) => {
    const result = results[index];
    // A message whose outcomes were not counted stays queued anyway: a copy of it would only wait beside it.
    if (result?.kind !== 'wait' || uncounted.has(record.messageId)) return [];
    return [
      {
        id: record.messageId,
        body: record.body,
        delaySeconds: Math.ceil(result.delayMs / 1000),
        group: messageGroupOfBody(record.body),
        why: result.why,
      },
    ];
  });
  if (waiting.length === 0) return new Set();
  const log = createLogger({ requestId });
  try {
    const sent = await resend(waiting, signal);
    log.info('tasks wait as new delayed messages', {
      paused: waiting.filter((task) => task.why === 'paused' && sent.has(task.id)).length,
      paced: waiting.filter((task) => task.why === 'paced' && sent.has(task.id)).length,
    });
    return sent;
  } catch (error) {
    log.warn('tasks could not be re-sent to wait; they come back after the visibility timeout', { error });
    // Those re-sent before the failure wait as new messages: keeping their originals too would double them.
    return error instanceof PartialResendError ? error.sent : new Set();
  }
}

interface BatchOutcome {
  readonly records: readonly SqsRecord[];
  /** Each record's result, by position. */
  readonly results: readonly (GroupResult | undefined)[];
  /** Messages whose outcomes the run counters did not take: they come back to be counted. */
  readonly uncounted: ReadonlySet<string>;
  /** Waiting messages re-sent as new ones. */
  readonly waiting: ReadonlySet<string>;
  readonly malformed: readonly MalformedRecord[];
  /** Whether the ledger kept each malformed record, by position. */
  readonly kept: readonly boolean[];
}

/** The messages that stay queued (the batch's item failures), and those of them to show again after a delay. */
function unfinished({ records, results, uncounted, waiting, malformed, kept }: BatchOutcome): {
  failures: Set<string>;
  requeue: { receiptHandle: string; delayMs: number }[];
} {
  const failures = new Set<string>();
  const requeue: { receiptHandle: string; delayMs: number }[] = [];
  records.forEach((record, index) => {
    const result = results[index] as GroupResult;
    if (result.kind === 'done' && !uncounted.has(record.messageId)) return;
    if (result.kind === 'wait' && waiting.has(record.messageId) && !uncounted.has(record.messageId)) return;
    failures.add(record.messageId);
    if (result.kind !== 'done' && result.delayMs !== undefined && record.receiptHandle)
      requeue.push({ receiptHandle: record.receiptHandle, delayMs: result.delayMs });
  });
  // A malformed record the ledger could not keep stays queued (on to the DLQ) rather than vanish.
  malformed.forEach((entry, index) => {
    if (entry.reportable && !kept[index]) failures.add(entry.messageId);
  });
  return { failures, requeue };
}

/** Shortens the visibility of returned messages to their retry delay; a failure only costs them the wait. */
async function shortenVisibility(
  requeue: Requeue,
  messages: readonly { receiptHandle: string; delayMs: number }[],
  signal: AbortSignal,
  requestId: string | undefined,
): Promise<void> {
  await requeue(messages, signal).catch((error: unknown) =>
    createLogger({ requestId }).warn(
      'could not shorten the visibility of returned messages; they come back after the visibility timeout',
      { error },
    ),
  );
}
