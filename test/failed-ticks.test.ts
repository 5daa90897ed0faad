import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAge } from '../tools/cli/ticks.js';
import {
  encodeRecord,
  failureRecord,
  type InvocationRecord,
  readFailedTick,
} from '../tools/common/invocation-record.js';
import { invokeAsynchronously } from '../tools/local/async-invoke.js';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:acme-planner:$LATEST';

describe('the invocation record of a failed planner invocation', () => {
  it('has the shape Lambda sends to an on-failure destination, and reads back as the run it failed', () => {
    const error = new Error('connect ECONNREFUSED 10.0.0.5:5432');
    const record = failureRecord({
      requestId: 'req-1',
      functionArn: ARN,
      payload: { job: 'daily', scheduledTime: '2026-11-28T08:00:00.000+00:00', continuation: 2 },
      error,
      attempts: 3,
      at: new Date('2026-11-28T08:03:10Z'),
    });
    assert.deepEqual(
      { ...record, responsePayload: { ...record.responsePayload, trace: [] } },
      {
        version: '1.0',
        timestamp: '2026-11-28T08:03:10.000Z',
        requestContext: {
          requestId: 'req-1',
          functionArn: ARN,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: { job: 'daily', scheduledTime: '2026-11-28T08:00:00.000+00:00', continuation: 2 },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'Error', errorMessage: 'connect ECONNREFUSED 10.0.0.5:5432', trace: [] },
      },
    );
    assert.ok(
      record.responsePayload.trace.length > 0 && record.responsePayload.trace.every((line) => line.startsWith('at ')),
    );
    const read = readFailedTick(encodeRecord(record));
    assert.ok(read.ok);
    assert.deepEqual(read.tick, {
      event: { job: 'daily', scheduledTime: '2026-11-28T08:00:00.000+00:00', continuation: 2 },
      runId: 'daily@2026-11-28T08:00:00Z',
      errorType: 'Error',
      errorMessage: 'connect ECONNREFUSED 10.0.0.5:5432',
      condition: 'RetriesExhausted',
      attempts: 3,
      failedAt: '2026-11-28T08:03:10.000Z',
    });
  });

  it('encodes hostile error text as ASCII that every SQS accepts, and reads it back unchanged', () => {
    const message = `Zoë 🚀 \uFFFE\uFFFF \u202Eevil\u0000 "quoted" \\ {{braces}} ${'x'.repeat(300)}`;
    const record = failureRecord({
      requestId: 'r',
      functionArn: ARN,
      payload: { job: 'daily', scheduledTime: '2026-11-28T08:00:00Z' },
      error: new Error(message),
      attempts: 1,
      at: new Date(),
    });
    const body = encodeRecord(record);
    assert.match(body, /^[\x20-\x7e]*$/);
    const read = readFailedTick(body);
    assert.ok(read.ok);
    assert.equal(read.tick.errorMessage, message);
  });

  it('names what is wrong with anything that is not a planner invocation record, so it is shown and never replayed', () => {
    const reason = (body: string) => {
      const read = readFailedTick(body);
      return read.ok ? 'read' : read.reason;
    };
    assert.equal(reason('{"requestPayload": {"job": "dai'), 'not an invocation record: the body is not JSON');
    assert.equal(reason('null'), 'not an invocation record: the body is not a JSON object');
    assert.equal(reason('[1,2]'), 'not an invocation record: the body is not a JSON object');
    assert.match(reason('{}'), /^requestPayload is not a planner event: \(root\): /);
    assert.match(
      reason(JSON.stringify({ requestPayload: { job: 'Zoë 🚀', scheduledTime: '2026-11-28T08:00:00Z' } })),
      /job: must be 1-64 characters of a-z/,
    );
    assert.match(
      reason(JSON.stringify({ requestPayload: { job: 'daily', scheduledTime: 'teatime' } })),
      /scheduledTime: must be an ISO 8601 timestamp/,
    );
    assert.match(
      reason(
        JSON.stringify({ requestPayload: { job: 'daily', scheduledTime: '2026-11-28T08:00:00Z', continuation: -1 } }),
      ),
      /continuation/,
    );
    const watch = failureRecord({
      requestId: 'req-2',
      functionArn: ARN,
      payload: { watch: { jobs: { daily: { overdueAfterSeconds: 600, endAfterSeconds: 86_400 } } } },
      error: new Error('ProvisionedThroughputExceededException'),
      attempts: 3,
      at: new Date('2026-11-28T08:03:10Z'),
    });
    assert.equal(
      reason(encodeRecord(watch)),
      'a watch over the open runs, not a tick: nothing to replay, the next watch does its work ' +
        '(ProvisionedThroughputExceededException)',
    );
  });

  it('reads a record missing its context as unknown rather than failing', () => {
    const read = readFailedTick(
      JSON.stringify({
        requestPayload: { job: 'daily', scheduledTime: '2026-11-28T08:00:00Z' },
        requestContext: { approximateInvokeCount: 'three' },
        responsePayload: null,
      }),
    );
    assert.ok(read.ok);
    assert.deepEqual(
      [read.tick.attempts, read.tick.errorType, read.tick.errorMessage, read.tick.condition, read.tick.failedAt],
      [0, 'unknown', 'no error message recorded', 'unknown', ''],
    );
  });

  it('shows ages the way an operator reads them', () => {
    assert.deepEqual(
      [
        formatAge(-5),
        formatAge(59_999),
        formatAge(60_000),
        formatAge(3_599_000),
        formatAge(3_900_000),
        formatAge(90_000_000),
      ],
      ['0s', '59s', '1m', '59m', '1h 5m', '1d 1h'],
    );
  });
});

