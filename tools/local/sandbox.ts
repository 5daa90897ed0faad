import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkFaultShares, type FaultShares, faultFor } from './fault-plan.js';
import { isMarketingPath, marketingRefusal, utilityRefusal } from './messenger-routes.js';
import { recipientKey, type WindowModel, windowRefusal } from './messenger-window.js';
import { type MetaEventPlan, metaWebhookBodies } from './meta-webhooks.js';
import type { Service } from './ports.js';
import { tokenBucket, usageWindow } from './sandbox-rate.js';
import {
  type Delivery,
  graphError,
  type Reply,
  replier,
  type SandboxAnswer,
  type SandboxRequest,
  type SandboxState,
  sandboxState,
} from './sandbox-reply.js';

export type Injector = (request: SandboxRequest) => SandboxAnswer | undefined;

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
  /**
   * Each Page's own limit, by the page id of the request path (`/v26.0/{page-id}/messages`); a Page not listed has
   * `ratePerSecond`. Every Page has a bucket and a usage window of its own, as on the Send API.
   */
  readonly pageRates?: Readonly<Record<string, number>>;
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

/** What one Page saw: its requests, its acceptances (ms since the epoch) and its refusals. */
export interface PageTally {
  readonly requests: number;
  readonly acceptedAt: readonly number[];
  readonly rejectedForRate: number;
  readonly abandoned: number;
  /** Recipients delivered more than once on the Page. */
  readonly duplicates: number;
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

/** The answers that differ by route: the Send API's, and the Marketing Message API's own codes. */
const rateLimited = (marketing: boolean) =>
  marketing
    ? graphError(2300078, 'The rate limit for sending messages has been exceeded. Please wait and try again.')
    : graphError(613, 'Calls to this API have exceeded the rate limit.');
const transient = () =>
  graphError(2, 'An unexpected error has occurred. Please retry your request later.', undefined, 500);
const blocked = (marketing: boolean) =>
  marketing
    ? graphError(2300034, 'The subscriber has stopped marketing messages subscription.')
    : graphError(551, "This person isn't available right now.");

/**
 * Meta's rules for one request on its route: the Marketing Message API's campaign and token, or on the Send API a
 * utility template's, then the 24-hour window and Recurring Notifications tokens (only with a window model).
 */
function routeRefusal(marketing: boolean, body: unknown, window: WindowModel | undefined) {
  if (marketing) return marketingRefusal(body, window);
  return utilityRefusal(body, window) ?? (window ? windowRefusal(body, Date.now(), window) : undefined);
}

type Sandbox = Service & {
  baseUrl: string;
  deliveries: Delivery[];
  requests: SandboxRequest[];
  inject(injector: Injector | undefined): void;
  setAccessToken(token: string): void;
  counts(): SandboxCounts;
  /**
   * The webhook bodies Meta would POST about the messages accepted so far: deliveries, reads, opt-outs; only those
   * accepted on the path of `page` when it is given (with several jobs, one Page's).
   */
  webhookBodies(plan: MetaEventPlan, page?: string): string[];
  page(pageId: string): PageTally;
};

/**
 * The page id of a Send API path, `/v26.0/{page-id}/messages`; "me" when the path names none. A Marketing Message API
 * path, `/v26.0/act_{ad-account-id}/messages`, names no Page: it is counted as `act_{ad-account-id}`, a bucket of its
 * own that --page-limits does not name, so it stays under the global rate.
 */
export const pageOfPath = (path: string): string => path.split('?')[0]?.split('/').filter(Boolean).at(-2) ?? 'me';

/** A Page's figures from the sandbox's logs. */
function pageTally(state: SandboxState, pageId: string): PageTally {
  const deliveries = state.deliveries.filter((delivery) => delivery.page === pageId);
  const times = new Map<string, number>();
  for (const { recipientId } of deliveries) times.set(recipientId, (times.get(recipientId) ?? 0) + 1);
  const counts = state.page(pageId);
  return {
    requests: counts.requests,
    acceptedAt: deliveries.map((delivery) => delivery.at),
    rejectedForRate: counts.rejectedForRate,
    abandoned: counts.abandoned,
    duplicates: [...times.values()].filter((count) => count > 1).length,
  };
}

/** Each Page's bucket and usage window, made on its first request. */
function pageLimits(options: SandboxOptions) {
  const usageWindowMs = options.usageWindowMs ?? 10_000;
  const limits = new Map<string, { take: () => boolean; usage: ReturnType<typeof usageWindow> | undefined }>();
  return (pageId: string) => {
    let limit = limits.get(pageId);
    if (!limit) {
      const rate = options.pageRates?.[pageId] ?? options.ratePerSecond;
      limit = {
        take: tokenBucket(rate),
        usage: rate && usageWindowMs > 0 ? usageWindow(rate, usageWindowMs) : undefined,
      };
      limits.set(pageId, limit);
    }
    return limit;
  };
}

/**
 * A Messenger sandbox (the Send API, utility templates and the Marketing Message API): records every accepted
 * delivery, answers like the Graph API, and lets a test or the local runtime inject failures, latency, per-recipient
 * fault plans and a rate limit.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  if (options.faults) checkFaultShares(options.faults.shares);
  const state = sandboxState();
  let injector: Injector | undefined;
  let accessToken = options.accessToken;
  const limits = pageLimits(options);
  const answer = sendApi({
    options,
    state,
    limits,
    live: { injector: () => injector, accessToken: () => accessToken },
  });

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.counts.firstRequestAt ??= Date.now();
      const pageId = pageOfPath(request.url ?? '');
      state.page(pageId).requests++;
      const reply = replier(response, {
        state,
        usage: limits(pageId).usage,
        pageId,
        latency: () => (options.latencyMs ?? 0) + Math.random() * (options.latencyJitterMs ?? 0),
      });
      answer(request, chunks, reply);
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
    webhookBodies: (plan, page) =>
      metaWebhookBodies(
        page === undefined ? state.deliveries : state.deliveries.filter((delivery) => delivery.page === page),
        plan,
      ),
    page: (pageId) => pageTally(state, pageId),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface SendApi {
  readonly options: SandboxOptions;
  readonly state: SandboxState;
  readonly limits: ReturnType<typeof pageLimits>;
  /** What a test or the runtime may change while the sandbox runs. */
  readonly live: { readonly injector: () => Injector | undefined; readonly accessToken: () => string | undefined };
}

