import { type PlannerEvent, plannerEventSchema, runIdFor, toIssues } from '../../handlers/surface.js';

/** Why Lambda gave up on an asynchronous event: its retries were spent, or it waited longer than its maximum age. */
export type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded';

/**
 * The record Lambda sends to an asynchronous invocation's on-failure destination: the original event as
 * `requestPayload`, what the function answered as `responsePayload`.
 */
export interface InvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: FailureCondition;
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError: 'Unhandled';
  };
  readonly responsePayload: {
    readonly errorType: string;
    readonly errorMessage: string;
    readonly trace: readonly string[];
  };
}

/** The record for an event whose every attempt threw, in the shape the Node.js runtime reports a thrown error. */
export function failureRecord(input: {
  requestId: string;
  functionArn: string;
  payload: unknown;
  error: Error;
  attempts: number;
  at: Date;
  condition?: FailureCondition;
}): InvocationRecord {
  return {
    version: '1.0',
    timestamp: input.at.toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition ?? 'RetriesExhausted',
      approximateInvokeCount: input.attempts,
    },
    requestPayload: input.payload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: input.error.name,
      errorMessage: input.error.message,
      trace: (input.error.stack ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    },
  };
}

/**
 * The record as a queue message body: JSON with every non-ASCII character escaped, so an error message or event
 * holding emoji or U+FFFF is accepted by any SQS implementation (each rejects some characters raw).
 */
export function encodeRecord(record: InvocationRecord): string {
  return JSON.stringify(record).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A failed planner invocation as an operator needs it: which run, why, how often tried, and the event to replay. */
export interface FailedTick {
  readonly event: PlannerEvent;
  readonly runId: string;
  readonly errorType: string;
  readonly errorMessage: string;
  readonly condition: string;
  readonly attempts: number;
  readonly failedAt: string;
}

export type FailedTickRead = { ok: true; tick: FailedTick } | { ok: false; reason: string };

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Reads one message of the failures queue. Anything that is not a planner's invocation record (hand-written, cut,
 * another function's) comes back with the reason, naming the field, so it is shown and never replayed.
 */
export function readFailedTick(body: string): FailedTickRead {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { ok: false, reason: 'not an invocation record: the body is not a JSON object' };
    record = parsed as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'not an invocation record: the body is not JSON' };
  }
  const payload = record.requestPayload;
  // The watch over open runs fails into the same queue: nothing of it to replay, the next watch does its work.
  if (typeof payload === 'object' && payload !== null && 'watch' in payload) {
    const error = text((record.responsePayload as Record<string, unknown> | undefined)?.errorMessage);
    return {
      ok: false,
      reason: `a watch over the open runs, not a tick: nothing to replay, the next watch does its work (${
        error ?? 'no error recorded'
      })`,
    };
  }
  const event = plannerEventSchema.safeParse(payload);
  if (!event.success)
    return {
      ok: false,
      reason: `requestPayload is not a planner event: ${toIssues(event.error)
        .map((issue) => `${issue.path}: ${issue.message}`)
        .join('; ')}`,
    };
  const context = (record.requestContext ?? {}) as Record<string, unknown>;
  const response = (record.responsePayload ?? {}) as Record<string, unknown>;
  const attempts = context.approximateInvokeCount;
  return {
    ok: true,
    tick: {
      event: event.data,
      runId: runIdFor(event.data.job, event.data.scheduledTime),
      errorType: text(response.errorType) ?? 'unknown',
      errorMessage: text(response.errorMessage) ?? 'no error message recorded',
      condition: text(context.condition) ?? 'unknown',
      attempts: typeof attempts === 'number' && Number.isInteger(attempts) && attempts > 0 ? attempts : 0,
      failedAt: text(record.timestamp) ?? '',
    },
  };
}
