import { randomUUID } from 'node:crypto';
import pRetry, { AbortError } from 'p-retry';
import type { ConfigStore } from './aws/config-store.js';
import type { FinalStatus, Ledger, NewOutcome, RecordedOutcome, RunCounters } from './aws/ledger.js';
import type { Channel } from './channels/channel.js';
import type { ChannelConfig, JobConfig } from './config/schema.js';
import { type DeliveryError, TransientDeliveryError, isDeliveryError } from './core/errors.js';
import { Pacer, Semaphore } from './core/limiter.js';
import { dispositionFor, isRetryable, rateLimitDelay } from './core/retry.js';
import { type DeliveryTask, type TaskRecipient, parseTask } from './core/task.js';
import { TemplateError, renderTemplate } from './core/template.js';
import { createLogger, type Logger } from './observability/log.js';
import type { Metrics } from './observability/metrics.js';
import type { LambdaContext } from './planning.js';

export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface SenderOptions {
  /** Deliveries in flight at once inside one batch. */
  readonly parallelism: number;
  /** Sender instances the event source mapping runs at most: each paces itself to its share of the channel's rate. */
  readonly instances: number;
  /** Time in-process retries of one delivery may take before the message goes back to the queue. */
  readonly retryBudgetMs: number;
  /** How long a job stays halted in this container after a fatal channel error before one delivery probes again. */
  readonly haltCooldownMs: number;
}

export interface SenderDeps {
  readonly config: ConfigStore;
  readonly ledger: Ledger;
  readonly channel: (config: ChannelConfig) => Promise<Channel>;
  readonly onFatal: () => void;
  readonly metrics: Metrics;
  readonly options: SenderOptions;
}

type Outcome = 'done' | 'retry';
type Attempt = { kind: 'final'; outcome: NewOutcome } | { kind: 'retry'; reason: string };
type Rendered = { text: string; quickReplies?: { title: string; payload: string }[] };

/** What the records of one invocation share. */
interface Invocation {
  readonly context: LambdaContext;
  readonly owner: string;
  readonly tally: RunTally;
  /** The invocation's sends in flight, across all its records: `parallelism` at most. */
  readonly sends: Semaphore;
}

const STATUS_METRIC = { sent: 'Sent', skipped: 'Skipped', failed: 'FailedPermanent' } as const satisfies Record<FinalStatus, string>;

/**
 * The run counters one invocation adds. Before its first claim on a run it opens a count in the ledger; at the end one
 * write adds its counters and closes the count. A sender that dies in between leaves its count open, and whoever
 * receives one of its messages again counts the outcome it had recorded (see the `done` claim in processRecord).
 */
class RunTally {
  readonly #ledger: Ledger;
  readonly #owner: string;
  readonly #opened = new Map<string, Promise<void>>();
  readonly #deltas = new Map<string, Partial<RunCounters>>();
  readonly #counted = new Map<string, Set<string>>();

  constructor(ledger: Ledger, owner: string) {
    this.#ledger = ledger;
    this.#owner = owner;
  }

