import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkFaultShares, type FaultShares, faultFor } from './fault-plan.js';
import { recipientKey, type WindowModel, windowRefusal } from './messenger-window.js';
import type { Service } from './ports.js';

export interface SandboxRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
  readonly recipientId: string | undefined;
  /** How many requests this recipient has made so far, this one included. */
  readonly attempt: number;
}

export interface SandboxAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly delayMs?: number;
  /** Close the socket without answering (a network error from the client's side). */
  readonly hangUp?: boolean;
  /**
   * Accept the send the moment it arrives, whatever then happens to the client (the provider that processed a
   * request whose sender died before reading the answer), and answer with a message id.
   */
  readonly acceptNow?: boolean;
}

export type Injector = (request: SandboxRequest) => SandboxAnswer | undefined;

export interface Delivery {
  readonly recipientId: string;
  readonly text: string;
  readonly body: unknown;
  readonly at: number;
}

export interface SandboxFaults {
  readonly seed: number;
  readonly shares: FaultShares;
  /**
   * How long the first request of a `hang-first` recipient goes unanswered (default 20 s): past any channel timeout.
   */
  readonly hangMs?: number;
}

export interface SandboxOptions {
  /** The page access token it accepts; any other answers Graph error 190. */
  readonly accessToken?: string;
  /** Token bucket: sends per second beyond which it answers error 613, as the Send API does per Page. */
  readonly ratePerSecond?: number;
  readonly latencyMs?: number;
  /** Extra random latency, uniform in [0, latencyJitterMs): real providers are not metronomes. */
  readonly latencyJitterMs?: number;
  /** Per-recipient fault plans (fault-plan.ts), applied to requests that pass the token and the rate limit. */
  readonly faults?: SandboxFaults;
  /**
   * Record a send the client gave up on as delivered, as a provider that accepts late does (the duplicate window of
   * docs/adr/0002-duplicate-window.md). Off by default: a request abandoned before its answer is not delivered.
   */
  readonly acceptLate?: boolean;
  /** Window of the usage header (default 10 s; 0 leaves the header out). Only with a rate limit. */
  readonly usageWindowMs?: number;
  /**
   * Enforce the 24-hour messaging window and subscription tokens (messenger-window.ts); without it, every recipient is
   * open.
   */
  readonly window?: WindowModel;
}

export interface SandboxCounts {
  readonly requests: number;
  readonly deliveries: number;
  readonly rejectedForRate: number;
  /** Requests whose client closed the connection before the answer was written. */
  readonly abandoned: number;
  /** Recipients delivered more than once. */
  readonly duplicates: number;
  readonly firstRequestAt: number | undefined;
  readonly lastAnswerAt: number | undefined;
}

export const graphError = (code: number, message: string, subcode?: number, status = 400): SandboxAnswer => ({
  status,
  body: {
    error: {
      message,
      type: 'OAuthException',
      code,
      ...(subcode === undefined ? {} : { error_subcode: subcode }),
      fbtrace_id: 'SandboxTrace',
    },
  },
});

const rateLimited = () => graphError(613, 'Calls to this API have exceeded the rate limit.');
const transient = () =>
  graphError(2, 'An unexpected error has occurred. Please retry your request later.', undefined, 500);
const blocked = () => graphError(551, "This person isn't available right now.");