describe('the local model of an asynchronous Lambda invocation', () => {
  function recorder(failuresBefore: number) {
    const attempts: number[] = [];
    const records: InvocationRecord[] = [];
    return {
      attempts,
      records,
      deps: (maximumRetryAttempts: number) => ({
        functionArn: ARN,
        retries: { maximumRetryAttempts, delayScale: 0.0001 },
        attempt: async () => {
          attempts.push(performance.now());
          return attempts.length <= failuresBefore
            ? { ok: false as const, error: new TypeError(`attempt ${attempts.length} failed`) }
            : { ok: true as const };
        },
        onFailure: async (record: InvocationRecord) => void records.push(record),
      }),
    };
  }

  it('retries an invocation that throws twice, then sends its record to the on-failure destination', async () => {
    const run = recorder(Infinity);
    await invokeAsynchronously({ job: 'daily', scheduledTime: '2026-11-28T08:00:00Z' }, run.deps(2));
    assert.equal(run.attempts.length, 3);
    assert.equal(run.records.length, 1);
    const [record] = run.records;
    assert.deepEqual(
      [
        record?.requestContext.approximateInvokeCount,
        record?.requestContext.condition,
        record?.responsePayload.errorType,
        record?.responsePayload.errorMessage,
      ],
      [3, 'RetriesExhausted', 'TypeError', 'attempt 3 failed'],
    );
    assert.deepEqual(record?.requestPayload, { job: 'daily', scheduledTime: '2026-11-28T08:00:00Z' });
  });

  it('sends nothing when a retry succeeds, and records at once with no retries', async () => {
    const recovers = recorder(1);
    await invokeAsynchronously({}, recovers.deps(2));
    assert.deepEqual([recovers.attempts.length, recovers.records.length], [2, 0]);
    const once = recorder(Infinity);
    await invokeAsynchronously({}, once.deps(0));
    assert.deepEqual([once.attempts.length, once.records[0]?.requestContext.approximateInvokeCount], [1, 1]);
  });

  it('refuses a retry count Lambda does not allow', async () => {
    for (const count of [-1, 3, 1.5])
      await assert.rejects(invokeAsynchronously({}, recorder(0).deps(count)), /maximumRetryAttempts must be 0, 1 or 2/);
  });
});
