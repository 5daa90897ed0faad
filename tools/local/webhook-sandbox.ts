import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Service } from './ports.js';
import type { ProviderTap } from './provider-tap.js';

export interface WebhookDelivery {
  readonly id: string;
  readonly body: unknown;
  readonly at: number;
}

export interface WebhookSandbox extends Service, ProviderTap {
  /** Where the channels of a local run post: every path under it is accepted. */
  readonly url: string;
  /** The `whsec_` secret it verifies with, which the local run's webhook channels sign with. */
  readonly signingSecret: string;
  readonly deliveries: WebhookDelivery[];
  /** Requests refused because their Standard Webhooks signature, id or timestamp did not verify. */
  readonly refused: { readonly reason: string; readonly headers: IncomingHttpHeaders }[];
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
};

/**
 * A webhook receiver for local runs: it verifies each delivery as the Standard Webhooks libraries do (signature over
 * id, timestamp and body; timestamp within five minutes) with a secret of its own, answers 204 and records it, and
 * answers 401 to anything that does not verify. A retried delivery carries the id of the first, so a second
 * acceptance of one id counts as a duplicate.
 */
export async function startWebhookSandbox(options: { signingSecret?: string } = {}): Promise<WebhookSandbox> {
  const signingSecret = options.signingSecret ?? `whsec_${randomBytes(32).toString('base64')}`;
  const verifier = new Webhook(signingSecret);
  const deliveries: WebhookDelivery[] = [];
  const refused: { reason: string; headers: IncomingHttpHeaders }[] = [];
  const seen = new Set<string>();
  let requests = 0;
  let duplicates = 0;
  let abandoned = 0;
  const server = createServer((request, response) => {
    requests++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': header(request.headers, 'webhook-id'),
        'webhook-timestamp': header(request.headers, 'webhook-timestamp'),
        'webhook-signature': header(request.headers, 'webhook-signature'),
      };
      let payload: unknown;
      try {
        payload = verifier.verify(body, headers);
      } catch (error) {
        refused.push({ reason: (error as Error).message, headers: request.headers });
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: `signature not verified: ${(error as Error).message}` }));
        return;
      }
      if (seen.has(headers['webhook-id'])) duplicates++;
      seen.add(headers['webhook-id']);
      deliveries.push({ id: headers['webhook-id'], body: payload, at: Date.now() });
      response.writeHead(204).end();
    });
    response.on('close', () => {
      if (!response.writableFinished) abandoned++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    label: 'the local webhook sandbox',
    signingSecret,
    deliveries,
    refused,
    tally: () => ({
      requests,
      acceptedAt: deliveries.map((delivery) => delivery.at),
      rejectedForRate: 0,
      abandoned,
      duplicates,
    }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
