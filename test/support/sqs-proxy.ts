import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

type Failure = { Id: string; Code: string; Message: string; SenderFault: boolean };

/**
 * Sits between the SDK and the SQS emulator and turns chosen SendMessageBatch entries into per-entry failures:
 * `failEntries` picks entries to fail on SQS's side (the partial-batch answer real SQS gives under load), `reject`
 * refuses a body as the sender's fault (as SQS does with InvalidMessageContents), on every attempt.
 */
export async function startFailingSqsProxy(
  target: string,
  failEntries: (call: number, entryIds: string[]) => string[],
  options: { reject?: (body: string) => { code: string; message: string } | undefined } = {},
) {
  let calls = 0;
  let failedEntries = 0;
  // The MessageGroupId of every entry sent, retries included (undefined for an entry without one).
  const entryGroups: (string | undefined)[] = [];
  const upstream = new URL(target);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      let failing: Failure[] = [];
      if (String(request.headers['x-amz-target']).endsWith('.SendMessageBatch')) {
        const parsed = JSON.parse(body.toString('utf8')) as {
          Entries: { Id: string; MessageBody: string; MessageGroupId?: string }[];
        };
        entryGroups.push(...parsed.Entries.map((entry) => entry.MessageGroupId));
        const unlucky = new Set(
          failEntries(
            ++calls,
            parsed.Entries.map((entry) => entry.Id),
          ),
        );
        failing = parsed.Entries.flatMap((entry): Failure[] => {
          const refusal = options.reject?.(entry.MessageBody);
          if (refusal) return [{ Id: entry.Id, Code: refusal.code, Message: refusal.message, SenderFault: true }];
          return unlucky.has(entry.Id)
            ? [{ Id: entry.Id, Code: 'InternalError', Message: 'injected partial failure', SenderFault: false }]
            : [];
        });
        failedEntries += failing.length;
        const failed = new Set(failing.map((entry) => entry.Id));
        parsed.Entries = parsed.Entries.filter((entry) => !failed.has(entry.Id));
        body = Buffer.from(JSON.stringify(parsed));
        if (parsed.Entries.length === 0) {
          // SQS refuses an empty batch: every entry failed, so the proxy answers alone.
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          response.end(JSON.stringify({ Successful: [], Failed: failing }));
          return;
        }
      }
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, 'content-length': String(body.length) },
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            let payload = Buffer.concat(parts);
            if (failing.length > 0 && answer.statusCode === 200) {
              const parsed = JSON.parse(payload.toString('utf8')) as { Failed?: unknown[] };
              parsed.Failed = [...(parsed.Failed ?? []), ...failing];
              payload = Buffer.from(JSON.stringify(parsed));
            }
            response.writeHead(answer.statusCode ?? 500, {
              ...answer.headers,
              'content-length': String(payload.length),
            });
            response.end(payload);
          });
        },
      );
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failedEntries: () => failedEntries,
    entryGroups: () => [...entryGroups],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
