import { randomUUID } from 'node:crypto';
import type { ChannelConfig } from '../config/schema.js';
import type { LambdaContext } from '../core/lambda-context.js';
import { LatencyEstimate, Pacer } from '../core/limiter.js';
import { resendPaused, shortenVisibility, unfinished } from './batch.js';
import { Dispatcher } from './dispatcher.js';
import { type BatchResponse, readRecords } from './events.js';
import type { InvocationState, SenderState } from './group-state.js';
import { JobHalts } from './halts.js';
import { CLAIM_SKEW_MS, RECORDING_RESERVE_MS } from './limits.js';
import { handleEveryRecord, keepEveryMalformed } from './records.js';
import { RunTally } from './run-tally.js';
import type { SenderDeps, SenderOptions } from './sender-deps.js';

export type { BatchResponse, SqsEvent, SqsRecord } from './events.js';
export { RECORDING_RESERVE_MS } from './limits.js';
export type { Requeue, Resend, SenderDeps, SenderOptions, SenderProbes } from './sender-deps.js';

/** The channel's pacing state in this container: its share of the rate, and its latency. */
function pacingPerChannel(options: SenderOptions) {
  const pacing = new Map<string, { pacer: Pacer; latency: LatencyEstimate }>();
  return (channel: ChannelConfig) => {
    let entry = pacing.get(channel.id);
    if (!entry) {
      entry = {
        pacer: new Pacer(channel.ratePerSecond / Math.max(1, options.instances), options.parallelism),
        latency: new LatencyEstimate(),
      };
      pacing.set(channel.id, entry);
    }
    return entry;
  };
}

/** What the groups of one invocation share: its dispatcher, its run counters, and how long its claims last. */
function openInvocation(deps: SenderDeps, context: LambdaContext, owner: string): InvocationState {
  const invocationEnd = Date.now() + context.getRemainingTimeInMillis();
  const deadline = invocationEnd - RECORDING_RESERVE_MS;
  const dispatcher = new Dispatcher({
    parallelism: deps.options.parallelism,
    deadline,
    stragglerFloorMs: deps.options.stragglerFloorMs,
    ...(deps.probes?.loopLagMs ? { loopLagMs: deps.probes.loopLagMs } : {}),
  });
  return {
    owner,
    tally: new RunTally(deps.ledger.counts, owner),
    dispatcher,
    claimUntil: invocationEnd + CLAIM_SKEW_MS,
    deadline,
  };
}

/**
 * The sender: delivers a batch of tasks at once, and answers the messages that stay queued. What a container keeps
 * between invocations (pacing, halts) lives as long as the sender it returns.
 */
export function createSender(deps: SenderDeps) {
  const state: SenderState = {
    ...deps,
    pacing: pacingPerChannel(deps.options),
    halts: new JobHalts({ cooldownMs: deps.options.haltCooldownMs }),
  };

  return async function send(event: unknown, context: LambdaContext): Promise<BatchResponse> {
    const requestId = context.awsRequestId;
    const owner = requestId ?? randomUUID();
    const invocation = openInvocation(deps, context, owner);
    const { records, malformed } = readRecords(event, owner);
    const [results, kept] = await Promise.all([
      handleEveryRecord(state, invocation, records, requestId),
      keepEveryMalformed(state, malformed, requestId),
    ]);
    const uncounted = await invocation.tally.close();
    const paused = records.filter((_, index) => results[index]?.kind === 'paused');
    const waiting = await resendPaused(deps, paused, requestId);
    const { failures, requeue } = unfinished({ records, results, uncounted, waiting, malformed, kept });
    if (requeue.length > 0 && deps.requeue) await shortenVisibility(deps.requeue, requeue, requestId);
    deps.metrics.flush();
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
