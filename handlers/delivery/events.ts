/** One SQS message as Lambda's event source mapping hands it over. */
export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
  readonly receiptHandle?: string | undefined;
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** A record the event source mapping would never send (a hand-crafted test event): kept as malformed, never thrown. */
export interface MalformedRecord {
  readonly messageId: string;
  /** Whether the event source mapping knows this id, so the message can be reported as a batch item failure. */
  readonly reportable: boolean;
  readonly reason: string;
  readonly body: string;
}

/**
 * Splits an event into the records that look like SQS messages and the ones that do not, which get a synthetic id
 * when they have none (`<request id>#<index>`, or `<request id>#event` for an event whose Records is not an array), so
 * the ledger can keep them.
 */
export function readRecords(event: unknown, requestId: string): { records: SqsRecord[]; malformed: MalformedRecord[] } {
  const list = (event as { Records?: unknown } | null)?.Records;
  const records: SqsRecord[] = [];
  const malformed: MalformedRecord[] = [];
  if (!Array.isArray(list)) {
    if (event !== undefined && event !== null && list !== undefined)
      malformed.push({
        messageId: `${requestId}#event`,
        reportable: false,
        reason: 'Records: not an array',
        body: safeJson(event),
      });
    return { records, malformed };
  }
  list.forEach((record: unknown, index) => {
    const messageId = (record as { messageId?: unknown } | null)?.messageId;
    const body = (record as { body?: unknown } | null)?.body;
    const id = typeof messageId === 'string' && messageId ? messageId : `${requestId}#${index}`;
    if (typeof messageId !== 'string' || !messageId)
      malformed.push({
        messageId: id,
        reportable: false,
        reason: `Records[${index}].messageId: missing or not a string`,
        body: safeJson(record),
      });
    else if (typeof body !== 'string')
      malformed.push({
        messageId: id,
        reportable: true,
        reason: `Records[${index}].body: missing or not a string`,
        body: safeJson(record),
      });
    else records.push(record as SqsRecord);
  });
  return { records, malformed };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
