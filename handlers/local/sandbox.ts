import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
}

export type Injector = (request: SandboxRequest) => SandboxAnswer | undefined;

export interface Delivery {
  readonly recipientId: string;
  readonly text: string;
  readonly body: unknown;
  readonly at: number;
}

export interface SandboxOptions {
  /** The page access token it accepts; any other answers Graph error 190. */
  readonly accessToken?: string;
  /** Token bucket: sends per second beyond which it answers error 613, as the Send API does per Page. */
  readonly ratePerSecond?: number;
  readonly latencyMs?: number;
  /** Extra random latency, uniform in [0, latencyJitterMs): real providers are not metronomes. */
  readonly latencyJitterMs?: number;
}

export const graphError = (code: number, message: string, subcode?: number, status = 400): SandboxAnswer => ({
  status,
  body: { error: { message, type: 'OAuthException', code, ...(subcode === undefined ? {} : { error_subcode: subcode }), fbtrace_id: 'SandboxTrace' } },
});

/**
 * A Messenger Send API sandbox: records every accepted delivery, answers like the Graph API, and lets a test or the
 * local runtime inject failures, latency and a rate limit.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<
  Service & {
    baseUrl: string;
    deliveries: Delivery[];
    requests: SandboxRequest[];
    inject(injector: Injector | undefined): void;
    setAccessToken(token: string): void;
    rejectedForRate(): number;
  }
> {
  const deliveries: Delivery[] = [];
  const requests: SandboxRequest[] = [];
  const attempts = new Map<string, number>();
  let injector: Injector | undefined;
  let accessToken = options.accessToken;
  let tokens = options.ratePerSecond ?? 0;
  let lastRefill = performance.now();
  let rateRejections = 0;
  let messageCounter = 0;

  const answer = (response: ServerResponse, result: SandboxAnswer) => {
    const send = () => {
      response.writeHead(result.status, { 'content-type': 'application/json', ...result.headers });
      response.end(result.body === undefined ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body));
    };
    if (result.delayMs) setTimeout(send, result.delayMs).unref();
    else send();
  };

  const takeToken = () => {
    if (!options.ratePerSecond) return true;
    const now = performance.now();
    tokens = Math.min(options.ratePerSecond, tokens + ((now - lastRefill) / 1000) * options.ratePerSecond);
    lastRefill = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(response, graphError(100, 'Invalid JSON body'));
      }
      const recipientId = (body as { recipient?: { id?: string } })?.recipient?.id;
      const attempt = (attempts.get(recipientId ?? '') ?? 0) + 1;
      attempts.set(recipientId ?? '', attempt);
      const entry: SandboxRequest = { path: request.url ?? '', headers: request.headers, body, recipientId, attempt };
      requests.push(entry);

      const injected = injector?.(entry);
      if (injected?.hangUp) return request.socket.destroy();
      const latency = (options.latencyMs ?? 0) + Math.random() * (options.latencyJitterMs ?? 0);
      const respond = (result: SandboxAnswer) => answer(response, { ...result, delayMs: (result.delayMs ?? 0) + latency });
      if (injected) return respond(injected);
      if (accessToken && request.headers.authorization !== `Bearer ${accessToken}`) return respond(graphError(190, 'Invalid OAuth access token - Cannot parse access token', undefined, 401));
      if (!takeToken()) {
        rateRejections++;
        return respond(graphError(613, 'Calls to this API have exceeded the rate limit.', undefined, 400));
      }
      if (!recipientId) return respond(graphError(100, '(#100) The parameter recipient is required'));
      const text = (body as { message?: { text?: string } }).message?.text ?? '';
      deliveries.push({ recipientId, text, body, at: Date.now() });
      respond({ status: 200, body: { recipient_id: recipientId, message_id: `m_sandbox_${++messageCounter}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    deliveries,
    requests,
    inject: (next) => (injector = next),
    setAccessToken: (token) => (accessToken = token),
    rejectedForRate: () => rateRejections,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
