// CPU time per delivered notification: the shipped sender (claim, render, send, record, counters) against a bare POST
// (the sender's own transport, handlers/channels/http.ts) of the same request to the same Messenger sandbox. Both run
// in this process with the sandbox, so the sandbox's share is in both; DynamoDB Local runs in its own process and is
// not counted. Tasks carry the job default of ten recipients each (--recipients-per-task 1 measures the per-recipient
// ledger). Usage: npm run bench:sender-cpu [-- --deliveries 2000 --repeats 5 --recipients-per-task 10]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { postJson } from '../handlers/channels/http.js';
import { DEFAULT_GRAPH_API_VERSION } from '../handlers/config/schema.js';
import { chunk } from '../handlers/core/paging.js';
import { groupTasks } from '../handlers/core/task.js';
import { setLogSink } from '../handlers/observability/log.js';
import { lambdaContext } from '../tools/local/bundle.js';
import { startDynamoDbLocal } from '../tools/local/dynamodb-local.js';
import { divertHandlerOutput } from '../tools/local/handler-output.js';
import { startSandbox } from '../tools/local/sandbox.js';
import { startSqs } from '../tools/local/sqs.js';
import { startStack } from '../tools/local/stack.js';
import { numberFlag } from './flags.js';
import { putSenderOnlyConfig } from './sender-config.js';

/** Runs `worker` over `items` with at most `concurrency` in flight; results keep the input order. */
async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '2000' },
    repeats: { type: 'string', default: '5' },
    'recipients-per-task': { type: 'string', default: '10' },
  },
});
const perTask = numberFlag('recipients-per-task', values['recipients-per-task'], { integer: true });
const deliveries = numberFlag('deliveries', values.deliveries, { integer: true });
// Every batch is ten whole tasks, so that CPU time divides by the deliveries actually made.
if (deliveries % (10 * perTask) !== 0)
  throw new Error(
    `--deliveries must be a multiple of ten tasks of --recipients-per-task (${10 * perTask}), got ${deliveries}`,
  );
const repeats = numberFlag('repeats', values.repeats, { integer: true });
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

setLogSink(() => undefined);
divertHandlerOutput();

const token = 'bench-page-access-token-0123456789';
const dynamo = await startDynamoDbLocal();
const sqs = await startSqs();
const sandbox = await startSandbox({ accessToken: token });
const stack = await startStack({
  name: 'cpubench',
  dynamoEndpoint: dynamo.endpoint,
  sqsEndpoint: sqs.endpoint,
  extraEnv: { NOTIFIER_SENDER_INSTANCES: '1' },
});
try {
  await putSenderOnlyConfig(stack, {
    baseUrl: sandbox.baseUrl,
    token,
    ratePerSecond: 10_000,
    template: 'Hello {{name}}, your digest is ready',
  });
  const sender = await stack.loadSender();
  const url = `${sandbox.baseUrl}/${DEFAULT_GRAPH_API_VERSION}/me/messages`;
  // Warm both paths (clients, connections, JIT) before measuring.
  await sender(
    {
      Records: [
        {
          messageId: 'warm',
          body: JSON.stringify({
            v: 1,
            runId: 'warm@2026-01-01T00:00:00Z',
            job: 'bench',
            recipientId: 'warm',
            fields: { name: 'W' },
          }),
        },
      ],
    },
    lambdaContext('sender', 60_000),
  );
  await postJson(
    url,
    JSON.stringify({ recipient: { id: 'warm' }, messaging_type: 'UPDATE', message: { text: 'Hello W' } }),
    { authorization: `Bearer ${token}` },
    5_000,
  );

  const senderCpu: number[] = [];
  const bareCpu: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const runId = `bench@2026-01-01T00:00:${String(repeat).padStart(2, '0')}Z`;
    const recipients = Array.from({ length: deliveries }, (_, n) => ({
      cursor: String(n),
      recipient: { id: `r${n}`, fields: { name: `R${n % perTask}` } },
    }));
    const tasks = groupTasks({ runId, job: 'bench' }, recipients, perTask);
    // Batches of ten tasks, as the event source mapping's default batch_size hands them over.
    const batches = chunk(tasks, 10).map((batch, index) => ({
      Records: batch.map((task, offset) => ({ messageId: `m${index}-${offset}`, body: task.body })),
    }));
    let before = cpuMs();
    await mapConcurrent(batches, 4, (event) => sender(event, lambdaContext('sender', 60_000)));
    senderCpu.push((cpuMs() - before) / deliveries);

    before = cpuMs();
    await mapConcurrent(
      Array.from({ length: deliveries }, (_, index) => index),
      40,
      (index) =>
        postJson(
          url,
          JSON.stringify({
            recipient: { id: `b${index}` },
            messaging_type: 'UPDATE',
            message: { text: `Hello R${index % 10}, your digest is ready` },
          }),
          { authorization: `Bearer ${token}` },
          5_000,
        ),
    );
    bareCpu.push((cpuMs() - before) / deliveries);
  }
  const sent = sandbox.deliveries.length;
  console.log(
    `machine: ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}; ${deliveries} deliveries per sample, ${repeats} samples; ${perTask} recipients per task; sandbox in-process in both`,
  );
  console.log(
    `CPU per delivered notification: sender ${median(senderCpu).toFixed(3)} ms, bare POST ${median(bareCpu).toFixed(3)} ms, ratio ${(median(senderCpu) / median(bareCpu)).toFixed(2)} (sandbox recorded ${sent} deliveries)`,
  );
  console.log(
    JSON.stringify({
      senderMs: median(senderCpu),
      bareMs: median(bareCpu),
      ratio: median(senderCpu) / median(bareCpu),
    }),
  );
} finally {
  await stack.stop();
  await sandbox.stop();
  await sqs.stop();
  await dynamo.stop();
}
process.exit(0);
