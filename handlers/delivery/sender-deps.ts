import type { ConfigStore } from '../aws/config-store.js';
import type { Ledger } from '../aws/ledger/index.js';
import type { Channel } from '../channels/channel.js';
import type { ChannelConfig } from '../config/schema.js';
import type { HostAllowlist } from '../core/host-policy.js';
import type { Metrics } from '../observability/metrics.js';

export interface SenderOptions {
  /** Sends in flight at once across one invocation's batch. */
  readonly parallelism: number;
  /** Sender instances the event source mapping runs at most: each paces itself to its share of the channel's rate. */
  readonly instances: number;
  /** How long a job stays halted in this container after a fatal channel error before one delivery probes again. */
  readonly haltCooldownMs: number;
  /** How long a paused job's task waits, as a new message, before a sender looks at it again (SQS allows 900). */
  readonly pauseRecheckSeconds: number;
  /** A request still out this long (and ten times the usual latency) when the rest of its batch is done is given up. */
  readonly stragglerFloorMs: number;
}

export interface SenderProbes {
  /** The process's recent event-loop pause (observability/loop-lag.ts); none when not given. */
  readonly loopLagMs?: () => number;
}

/** Makes returned messages visible again after their retry delay, instead of after the whole visibility timeout. */
export type Requeue = (messages: readonly { receiptHandle: string; delayMs: number }[]) => Promise<void>;

/**
 * Sends task bodies to the queue again as new messages, delayed by `delaySeconds`; answers the ids that were sent. A
 * new message starts its receive count afresh, so a task that waits out a pause this way never nears the DLQ.
 */
export type Resend = (
  messages: readonly { id: string; body: string }[],
  delaySeconds: number,
) => Promise<ReadonlySet<string>>;

export interface SenderDeps {
  readonly config: ConfigStore;
  readonly ledger: Ledger;
  /** The hosts a channel may point at; a channel elsewhere halts its job before its secret is resolved. */
  readonly channelHosts: HostAllowlist;
  readonly channel: (config: ChannelConfig) => Promise<Channel>;
  readonly onFatal: () => void;
  readonly metrics: Metrics;
  readonly requeue?: Requeue;
  readonly resend: Resend;
  readonly probes?: SenderProbes;
  readonly options: SenderOptions;
}
