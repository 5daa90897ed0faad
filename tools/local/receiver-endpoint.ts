import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AppliedBodies,
  createLedger,
  createReceiver,
  DynamoConfigStore,
  type FunctionUrlEvent,
  type FunctionUrlResult,
  Receipts,
  Suppressions,
} from '../../handlers/surface.js';
import type { Service } from './ports.js';

export interface ReceiverEndpointOptions {
  readonly configTable: string;
  readonly ledgerTable: string;
  readonly appSecret: string;
  readonly verifyToken: string;
  /** Where the receiver's log lines go (the handlers' log file in a local run). */
  readonly log: Parameters<typeof createReceiver>[0]['log'];
}

/**
 * The receiver behind a local HTTP endpoint, as a Lambda function URL puts it: each request becomes a payload 2.0
 * event with lower-case headers and the raw body, base64 encoded as function URLs encode a body they do not read as
 * text. The receiver runs in this process on the local tables, with the secrets given.
 */
export async function startReceiverEndpoint(options: ReceiverEndpointOptions): Promise<Service & { url: string }> {
  const ledger = createLedger({ table: options.ledgerTable });
  const config = new DynamoConfigStore(options.configTable, 0);
  const receive = createReceiver({
    secrets: async () => ({ appSecret: options.appSecret, verifyToken: options.verifyToken }),
    channelsOfPage: (pageId) => config.channelsOfPage(pageId),
    receipts: new Receipts(ledger.table),
    suppressions: new Suppressions(ledger.table),
    applied: new AppliedBodies(ledger.table),
    log: options.log,
  });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const event: FunctionUrlEvent = {
        requestContext: { http: { method: request.method ?? 'GET' } },
        queryStringParameters: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(
          Object.entries(request.headers).flatMap(([name, value]) =>
            typeof value === 'string' ? [[name, value]] : [],
          ),
        ),
        body: Buffer.concat(chunks).toString('base64'),
        isBase64Encoded: true,
      };
      // A thrown error is Lambda's 502: the sender of the webhook delivers it again.
      receive(event).then(
        (result: FunctionUrlResult) => response.writeHead(result.statusCode, result.headers).end(result.body),
        () => response.writeHead(502).end('Internal Server Error'),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
