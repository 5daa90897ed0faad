/**
 * The provider behind a channel (a Messenger Page or a webhook receiver), on the virtual clock: its own rate limit
 * (Graph error 613 beyond it), latency, and tails drawn per request: slow answers, hangs past the client's timeout
 * (accepted late or not at all), transient 5xx, acceptance followed by a broken connection, permanent per-recipient
 * errors. It logs every acceptance, and tells the explorer when an acceptance fell into the window of
 * docs/adr/0002-duplicate-window.md because the client had given up on it.
 */
import type { Channel, OutboundMessage, Receipt } from '../../../handlers/channels/channel.js';
import {
  FatalChannelError,
  PermanentDeliveryError,
  RateLimitedError,
  TransientDeliveryError,
} from '../../../handlers/core/errors.js';
import type { Prng } from './prng.js';

export interface ProviderTails {
  /** Requests answered 1-4 s late. */
  readonly slow: number;
  /** Requests never answered (the client's timeout or the batch's cut gives up on them). */
  readonly hang: number;
  /** Of the hung requests, those the provider still processes (late acceptance). */
  readonly hangAccepts: number;
  /** 5xx answers, not processed. */
  readonly transient: number;
  /** Processed, then the connection breaks before the answer: the client sees a transient error. */
  readonly acceptedThenReset: number;
  /** Recipients the provider refuses for good (blocked the Page). */
  readonly permanent: ReadonlySet<string>;
  /** Recipients whose first n requests get a 5xx (targeted cases: a recipient that stays open). */
  readonly failFirst?: ReadonlyMap<string, number>;
  /** Until this virtual time, every request is refused as fatal (an invalid token). */
  readonly fatalUntil?: number;
}

export interface ProviderSpec {
  readonly id: string;
  /** The provider's own limit, requests a second across every sender. */
  readonly limitPerSecond: number;
  readonly latencyMs: number;
  readonly tails: ProviderTails;
}

export interface Acceptance {
  readonly key: string;
  readonly container: string;
  readonly at: number;
}

/** What the explorer is told about each request: acceptances, and those the client had given up on. */
export interface ProviderObserver {
  accepted(acceptance: Acceptance): void;
  /** The provider processed a request its client had given up on (or gives up on before the answer). */
  lateAcceptance(key: string, container: string): void;
  fault(kind: string): void;
}

/** Where a container's request goes: its I/O gate decides whether the container dies around it. */
export type ProviderIo = <T>(label: string, perform: () => Promise<T>) => Promise<T>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Provider {
  readonly spec: ProviderSpec;
  readonly #random: Prng;
  readonly #observer: ProviderObserver;
  readonly #recent: number[] = [];
  readonly #requests = new Map<string, number>();

  constructor(spec: ProviderSpec, random: Prng, observer: ProviderObserver) {
    this.spec = spec;
    this.#random = random;
    this.#observer = observer;
  }

  /** The channel a container sends through. */
  channel(container: string, io: ProviderIo): Channel {
    return {
      type: 'messenger',
      send: (message, signal) => io(`provider.${this.spec.id}`, () => this.#request(container, message, signal)),
    };
  }

  #overLimit(): boolean {
    const now = Date.now();
    while (this.#recent.length > 0 && (this.#recent[0] as number) <= now - 1000) this.#recent.shift();
    if (this.#recent.length >= this.spec.limitPerSecond) return true;
    this.#recent.push(now);
    return false;
  }

  /** One request: what the provider does with it, and what the client gets back. */
  async #request(container: string, message: OutboundMessage, signal?: AbortSignal): Promise<Receipt> {
    const { tails } = this.spec;
    const key = message.idempotencyKey;
    const draw = this.#random.next();
    const latency = this.spec.latencyMs * (0.5 + this.#random.next());
    const kind =
      draw < tails.hang
        ? 'hang'
        : draw < tails.hang + tails.slow
          ? 'slow'
          : draw < tails.hang + tails.slow + tails.transient
            ? 'transient'
            : draw < tails.hang + tails.slow + tails.transient + tails.acceptedThenReset
              ? 'reset'
              : 'ok';
    if (kind !== 'ok') this.#observer.fault(`provider.${kind}`);
    const acceptsLate = kind === 'hang' && this.#random.chance(tails.hangAccepts);
    const state = { accepted: false, answered: false, gaveUp: false };
    const exchange = this.#exchange(container, message, kind, latency, acceptsLate, state);
    if (!signal) return exchange;
    return new Promise<Receipt>((resolve, reject) => {
      const onAbort = () => {
        state.gaveUp = true;
        if (state.accepted && !state.answered) this.#observer.lateAcceptance(key, container);
        reject(new TransientDeliveryError('request aborted: the client gave up (timeout or cut)'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      exchange.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async #exchange(
    container: string,
    message: OutboundMessage,
    kind: string,
    latency: number,
    acceptsLate: boolean,
    state: { accepted: boolean; answered: boolean; gaveUp: boolean },
  ): Promise<Receipt> {
    const key = message.idempotencyKey;
    const accept = () => {
      state.accepted = true;
      this.#observer.accepted({ key, container, at: Date.now() });
      if (state.gaveUp) this.#observer.lateAcceptance(key, container);
    };
    if (kind === 'hang') {
      if (acceptsLate) await sleep(latency + 60_000 * this.#random.next()).then(accept);
      return new Promise<Receipt>(() => undefined);
    }
    await sleep(kind === 'slow' ? 1_000 + 3_000 * this.#random.next() : latency / 2);
    const requests = (this.#requests.get(key) ?? 0) + 1;
    this.#requests.set(key, requests);
    if (Date.now() < (this.spec.tails.fatalUntil ?? 0))
      throw new FatalChannelError('(#190) Error validating access token', { status: 400, code: 190 });
    if (requests <= (this.spec.tails.failFirst?.get(message.recipientId) ?? 0) || kind === 'transient')
      throw new TransientDeliveryError('(#2) Service temporarily unavailable', { status: 503 });
    if (this.#overLimit()) {
      this.#observer.fault('provider.rate-limited');
      throw new RateLimitedError('(#613) Calls to this API have exceeded the rate limit.', { status: 400, code: 613 });
    }
    if (this.spec.tails.permanent.has(message.recipientId))
      throw new PermanentDeliveryError("(#551) This person isn't available right now.", { status: 400, code: 551 });
    accept();
    await sleep(latency / 2);
    state.answered = !state.gaveUp;
    if (kind === 'reset') {
      // Processed, but the client never reads the answer: the same window as a late answer.
      if (!state.gaveUp) this.#observer.lateAcceptance(key, container);
      throw new TransientDeliveryError('socket hang up after the request was sent (ECONNRESET)');
    }
    return { providerMessageId: `m_${key}` };
  }
}