  open(runId: string): Promise<void> {
    let opened = this.#opened.get(runId);
    if (!opened) {
      opened = this.#ledger.openRunCount(runId, this.#owner);
      this.#opened.set(runId, opened);
      opened.catch(() => this.#opened.delete(runId));
    }
    return opened;
  }

  count(runId: string, messageId: string, name: FinalStatus): void {
    const deltas = this.#deltas.get(runId) ?? {};
    deltas[name] = (deltas[name] ?? 0) + 1;
    this.#deltas.set(runId, deltas);
    let messages = this.#counted.get(runId);
    if (!messages) this.#counted.set(runId, (messages = new Set()));
    messages.add(messageId);
  }

  /** Adds and closes every count; returns the messages whose outcome could not be counted, to be received again. */
  async close(): Promise<Set<string>> {
    const uncounted = new Set<string>();
    for (const [runId, opened] of this.#opened) {
      const deltas = this.#deltas.get(runId) ?? {};
      try {
        await opened;
        await this.#ledger.addRunCounters(runId, deltas, this.#owner);
      } catch (error) {
        createLogger({ runId }).error('could not add run counters; the messages go back to the queue to be counted again', { error, deltas });
        for (const messageId of this.#counted.get(runId) ?? []) uncounted.add(messageId);
      }
    }
    return uncounted;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Kept free at the end of an invocation for recording outcomes and run counters after the last send. */
export const RECORDING_RESERVE_MS = 3_000;
/**
 * A claim lasts until the invocation ends plus this much clock skew between containers. Lambda stops an invocation at
 * its timeout, so nothing can still be sending after that; a longer claim would outlive the queue's visibility timeout
 * (6 x a 3 s sender timeout is 18 s) and the message of a crashed sender would burn its receives against a dead claim.
 */
const CLAIM_SKEW_MS = 2_000;

export function createSender(deps: SenderDeps) {
  const { options, metrics } = deps;
  const pacers = new Map<string, Pacer>();
  const haltedUntil = new Map<string, number>();
  const probes = new Map<string, Promise<void>>();

  const pacerFor = (channel: ChannelConfig) => {
    let pacer = pacers.get(channel.id);
    if (!pacer) {
      pacer = new Pacer(channel.ratePerSecond / Math.max(1, options.instances), options.parallelism);
      pacers.set(channel.id, pacer);
    }
    return pacer;
  };

  async function deliver(runId: string, recipient: TaskRecipient, job: JobConfig, channelConfig: ChannelConfig, rendered: Rendered, log: Logger, deadline: number): Promise<{ providerMessageId?: string }> {
    const channel = await deps.channel(channelConfig);
    const pacer = pacerFor(channelConfig);
    const started = Date.now();
    const budgetEnd = Math.min(deadline, started + options.retryBudgetMs);
    const message = {
      recipientId: recipient.id,
      text: rendered.text,
      messagingType: job.messagingType,
      idempotencyKey: `${runId}/${recipient.id}`,
      ...(rendered.quickReplies ? { quickReplies: rendered.quickReplies } : {}),
      ...(job.tag ? { tag: job.tag } : {}),
    };
    return pRetry(
      async () => {
        const wait = pacer.reserve();
        if (wait > 0) await sleep(wait);
        // No attempt may outlive the invocation's deadline: its claim would expire under it and another sender send again.
        const timeLeft = deadline - Date.now();
        if (timeLeft <= 0) throw new AbortError(new TransientDeliveryError('no time left in this invocation to send; the message goes back to the queue'));
        const sent = performance.now();
        try {
          const receipt = await channel.send(message, AbortSignal.timeout(timeLeft));
          metrics.latency(job.id, performance.now() - sent);
          // Slow down before the provider has to say so: usage headers above 80 % count as a warning.
          if (receipt.usagePercent !== undefined && receipt.usagePercent >= 80) pacer.slowDown();
          else pacer.speedUp();
          return receipt;
        } catch (error) {
          metrics.latency(job.id, performance.now() - sent);
          if (!isDeliveryError(error) || !isRetryable(error.failureClass)) throw new AbortError(error as Error);
          if (error.failureClass === 'rate-limited') {
            pacer.slowDown();
            metrics.count(job.id, 'RateLimited');
            const delay = rateLimitDelay(1, error.details.retryAfterMs, budgetEnd - Date.now());
            if (delay === undefined) throw new AbortError(error);
            await sleep(delay);
          } else {
            metrics.count(job.id, 'Transient');
          }
          throw error;
        }
      },
      {
        retries: 3,
        minTimeout: 200,
        maxTimeout: 2_000,
        randomize: true,
        maxRetryTime: Math.max(0, budgetEnd - started),
        onFailedAttempt: ({ error, attemptNumber }) => {
          metrics.count(job.id, 'Retried');
          log.warn('delivery attempt failed; retrying', { attempt: attemptNumber, error });
        },
      },
    );
  }

  async function processRecord(record: SqsRecord, invocation: Invocation): Promise<Outcome> {
    const log = createLogger({ messageId: record.messageId, requestId: invocation.context.awsRequestId });
    const parsed = parseTask(record.body);
    if (!parsed.ok) {
      const reason = parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      await deps.ledger.recordMalformed(record.messageId, reason, record.body);
      metrics.count('(malformed)', 'FailedMalformed');
      log.error('malformed task body: recorded and dropped', { reason });
      return 'done';
    }
    const { task } = parsed;
    const taskLog = log.child({ runId: task.runId, job: task.job, group: task.group });
    try {
      return await gateAndProcess(record, task, taskLog, invocation);
    } catch (error) {
      // The message goes back to the queue (and after maxReceiveCount to the DLQ): leave the reason where `status` looks.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await deps.ledger.noteFailure(task.runId, task.job, task.group, reason).catch(() => undefined);
      throw error;
    }
  }

  async function gateAndProcess(record: SqsRecord, task: DeliveryTask, taskLog: Logger, invocation: Invocation): Promise<Outcome> {
    // A halted job waits out its cool-down; then a single group probes the channel with one recipient and the job's
    // other groups in this container wait for its verdict instead of spending requests on a broken token.
    for (;;) {
      const halted = haltedUntil.get(task.job);
      if (halted === undefined) return processGroup(record, task, taskLog, invocation, false);
      if (halted > Date.now()) return 'retry';
      const running = probes.get(task.job);
      if (!running) break;
      await running;
    }
    let probed!: () => void;
    probes.set(task.job, new Promise<void>((resolve) => (probed = resolve)));
    try {
      return await processGroup(record, task, taskLog, invocation, true);
    } finally {
      probes.delete(task.job);
      probed();
    }
  }

  /**
   * Outcomes another invocation recorded in this group and never counted because it died first: counted here once
   * they are taken over (`settledHere`). `waiting` when such an invocation may still be running (its count is open and
   * its time not up): the message waits for its verdict.
   */
  async function countOrphans(task: DeliveryTask, previous: ReadonlyMap<string, RecordedOutcome>, invocation: Invocation, claimUntil: number, record: SqsRecord, log: Logger): Promise<{ settledHere: boolean; waiting: boolean }> {
    const byOwner = new Map<string, { until: number; recipients: string[] }>();
    for (const [recipient, outcome] of previous) {
      if (outcome.owner === invocation.owner) continue;
      const entry = byOwner.get(outcome.owner) ?? { until: outcome.until, recipients: [] };
      entry.until = Math.max(entry.until, outcome.until);
      entry.recipients.push(recipient);
      byOwner.set(outcome.owner, entry);
    }
    let settledHere = false;
    for (const [from, { until, recipients }] of byOwner) {
      if (!(await deps.ledger.isCountPending(task.runId, from))) continue;
      if (Date.now() <= until) return { settledHere, waiting: true };
      if (await deps.ledger.takeOverCounts(task.runId, task.group, recipients, from, invocation.owner, claimUntil)) {
        for (const recipient of recipients) invocation.tally.count(task.runId, record.messageId, (previous.get(recipient) as RecordedOutcome).status);
        settledHere = true;
        log.warn('outcomes recorded by a sender that died before counting them: counted now', { previousOwner: from, recipients: recipients.length });
      }
    }
    return { settledHere, waiting: false };
  }

  async function processGroup(record: SqsRecord, task: DeliveryTask, taskLog: Logger, invocation: Invocation, probe: boolean): Promise<Outcome> {
    const { context, owner, tally } = invocation;
    const job = await deps.config.job(task.job);
    const channelConfig = await deps.config.channel(job.channel);
    const invocationEnd = Date.now() + context.getRemainingTimeInMillis();
    const deadline = invocationEnd - RECORDING_RESERVE_MS;
    if (deadline <= Date.now()) return 'retry';
    const claimUntil = invocationEnd + CLAIM_SKEW_MS;
    await tally.open(task.runId);
    const claim = await deps.ledger.claimGroup(task.runId, task.job, task.group, task.recipients.length, owner, claimUntil);
    if (claim.kind === 'busy') {
      taskLog.info('another sender holds the claim: leaving the message for later');
      return 'retry';
    }
    const orphans = await countOrphans(task, claim.outcomes, invocation, claimUntil, record, taskLog);
    let previous = claim.outcomes;
    if (claim.kind === 'settled') {
      if (orphans.waiting) return 'retry';
      const missing = task.recipients.filter((recipient) => !previous.has(recipient.id)).map((recipient) => recipient.id);
      if (missing.length === 0) {
        if (!orphans.settledHere) {
          metrics.count(task.job, 'Skipped', task.recipients.length);
          taskLog.info('already handled in this run: duplicate task skipped');
        }
        return 'done';
      }
      // A planner retried a page whose rows had changed: this copy of the group lists recipients the settled one
      // never had. They are reopened and sent; the ones it had keep their outcomes.
      const reopened = await deps.ledger.reopenGroup(task.runId, task.group, missing, owner, claimUntil);
      if (!reopened) return 'retry';
      taskLog.warn('a copy of this task lists recipients its settled group never had: reopened for them', { recipients: missing.length });
      previous = reopened;
    }
    if (orphans.waiting) {
      await deps.ledger.recordGroup(task.runId, task.group, owner, claimUntil, new Map(), false, 'waiting for a sender that recorded outcomes in this group to count them');
      return 'retry';
    }

    const open = task.recipients.filter((recipient) => !previous.has(recipient.id));
    const attempts = new Map<string, Attempt>();
    // One recipient's unexpected error (a secret that cannot be read, a table that refuses a write) keeps that
    // recipient open; it must not throw away the outcomes the rest of the group reached.
    const attempt = (recipient: TaskRecipient): Promise<Attempt> =>
      invocation.sends
        .use(() => attemptOne(task, recipient, job, channelConfig, taskLog, deadline))
        .catch((error: unknown) => {
          taskLog.error('delivery failed unexpectedly; the recipient stays open', { recipientId: recipient.id, error });
          return { kind: 'retry', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
        });
    if (!job.enabled) {
      for (const recipient of open) attempts.set(recipient.id, { kind: 'final', outcome: { status: 'skipped', reason: 'job disabled after planning' } });
    } else {
      let rest = open;
      if (probe && open[0]) {
        // One request tells whether the channel is back; a fatal answer halts the job again, and the rest of the
        // group is then kept open without a request.
        const first = await attempt(open[0]);
        attempts.set(open[0].id, first);
        if (first.kind === 'final' && first.outcome.status === 'sent') {
          haltedUntil.delete(task.job);
          await deps.ledger.clearHalt(task.runId).catch((error: unknown) => taskLog.warn('could not clear the halt mark on the run', { error }));
          taskLog.info('channel recovered: job resumed');
        }
        rest = open.slice(1);
      }
      const results = await Promise.all(rest.map(attempt));
      rest.forEach((recipient, index) => attempts.set(recipient.id, results[index] as Attempt));
    }

    const finals = new Map<string, NewOutcome>();
    const retries: string[] = [];
    for (const [recipient, result] of attempts) {
      if (result.kind === 'final') finals.set(recipient, result.outcome);
      else retries.push(`${recipient}: ${result.reason}`);
    }
    const settled = retries.length === 0;
    const reason = settled ? undefined : `${retries.length} of ${task.recipients.length} recipients kept for another attempt (${retries[0]})`;
    const recorded = await deps.ledger.recordGroup(task.runId, task.group, owner, claimUntil, finals, settled, reason).catch((error: unknown) => {
      // The sends happened; this line is what is left of them when the ledger refuses the record (ADR 0002).
      taskLog.error('could not record the outcomes; the task comes back and its sent recipients may be sent again', { error, outcomes: Object.fromEntries([...finals].map(([recipient, outcome]) => [recipient, outcome.status])) });
      throw error;
    });
    if (!recorded) {
      taskLog.warn('claim expired before the outcomes were recorded; the newer claim records them', { outcomes: finals.size });
      return 'retry';
    }
    for (const outcome of finals.values()) {
      tally.count(task.runId, record.messageId, outcome.status);
      metrics.count(task.job, STATUS_METRIC[outcome.status]);
    }
    return settled ? 'done' : 'retry';
  }

  /** Renders and sends to one recipient; never throws for what the recipient or the provider did. */
  async function attemptOne(task: DeliveryTask, recipient: TaskRecipient, job: JobConfig, channelConfig: ChannelConfig, groupLog: Logger, deadline: number): Promise<Attempt> {
    const log = groupLog.child({ recipientId: recipient.id });
    const halted = haltedUntil.get(task.job);
    if (halted !== undefined && halted > Date.now()) return { kind: 'retry', reason: 'job halted by a fatal channel error' };
    let rendered: Rendered;
    try {
      rendered = {
        text: renderTemplate(job.template.text, recipient.fields),
        ...(job.template.quickReplies ? { quickReplies: job.template.quickReplies.map((reply) => ({ title: renderTemplate(reply.title, recipient.fields), payload: renderTemplate(reply.payload, recipient.fields) })) } : {}),
      };
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      log.error('template cannot be rendered for this recipient: recorded and dropped', { field: error.field, reason: error.message });
      return { kind: 'final', outcome: { status: 'failed', reason: error.message, failureClass: 'permanent' } };
    }
    try {
      const receipt = await deliver(task.runId, recipient, job, channelConfig, rendered, log, deadline);
      return { kind: 'final', outcome: { status: 'sent', ...(receipt.providerMessageId ? { providerMessageId: receipt.providerMessageId } : {}) } };
    } catch (error) {
      if (!isDeliveryError(error)) throw error;
      return handleFailure(error, task, log);
    }
  }

  async function handleFailure(error: DeliveryError, task: DeliveryTask, log: Logger): Promise<Attempt> {
    switch (dispositionFor(error.failureClass)) {
      case 'record-and-drop':
        log.warn('permanent failure for this recipient: recorded, never retried', { error });
        return { kind: 'final', outcome: { status: 'failed', reason: error.message, failureClass: error.failureClass } };
      case 'return-to-queue':
        log.warn('delivery returned to the queue for a later attempt', { error, failureClass: error.failureClass });
        return { kind: 'retry', reason: error.message };
      case 'halt-job':
        if ((haltedUntil.get(task.job) ?? 0) <= Date.now()) {
          haltedUntil.set(task.job, Date.now() + options.haltCooldownMs);
          deps.onFatal();
          await deps.ledger.haltRun(task.runId, error.message).catch((failure: unknown) => log.warn('could not mark the run halted', { error: failure }));
          metrics.count(task.job, 'FatalChannel');
          log.error('FATAL channel error: the job is halted and its messages are kept for later', { error, failureClass: 'fatal' });
        }
        return { kind: 'retry', reason: error.message };
    }
  }

  return async function send(event: SqsEvent, context: LambdaContext): Promise<BatchResponse> {
    const owner = context.awsRequestId ?? randomUUID();
    const invocation: Invocation = { context, owner, tally: new RunTally(deps.ledger, owner), sends: new Semaphore(options.parallelism) };
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const outcomes = await Promise.all(
      records.map(async (record) => {
        try {
          return await processRecord(record, invocation);
        } catch (error) {
          // One record's unexpected error (a throttled table, a config item that fails validation) must not fail the batch.
          createLogger({ messageId: record?.messageId, requestId: context.awsRequestId }).error('delivery failed unexpectedly; the message stays queued', { error });
          return 'retry' as const;
        }
      }),
    );
    const uncounted = await invocation.tally.close();
    metrics.flush();
    return { batchItemFailures: records.flatMap((record, index) => (outcomes[index] === 'retry' || uncounted.has(record.messageId) ? [{ itemIdentifier: record.messageId }] : [])) };
  };
}