/**
 * The Graph API's answer to one request, in its order of checks: an injected answer first, then the token, the rate
 * limit, the recipient, the recipient's fault plan and the rules of the request's route (routeRefusal).
 */
function sendApi({ options, state, limits, live }: SendApi) {
  const attempts = new Map<string, number>();
  const processed = new Map<string, number>();
  return (request: IncomingMessage, chunks: readonly Buffer[], reply: Reply) => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply.answer(graphError(100, 'Invalid JSON body'));
    }
    const marketing = isMarketingPath(request.url ?? '');
    const recipientId = recipientKey(body);
    const attempt = (attempts.get(recipientId ?? '') ?? 0) + 1;
    attempts.set(recipientId ?? '', attempt);
    const entry: SandboxRequest = { path: request.url ?? '', headers: request.headers, body, recipientId, attempt };
    state.requests.push(entry);

    const injected = live.injector()?.(entry);
    if (injected?.hangUp) return reply.hangUp();
    if (injected?.acceptNow && recipientId) return reply.accept(recipientId, body, { acceptLate: true });
    if (injected) return reply.answer(injected);
    const accessToken = live.accessToken();
    if (accessToken && request.headers.authorization !== `Bearer ${accessToken}`)
      return reply.answer(graphError(190, 'Invalid OAuth access token - Cannot parse access token', undefined, 401));
    const pageId = pageOfPath(entry.path);
    const limit = limits(pageId);
    limit.usage?.record(Date.now());
    if (!limit.take()) {
      state.counts.rejectedForRate++;
      state.page(pageId).rejectedForRate++;
      return reply.answer(rateLimited(marketing));
    }
    if (!recipientId) {
      const missing = marketing ? marketingRefusal(body, undefined) : undefined;
      return reply.answer(
        graphError(missing?.code ?? 100, missing?.message ?? '(#100) The parameter recipient is required'),
      );
    }
    const nth = (processed.get(recipientId) ?? 0) + 1;
    processed.set(recipientId, nth);
    const fault = options.faults ? faultFor(options.faults.seed, recipientId, options.faults.shares) : 'ok';
    if (fault === 'permanent') return reply.answer(blocked(marketing));
    if (fault === 'transient-once' && nth === 1) return reply.answer(transient());
    const hangMs = fault === 'hang-first' && nth === 1 ? (options.faults?.hangMs ?? 20_000) : undefined;
    // After the fault plans, so that a recipient's tails are the same with and without the window (a hung request
    // hangs, then is refused).
    const refusal = routeRefusal(marketing, body, options.window);
    if (refusal)
      return reply.answer({
        ...graphError(refusal.code, refusal.message, refusal.subcode),
        ...(hangMs === undefined ? {} : { delayMs: hangMs }),
      });
    reply.accept(recipientId, body, {
      marketing,
      acceptLate: options.acceptLate ?? false,
      ...(hangMs === undefined ? {} : { delayMs: hangMs }),
    });
  };
}
