import type { ConfigStore } from '../aws/config-store.js';
import type { Ledger } from '../aws/ledger/index.js';
import type { EnqueueResult, OutgoingMessage } from '../aws/queue.js';
import type { RunEnds } from '../aws/run-events.js';
import type { PlannerEvent } from '../config/planner-event.js';
import type { DatabaseConfig, JobConfig } from '../config/schema.js';
import type { HostAllowlist } from '../core/host-policy.js';
import type { LambdaContext } from '../core/lambda-context.js';
import type { Semaphore } from '../core/limiter.js';
import type { AudienceRow } from '../db/audience.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { WatchResult } from './watch.js';

export type PlannerResult =
  | { status: 'enqueued' | 'continued'; runId: string; planned: number; enqueued: number; failed: number }
  | { status: 'already-finished' | 'busy' | 'disabled'; runId: string }
  | WatchResult;

export interface PlannerDeps {
  readonly config: ConfigStore;
  readonly ledger: Ledger;
  /** The hosts a database item may name: the password goes to no other. */
  readonly databaseHosts: HostAllowlist;
  readonly readPage: (
    database: DatabaseConfig,
    password: string,
    job: JobConfig,
    cursor: string | null,
  ) => Promise<AudienceRow[]>;
  /**
   * Sends a page's tasks, each with `group` as its MessageGroupId; `slots` caps the SendMessageBatch calls in flight
   * across the pages being enqueued.
   */
  readonly enqueue: (messages: readonly OutgoingMessage[], slots: Semaphore, group: string) => Promise<EnqueueResult>;
  readonly continueRun: (event: PlannerEvent) => Promise<void>;
  readonly metrics: Metrics;
  /** The event bus of the end-of-run events (the module's run_events); none publishes no event. */
  readonly runEventBus?: string | undefined;
}

/** One invocation's run once it holds the run's lease: what every step of its planning reads. */
export interface RunScope {
  readonly deps: PlannerDeps;
  readonly event: PlannerEvent;
  readonly context: LambdaContext;
  readonly runId: string;
  /** The lease holder: the invocation's request id. */
  readonly owner: string;
  readonly job: JobConfig;
  readonly log: Logger;
  readonly ends: RunEnds;
  /** The lease every ledger write extends it to: the invocation's remaining time and a margin. */
  readonly leaseMs: () => number;
}
