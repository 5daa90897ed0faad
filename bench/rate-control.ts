// Rate control at the provider's limit: the Messenger sandbox enforces a token bucket of R sends/s (error 613
// beyond it) with 60-140 ms latency; several sender instances (each its own bundle, as Lambda containers) drain a
// queue through the event-source-mapping poller. Reports the sustained accepted rate and the share of requests
// rejected for rate, over the steady window.
// Usage: npm run bench:rate [-- --rate 300 --seconds 40 --senders 6 --configured-rate 300]
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../handlers/local/dynamodb-local.js';
import { startDynalite } from '../handlers/local/dynalite.js';
import { startPoller } from '../handlers/local/poller.js';
import { startSandbox } from '../handlers/local/sandbox.js';
import { startSqs } from '../handlers/local/sqs.js';
import { startStack } from '../handlers/local/stack.js';
import { divertHandlerOutput } from '../handlers/local/handler-output.js';
import { setLogSink } from '../handlers/observability/log.js';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '300' }, seconds: { type: 'string', default: '40' }, senders: { type: 'string', default: '6' }, warmup: { type: 'string', default: '5' }, dynamodb: { type: 'string', default: 'dynamodb-local' }, 'configured-rate': { type: 'string' } } });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const senders = Number(values.senders);
const warmupSeconds = Number(values.warmup);
// The channel's ratePerSecond; above R it shows the adaptive back-off alone holding the provider's limit.
const configuredRate = Number(values['configured-rate'] ?? rate);
const total = Math.ceil(rate * (seconds + warmupSeconds + 2));

setLogSink(() => undefined);
divertHandlerOutput();

const dynamo = values.dynamodb === 'embedded' ? await startDynalite() : await startDynamoDbLocal();
const sqs = await startSqs();
const token = 'bench-page-access-token-0123456789';
const sandbox = await startSandbox({ accessToken: token, ratePerSecond: rate, latencyMs: 60, latencyJitterMs: 80 });
const stack = await startStack({ name: 'ratebench', dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint, visibilityTimeoutSeconds: 30, maxReceiveCount: 10, extraEnv: { NOTIFIER_SENDER_INSTANCES: String(senders), NOTIFIER_SENDER_PARALLELISM: '10' } });
try {
  await stack.putConfig({ kind: 'database', id: 'unused', host: '127.0.0.1', database: 'x', user: 'x', password: { inline: 'unused-password' }, allowInlineSecrets: true, ssl: 'disable' });
  await stack.putConfig({ kind: 'channel', id: 'sandbox', type: 'messenger', baseUrl: sandbox.baseUrl, accessToken: { inline: token }, allowInlineSecrets: true, ratePerSecond: configuredRate, timeoutMs: 5000 });
  await stack.putConfig({ kind: 'job', id: 'bench', database: 'unused', channel: 'sandbox', audience: { sql: 'SELECT 1' }, template: { text: 'Hi {{name}}' } });

  const runId = 'bench@2026-11-28T00:00:00Z';
  for (let start = 0; start < total; start += 100) {
    await Promise.all(
      Array.from({ length: 10 }, (_, batch) =>
        stack.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: stack.queues.queueUrl,
            Entries: Array.from({ length: 10 }, (_, index) => {
              const n = start + batch * 10 + index;
              return { Id: String(index), MessageBody: JSON.stringify({ v: 1, runId, job: 'bench', recipientId: `r${n}`, fields: { name: `R${n}` } }) };
            }),
          }),
        ),
      ),
    );
  }

  const handlers = await Promise.all(Array.from({ length: senders }, () => stack.loadSender()));
  const started = performance.now();
  const poller = startPoller(stack.sqs, handlers, { queueUrl: stack.queues.queueUrl, batchSize: 10, maximumConcurrency: senders, functionTimeoutMs: 60_000 });
  const startedAt = Date.now();
  while (sandbox.deliveries.length < total && performance.now() - started < (seconds + warmupSeconds + 60) * 1000) await new Promise((resolve) => setTimeout(resolve, 500));
  await poller.stop();

  const windowStart = startedAt + warmupSeconds * 1000;
  const windowEnd = windowStart + seconds * 1000;
  const inWindow = sandbox.deliveries.filter((delivery) => delivery.at >= windowStart && delivery.at < windowEnd).length;
  const perSecond = Array.from({ length: seconds }, (_, second) => sandbox.deliveries.filter((delivery) => delivery.at >= windowStart + second * 1000 && delivery.at < windowStart + (second + 1) * 1000).length).sort((a, b) => a - b);
  const sustained = inWindow / seconds;
  const rejected = sandbox.rejectedForRate();
  const requests = sandbox.requests.length;
  const unique = new Set(sandbox.deliveries.map((delivery) => delivery.recipientId)).size;
  console.log(`machine: ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}`);
  console.log(`R = ${rate}/s, ${senders} senders (each paced to ${(configuredRate / senders).toFixed(1)}/s of a configured ${configuredRate}/s), window ${seconds} s after ${warmupSeconds} s warm-up`);
  console.log(`sustained accepted rate: ${sustained.toFixed(1)}/s = ${((sustained / rate) * 100).toFixed(1)} % of R (per-second median ${perSecond[Math.floor(perSecond.length / 2)]}, min ${perSecond[0]}, max ${perSecond.at(-1)})`);
  console.log(`rejected for rate (613): ${rejected} of ${requests} requests = ${((rejected / requests) * 100).toFixed(2)} %`);
  console.log(`delivered ${sandbox.deliveries.length} of ${total} tasks, ${unique} distinct recipients (duplicates: ${sandbox.deliveries.length - unique})`);
  console.log(JSON.stringify({ rate, configuredRate, senders, seconds, sustained, shareOfRate: sustained / rate, rejected, requests, rejectedShare: rejected / requests, delivered: sandbox.deliveries.length, total }));
} finally {
  await stack.stop();
  await sandbox.stop();
  await sqs.stop();
  await dynamo.stop();
  process.exit(0);
}
