import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { dynamoItemBytes } from '../bench/item-size.js';
import { createLedger, groupKey, keyAttributes, type Ledger, malformedKey } from '../handlers/aws/ledger/index.js';
import type { BatchResponse, SqsEvent } from '../handlers/delivery/batch.js';
import { DEFAULT_INPUT, estimateMonthlyCost, writeUnits } from '../tools/cost/model.js';
import { type Handler, lambdaContext } from '../tools/local/bundle.js';
import { graphError } from '../tools/local/sandbox-reply.js';
import { type Harness, messengerJob, startHarness, TOKEN } from './support/harness.js';
import { readDelivery } from './support/ledger-reads.js';

const RUN = 'daily@2026-11-28T08:00:00Z';
let counter = 0;
const record = (recipientId: string, fields: Record<string, unknown> = { first_name: 'Ada' }) => ({
  messageId: `m-${++counter}`,
  body: JSON.stringify({ v: 1, runId: RUN, job: 'daily', recipientId, fields }),
});
const raw = (body: string) => ({ messageId: `m-${++counter}`, body });

describe('sender outcome classes', () => {
  let harness: Harness;
  let send: Handler<SqsEvent, BatchResponse>;
  let ledger: Ledger;
  const deliver = (records: { messageId: string; body: string }[]) =>
    send({ Records: records }, lambdaContext('sender', 30_000));
  const requestsFor = (recipientId: string) =>
    harness.sandbox.requests.filter((request) => request.recipientId === recipientId).length;
  const status = async (recipientId: string) => (await readDelivery(ledger, RUN, recipientId))?.status;
  /** Claims a group of job "daily" as another sender would: the claim's kind, and its name when it got it. */
  const claimAs = async (holder: Omit<Parameters<Ledger['groups']['claim']>[0], 'job'>) => {
    const claim = await ledger.groups.claim({ job: 'daily', ...holder });
    return { kind: claim.kind, name: claim.kind === 'claimed' ? claim.claim : '' };
  };
  const claimKind = async (holder: Omit<Parameters<Ledger['groups']['claim']>[0], 'job'>) =>
    (await claimAs(holder)).kind;

  before(async () => {
    harness = await startHarness();
    const database = {
      host: '127.0.0.1',
      port: 5432,
      database: 'unused',
      user: 'unused',
      password: 'unused-by-the-sender',
    };
    for (const item of messengerJob(database, harness.sandbox.baseUrl)) await harness.stack.putConfig(item);
    send = await harness.stack.loadSender();
    ledger = createLedger({ table: harness.stack.names.ledger });
  });
  after(async () => harness.stop());

  it('a transient answer (code 2) is retried in process and then delivered', async () => {
    harness.sandbox.inject((request) =>
      request.recipientId === 'transient-1' && request.attempt === 1
        ? graphError(2, 'An unexpected error has occurred. Please retry your request later.', undefined, 500)
        : undefined,
    );
    const response = await deliver([record('transient-1')]);
    assert.deepEqual(response.batchItemFailures, []);
    assert.equal(requestsFor('transient-1'), 2);
    assert.equal(await status('transient-1'), 'sent');
    assert.ok(
      harness.logs.some((line) => line.includes('"Retried"')),
      'a Retried metric is emitted',
    );
  });

  it('a transient failure that outlasts the retry budget goes back to the queue, claim released', async () => {
    harness.sandbox.inject((request) =>
      request.recipientId === 'transient-2' ? { status: 503, body: 'upstream down' } : undefined,
    );
    const message = record('transient-2');
    const response = await deliver([message]);
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: message.messageId }]);
    assert.equal(await status('transient-2'), 'released');
    harness.sandbox.inject(undefined);
    assert.deepEqual(
      (await deliver([message])).batchItemFailures,
      [],
      'the redelivered message retakes the released claim',
    );
    assert.equal(await status('transient-2'), 'sent');
  });

  it('network errors and timeouts are transient', async () => {
    harness.sandbox.inject((request) =>
      request.recipientId === 'hangup'
        ? { status: 200, hangUp: true }
        : request.recipientId === 'slow'
          ? { status: 200, body: {}, delayMs: 5_000 }
          : undefined,
    );
    const messages = [record('hangup'), record('slow')];
    const response = await deliver(messages);
    assert.deepEqual(
      response.batchItemFailures.map((failure) => failure.itemIdentifier).sort(),
      messages.map((message) => message.messageId).sort(),
    );
    harness.sandbox.inject(undefined);
  });

  it('a rate-limited answer (613, HTTP 429) goes back to the queue and is never recorded as failed', async () => {
    harness.sandbox.inject((request) =>
      request.recipientId === 'throttled-1'
        ? graphError(613, 'Calls to this API have exceeded the rate limit.')
        : request.recipientId === 'throttled-2'
          ? { status: 429, headers: { 'retry-after': '30' }, body: 'slow down' }
          : undefined,
    );
    const messages = [record('throttled-1'), record('throttled-2')];
    const response = await deliver(messages);
    assert.equal(response.batchItemFailures.length, 2);
    assert.equal(await status('throttled-1'), 'released');
    assert.equal(await status('throttled-2'), 'released');
    assert.equal(requestsFor('throttled-2'), 1, 'a Retry-After longer than the budget is not waited out in process');
    assert.ok(harness.logs.some((line) => line.includes('"RateLimited"')));
    harness.sandbox.inject(undefined);
  });

  it('a recipient who blocked the page (551) is recorded with the reason and never retried', async () => {
    harness.sandbox.inject((request) =>
      request.recipientId === 'blocked' ? graphError(551, "This person isn't available right now.") : undefined,
    );
    const message = record('blocked');
    assert.deepEqual((await deliver([message])).batchItemFailures, []);
    const delivery = await readDelivery(ledger, RUN, 'blocked');
    assert.equal(delivery?.status, 'failed');
    assert.match(String(delivery?.reason), /551/);
    assert.equal(delivery?.failureClass, 'permanent');
    await deliver([message]);
    assert.equal(requestsFor('blocked'), 1, 'redelivery does not call the provider again');
    harness.sandbox.inject(undefined);
  });

  it('outside-the-window (10/2018278) and no-matching-user (100/2018001) are permanent too', async () => {
    harness.sandbox.inject((request) =>
      request.recipientId === 'window'
        ? graphError(10, 'This message is sent outside of allowed window.', 2018278, 403)
        : request.recipientId === 'nouser'
          ? graphError(100, 'No matching user found', 2018001)
          : undefined,
    );
    assert.deepEqual((await deliver([record('window'), record('nouser')])).batchItemFailures, []);
    assert.equal(await status('window'), 'failed');
    assert.equal(await status('nouser'), 'failed');
    harness.sandbox.inject(undefined);
  });

  it('an invalid token (190) halts the job: messages kept, nobody marked failed, loud; a fixed token resumes', async () => {
    harness.sandbox.setAccessToken('a-rotated-token-the-sender-does-not-have');
    const first = [record('fatal-1'), record('fatal-2'), record('fatal-3')];
    const response = await deliver(first);
    assert.equal(response.batchItemFailures.length, 3, 'every message of the halted job stays queued');
    for (const recipient of ['fatal-1', 'fatal-2', 'fatal-3']) assert.notEqual(await status(recipient), 'failed');
    assert.ok(
      harness.logs.some((line) => line.includes('"level":"ERROR"') && line.includes('FATAL')),
      'an ERROR log the alarm can catch',
    );
    assert.ok(
      harness.logs.some((line) => line.includes('"FatalChannel"')),
      'a FatalChannel metric',
    );
    assert.match(String((await ledger.runs.get(RUN))?.halted ?? ''), /190/);

    const requestsBefore = harness.sandbox.requests.length;
    assert.equal((await deliver([record('fatal-4')])).batchItemFailures.length, 1);
    assert.equal(
      harness.sandbox.requests.length,
      requestsBefore,
      'during the cool-down no request spends the audience',
    );

    harness.sandbox.setAccessToken(TOKEN);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual((await deliver(first)).batchItemFailures, []);
    assert.equal(await status('fatal-1'), 'sent');
    assert.equal((await ledger.runs.get(RUN))?.halted, undefined);
  });

  it('a hand-crafted event (no Records, a null record, a record without a body) is recorded as malformed, never thrown', async () => {
    const context = lambdaContext('sender', 30_000);
    assert.deepEqual(await send(undefined as unknown as SqsEvent, context), { batchItemFailures: [] });
    assert.deepEqual(await send({} as SqsEvent, context), { batchItemFailures: [] });
    const response = await send(
      { Records: [null, { messageId: 'no-body' }, record('after-nulls')] } as unknown as SqsEvent,
      context,
    );
    assert.deepEqual(response.batchItemFailures, [], 'kept in the ledger, so nothing goes back to the queue');
    assert.equal(await status('after-nulls'), 'sent');
    const kept = async (messageId: string) =>
      (
        await harness.stack.dynamo.send(
          new GetItemCommand({
            TableName: harness.stack.names.ledger,
            Key: keyAttributes(malformedKey(messageId)),
            ConsistentRead: true,
          }),
        )
      ).Item;
    assert.match((await kept('no-body'))?.reason?.S ?? '', /Records\[1\]\.body/);
    const scanned = await harness.stack.dynamo.send(
      new ScanCommand({ TableName: harness.stack.names.ledger, ConsistentRead: true }),
    );
    assert.ok(
      scanned.Items?.some(
        (item) => /^malformed#.+#0$/.test(item.pk?.S ?? '') && /Records\[0\]\.messageId/.test(item.reason?.S ?? ''),
      ),
      'the null record is kept under a synthetic id',
    );
  });

  it('a group item as the sender writes it (keyed by run, a time per outcome) costs the write units the cost model counts', async () => {
    const group = 'c:["size","0"]';
    const recipients = Array.from({ length: 10 }, (_, index) => ({
      id: `size-${index}`,
      fields: { first_name: 'Ada' },
    }));
    assert.deepEqual(
      (await deliver([raw(JSON.stringify({ v: 2, runId: RUN, job: 'daily', group, recipients }))])).batchItemFailures,
      [],
    );
    const { Item } = await harness.stack.dynamo.send(
      new GetItemCommand({
        TableName: harness.stack.names.ledger,
        Key: keyAttributes(groupKey(RUN, group)),
        ConsistentRead: true,
      }),
    );
    assert.ok(Item, 'the group item is under its run-keyed key');
    const entries = Object.values(Item.outcomes?.M ?? {});
    assert.equal(entries.length, 10);
    assert.ok(
      entries.every((entry) => Math.abs(Number(entry.M?.t?.N) - Date.now()) < 60_000),
      'every outcome carries the time it was recorded',
    );
    // The model prices Messenger's message ids; the sandbox's are shorter.
    const sandboxIds = entries.reduce((sum, entry) => sum + (entry.M?.m?.S?.length ?? 0), 0);
    const model = estimateMonthlyCost({ recipientsPerTask: 10 });
    assert.equal(
      writeUnits(dynamoItemBytes(Item) - sandboxIds + 10 * DEFAULT_INPUT.providerMessageIdBytes),
      model.run.unitsPerWrite.record,
    );
    assert.equal(writeUnits(dynamoItemBytes({ ...Item, outcomes: { M: {} } })), model.run.unitsPerWrite.claim);
  });

  it('a returned message comes back after its retry delay, not after the visibility timeout', async () => {
    harness.sandbox.inject((request) =>
      request.recipientId === 'comeback' && request.attempt === 1
        ? { status: 429, headers: { 'retry-after': '2' }, body: 'slow down' }
        : undefined,
    );
    await harness.stack.sqs.send(
      new SendMessageCommand({ QueueUrl: harness.stack.queues.queueUrl, MessageBody: record('comeback').body }),
    );
    const receive = async () =>
      (
        await harness.stack.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: harness.stack.queues.queueUrl,
            MaxNumberOfMessages: 1,
            VisibilityTimeout: 120,
            WaitTimeSeconds: 1,
          }),
        )
      ).Messages ?? [];
    const [message] = await receive();
    assert.ok(message?.ReceiptHandle && message.MessageId);
    const returned = await send(
      { Records: [{ messageId: message.MessageId, body: message.Body ?? '', receiptHandle: message.ReceiptHandle }] },
      lambdaContext('sender', 30_000),
    );
    assert.deepEqual(returned.batchItemFailures, [{ itemIdentifier: message.MessageId }]);
    let again: typeof message | undefined;
    for (let tries = 0; tries < 8 && !again; tries++) again = (await receive())[0];
    assert.equal(
      again?.MessageId,
      message.MessageId,
      'visible again within seconds although received with a 120 s visibility timeout',
    );
    harness.sandbox.inject(undefined);
    assert.deepEqual(
      (
        await send(
          {
            Records: [
              { messageId: again.MessageId as string, body: again.Body ?? '', receiptHandle: again.ReceiptHandle },
            ],
          },
          lambdaContext('sender', 30_000),
        )
      ).batchItemFailures,
      [],
    );
    assert.equal(await status('comeback'), 'sent');
    await harness.stack.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: harness.stack.queues.queueUrl,
        ReceiptHandle: again.ReceiptHandle as string,
      }),
    );
  });

  it('a malformed body in the middle of a batch is recorded with its reason; the rest is delivered', async () => {
    const messages = [
      record('good-1'),
      raw('{not json'),
      raw(JSON.stringify({ v: 1, runId: RUN, job: 'daily', recipientId: 42, fields: {} })),
      record('good-2'),
    ];
    const response = await deliver(messages);
    assert.deepEqual(response.batchItemFailures, []);
    assert.equal(await status('good-1'), 'sent');
    assert.equal(await status('good-2'), 'sent');
    const malformed = harness.logs.filter(
      (line) =>
        line.includes('malformed task body') &&
        messages.slice(1, 3).some((message) => line.includes(`"${message.messageId}"`)),
    );
    assert.equal(malformed.length, 2);
    assert.ok(
      malformed.some((line) => line.includes('recipientId')),
      'the reason names the field',
    );
  });

  it('a template field the row lacks is a recorded permanent failure naming the field', async () => {
    assert.deepEqual((await deliver([record('nofield', {})])).batchItemFailures, []);
    const delivery = await readDelivery(ledger, RUN, 'nofield');
    assert.equal(delivery?.status, 'failed');
    assert.match(String(delivery?.reason), /first_name/);
  });

  it('redelivery of an already-sent task is skipped without calling the provider', async () => {
    const message = record('once');
    await deliver([message]);
    await deliver([message]);
    await deliver([{ ...message, messageId: 'another-copy' }]);
    assert.equal(requestsFor('once'), 1);
  });

  it('an expired claim of a crashed sender is retaken; a live one is left alone', async () => {
    const now = Date.now();
    assert.equal(
      await claimKind({
        runId: RUN,
        group: 'r:crashed',
        recipients: 1,
        owner: 'dead-sender',
        until: now - 1_000,
        now: now - 60_000,
      }),
      'claimed',
    );
    assert.equal(
      await claimKind({ runId: RUN, group: 'r:inflight', recipients: 1, owner: 'live-sender', until: now + 60_000 }),
      'claimed',
    );
    const crashed = record('crashed');
    const inflight = record('inflight');
    const response = await deliver([crashed, inflight]);
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: inflight.messageId }]);
    assert.equal(await status('crashed'), 'sent');
    assert.equal(requestsFor('inflight'), 0);
  });

  it('an outcome recorded by a sender that died before adding it to the run counters is counted by the next receiver, once', async () => {
    const run = 'daily@2026-11-28T09:00:00Z';
    const now = Date.now();
    // The dead invocation opened its count, claimed, sent and recorded the outcome, then died before its last write.
    await ledger.counts.open(run, 'dead-sender');
    const dead = await claimAs({
      runId: run,
      group: 'r:orphan',
      recipients: 1,
      owner: 'dead-sender',
      until: now - 1_000,
      now: now - 60_000,
    });
    assert.equal(dead.kind, 'claimed');
    assert.equal(
      await ledger.groups.record({
        runId: run,
        group: 'r:orphan',
        owner: 'dead-sender',
        claim: dead.name,
        until: now - 1_000,
        outcomes: new Map([['orphan', { status: 'sent' }]]),
        settle: true,
      }),
      true,
    );
    const redelivered = {
      messageId: `m-${++counter}`,
      body: JSON.stringify({ v: 1, runId: run, job: 'daily', recipientId: 'orphan', fields: { first_name: 'Ada' } }),
    };
    assert.deepEqual((await deliver([redelivered])).batchItemFailures, []);
    assert.deepEqual((await deliver([{ ...redelivered, messageId: 'another-copy-of-orphan' }])).batchItemFailures, []);
    assert.equal(requestsFor('orphan'), 0, 'the provider is not asked again');
    assert.equal((await ledger.runs.get(run))?.sent, 1, 'counted exactly once');
    assert.equal(await ledger.counts.isPending(run, 'dead-sender'), true, 'the dead invocation never closed its count');
  });

  it('a group settles each recipient once: a transient failure keeps only that recipient open for the next receive', async () => {
    const body = JSON.stringify({
      v: 2,
      runId: RUN,
      job: 'daily',
      group: 'c:g1',
      recipients: ['g1-a', 'g1-b', 'g1-c', 'g1-d'].map((id) => ({
        id,
        fields: id === 'g1-d' ? {} : { first_name: id },
      })),
    });
    harness.sandbox.inject((request) =>
      request.recipientId === 'g1-b'
        ? { status: 503, body: 'upstream down' }
        : request.recipientId === 'g1-c'
          ? graphError(551, "This person isn't available right now.")
          : undefined,
    );
    const message = raw(body);
    assert.deepEqual((await deliver([message])).batchItemFailures, [{ itemIdentifier: message.messageId }]);
    const group = await ledger.groups.get(RUN, 'c:g1');
    assert.equal(group?.status, 'released');
    assert.deepEqual([...(group?.outcomes.entries() ?? [])].map(([id, outcome]) => [id, outcome.status]).sort(), [
      ['g1-a', 'sent'],
      ['g1-c', 'failed'],
      ['g1-d', 'failed'],
    ]);
    assert.match(group?.lastReason ?? '', /1 of 4 recipients kept.*g1-b/);
    harness.sandbox.inject(undefined);
    const before = harness.sandbox.requests.length;
    assert.deepEqual((await deliver([message])).batchItemFailures, []);
    assert.deepEqual(
      harness.sandbox.requests.slice(before).map((request) => request.recipientId),
      ['g1-b'],
      'only the open recipient is asked again',
    );
    assert.equal((await ledger.groups.get(RUN, 'c:g1'))?.status, 'settled');
    assert.equal((await readDelivery(ledger, RUN, 'g1-b', 'c:g1'))?.status, 'sent');
    assert.equal(requestsFor('g1-a'), 1);
  });

  it('a quick reply whose field a recipient lacks fails that recipient alone; the rest of the group is sent and recorded', async () => {
    const database = {
      host: '127.0.0.1',
      port: 5432,
      database: 'unused',
      user: 'unused',
      password: 'unused-by-the-sender',
    };
    const job = messengerJob(database, harness.sandbox.baseUrl, {
      id: 'replies',
      template: { text: 'Hi {{first_name}}', quickReplies: [{ title: 'Yes', payload: 'YES_{{code}}' }] },
    })[2] as Record<string, unknown>;
    await harness.stack.putConfig(job);
    const body = JSON.stringify({
      v: 2,
      runId: RUN,
      job: 'replies',
      group: 'c:qr',
      recipients: [
        { id: 'qr-a', fields: { first_name: 'A', code: 1 } },
        { id: 'qr-b', fields: { first_name: 'B' } },
        { id: 'qr-c', fields: { first_name: 'C', code: 3 } },
      ],
    });
    assert.deepEqual((await deliver([raw(body)])).batchItemFailures, []);
    const group = await ledger.groups.get(RUN, 'c:qr');
    assert.equal(group?.status, 'settled');
    assert.deepEqual([...(group?.outcomes.entries() ?? [])].map(([id, outcome]) => [id, outcome.status]).sort(), [
      ['qr-a', 'sent'],
      ['qr-b', 'failed'],
      ['qr-c', 'sent'],
    ]);
    assert.match(group?.outcomes.get('qr-b')?.reason ?? '', /code/);
    assert.equal(requestsFor('qr-b'), 0);
  });

  it('a copy of a settled group that lists a recipient the group never had reopens it for that recipient alone', async () => {
    const now = Date.now();
    const first = await claimAs({
      runId: RUN,
      group: 'c:re',
      recipients: 2,
      owner: 'first-sender',
      until: now + 60_000,
    });
    assert.equal(first.kind, 'claimed');
    assert.equal(
      await ledger.groups.record({
        runId: RUN,
        group: 'c:re',
        owner: 'first-sender',
        claim: first.name,
        until: now + 60_000,
        outcomes: new Map([
          ['re-a', { status: 'sent' as const }],
          ['re-b', { status: 'sent' as const }],
        ]),
        settle: true,
      }),
      true,
    );
    const body = JSON.stringify({
      v: 2,
      runId: RUN,
      job: 'daily',
      group: 'c:re',
      recipients: ['re-a', 're-b', 're-c'].map((id) => ({ id, fields: { first_name: id } })),
    });
    assert.deepEqual((await deliver([raw(body)])).batchItemFailures, []);
    assert.deepEqual([requestsFor('re-a'), requestsFor('re-b'), requestsFor('re-c')], [0, 0, 1]);
    const group = await ledger.groups.get(RUN, 'c:re');
    assert.equal(group?.status, 'settled');
    assert.equal(group?.outcomes.size, 3);
    assert.deepEqual((await deliver([raw(body)])).batchItemFailures, [], 'a further copy is a plain duplicate');
    assert.equal(requestsFor('re-c'), 1);
  });

  it('one record whose job is missing from the config table never fails the rest of the batch', async () => {
    const ghost = raw(
      JSON.stringify({ v: 1, runId: 'ghost@2026-11-28T08:00:00Z', job: 'ghost', recipientId: 'g1', fields: {} }),
    );
    const response = await deliver([ghost, record('after-ghost')]);
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: ghost.messageId }]);
    assert.equal(await status('after-ghost'), 'sent');
    assert.ok(
      harness.logs.some((line) => line.includes('job#ghost') && line.includes('not found')),
      'the log names the missing item',
    );
    const noted = await readDelivery(ledger, 'ghost@2026-11-28T08:00:00Z', 'g1');
    assert.match(
      String(noted?.lastReason),
      /job#ghost.*not found/,
      'the ledger says why, for a message that may end in the DLQ',
    );
    assert.equal(noted?.status, 'released', 'and a later delivery may still claim it');
  });

  it('a gateway that echoes the request back cannot put the token into the recorded reason', async () => {
    harness.sandbox.inject((request) =>
      request.recipientId === 'echo'
        ? graphError(551, `blocked; request was: ${String(request.headers.authorization)}`)
        : undefined,
    );
    assert.deepEqual((await deliver([record('echo')])).batchItemFailures, []);
    const delivery = await readDelivery(ledger, RUN, 'echo');
    assert.equal(delivery?.status, 'failed');
    assert.match(String(delivery?.reason), /Bearer \[REDACTED\]/);
    harness.sandbox.inject(undefined);
  });

  it('the page access token appears in no log line and no recorded reason', async () => {
    assert.ok(harness.logs.length > 20);
    const leaks = harness.logs.filter((line) => line.includes(TOKEN));
    assert.deepEqual(leaks, []);
    for (const recipient of ['blocked', 'window', 'transient-2', 'fatal-1', 'echo'])
      assert.ok(!JSON.stringify(await readDelivery(ledger, RUN, recipient)).includes(TOKEN));
  });
});
