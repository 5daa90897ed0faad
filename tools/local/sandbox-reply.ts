import type { IncomingMessage, ServerResponse } from 'node:http';
import type { usageWindow } from './sandbox-rate.js';

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

export interface Delivery {
  readonly recipientId: string;
  /** The Page it was sent on: the path's page id (`/v26.0/{page-id}/messages`). */
  readonly page: string;
  readonly text: string;
  readonly body: unknown;
  readonly at: number;
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

/** What one Page of the sandbox answered. */
export interface PageCounts {
  requests: number;
  rejectedForRate: number;
  abandoned: number;
}

/** Counts and logs of one sandbox, mutated by its request handler. */
export function sandboxState() {
  const pages = new Map<string, PageCounts>();
  const page = (id: string): PageCounts => {
    const counts = pages.get(id) ?? { requests: 0, rejectedForRate: 0, abandoned: 0 };
    pages.set(id, counts);
    return counts;
  };
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
  const deliver = (recipientId: string, body: unknown, pageId: string) => {
    const text = (body as { message?: { text?: string } }).message?.text ?? '';
    deliveries.push({ recipientId, page: pageId, text, body, at: Date.now() });
    const times = (perRecipient.get(recipientId) ?? 0) + 1;
    perRecipient.set(recipientId, times);
    if (times === 2) counts.duplicates++;
  };
  let messages = 0;
  return { deliveries, requests, counts, page, deliver, messageId: () => `m_sandbox_${++messages}` };
}

export type SandboxState = ReturnType<typeof sandboxState>;

export interface ReplyContext {
  readonly state: SandboxState;
  readonly usage: ReturnType<typeof usageWindow> | undefined;
  readonly pageId: string;
  readonly latency: () => number;
}

/**
 * Answers one request after the provider's latency, unless the client has gone by then: a connection closed before
 * the answer is written counts as abandoned, and a send it carried is not delivered (unless the provider accepts late).
 */
export function replier(response: ServerResponse, context: ReplyContext) {
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  response.once('close', () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    context.state.counts.abandoned++;
    context.state.page(context.pageId).abandoned++;
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
    /** Accepts the send; the Marketing Message API answers `success` and a tracking id, the Send API a message id. */
    accept(
      recipientId: string,
      body: unknown,
      options: { acceptLate: boolean; delayMs?: number; marketing?: boolean },
    ) {
      if (options.acceptLate) context.state.deliver(recipientId, body, context.pageId);
      later(options.delayMs ?? context.latency(), () => {
        if (!options.acceptLate) context.state.deliver(recipientId, body, context.pageId);
        const id = context.state.messageId();
        write({
          status: 200,
          body: options.marketing
            ? { success: true, marketing_message_tracking_id: id }
            : { recipient_id: recipientId, message_id: id },
        });
      });
    },
  };
}

export type Reply = ReturnType<typeof replier>;
