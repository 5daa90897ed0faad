import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { N, readNumber, readString, S } from '../dynamo.js';
import { appliedBodyKey, keyAttributes, receiptKey } from './keys.js';
import { conditional, iso, type LedgerTable } from './table.js';

/** Meta's two receipts: `message_deliveries` and `message_reads`. */
export type ReceiptKind = 'delivered' | 'read';

/**
 * The watermarks Meta reported for one person on a channel (epoch ms): every message the Page sent before `delivered`
 * was delivered, every one before `read` was read.
 */
export interface Watermarks {
  readonly delivered?: number;
  readonly read?: number;
}

/**
 * Receipts as watermarks, one item per (channel, PSID) (docs/adr/0015-messenger-webhook-receiver.md): a write only
 * moves a watermark forward, so a retried, replayed or out-of-order event leaves the item as the latest one did.
 */
export class Receipts {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  /**
   * Moves `kind`'s watermark up to `watermark`; false when the item already holds it or a later one (a retry, or an
   * event overtaken by a later one). The item lives the ledger's TTL from its last move.
   */
  async advance(options: {
    readonly channel: string;
    readonly psid: string;
    readonly kind: ReceiptKind;
    readonly watermark: number;
    readonly now?: number;
  }): Promise<boolean> {
    const { channel, psid, kind, watermark, now = Date.now() } = options;
    const write = this.#table.update(receiptKey(channel, psid), {
      UpdateExpression: 'SET #mark = :mark, updatedAt = :now, expiresAt = :expires',
      ConditionExpression: 'attribute_not_exists(#mark) OR #mark < :mark',
      ExpressionAttributeNames: { '#mark': kind },
      ExpressionAttributeValues: { ':mark': N(watermark), ':now': iso(now), ':expires': this.#table.expiresAt(now) },
    });
    return (await conditional(write)).ok;
  }

  /** The watermarks of `psids` on `channel`; a PSID with no receipt yet is absent. */
  async among(channel: string, psids: readonly string[]): Promise<Map<string, Watermarks>> {
    const keys = [...new Set(psids)].map((psid) => receiptKey(channel, psid));
    const items = await this.#table.getMany(keys, { consistent: true });
    return new Map(
      items.map((item) => {
        const [delivered, read] = [readNumber(item, 'delivered'), readNumber(item, 'read')];
        const marks = { ...(delivered === undefined ? {} : { delivered }), ...(read === undefined ? {} : { read }) };
        return [readString(item, 'sk') ?? '', marks];
      }),
    );
  }
}

/**
 * The webhook bodies the receiver applied, by the SHA-256 of their bytes, each kept until it would be refused as stale
 * anyway: an exact replay of a signed body is answered without being applied again.
 */
export class AppliedBodies {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  async has(bodySha256: string): Promise<boolean> {
    return (await this.#table.get(appliedBodyKey(bodySha256), 'pk')) !== undefined;
  }

  /** A plain put: recording the same body twice (two deliveries of it at once, a retry) leaves one item. */
  async record(bodySha256: string, expiresAtSeconds: number, now = Date.now()): Promise<void> {
    await this.#table.client.send(
      new PutItemCommand({
        TableName: this.#table.name,
        Item: {
          ...keyAttributes(appliedBodyKey(bodySha256)),
          at: S(new Date(now).toISOString()),
          expiresAt: N(expiresAtSeconds),
        },
      }),
    );
  }
}

/**
 * How long after Meta stamped a message the sender may have recorded it as sent: the send's answer comes back within
 * the channel's timeout (at most 60 s, handlers/config/schema.ts) and the outcome is written right after. A watermark
 * is Meta's time, an outcome's `at` the sender's, so a message counts as delivered when its `at`, less this, is not
 * after the watermark. A notification run sends one message a recipient, runs apart by far more than this.
 */
export const SEND_STAMP_SLACK_MS = 60_000;

/** Whether a message recorded as sent at `sentAt` (epoch ms) was delivered and read, by Meta's watermarks. */
export function receiptStatus(sentAt: number, marks: Watermarks | undefined): { delivered: boolean; read: boolean } {
  const stamped = sentAt - SEND_STAMP_SLACK_MS;
  // A read implies the delivery, even when its delivery receipt never came (older Messenger clients send none).
  const read = marks?.read !== undefined && stamped <= marks.read;
  return { delivered: read || (marks?.delivered !== undefined && stamped <= marks.delivered), read };
}