/** The Send API's per-Page limit: a bucket of `rate` tokens refilled continuously. */
function tokenBucket(rate: number | undefined): () => boolean {
  let tokens = rate ?? 0;
  let lastRefill = performance.now();
  return () => {
    if (!rate) return true;
    const now = performance.now();
    tokens = Math.min(rate, tokens + ((now - lastRefill) / 1000) * rate);
    lastRefill = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/**
 * The rolling-window usage header of the Graph API's Business Use Case rate limits, which page access tokens (the
 * Send API's) are subject to: `x-business-use-case-usage` holds JSON keyed by the business object id, each an array
 * of `{ type, call_count, total_cputime, total_time, estimated_time_to_regain_access }`, the first three a percentage
 * of the limit used (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/). Here every call that
 * reaches the rate limit counts, and the percentage is of R x window.
 */
export function usageWindow(rate: number, windowMs: number) {
  const calls: number[] = [];
  let head = 0;
  const drop = (now: number) => {
    while (head < calls.length && (calls[head] as number) <= now - windowMs) head++;
    if (head > 4096 && head * 2 > calls.length) {
      calls.splice(0, head);
      head = 0;
    }
  };
  return {
    record(now: number) {
      calls.push(now);
    },
    percent(now: number): number {
      drop(now);
      return Math.round((100 * (calls.length - head)) / ((rate * windowMs) / 1000));
    },
    header(now: number, pageId: string): Record<string, string> {
      const used = this.percent(now);
      const usage = {
        type: 'messenger',
        call_count: used,
        total_cputime: used,
        total_time: used,
        estimated_time_to_regain_access: 0,
      };
      return { 'x-business-use-case-usage': JSON.stringify({ [pageId]: [usage] }) };
    },
  };
}

/** Counts and logs of one sandbox, mutated by its request handler. */
function sandboxState() {
  const deliveries: Delivery[] = [];
  const requests: SandboxRequest[] = [];
  const perRecipient = new Map<string, number>();
  const counts = {
    rejectedForRate: 0,
    abandoned: 0,
    duplicates: 0,
    firstRequestAt: undefined as number | undefined,
    lastAnswerAt: undefined as number | undefined,
  };
  const deliver = (recipientId: string, body: unknown) => {
    const text = (body as { message?: { text?: string } }).message?.text ?? '';
    deliveries.push({ recipientId, text, body, at: Date.now() });
    const times = (perRecipient.get(recipientId) ?? 0) + 1;
    perRecipient.set(recipientId, times);
    if (times === 2) counts.duplicates++;
  };
  let messages = 0;
  return { deliveries, requests, counts, deliver, messageId: () => `m_sandbox_${++messages}` };
}

type Sandbox = Service & {
  baseUrl: string;
  deliveries: Delivery[];
  requests: SandboxRequest[];
  inject(injector: Injector | undefined): void;
  setAccessToken(token: string): void;
  counts(): SandboxCounts;
};

/**
 * A Messenger Send API sandbox: records every accepted delivery, answers like the Graph API, and lets a test or the
 * local runtime inject failures, latency, per-recipient fault plans and a rate limit.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  if (options.faults) checkFaultShares(options.faults.shares);
  const state = sandboxState();
  const attempts = new Map<string, number>();
  const processed = new Map<string, number>();
  let injector: Injector | undefined;
  let accessToken = options.accessToken;
  const takeToken = tokenBucket(options.ratePerSecond);
  const usageWindowMs = options.usageWindowMs ?? 10_000;
  const usage =
    options.ratePerSecond && usageWindowMs > 0 ? usageWindow(options.ratePerSecond, usageWindowMs) : undefined;
  const pageId = 'sandbox-page';

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.counts.firstRequestAt ??= Date.now();
      const reply = replier(response, {
        state,
        usage,
        pageId,
        latency: () => (options.latencyMs ?? 0) + Math.random() * (options.latencyJitterMs ?? 0),
      });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply.answer(graphError(100, 'Invalid JSON body'));
      }
      const recipientId = recipientKey(body);
      const attempt = (attempts.get(recipientId ?? '') ?? 0) + 1;
      attempts.set(recipientId ?? '', attempt);
      const entry: SandboxRequest = { path: request.url ?? '', headers: request.headers, body, recipientId, attempt };
      state.requests.push(entry);

      const injected = injector?.(entry);
      if (injected?.hangUp) return reply.hangUp();
      if (injected?.acceptNow && recipientId) return reply.accept(recipientId, body, { acceptLate: true });
      if (injected) return reply.answer(injected);
      if (accessToken && request.headers.authorization !== `Bearer ${accessToken}`)
        return reply.answer(graphError(190, 'Invalid OAuth access token - Cannot parse access token', undefined, 401));
      usage?.record(Date.now());
      if (!takeToken()) {
        state.counts.rejectedForRate++;
        return reply.answer(rateLimited());
      }
      if (!recipientId) return reply.answer(graphError(100, '(#100) The parameter recipient is required'));
      const nth = (processed.get(recipientId) ?? 0) + 1;
      processed.set(recipientId, nth);
      const fault = options.faults ? faultFor(options.faults.seed, recipientId, options.faults.shares) : 'ok';
      if (fault === 'permanent') return reply.answer(blocked());
      if (fault === 'transient-once' && nth === 1) return reply.answer(transient());
      const hangMs = fault === 'hang-first' && nth === 1 ? (options.faults?.hangMs ?? 20_000) : undefined;
      // After the fault plans, so that a recipient's tails are the same with and without the window (a hung request
      // hangs, then is refused).
      const refusal = options.window ? windowRefusal(body, Date.now(), options.window) : undefined;
      if (refusal)
        return reply.answer({
          ...graphError(refusal.code, refusal.message, refusal.subcode),
          ...(hangMs === undefined ? {} : { delayMs: hangMs }),
        });
      reply.accept(recipientId, body, {
        acceptLate: options.acceptLate ?? false,
        ...(hangMs === undefined ? {} : { delayMs: hangMs }),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    deliveries: state.deliveries,
    requests: state.requests,
    inject: (next) => (injector = next),
    setAccessToken: (token) => (accessToken = token),
    counts: () => ({ ...state.counts, requests: state.requests.length, deliveries: state.deliveries.length }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ReplyContext {
  readonly state: ReturnType<typeof sandboxState>;
  readonly usage: ReturnType<typeof usageWindow> | undefined;
  readonly pageId: string;
  readonly latency: () => number;
}

/**
 * Answers one request after the provider's latency, unless the client has gone by then: a connection closed before
 * the answer is written counts as abandoned, and a send it carried is not delivered (unless the provider accepts late).
 */
function replier(response: ServerResponse, context: ReplyContext) {
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  response.once('close', () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    context.state.counts.abandoned++;
  });
  const later = (delayMs: number, write: () => void) => {
    timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      write();
    }, delayMs);
    timer.unref();
  };
  const write = (result: SandboxAnswer) => {
    const now = Date.now();
    context.state.counts.lastAnswerAt = now;
    response.writeHead(result.status, {
      'content-type': 'application/json',
      ...context.usage?.header(now, context.pageId),
      ...result.headers,
    });
    response.end(
      result.body === undefined ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body),
    );
  };
  return {
    answer: (result: SandboxAnswer) => later((result.delayMs ?? 0) + context.latency(), () => write(result)),
    hangUp: () => {
      settled = true;
      response.socket?.destroy();
    },
    accept(recipientId: string, body: unknown, options: { acceptLate: boolean; delayMs?: number }) {
      if (options.acceptLate) context.state.deliver(recipientId, body);
      later(options.delayMs ?? context.latency(), () => {
        if (!options.acceptLate) context.state.deliver(recipientId, body);
        write({ status: 200, body: { recipient_id: recipientId, message_id: context.state.messageId() } });
      });
    },
  };
}
