import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  completedCause,
  isComplete,
  RUN_EVENT_DETAIL_TYPE,
  RUN_EVENT_SOURCE,
  type RunEnding,
  runEndedDetail,
} from '../core/run-end.js';
import { createLogger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { RunLedger, RunRecord } from './ledger/index.js';

/** PutEvents as the run's end needs it: one entry, on one bus. Injected in tests and the local runtime. */
export type PutRunEvent = (entry: { bus: string; detail: string; time: Date }, signal?: AbortSignal) => Promise<void>;

/** A PutEvents answer that refused the entry (`FailedEntryCount`): the event is still pending. */
export class RunEventRefusedError extends Error {
  override readonly name = 'RunEventRefusedError';
}

// Bounded like the ledger's writes (aws/dynamo.ts): a publish that cannot finish in the invocation is the watch's.
const EVENTS_CLIENT = { maxAttempts: 3, requestHandler: { requestTimeout: 1_000, connectionTimeout: 1_000 } };

let events: Promise<EventBridgeClient> | undefined;

/** The container's EventBridge client, loaded on first use: most invocations end no run. */
export const putRunEvent: PutRunEvent = async ({ bus, detail, time }, signal) => {
  events ??= import('@aws-sdk/client-eventbridge').then(
    ({ EventBridgeClient }) => new EventBridgeClient(EVENTS_CLIENT),
  );
  const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
  const answer = await (await events).send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: bus, Source: RUN_EVENT_SOURCE, DetailType: RUN_EVENT_DETAIL_TYPE, Detail: detail, Time: time },
      ],
    }),
    signal ? { abortSignal: signal } : {},
  );
  const refused = answer.Entries?.[0];
  if ((answer.FailedEntryCount ?? 0) > 0 || refused?.ErrorCode)
    throw new RunEventRefusedError(`PutEvents refused the run's event: ${refused?.ErrorCode} ${refused?.ErrorMessage}`);
};

export interface RunEndsOptions {
  readonly runs: RunLedger;
  readonly metrics: Metrics;
  /** The event bus the end-of-run event goes to; none publishes no event (the end and its metric stay). */
  readonly bus: string | undefined;
  readonly put?: PutRunEvent;
}

/**
 * Ends runs and tells of it (docs/adr/0014-run-alarms-and-end-of-run-event.md): the end is one conditional write that
 * also marks the event pending; the event is then published and the mark removed. An invocation that dies in between,
 * or a publish that fails, leaves the mark, and the planner's watch publishes the event within its interval. So the
 * event is published at least once, with the run id as its `eventId`.
 */
export class RunEnds {
  readonly #options: RunEndsOptions;

  constructor(options: RunEndsOptions) {
    this.#options = options;
  }

  /** Ends a run that is complete (every planned recipient has an outcome); nothing for one that is not. */
  async endIfComplete(run: RunRecord, owner: string, signal?: AbortSignal): Promise<void> {
    if (run.end || !isComplete(run)) return;
    await this.end(run, { ending: 'completed', cause: completedCause(run) }, owner, signal);
  }

  async end(
    run: RunRecord,
    how: { readonly ending: RunEnding; readonly cause: string },
    owner: string,
    signal?: AbortSignal,
    now = Date.now(),
  ): Promise<void> {
    const end = { ...how, endedAt: new Date(now).toISOString() };
    const ended = await this.#options.runs.end({ runId: run.runId, owner, end, event: !!this.#options.bus }, signal);
    if (ended.kind === 'missing' || !ended.byThis) return;
    createLogger({ runId: run.runId, job: run.job }).info('run ended', { ...end, ...counts(ended.run) });
    await this.announce(ended.run, signal);
  }

  /**
   * Emits the ended run's failed share and publishes its event, then clears the pending mark. Safe to repeat: the
   * alarm reads the share's maximum, and a consumer drops a repeated event by its `eventId`. A failed publish is
   * logged and left pending for the watch.
   */
  async announce(run: RunRecord, signal?: AbortSignal): Promise<void> {
    if (!run.end) return;
    const detail = runEndedDetail(run, run.end);
    this.#options.metrics.run({ name: 'RunFailedPercent', job: run.job, value: detail.failedPercent });
    const { bus, put = putRunEvent } = this.#options;
    if (!bus) return;
    try {
      await put({ bus, detail: JSON.stringify(detail), time: new Date(run.end.endedAt) }, signal);
      await this.#options.runs.published(run.runId, signal);
    } catch (error) {
      createLogger({ runId: run.runId, job: run.job }).warn(
        "the run's end-of-run event could not be published; the planner's watch publishes it",
        { error },
      );
    }
  }
}

const counts = ({ planned, enqueued, sent, skipped, failed }: RunRecord) => ({
  planned,
  enqueued,
  sent,
  skipped,
  failed,
});
