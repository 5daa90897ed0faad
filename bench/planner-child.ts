// Runs inside its own process so its peak RSS is the planner's alone: one planner invocation (or a raw
// SendMessageBatch loop as the baseline) against the servers named in the environment; prints one JSON line.
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { lambdaContext, loadBundle } from '../handlers/local/bundle.js';
import { mapConcurrent } from '../handlers/core/limiter.js';
import { divertHandlerOutput } from '../handlers/local/handler-output.js';
import { setLogSink } from '../handlers/observability/log.js';

setLogSink(() => undefined);
const restoreStdout = divertHandlerOutput();
const write = (text: string) => {
  restoreStdout();
  process.stdout.write(text);
};

const mode = process.argv[2];
const count = Number(process.argv[3]);
const concurrency = Number(process.argv[4] ?? 5);
let started = performance.now();
if (mode === 'planner') {
  const planner = await loadBundle<unknown, { status: string; enqueued: number }>('planner');
  // Throughput of the work itself: the cold start is measured by bench/bundle-import.mjs.
  started = performance.now();
  const result = await planner({ job: 'bench', scheduledTime: new Date(Date.UTC(2026, 0, 1, 0, 0, count % 60)).toISOString() }, lambdaContext('planner', 15 * 60_000));
  const ms = performance.now() - started;
  // Live heap after a full collection tells retained memory (a leak) from V8 simply growing its heap.
  (globalThis as { gc?: () => void }).gc?.();
  const heapAfterGcMiB = process.memoryUsage().heapUsed / 1024 / 1024;
  write(`${JSON.stringify({ mode, ms, enqueued: result.enqueued, status: result.status, maxRssMiB: process.resourceUsage().maxRSS / 1024, heapAfterGcMiB })}\n`);
} else {
  const sqs = new SQSClient({});
  const batches = Array.from({ length: Math.ceil(count / 10) }, (_, batch) => batch);
  await mapConcurrent(batches, concurrency, async (batch) => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: process.env.NOTIFIER_QUEUE_URL,
        Entries: Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: JSON.stringify({ v: 1, runId: 'bench@2026-01-01T00:00:00Z', job: 'bench', recipientId: `psid-${batch * 10 + index}`, fields: { first_name: `User${batch * 10 + index}` } }) })),
      }),
    );
  });
  const ms = performance.now() - started;
  write(`${JSON.stringify({ mode, ms, enqueued: batches.length * 10, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}
process.exit(0);
