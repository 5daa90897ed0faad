/**
 * The sender side: the SQS event source mapping's lanes (its maximum concurrency), each receiving batches of up to
 * ten and invoking a warm sender container (a cold one after a death), deleting what the batch did not report as an
 * item failure; and the sender's dependencies: the providers' channels, ChangeMessageVisibility and delayed re-sends
 * on the simulated queue.
 */
import { CHANNEL_HOSTS_ENV, parseChannelHostAllowlist } from '../../../handlers/core/host-policy.js';
import { type BatchResponse, createSender, type SqsEvent } from '../../../handlers/delivery/batch.js';
import type { SenderDeps } from '../../../handlers/delivery/deps.js';
import { Metrics } from '../../../handlers/observability/metrics.js';
import type { Container } from './container.js';
import { type Handler, invoke } from './lambda.js';
import type { Received } from './queue.js';
import { CHANNEL_HOSTS } from './spec.js';
import type { World } from './world.js';

const BATCH_SIZE = 10;

export class Senders {
  readonly #world: World;
  readonly #waiters = new Set<() => void>();
  /** Invocations running now. */
  busy = 0;
  /** Each lane's batches, for the targeted cases: which messages each invocation received and how it ended. */
  readonly invocations: { container: string; received: Received[]; outcome: string }[] = [];

  constructor(world: World) {
    this.#world = world;
    world.queue.onChange = () => {
      for (const wake of [...this.#waiters]) wake();
    };
  }

  start(): void {
    const start = () => {
      for (let lane = 0; lane < this.#world.spec.sender.lanes; lane++) void this.#lane();
    };
    const delay = this.#world.spec.sender.startDelayMs;
    if (delay) setTimeout(start, delay);
    else start();
  }

  async #lane(): Promise<void> {
    const world = this.#world;
    let container: Container | undefined;
    let send: Handler<SqsEvent, BatchResponse> | undefined;
    for (;;) {
      const received = world.queue.receive(BATCH_SIZE, () => world.plan.redelivered());
      for (const message of received)
        if (world.plan.visibilityExpires())
          world.queue.changeVisibility(message.receiptHandle, world.random.int(1, 5) * 1000);
      if (received.length === 0) {
        await this.#wait();
        continue;
      }
      if (!container || container.dead || !send) {
        container = world.newContainer('sender');
        send = createSender(this.#deps(container));
      }
      this.busy++;
      const outcome = await invoke(container, send, this.#event(received), world.spec.sender.timeoutMs);
      this.busy--;
      this.invocations.push({ container: container.id, received, outcome: outcome.kind });
      if (outcome.kind !== 'ok') continue;
      const failed = new Set(outcome.value.batchItemFailures.map((failure) => failure.itemIdentifier));
      for (const message of received)
        if (!failed.has(message.messageId)) world.queue.delete(message.messageId, message.receiptHandle);
    }
  }

  #event(received: readonly Received[]): SqsEvent {
    return {
      Records: received.map((message) => ({
        messageId: message.messageId,
        body: message.body,
        receiptHandle: message.receiptHandle,
        attributes: { ApproximateReceiveCount: String(message.receiveCount) },
      })),
    };
  }

  /** Long polling: back when a message is sent or made visible sooner, or when the next one's visibility ends. */
  #wait(): Promise<void> {
    const next = this.#world.queue.nextVisibleAt();
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = next === undefined ? undefined : setTimeout(wake, Math.max(20, next - Date.now()));
      this.#waiters.add(wake);
    });
  }

  #deps(container: Container): SenderDeps {
    const world = this.#world;
    const { sender } = world.spec;
    return {
      config: world.configStore(container),
      ledger: container.ledger,
      channelHosts: parseChannelHostAllowlist(CHANNEL_HOSTS, CHANNEL_HOSTS_ENV),
      channel: async (config) => {
        const provider = world.providers.get(config.id);
        if (!provider) throw new Error(`no provider for channel ${config.id}`);
        return provider.channel(container.id, (label, perform) => container.io(label, perform));
      },
      onFatal: () => undefined,
      metrics: new Metrics('sim-sender'),
      requeue: (messages) =>
        container.io('sqs.changeVisibility', async () => {
          for (const message of messages)
            world.queue.changeVisibility(message.receiptHandle, Math.ceil(message.delayMs / 1000) * 1000);
        }),
      resend: (messages) =>
        container.io('sqs.resend', async () => {
          for (const message of messages) world.queue.send(message.body, message.delaySeconds * 1000);
          return new Set(messages.map((message) => message.id));
        }),
      options: {
        parallelism: sender.parallelism,
        instances: sender.lanes,
        haltCooldownMs: sender.haltCooldownMs,
        pauseRecheckSeconds: 300,
        stragglerFloorMs: sender.stragglerFloorMs,
      },
    };
  }
}
