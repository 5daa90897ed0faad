import assert from 'node:assert/strict';
import { type AttributeValue, BatchGetItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { collectOutcomes, createLedger, keyAttributes, malformedKey } from '../../handlers/aws/ledger/index.js';
import { parseTask } from '../../handlers/core/task.js';
import { queueDepth } from '../../tools/local/sqs.js';
import type { Stack } from '../../tools/local/stack.js';

export interface Expectation {
  readonly runId: string;
  /** Every recipient id the job's audience query returns. */
  readonly audience: readonly string[];
  /** One entry per message the provider accepted (a recipient twice means a duplicate reached a person). */
  readonly accepted: readonly string[];
  /**
   * Duplicates the scenario provoked inside the documented window (the provider accepted, the sender never learned
   * it: docs/adr/0002-duplicate-window.md). A number demands exactly that many. A window demands every recipient of
   * `required` twice, and allows a second delivery only to recipients of `possible` (sends whose outcome a dying
   * sender may not have recorded yet), never a third.
   */
  readonly duplicates?: number | DuplicateWindow;
  /** Recipients that must end permanently failed, with what their recorded reason must say. */
  readonly failed?: ReadonlyMap<string, RegExp>;
  /** Message ids of poison bodies the scenario sent: each must be recorded as malformed, with its reason. */
  readonly poison?: readonly string[];
}

export interface DuplicateWindow {
  readonly required: ReadonlySet<string>;
  readonly possible: ReadonlySet<string>;
}

export interface Report {
  readonly recipients: number;
  readonly sent: number;
  readonly failed: number;
  readonly skipped: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly malformed: number;
  readonly dlq: number;
  readonly counters: { planned: number; enqueued: number; sent: number; skipped: number; failed: number };
}

type Item = Record<string, AttributeValue>;
const text = (item: Item | undefined, name: string) => item?.[name]?.S;

/** Malformed-body records by message id. */
async function getMalformed(stack: Stack, keys: readonly string[]): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  for (let index = 0; index < keys.length; index += 100) {
    let pending: Record<string, { Keys: Item[]; ConsistentRead: boolean }> | undefined = {
      [stack.names.ledger]: {
        Keys: keys.slice(index, index + 100).map((messageId) => keyAttributes(malformedKey(messageId))),
        ConsistentRead: true,
      },
    };
    while (pending && Object.keys(pending).length > 0) {
      const answer = await stack.dynamo.send(new BatchGetItemCommand({ RequestItems: pending }));
      for (const item of answer.Responses?.[stack.names.ledger] ?? []) found.set(text(item, 'pk') as string, item);
      pending = answer.UnprocessedKeys as typeof pending;
    }
  }
  return found;
}

export interface RecipientState {
  readonly status: string;
  readonly reason?: string;
  readonly providerMessageId?: string;
}

/**
 * Every recipient's recorded state in a run: the outcomes inside its group items, and what the planner recorded for
 * recipients it could not enqueue. A scan: fine for a test table, never for a production one.
 */
export async function recipientStates(stack: Stack, runId: string): Promise<Map<string, RecipientState>> {
  const states = new Map<string, RecipientState>();
  for (const { recipientId, item, status, reason, providerMessageId } of (
    await collectOutcomes(createLedger({ table: stack.names.ledger }).table, runId)
  ).outcomes) {
    assert.ok(
      !states.has(recipientId),
      item === 'group'
        ? `${recipientId} has outcomes in two ledger items`
        : `${recipientId} is both in a group and recorded by the planner`,
    );
    states.set(recipientId, {
      status,
      ...(reason ? { reason } : {}),
      ...(providerMessageId ? { providerMessageId } : {}),
    });
  }
  return states;
}

/** Empties the DLQ and returns what it held, so the next scenario starts with an empty one. */
async function drainDlq(stack: Stack): Promise<{ messageId: string; body: string }[]> {
  const messages: { messageId: string; body: string }[] = [];
  for (;;) {
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.queues.dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages.map((message) => ({ messageId: message.MessageId as string, body: message.Body ?? '' })));
    await stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: stack.queues.dlqUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle as string,
        })),
      }),
    );
  }
}

/**
 * The one invariant every fault scenario ends with, once the queue has drained:
 * - every recipient of the audience was delivered exactly once (duplicates only as many as the scenario provoked in
 *   the documented window), or is recorded as skipped or permanently failed with its reason; nobody else got a message;
 * - nothing is left pending: no claim held or released, the delivery queue is empty;
 * - the DLQ holds only poison, each explained by a ledger record (`malformed#<messageId>` or the delivery item);
 * - the run's counters add up: planned = sent + skipped + failed, each equal to what the delivery items say.
 */
