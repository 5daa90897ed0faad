import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP relay to `target` on a loopback port. `admit` may turn a new connection away (it then owns the socket), and
 * `inspect` sees each chunk the client sends before it goes on, and may keep it back.
 */
async function startTcpRelay(
  target: { host: string; port: number },
  options: { admit?: (client: Socket) => boolean; inspect: (chunk: Buffer) => boolean },
) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (options.admit && !options.admit(client)) return;
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (options.inspect(chunk)) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    /** Every open connection, both sides. */
    sockets,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP proxy in front of PostgreSQL that cuts every open connection when the client sends its `cutAtQuery`-th
 * statement containing `marker` (the planner's page query): the database connection drops mid-stream, once.
 */
export async function startCuttingTcpProxy(
  target: { host: string; port: number },
  options: { marker: string; cutAtQuery: number },
) {
  let queries = 0;
  let cuts = 0;
  const relay = await startTcpRelay(target, {
    inspect: (chunk) => {
      if (!chunk.includes(options.marker) || ++queries !== options.cutAtQuery) return true;
      cuts++;
      for (const socket of [...relay.sockets]) socket.destroy();
      relay.sockets.clear();
      return false;
    },
  });
  return { host: relay.host, port: relay.port, queries: () => queries, cuts: () => cuts, stop: relay.stop };
}

/**
 * An HTTP proxy in front of the SQS emulator that watches SendMessageBatch calls. `afterBatch` runs once the emulator
 * has stored the n-th batch and before its answer goes back; returning 'drop' withholds the answer (the caller is
 * meant to be dead by then).
 */
export async function startSqsTap(
  target: string,
  afterBatch: (call: number, entries: number, bodies: string[]) => Promise<'forward' | 'drop'> | 'forward' | 'drop',
) {
  const upstream = new URL(target);
  let calls = 0;
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const isBatch = String(request.headers['x-amz-target']).endsWith('.SendMessageBatch');
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', async () => {
            const entries = isBatch
              ? (JSON.parse(body.toString('utf8')) as { Entries: { MessageBody: string }[] }).Entries
              : [];
            const verdict = isBatch
              ? await afterBatch(
                  ++calls,
                  entries.length,
                  entries.map((entry) => entry.MessageBody),
                )
              : 'forward';
            if (verdict === 'drop') return void response.destroy();
            response.writeHead(answer.statusCode ?? 500, answer.headers);
            response.end(Buffer.concat(parts));
          });
        },
      );
      forward.on('error', () => response.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP proxy in front of PostgreSQL that can be taken down: while down it resets every connection, open or new,
 * as an unreachable database does to a client that had a route to it; `up()` lets connections through again.
 * `downAtQuery` takes it down by itself when the client sends its n-th statement containing the marker.
 */
export async function startOutageTcpProxy(
  target: { host: string; port: number },
  options: { downAtQuery?: { marker: string; count: number } } = {},
) {
  let down = false;
  let refused = 0;
  let queries = 0;
  const goDown = () => {
    down = true;
    for (const socket of relay.sockets) socket.resetAndDestroy();
    relay.sockets.clear();
  };
  const relay = await startTcpRelay(target, {
    admit: (client) => {
      if (!down) return true;
      refused++;
      client.resetAndDestroy();
      return false;
    },
    inspect: (chunk) => {
      const trigger = options.downAtQuery;
      if (!trigger || !chunk.includes(trigger.marker) || ++queries !== trigger.count) return true;
      goDown();
      return false;
    },
  });
  return {
    host: relay.host,
    port: relay.port,
    /** Connections refused since the proxy started. */
    refused: () => refused,
    isDown: () => down,
    down: goDown,
    up() {
      down = false;
    },
    stop: relay.stop,
  };
}

/**
 * An HTTP proxy in front of DynamoDB. For each request `decide` sees its X-Amz-Target operation and its body:
 * 'forward' passes it, 'lose' lets it land and then cuts the connection instead of answering (a write whose answer is
 * lost), 'refuse' answers HTTP 500 without passing it on (a write that never lands, however often it is retried).
 */
export async function startDynamoAnswerLoss(
  upstream: string,
  decide: (operation: string, body: string) => 'forward' | 'lose' | 'refuse',
) {
  const target = new URL(upstream);
  let lost = 0;
  const server = createHttpServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const verdict = decide(String(incoming.headers['x-amz-target'] ?? ''), body.toString('utf8'));
      if (verdict === 'refuse') {
        outgoing.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        return void outgoing.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' }));
      }
      const loseIt = verdict === 'lose';
      const forward = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            if (loseIt) {
              lost++;
              return void incoming.socket.destroy();
            }
            outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
            outgoing.end(Buffer.concat(parts));
          });
        },
      );
      forward.on('error', () => incoming.socket.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Answers cut so far. */
    lost: () => lost,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
