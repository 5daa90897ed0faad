import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Service } from './ports.js';

/**
 * The Lambda Invoke API's asynchronous path, enough for a planner's continuation: it accepts the event with 202,
 * like Lambda, and hands it to `onInvoke` after answering.
 */
export async function startLambdaEndpoint(
  onInvoke: (functionName: string, payload: unknown) => void,
): Promise<Service & { endpoint: string; invocations: { functionName: string; payload: unknown }[] }> {
  const invocations: { functionName: string; payload: unknown }[] = [];
  const server = createServer((request, response) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (!match || request.method !== 'POST') {
        response
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'unknown path' }));
        return;
      }
      const functionName = decodeURIComponent(match[1] as string);
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      } catch {
        response
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'payload is not JSON' }));
        return;
      }
      invocations.push({ functionName, payload });
      response.writeHead(202, { 'content-type': 'application/json' }).end('');
      setImmediate(() => onInvoke(functionName, payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invocations,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
