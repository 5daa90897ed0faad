import type { JobConfig } from '../../handlers/surface.js';
import type { FaultShares } from './fault-plan.js';
import type { LocalPolicy } from './local-config.js';
import type { ReceiptsPlan } from './receipts-replay.js';

/** Shares of requests (not recipients) answered with a transient error or a 613, drawn afresh for each request. */
export interface FailureRates {
  readonly transient: number;
  readonly rateLimited: number;
}

/** The local Messenger sandbox as a provider: its limit, its latency and the tails of its answers. */
export interface ProviderModel {
  /** The Page's rate limit R (error 613 beyond it, and the usage header); without it, no limit. */
  readonly ratePerSecond?: number;
  readonly latencyMs: number;
  readonly latencyJitterMs: number;
  /** Per-recipient fault plans (tools/local/fault-plan.ts), drawn from `seed`. */
  readonly faults: FaultShares;
  readonly hangMs: number;
  readonly usageWindowMs: number;
  /**
   * Each Page limited at its own channel's ratePerSecond (--page-limits), as the Send API limits each Page apart;
   * `ratePerSecond`, when given too, then only sets the sample channel's.
   */
  readonly pageLimits?: boolean;
}

/** One job's tick in a local run, `afterSeconds` after the first. */
export interface JobTick {
  readonly job: string;
  readonly afterSeconds: number;
}

/** A job of the run's config, with the type of its channel and the Page it sends on (Messenger channels). */
export interface RunJob {
  readonly tick: JobTick;
  readonly config: JobConfig | undefined;
  readonly channelType: string | undefined;
  /** The channel's id, and its Page (Messenger): where --receipts sends Meta's events from. */
  readonly channelId: string | undefined;
  readonly pageId: string | undefined;
  /**
   * Where the Messenger sandbox counts the job's requests: its Page, or for a subscription_token job the ad account
   * of the Marketing Message API's path (`act_<adAccountId>`), which names no Page.
   */
  readonly sandboxPage: string | undefined;
  /**
   * The rate the job's requests are held to: its channel's ratePerSecond with --page-limits (the Page's limit), the
   * global --rate otherwise and for the Marketing Message API, which --page-limits leaves under the global limit.
   */
  readonly channelRate: number | undefined;
}

export interface LocalRunOptions extends LocalPolicy {
  /** The jobs ticked, each once, through the same stack and senders; distinct jobs. */
  readonly jobs: readonly JobTick[];
  readonly sampleSize: number;
  readonly seedSample: boolean;
  readonly configItems?: readonly unknown[];
  readonly failures: FailureRates;
  readonly provider: ProviderModel;
  /** Tasks per sender invocation (the module's sender.batch_size). */
  readonly batchSize: number;
  /** Sends in flight per invocation (the module's sender.parallelism). */
  readonly parallelism: number;
  readonly maximumConcurrency: number;
  /** How the senders divide a channel's rate (the module's sender.rate_share): `live` unless given. */
  readonly rateShare?: 'live' | 'static';
  /** Worker processes for the senders (default: one per core, at most one per sender). */
  readonly senderProcesses?: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly senderTimeoutMs: number;
  readonly timeoutMs: number;
  /** "embedded" (dynalite, no Java), "dynamodb-local" (Java), or an endpoint URL. */
  readonly dynamodb: string;
  readonly seed: number;
  readonly logFile: string;
  readonly scheduledTime?: string;
  /**
   * After the run, the Messenger sandbox posts the deliveries, reads and opt-outs of the messages it accepted to the
   * webhook receiver, signed as Meta signs them (tools/local/receipts-replay.ts); the summary counts them.
   */
  readonly receipts?: ReceiptsPlan;
}

export interface Progress {
  /** The planner is still reading the audience: `planned` is a lower bound, written at most once a second. */
  readonly planning: boolean;
  readonly planned: number;
  readonly processed: number;
  readonly sent: number;
  /** Since the planner started, as the summary's duration: start-up not included. */
  readonly elapsedMs: number;
  /** The last report: the run settled `elapsedMs` after the planner started, the summary's duration. */
  readonly settled?: boolean;
}

/** What the caller of `runLocal` hears while the run goes on. */
export interface RunHooks {
  readonly onProgress: (progress: Progress) => void;
  /** Each server it starts, with its address: what "stops everything" must have stopped. */
  readonly onService?: (name: string, endpoint: string) => void;
  /** What the run changed of its config to stay on this machine, or let through with a flag: one line each. */
  readonly onNotice?: (line: string) => void;
}
