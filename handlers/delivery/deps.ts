import type { ConfigStore } from '../aws/config-store.js';
import type { Ledger } from '../aws/ledger/index.js';
import type { RunEnds } from '../aws/run-events.js';
import type { Channel } from '../channels/channel.js';
import type { ChannelConfig } from '../config/schema.js';
import type { ChannelHostAllowlist } from '../core/host-policy.js';
import type { DeliveryTask } from '../core/task.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Dispatcher, Lane } from './dispatcher.js';
import type { JobHalts } from './halts.js';
import type { RunTally } from './tally.js';

// What the sender is built from, and what its container, each invocation and each group hold.

export interface SenderOptions {
  /** Sends in flight at once on each channel of one invocation's batch. */
  readonly parallelism: number;
  /**
   * Sender instances the event source mapping runs at most: without the live share each paces a channel at its rate
   * divided by this.
   */
  readonly instances: number;
  /**
   * `live` (the default): a channel's rate is divided by the senders working on it, as they tell each other through the
   * ledger (share.ts); `static`: by `instances`.
   */
  readonly rateShare?: 'live' | 'static';
  /** How long a job stays halted in this container after a fatal channel error before one delivery probes again. */
  readonly haltCooldownMs: number;
  /** How long a paused job's task waits, as a new message, before a sender looks at it again (SQS allows 900). */
  readonly pauseRecheckSeconds: number;
  /** A request still out this long (and ten times the usual latency) when the rest of its batch is done is given up. */
  readonly stragglerFloorMs: number;
  /**
   * The channels' suppression lists (docs/adr/0013-window-and-suppressions.md): heeded and added to unless `enabled` is
   * false; an entry the sender adds lasts `days`. Both on, for 365 days, when not given.
   */
  readonly suppressions?: { readonly enabled: boolean; readonly days: number };
}

export interface SenderProbes {
  /** The process's recent event-loop pause (observability/loop-lag.ts); none when not given. */
  readonly loopLagMs?: () => number;
}

/**
 * Makes returned messages visible again after their retry delay, instead of after the whole visibility timeout.
 * `signal` ends the calls when the invocation is about to end.
 */
export type Requeue = (
  messages: readonly { receiptHandle: string; delayMs: number }[],
  signal?: AbortSignal,
) => Promise<void>;

/**
 * Sends task bodies to the queue again as new messages, each delayed by its `delaySeconds`; answers the ids that were
 * sent, or throws a PartialResendError (aws/requeue.ts) naming them. A new message starts its receive count afresh, so
 * a task that waits (a pause, its channel's pace) this way never nears the DLQ.
 */
export type Resend = (
  messages: readonly { id: string; body: string; delaySeconds: number; group?: string | undefined }[],
  signal?: AbortSignal,
) => Promise<ReadonlySet<string>>;

export interface SenderDeps {
  readonly config: ConfigStore;
  readonly ledger: Ledger;
  /**
   * The hosts each kind of channel may point at; a channel elsewhere (another kind's host included) halts its job
   * before its secret is resolved.
   */
  readonly channelHosts: ChannelHostAllowlist;
  readonly channel: (config: ChannelConfig) => Promise<Channel>;
  readonly onFatal: () => void;
  readonly metrics: Metrics;
  /** The event bus of the end-of-run events (the module's run_events); none publishes no event. */
  readonly runEventBus?: string | undefined;
  readonly requeue?: Requeue;
  readonly resend: Resend;
  readonly probes?: SenderProbes;
  readonly options: SenderOptions;
}

/** What a container keeps between invocations. */
export interface SenderState {
  readonly options: SenderOptions;
  readonly config: ConfigStore;
  readonly ledger: Ledger;
  readonly channelHosts: ChannelHostAllowlist;
  readonly channel: (config: ChannelConfig) => Promise<Channel>;
  /** The channel's lane: its pace and latency estimate, shared by every send on it in this container. */
  readonly lane: (config: ChannelConfig) => Lane;
  readonly halts: JobHalts;
  /** Ends the runs whose last count a sender adds, and publishes their end-of-run events. */
  readonly runEnds: RunEnds;
  readonly metrics: Metrics;
  readonly onFatal: () => void;
}

/** What the groups of one invocation share. */
export interface InvocationState {
  readonly owner: string;
  readonly tally: RunTally;
  readonly dispatcher: Dispatcher;
  /** Claims last until the invocation is over for sure. */
  readonly claimUntil: number;
  /** No send starts after this. */
  readonly deadline: number;
  /** Aborts the ledger writes (and their SDK retries) that are still out when the invocation is about to end. */
  readonly recording: AbortSignal;
}

/** One task's group being delivered, and what it is delivered with. */
export interface GroupJob {
  readonly state: SenderState;
  readonly invocation: InvocationState;
  readonly task: DeliveryTask;
  readonly messageId: string;
  readonly log: Logger;
}
