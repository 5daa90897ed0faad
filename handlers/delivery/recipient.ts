import type { NewOutcome } from '../aws/ledger/index.js';
import type { Channel, OutboundMessage, RenderedParameters } from '../channels/channel.js';
import type { ChannelConfig, JobConfig } from '../config/schema.js';
import { type ConfigError, type DeliveryError, isDeliveryError } from '../core/errors.js';
import type { TaskRecipient } from '../core/task.js';
import { renderTemplate, TemplateError } from '../core/template.js';
import type { Logger } from '../observability/log.js';
import type { GroupJob } from './deps.js';
import type { AttemptResult, Settlement } from './dispatcher.js';
import { screen, suppressionsOn } from './screen.js';

// What happens to one recipient of a group: the job's gate (disabled, halted, probing), the message rendered from their
// fields, the send through the dispatcher, and where it leaves them.

/**
 * Where a recipient's delivery ended up: an outcome to record, or open for another attempt, visible again in
 * `delayMs`. `waited`: nothing failed, the recipient only waited for its channel's pace or the invocation's time.
 * `suppress`: the answer was permanent for this person, who goes on the channel's suppression list for that reason.
 */
export type Resolution =
  | { kind: 'final'; outcome: NewOutcome; suppress?: string }
  | { kind: 'open'; reason: string; delayMs: number; waited: boolean };

/** What the recipients of one group are sent with. */
export interface Sends {
  readonly job: JobConfig;
  readonly channelConfig: ChannelConfig;
  readonly channel: Channel;
  readonly open: readonly TaskRecipient[];
  /** Called once every send of the group is submitted: from then on the dispatcher may cut stragglers. */
  readonly letGo: () => void;
}

const everyone = (open: readonly TaskRecipient[], resolution: Resolution) =>
  new Map(open.map((recipient) => [recipient.id, resolution]));

/**
 * Every open recipient's resolution: who gets no request first (screen.ts), then the sends; a halted job probes with
 * one recipient before the rest go.
 */
export async function sendAll(work: GroupJob, sends: Sends): Promise<Map<string, Resolution>> {
  const { job } = sends;
  if (!job.enabled)
    return everyone(sends.open, {
      kind: 'final',
      outcome: { status: 'skipped', reason: 'job disabled after planning' },
    });
  const screened = await screen(work, job, sends.open);
  const resolutions = new Map<string, Resolution>(
    [...screened.outcomes].map(([recipient, outcome]) => [recipient, { kind: 'final', outcome }]),
  );
  const open = screened.send;
  // Only a group with someone to send to may take the probe: it must give the role back once its answer is in.
  if (open.length === 0) return resolutions;
  const gate = await work.state.halts.gate(work.task.job);
  if (gate.kind === 'wait')
    return new Map([
      ...resolutions,
      ...everyone(open, {
        kind: 'open',
        reason: 'job halted by a fatal channel error',
        delayMs: gate.delayMs,
        waited: false,
      }),
    ]);
  let rest = open;
  if (gate.kind === 'probe') {
    // One request tells whether the channel is back; a fatal answer halts the job again, and the rest of the group is
    // then kept open without a request.
    const [first] = open as [TaskRecipient, ...TaskRecipient[]];
    try {
      const resolution = await resolve(work, sends, first);
      resolutions.set(first.id, resolution);
      if (resolution.kind === 'final' && resolution.outcome.status === 'sent') await resumeJob(work);
    } finally {
      gate.done();
    }
    rest = open.slice(1);
  }
  const pending = rest.map((recipient) =>
    resolve(work, sends, recipient).then((resolution) => resolutions.set(recipient.id, resolution)),
  );
  sends.letGo();
  await Promise.all(pending);
  return resolutions;
}

async function resumeJob(work: GroupJob): Promise<void> {
  work.state.halts.resume(work.task.job);
  await work.state.ledger.runs
    .clearHalt(work.task.runId, work.invocation.recording)
    .catch((error: unknown) => work.log.warn('could not clear the halt mark on the run', { error }));
  work.log.info('channel recovered: job resumed');
}

/**
 * Renders and sends to one recipient; never throws: one recipient's unexpected error keeps only that recipient open.
 * It submits its send before its first `await`, so a group that lets go of the dispatcher right after calling it for
 * each recipient has every send registered.
 */
