import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Sits between the SDK and the SQS emulator and turns chosen SendMessageBatch entries into per-entry failures,
 * the partial-batch answer real SQS gives under load.
 */
export async function startFailingSqsProxy(target: string, failEntries: (call: number, entryIds: string[]) => string[]) {
  let calls = 0;
  let failedEntries = 0;
  const upstream = new URL(target);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      let failing: string[] = [];
      if (String(request.headers['x-amz-target']).endsWith('.SendMessageBatch')) {
        const parsed = JSON.parse(body.toString('utf8')) as { Entries: { Id: string }[] };
        failing = failEntries(++calls, parsed.Entries.map((entry) => entry.Id));
        failedEntries += failing.length;
        parsed.Entries = parsed.Entries.filter((entry) => !failing.includes(entry.Id));
        body = Buffer.from(JSON.stringify(parsed));
      }
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: { ...request.headers, 'content-length': String(body.length) } }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          let payload = Buffer.concat(parts);
          if (failing.length > 0 && answer.statusCode === 200) {
            const parsed = JSON.parse(payload.toString('utf8')) as { Failed?: unknown[] };
            parsed.Failed = [...(parsed.Failed ?? []), ...failing.map((id) => ({ Id: id, Code: 'InternalError', Message: 'injected partial failure', SenderFault: false }))];
            payload = Buffer.from(JSON.stringify(parsed));
          }
          response.writeHead(answer.statusCode ?? 500, { ...answer.headers, 'content-length': String(payload.length) });
          response.end(payload);
        });
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failedEntries: () => failedEntries,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