export async function checkInvariants(stack: Stack, expectation: Expectation): Promise<Report> {
  const { runId, audience } = expectation;
  const dlq = await drainDlq(stack);
  const items = await recipientStates(stack, runId);
  const acceptedBy = new Map<string, number>();
  for (const recipient of expectation.accepted) acceptedBy.set(recipient, (acceptedBy.get(recipient) ?? 0) + 1);
  const inAudience = new Set(audience);
  const strangers = [...acceptedBy.keys()].filter((recipient) => !inAudience.has(recipient));
  assert.deepEqual(strangers, [], 'the provider received messages for people outside the audience');

  const byStatus = { sent: 0, failed: 0, skipped: 0 };
  const problems: string[] = [];
  let duplicates = 0;
  for (const recipient of audience) {
    const item = items.get(recipient);
    const status = item?.status;
    const accepted = acceptedBy.get(recipient) ?? 0;
    const reason = item?.reason ?? '';
    if (status === 'sent') {
      byStatus.sent++;
      if (accepted === 0) problems.push(`${recipient}: recorded sent but the provider never accepted it`);
      duplicates += Math.max(0, accepted - 1);
    } else if (status === 'failed' || status === 'skipped') {
      byStatus[status]++;
      if (!reason) problems.push(`${recipient}: ${status} without a reason`);
      if (accepted > 0)
        problems.push(`${recipient}: ${status} ("${reason}") but the provider accepted it ${accepted} time(s)`);
      const expected = expectation.failed?.get(recipient);
      if (expected && !(status === 'failed' && expected.test(reason)))
        problems.push(`${recipient}: expected failed matching ${expected}, got ${status} "${reason}"`);
    } else {
      problems.push(`${recipient}: not settled (status ${status ?? 'none'}, accepted ${accepted}x)`);
    }
  }
  for (const [recipient, expected] of expectation.failed ?? []) {
    if (items.get(recipient)?.status !== 'failed')
      problems.push(`${recipient}: expected a permanent failure matching ${expected}`);
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} recipient(s) break the invariant`);
  const window = expectation.duplicates;
  if (typeof window === 'object') {
    const twice = [...acceptedBy].filter(([, times]) => times > 1);
    assert.deepEqual(
      twice.filter(([recipient, times]) => times > 2 || !window.possible.has(recipient)),
      [],
      'duplicates beyond the documented window',
    );
    assert.deepEqual(
      [...window.required].filter((recipient) => (acceptedBy.get(recipient) ?? 0) < 2),
      [],
      'a send the dying sender never learned of is sent again',
    );
  } else assert.equal(duplicates, window ?? 0, 'duplicates beyond the documented window');

  const depth = await queueDepth(stack.sqs, stack.queues.queueUrl);
  assert.deepEqual(depth, { visible: 0, inFlight: 0 }, 'the delivery queue has drained');

  const poison = new Set(expectation.poison ?? []);
  const malformed = await getMalformed(stack, [...poison]);
  for (const messageId of poison) {
    const item = malformed.get(malformedKey(messageId).pk);
    assert.ok(item, `poison message ${messageId} is recorded in the ledger`);
    assert.match(text(item, 'reason') ?? '', /\S/, `poison message ${messageId} has a reason`);
  }
  for (const message of dlq) {
    const parsed = parseTask(message.body);
    if (!parsed.ok) {
      const { Item } = await stack.dynamo.send(
        new GetItemCommand({
          TableName: stack.names.ledger,
          Key: keyAttributes(malformedKey(message.messageId)),
          ConsistentRead: true,
        }),
      );
      assert.ok(
        text(Item, 'reason'),
        `DLQ message ${message.messageId} is poison without a recorded reason: ${message.body.slice(0, 200)}`,
      );
    } else {
      // A well-formed task is poison only if it is not one of this run's recipients and its delivery item says why
      // it could not be processed (a job whose config item is gone, ...).
      const group = await createLedger({ table: stack.names.ledger }).groups.get(parsed.task.runId, parsed.task.group);
      const ours =
        parsed.task.runId === runId && parsed.task.recipients.some((recipient) => audience.includes(recipient.id));
      assert.ok(
        !ours && group?.lastReason,
        `DLQ holds a deliverable task, group ${parsed.task.group} of ${parsed.task.runId} (ledger: ${JSON.stringify(group)})`,
      );
    }
  }

  const run = await createLedger({ table: stack.names.ledger }).runs.get(runId);
  assert.ok(run, `run ${runId} exists`);
  const counters = {
    planned: run.planned,
    enqueued: run.enqueued,
    sent: run.sent,
    skipped: run.skipped,
    failed: run.failed,
  };
  assert.equal(run.status, 'enqueued', 'the planner finished the run');
  assert.equal(run.halted, undefined, 'the run is not left halted');
  assert.equal(counters.planned, audience.length, 'planned counts each recipient once');
  assert.deepEqual(
    { sent: counters.sent, skipped: counters.skipped, failed: counters.failed },
    byStatus,
    'the run counters match the delivery items',
  );
  assert.equal(
    counters.sent + counters.skipped + counters.failed,
    counters.planned,
    'planned = sent + skipped + failed with nothing pending',
  );

  return {
    recipients: audience.length,
    ...byStatus,
    accepted: expectation.accepted.length,
    duplicates,
    malformed: poison.size,
    dlq: dlq.length,
    counters,
  };
}
