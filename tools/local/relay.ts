import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Service } from './ports.js';
import type { ProviderTap } from './provider-tap.js';

export interface Relay extends Service, ProviderTap {
  readonly endpoint: string;
  /** A loopback URL whose requests are passed on to `target` (path and query appended): what a channel points at. */
  route(target: string): string;
}

/** Headers a hop does not pass on (RFC 9110, 7.6.1), and those fetch sets itself. */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'content-length',
]);

const rateLimited = (status: number, body: string) =>
  status === 429 || /"code"\s*:\s*(?:4|17|32|613|80004)\b/.test(body);

/**
 * The senders' way out of a local run that sends for real (--real-sends, or --graph-url): a loopback server that
 * passes each request on to the channel's own endpoint and its answer back, so that the run counts every provider
 * request, wherever it went. Redirects are passed back, not followed, as the channels do.
 */
export async function startRelay(): Promise<Relay> {
  const routes: string[] = [];
  /** The routes that carried a request: where the run's requests went. */
  const used = new Set<string>();
  let requests = 0;
  let rejectedForRate = 0;
  let abandoned = 0;
  const acceptedAt: number[] = [];

  const forward = async (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const match = /^\/r(\d+)(.*)$/.exec(request.url ?? '');
    const target = match ? routes[Number(match[1])] : undefined;
    if (!match || target === undefined) {
      response.writeHead(404).end('no such route');
      return;
    }
    used.add(target);
    const rest = match[2] ?? '';
    const url = rest ? `${target.replace(/\/$/, '')}${rest}` : target;
    const headers = Object.entries(request.headers).flatMap(([name, value]) =>
      HOP_HEADERS.has(name) || value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]],
    ) as [string, string][];
    const controller = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) {
        abandoned++;
        controller.abort();
      }
    });
    try {
      const answer = await fetch(url, {
        method: request.method ?? 'POST',
        headers,
        ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
        redirect: 'manual',
        signal: controller.signal,
      });
      const text = await answer.text();
      if (answer.ok) acceptedAt.push(Date.now());
      else if (rateLimited(answer.status, text)) rejectedForRate++;
      const passed: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!HOP_HEADERS.has(name) && name !== 'content-encoding') passed[name] = value;
      });
      response.writeHead(answer.status, passed).end(text);
    } catch (error) {
      if (controller.signal.aborted) return;
      response.writeHead(502, { 'content-type': 'text/plain' }).end(`relay: ${(error as Error).message}`);
    }
  };

  const server = createServer((request, response) => {
    requests++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => void forward(request, response, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get label() {
      return [...new Set([...used].map((target) => new URL(target).origin))].join(', ') || 'no endpoint';
    },
    route(target) {
      const existing = routes.indexOf(target);
      const index = existing >= 0 ? existing : routes.push(target) - 1;
      return `http://127.0.0.1:${port}/r${index}`;
    },
    tally: () => ({ requests, acceptedAt: [...acceptedAt], rejectedForRate, abandoned, duplicates: null }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
