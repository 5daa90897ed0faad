/**
 * An in-memory SQS standard queue with its redrive policy, on the virtual clock: visibility timeout, receive counts,
 * maxReceiveCount → DLQ (checked when a message is received, as SQS does), ChangeMessageVisibility by receipt
 * handle, delayed sends, and deletes that only the latest receipt handle performs. At-least-once delivery is an
 * injected fault (`leak`): a received message that stays visible to the next receive.
 */
export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  /** When it may be received next (epoch ms, virtual). */
  visibleAt: number;
  receiveCount: number;
  receiptHandle: string | undefined;
}

export interface Received {
  readonly messageId: string;
  readonly body: string;
  readonly receiptHandle: string;
  readonly receiveCount: number;
}

export class SimQueue {
  readonly messages = new Map<string, QueuedMessage>();
  readonly dlq: QueuedMessage[] = [];
  readonly #visibilityMs: number;
  readonly #maxReceiveCount: number;
  readonly #now: () => number;
  #ids = 0;
  #handles = 0;
  /** Messages sent, deleted, moved to the DLQ: the report's numbers. */
  readonly stats = { sent: 0, deleted: 0, deadLettered: 0, received: 0 };

  /** Called when a message may have become receivable sooner (a send, a shortened visibility): wakes the pollers. */
  onChange: () => void = () => undefined;

  constructor(options: { visibilityMs: number; maxReceiveCount: number; now: () => number }) {
    this.#visibilityMs = options.visibilityMs;
    this.#maxReceiveCount = options.maxReceiveCount;
    this.#now = options.now;
  }

  send(body: string, delayMs = 0): string {
    const messageId = `msg-${++this.#ids}`;
    this.messages.set(messageId, {
      messageId,
      body,
      visibleAt: this.#now() + delayMs,
      receiveCount: 0,
      receiptHandle: undefined,
    });
    this.stats.sent++;
    this.onChange();
    return messageId;
  }

  /**
   * Up to `max` visible messages, oldest first; each becomes invisible for the visibility timeout unless `leak`
   * says SQS let it stay visible (another consumer then receives it too).
   */
  receive(max: number, leak: () => boolean = () => false): Received[] {
    const now = this.#now();
    const out: Received[] = [];
    for (const message of this.messages.values()) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (message.receiveCount >= this.#maxReceiveCount) {
        this.messages.delete(message.messageId);
        this.dlq.push(message);
        this.stats.deadLettered++;
        continue;
      }
      message.receiveCount++;
      message.receiptHandle = `rh-${++this.#handles}`;
      if (!leak()) message.visibleAt = now + this.#visibilityMs;
      const { messageId, body, receiptHandle, receiveCount } = message;
      out.push({ messageId, body, receiptHandle, receiveCount });
      this.stats.received++;
    }
    return out;
  }

  /** Deletes by receipt handle; a stale handle (the message was received again since) deletes nothing. */
  delete(messageId: string, receiptHandle: string): boolean {
    const message = this.messages.get(messageId);
    if (!message || message.receiptHandle !== receiptHandle) return false;
    this.messages.delete(messageId);
    this.stats.deleted++;
    return true;
  }

  changeVisibility(receiptHandle: string, timeoutMs: number): boolean {
    for (const message of this.messages.values())
      if (message.receiptHandle === receiptHandle) {
        message.visibleAt = this.#now() + timeoutMs;
        this.onChange();
        return true;
      }
    return false;
  }

  /** When the next message becomes visible, if any is waiting. */
  nextVisibleAt(): number | undefined {
    let next: number | undefined;
    for (const message of this.messages.values()) next = Math.min(next ?? message.visibleAt, message.visibleAt);
    return next;
  }

  get depth(): number {
    return this.messages.size;
  }
}