async function resolve(work: GroupJob, sends: Sends, recipient: TaskRecipient): Promise<Resolution> {
  const { state, task } = work;
  const log = work.log.child({ recipientId: recipient.id });
  const rendered = renderMessage(task.runId, sends.job, recipient);
  if (!rendered.ok) {
    log.error('template cannot be rendered for this recipient: recorded and dropped', {
      field: rendered.field,
      reason: rendered.reason,
    });
    return { kind: 'final', outcome: { status: 'failed', reason: rendered.reason, failureClass: 'permanent' } };
  }
  try {
    const settlement = await work.invocation.dispatcher.submit({
      lane: state.lane(sends.channelConfig),
      timeoutMs: sends.channelConfig.timeoutMs,
      send: (signal) => {
        const heldMs = state.halts.remainingMs(task.job);
        if (heldMs > 0)
          return Promise.resolve({ kind: 'held', reason: 'job halted by a fatal channel error', delayMs: heldMs });
        return sendOnce(sends.channel, rendered.message, signal);
      },
      onAnswer: (latencyMs) => state.metrics.latency(task.job, latencyMs),
      onRetry: ({ attempt, error, decision }) => {
        if (error.failureClass === 'rate-limited') state.metrics.count(task.job, 'RateLimited');
        if (error.failureClass === 'transient') state.metrics.count(task.job, 'Transient');
        if (decision.action === 'retry') {
          state.metrics.count(task.job, 'Retried');
          log.warn('delivery attempt failed; retrying', { attempt, delayMs: decision.delayMs, error });
        }
      },
    });
    return await settle(work, sends, settlement, log);
  } catch (error) {
    log.error('delivery failed unexpectedly; the recipient stays open', { error });
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { kind: 'open', reason, delayMs: 0, waited: false };
  }
}

async function settle(work: GroupJob, sends: Sends, settlement: Settlement, log: Logger): Promise<Resolution> {
  switch (settlement.kind) {
    case 'sent': {
      const { providerMessageId } = settlement;
      return { kind: 'final', outcome: { status: 'sent', ...(providerMessageId ? { providerMessageId } : {}) } };
    }
    case 'failed': {
      log.warn('permanent failure for this recipient: recorded, never retried', { error: settlement.error });
      const { message, failureClass, details } = settlement.error;
      return {
        kind: 'final',
        outcome: { status: 'failed', reason: message, failureClass },
        ...(details.suppressible && suppressionsOn(work, sends.job) ? { suppress: message } : {}),
      };
    }
    case 'open':
      log.warn('delivery returned to the queue for a later attempt', {
        reason: settlement.reason,
        delayMs: Math.round(settlement.delayMs),
      });
      return settlement;
    case 'fatal':
      await haltJob({ ...work, log }, settlement.error);
      return {
        kind: 'open',
        reason: settlement.error.message,
        delayMs: work.state.halts.remainingMs(work.task.job),
        waited: false,
      };
  }
}

/**
 * A fatal channel error (an invalid token, a missing permission, a channel outside the allowlist): the job halts in
 * this container, once per cool-down it alarms and marks the run; nobody is marked failed and the messages are kept.
 */
export async function haltJob(work: GroupJob, error: DeliveryError | ConfigError): Promise<void> {
  const { state, task, log } = work;
  if (!state.halts.halt(task.job)) return;
  state.onFatal();
  await state.ledger.runs
    .halt(task.runId, error.message, work.invocation.recording)
    .catch((haltError: unknown) => log.warn('could not mark the run halted', { error: haltError }));
  state.metrics.count(task.job, 'FatalChannel');
  log.error('FATAL channel error: the job is halted and its messages are kept for later', {
    error,
    failureClass: 'fatal',
  });
}

export type Rendered = { ok: true; message: OutboundMessage } | { ok: false; field: string; reason: string };

type Render = (template: string) => string;

function renderParameters(values: RenderedParameters | undefined, render: Render): RenderedParameters | undefined {
  if (values === undefined) return undefined;
  if (Array.isArray(values)) return values.map((value: string) => render(value));
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, render(value)]));
}

/** The job's content for one recipient: a text with its quick replies, or a utility template with its parameters. */
function renderContent(job: JobConfig, render: Render): Pick<OutboundMessage, 'text' | 'quickReplies' | 'utility'> {
  const { text, quickReplies, utility } = job.template;
  if (utility) {
    const [header, body] = [renderParameters(utility.header, render), renderParameters(utility.body, render)];
    return {
      utility: {
        name: utility.name,
        language: utility.language,
        ...(header ? { header } : {}),
        ...(body ? { body } : {}),
      },
    };
  }
  const replies = quickReplies?.map((reply) => ({ title: render(reply.title), payload: render(reply.payload) }));
  return { text: render(text ?? ''), ...(replies ? { quickReplies: replies } : {}) };
}

/** The message one recipient gets, or why the job's template cannot be rendered from their fields. */
export function renderMessage(runId: string, job: JobConfig, recipient: TaskRecipient): Rendered {
  try {
    const render = (template: string) => renderTemplate(template, recipient.fields);
    return {
      ok: true,
      message: {
        recipientId: recipient.id,
        recipientKind: job.audience.recipientKind,
        ...renderContent(job, render),
        messagingType: job.messagingType,
        idempotencyKey: `${runId}/${recipient.id}`,
        ...(job.tag ? { tag: job.tag } : {}),
        ...(job.marketingMessage ? { marketingMessage: job.marketingMessage } : {}),
      },
    };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return { ok: false, field: error.field, reason: error.message };
  }
}

/** One request through the channel; what the provider said, never thrown. Anything else (a bug) is thrown. */
export async function sendOnce(
  channel: Channel,
  message: OutboundMessage,
  signal: AbortSignal,
): Promise<AttemptResult> {
  try {
    const receipt = await channel.send(message, signal);
    return { kind: 'sent', ...receipt };
  } catch (error) {
    if (isDeliveryError(error)) return { kind: 'failed', error };
    throw error;
  }
}
