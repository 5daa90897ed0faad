import type { ConfigStore } from '../aws/config-store.js';
import type { Ledger, NewOutcome } from '../aws/ledger/index.js';
import type { Channel } from '../channels/channel.js';
import type { ChannelConfig } from '../config/schema.js';
import type { HostAllowlist } from '../core/host-policy.js';
import type { LatencyEstimate, Pacer } from '../core/limiter.js';
import type { DeliveryTask } from '../core/task.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Dispatcher } from './dispatcher.js';
import type { JobHalts } from './halts.js';
import type { RunTally } from './run-tally.js';

/** What a container keeps between invocations. */
export interface SenderState {
  readonly config: ConfigStore;
  readonly ledger: Ledger;
  readonly channelHosts: HostAllowlist;
  readonly channel: (config: ChannelConfig) => Promise<Channel>;
  /** The channel's pacing and latency estimate, shared by every send on it in this container. */
  readonly pacing: (config: ChannelConfig) => { pacer: Pacer; latency: LatencyEstimate };
  readonly halts: JobHalts;
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
  readonly deadline: number;
}

/**
 * `done`: the message may be deleted. `open`: it goes back to the queue, visible again in `delayMs` when given.
 * `paused`: the job is paused; nothing was claimed or sent, and the task waits as a new, delayed message.
 */
export type GroupResult = { kind: 'done' } | { kind: 'open'; delayMs?: number } | { kind: 'paused' };

/** Where a recipient's delivery ended up: an outcome to record, or open for another attempt. */
export type Resolution = { kind: 'final'; outcome: NewOutcome } | { kind: 'open'; reason: string; delayMs: number };

/** One task's group being delivered, and what it is delivered with. */
export interface GroupJob {
  readonly state: SenderState;
  readonly invocation: InvocationState;
  readonly task: DeliveryTask;
  readonly messageId: string;
  readonly log: Logger;
}
