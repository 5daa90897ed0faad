// Runs inside its own process so its peak RSS is the planner's alone: one planner invocation (or a raw
// SendMessageBatch loop as the baseline) against the servers named in the environment. The result goes to file
// descriptor 3 as one JSON line; stdout is left to the handler's log lines, as in Lambda.
//
// Plain JavaScript on purpose: a TypeScript loader (tsx) adds a module-hooks thread and a compiler to the process,
// 20-35 MiB of RSS a Lambda container does not have, which shrinks an RSS ratio. bench/planner.ts starts this with
// the V8 flags the Lambda Node.js runtime derives from the function memory and has already unpacked the zip, as
// Lambda unpacks it into /var/task outside the function's process. The planner runs through the package's exec
// wrapper, as Lambda starts it, and the wrapper wants the script last: the arguments come in the environment.
// Usage (from bench/planner.ts): BENCH_CHILD='{"mode":"planner"|"raw","count":N,"concurrency":N,"entry":"…/index.mjs"}'
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const { mode, count, concurrency = 5, entry } = JSON.parse(process.env.BENCH_CHILD ?? '{}');
const report = (result) =>
  writeSync(3, `${JSON.stringify({ ...result, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
// CPU time of the measured span (user + system, all of the process's threads), in milliseconds.
const cpuSince = (start) => {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};

if (mode === 'planner') {
  if (!entry) throw new Error('planner mode needs the unpacked bundle entry (index.mjs)');
  const { handler } = await import(pathToFileURL(entry).href);
  // 15 minutes, Lambda's maximum: the run must finish in one invocation for its peak to be one process's.
  const deadline = Date.now() + 15 * 60_000;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'planner',
    awsRequestId: crypto.randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  // Throughput of the work itself: the cold start is measured by bench/bundle-import.mjs.
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await handler(
    { job: 'bench', scheduledTime: new Date(Date.UTC(2026, 0, 1, 0, 0, count % 60)).toISOString() },
    context,
  );
  const ms = performance.now() - started;
  const cpuMs = cpuSince(cpu);
  // Live heap after a full collection tells retained memory (a leak) from V8 simply growing its heap. Lambda starts
  // node with --expose-gc as well, so the flag changes nothing else.
  globalThis.gc?.();
  report({
    mode,
    ms,
    cpuMs,
    enqueued: result.enqueued,
    status: result.status,
    heapAfterGcMiB: process.memoryUsage().heapUsed / 1024 / 1024,
  });
} else if (mode === 'raw') {
  const { SQSClient, SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
  // Configured as the planner's client is (handlers/aws/queue.ts), so the ratio measures the planner, not a setting.
  const sqs = new SQSClient({ maxAttempts: 3, md5: false });
  // The same bodies the planner sends at the job default: ten recipients per task, ten tasks per call.
  const perTask = 10;
  const recipients = (first) =>
    Array.from({ length: perTask }, (_, index) => ({
      id: `psid-${first + index}`,
      fields: { first_name: `User${first + index}` },
    }));
  const calls = Math.ceil(count / (perTask * 10));
  const started = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  const lane = async () => {
    while (next < calls) {
      const call = next++;
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: process.env.NOTIFIER_QUEUE_URL,
          Entries: Array.from({ length: 10 }, (_, index) => {
            const first = (call * 10 + index) * perTask + 1;
            return {
              Id: String(index),
              MessageBody: JSON.stringify({
                v: 2,
                runId: 'bench@2026-01-01T00:00:00Z',
                job: 'bench',
                group: `c:${first}`,
                recipients: recipients(first),
              }),
            };
          }),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, calls)) }, lane));
  report({ mode, ms: performance.now() - started, cpuMs: cpuSince(cpu), enqueued: calls * 10 * perTask });
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.exit(0);
