import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Service } from './ports.js';

/** One event as PutEvents received it, its detail parsed. */
export interface CapturedEvent {
  readonly id: string;
  readonly bus: string;
  readonly source: string;
  readonly detailType: string;
  readonly time: string | undefined;
  readonly detail: unknown;
}

/**
 * What the next PutEvents calls meet: `lose-answer` keeps the events and drops the connection before answering (the
 * SDK then sends them again), `refuse` answers 500 and keeps nothing (a bus that cannot be reached).
 */
export type BusFault = 'lose-answer' | 'refuse';

export interface EventBusCapture extends Service {
  readonly endpoint: string;
  readonly events: CapturedEvent[];
  /** The next `count` PutEvents calls meet `fault`; with `match`, only calls carrying an event it accepts. */
  inject(fault: BusFault, count: number, match?: (event: CapturedEvent) => boolean): void;
}

interface PutEntry {
  readonly EventBusName?: string;
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Time?: number | string;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const captured = (entry: PutEntry): CapturedEvent => ({
  id: randomUUID(),
  bus: entry.EventBusName ?? 'default',
  source: entry.Source ?? '',
  detailType: entry.DetailType ?? '',
  time: entry.Time === undefined ? undefined : new Date(Number(entry.Time) * 1000).toISOString(),
  detail: JSON.parse(entry.Detail ?? 'null'),
});

/**
 * EventBridge's PutEvents (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`), enough for the end-of-run event: it keeps
 * what it receives for the run's summary and the tests, on 127.0.0.1 only.
 */
export async function startEventBus(): Promise<EventBusCapture> {
  const events: CapturedEvent[] = [];
  const faults: { fault: BusFault; match: (event: CapturedEvent) => boolean }[] = [];
  const server = createServer(async (request, response) => {
    const text = await body(request);
    if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: 'UnknownOperationException', message: 'only PutEvents is served here' }));
      return;
    }
    const entries = ((JSON.parse(text) as { Entries?: PutEntry[] }).Entries ?? []).map(captured);
    const due = faults.findIndex(({ match }) => entries.some(match));
    const fault = due === -1 ? undefined : faults.splice(due, 1)[0]?.fault;
    if (fault === 'refuse') {
      response.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: 'InternalException', message: 'the local bus refused (injected)' }));
      return;
    }
    events.push(...entries);
    if (fault === 'lose-answer') {
      request.socket.destroy();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify({ FailedEntryCount: 0, Entries: entries.map((entry) => ({ EventId: entry.id })) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    inject: (fault, count, match = () => true) =>
      faults.push(...Array.from({ length: count }, () => ({ fault, match }))),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
