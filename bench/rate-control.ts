// Rate control at the provider's limit: the Messenger sandbox enforces a token bucket of R sends/s (error 613
// beyond it) with 60-140 ms latency; several sender instances (each its own bundle, as Lambda containers) drain a
// queue through the event-source-mapping poller. Reports the sustained accepted rate and the share of requests
// rejected for rate, over the steady window.
// The senders run in worker processes (bench/rate-control-child.ts) so that, as on Lambda, they do not share one
// core with each other and with the emulators; the sandbox stays in this process because its token bucket is the
// provider's single, global limit, and fauxqs and DynamoDB Local run in processes of their own.
// Usage: npm run bench:rate [-- --rate 300 --seconds 40 --senders 6 --processes 2 --configured-rate 300]
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { numberFlag } from './flags.js';
import { groupTasks } from '../handlers/core/task.js';
import { repoRoot } from '../handlers/local/bundle.js';
import { startDynamoDbLocal } from '../handlers/local/dynamodb-local.js';
import { startDynalite } from '../handlers/local/dynalite.js';
import type { Service } from '../handlers/local/ports.js';
import { startSandbox } from '../handlers/local/sandbox.js';
import { startStack } from '../handlers/local/stack.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '40' },
    senders: { type: 'string', default: '6' },
    processes: { type: 'string' },
    warmup: { type: 'string', default: '5' },
    dynamodb: { type: 'string', default: 'dynamodb-local' },
    'configured-rate': { type: 'string' },
    'recipients-per-task': { type: 'string', default: '10' },
  },
});
const positive = (name: string, text: string | undefined, integer = false) => numberFlag(name, text, { integer });
const rate = positive('rate', values.rate);
const seconds = positive('seconds', values.seconds, true);
const senders = positive('senders', values.senders, true);
const warmupSeconds = numberFlag('warmup', values.warmup, { zero: true });
// The job default: one SQS message and one ledger item per ten recipients.
const perTask = positive('recipients-per-task', values['recipients-per-task'], true);
// One process per core by default: more processes than cores add no CPU, only heaps and context switches, while
// the instances keep their own bundle and pacing state in any layout. --processes <senders> gives every instance a
// process of its own, as Lambda does, on a machine with the cores for it.
const processes = Math.min(senders, values.processes === undefined ? availableParallelism() : positive('processes', values.processes, true));
// The channel's ratePerSecond; above R it shows the adaptive back-off alone holding the provider's limit.
const configuredRate = values['configured-rate'] === undefined ? rate : positive('configured-rate', values['configured-rate']);
// Recipients, not SQS messages: the provider's limit is per send, however many recipients a task carries.
const total = Math.ceil(rate * (seconds + warmupSeconds + 2));

/** Task bodies for `count` recipients of one run, packed by the planner's own groupTasks. */
function taskBodies(runId: string, job: string, count: number, perTask: number): string[] {
  const recipients = Array.from({ length: count }, (_, n) => ({ cursor: String(n), recipient: { id: `r${n}`, fields: { name: `R${n}` } } }));
  return groupTasks({ runId, job }, recipients, perTask).map((task) => task.body);
}

interface NodeChild extends Service {
  /** The child's first IPC message; rejects if it exits first. */
  readonly ready: Promise<unknown>;
  /** Resolves when the child has exited, whatever the reason. */
  readonly exited: Promise<void>;
  send(message: string): void;
}

/**
 * A Node process with an IPC channel. Stopping it disconnects the channel, which the child takes as its cue to
 * exit; that also happens when this process dies without cleaning up, so no child outlives a run.
 */
function spawnNode(name: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeChild {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // A process that could not be started emits no exit.
    child.once('error', () => resolve());
  });
  const ready = new Promise<unknown>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready`)));
    child.once('error', reject);
  });
  ready.catch(() => undefined);
  return {
    ready,
    exited,
    send: (message) => void child.send(message),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.disconnect();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

async function startFauxqsProcess(): Promise<Service & { endpoint: string }> {
  // fauxqs imports node:sqlite for its optional persistence; the experimental warning says nothing about this run.
  const child = spawnNode('fauxqs', [
    '--disable-warning=ExperimentalWarning',
    '--input-type=module',
    '-e',
    "process.on('disconnect', () => process.exit(0)); const { startFauxqs } = await import('fauxqs'); const server = await startFauxqs({ port: 0, logger: false }); process.send(server.address);",
  ]);
  try {
    return { endpoint: String(await child.ready), stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

// Stopped in reverse order of starting, once, whether the run ends, fails or is interrupted.
const stops: (() => Promise<void>)[] = [];
let stopping: Promise<void> | undefined;
const stopAll = () =>
  (stopping ??= (async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error(error));
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the sender processes and emulators`);
    void stopAll().finally(() => process.exit(1));
  });
}

async function run() {
  const loadBefore = loadavg()[0] ?? 0;
  const dynamo = values.dynamodb === 'embedded' ? await startDynalite() : await startDynamoDbLocal();
  stops.push(dynamo.stop);
  const sqs = await startFauxqsProcess();
  stops.push(sqs.stop);
  const token = 'bench-page-access-token-0123456789';
  const sandbox = await startSandbox({ accessToken: token, ratePerSecond: rate, latencyMs: 60, latencyJitterMs: 80 });
  stops.push(sandbox.stop);
  // NOTIFIER_SENDER_INSTANCES is the whole fleet, not one process's share: each instance paces to R / senders.
  const stack = await startStack({ name: 'ratebench', dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint, visibilityTimeoutSeconds: 30, maxReceiveCount: 10, extraEnv: { NOTIFIER_SENDER_INSTANCES: String(senders), NOTIFIER_SENDER_PARALLELISM: '10' } });
  stops.push(stack.stop);

  await stack.putConfig({ kind: 'database', id: 'unused', host: '127.0.0.1', database: 'x', user: 'x', password: { inline: 'unused-password' }, allowInlineSecrets: true, ssl: 'disable' });
  await stack.putConfig({ kind: 'channel', id: 'sandbox', type: 'messenger', baseUrl: sandbox.baseUrl, accessToken: { inline: token }, allowInlineSecrets: true, ratePerSecond: configuredRate, timeoutMs: 5000 });
  await stack.putConfig({ kind: 'job', id: 'bench', database: 'unused', channel: 'sandbox', audience: { sql: 'SELECT 1' }, template: { text: 'Hi {{name}}' } });

  const bodies = taskBodies('bench@2026-11-28T00:00:00Z', 'bench', total, perTask);
  const batches = Array.from({ length: Math.ceil(bodies.length / 10) }, (_, batch) => bodies.slice(batch * 10, batch * 10 + 10));
  for (let start = 0; start < batches.length; start += 10) {
    await Promise.all(
      batches.slice(start, start + 10).map(async (entries) => {
        const { Failed = [] } = await stack.sqs.send(new SendMessageBatchCommand({ QueueUrl: stack.queues.queueUrl, Entries: entries.map((body, index) => ({ Id: String(index), MessageBody: body })) }));
        if (Failed.length > 0) throw new Error(`filling the queue: ${Failed.length} messages refused, first: ${Failed[0]?.Message}`);
      }),
    );
  }

  // The environment startStack set up, which is what the module gives its senders.
  const env = { ...process.env };
  const workers = Array.from({ length: processes }, (_, index) => {
    const share = Math.floor(senders / processes) + (index < senders % processes ? 1 : 0);
    return spawnNode(`sender process ${index + 1}`, ['--import', 'tsx', 'bench/rate-control-child.ts', String(share)], env);
  });
  let measuring = true;
  stops.push(async () => {
    measuring = false;
    await Promise.all(workers.map((worker) => worker.stop()));
  });
  await Promise.all(workers.map((worker) => worker.ready));
  // Never settles unless a sender process dies while measuring: a missing share of the fleet would read as a slow pipeline.
  const crashed = new Promise<never>((_, reject) =>
    workers.forEach((worker, index) => void worker.exited.then(() => measuring && reject(new Error(`sender process ${index + 1} exited during the run`)))),
  );
  crashed.catch(() => undefined);

  for (const worker of workers) worker.send('go');
  const started = performance.now();
  const startedAt = Date.now();
  while (sandbox.deliveries.length < total && performance.now() - started < (seconds + warmupSeconds + 60) * 1000) {
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 500)), crashed]);
  }
  measuring = false;

  const windowStart = startedAt + warmupSeconds * 1000;
  const windowEnd = windowStart + seconds * 1000;
  const inWindow = sandbox.deliveries.filter((delivery) => delivery.at >= windowStart && delivery.at < windowEnd).length;
  const perSecond = Array.from({ length: seconds }, (_, second) => sandbox.deliveries.filter((delivery) => delivery.at >= windowStart + second * 1000 && delivery.at < windowStart + (second + 1) * 1000).length).sort((a, b) => a - b);
  const sustained = inWindow / seconds;
  const rejected = sandbox.rejectedForRate();
  const requests = sandbox.requests.length;
  const delivered = sandbox.deliveries.length;
  const unique = new Set(sandbox.deliveries.map((delivery) => delivery.recipientId)).size;
  console.log(`machine: ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}, load average ${loadBefore.toFixed(2)} before the run`);
  console.log(`R = ${rate}/s, ${senders} senders in ${processes} processes (each paced to ${(configuredRate / senders).toFixed(1)}/s of a configured ${configuredRate}/s), window ${seconds} s after ${warmupSeconds} s warm-up`);
  console.log(`sustained accepted rate: ${sustained.toFixed(1)}/s = ${((sustained / rate) * 100).toFixed(1)} % of R (per-second median ${perSecond[Math.floor(perSecond.length / 2)]}, min ${perSecond[0]}, max ${perSecond.at(-1)})`);
  console.log(`rejected for rate (613): ${rejected} of ${requests} requests = ${((rejected / requests) * 100).toFixed(2)} %`);
  console.log(`delivered ${delivered} of ${total} recipients, ${unique} distinct (duplicates: ${delivered - unique})`);
  console.log(JSON.stringify({ rate, configuredRate, senders, processes, seconds, sustained, shareOfRate: sustained / rate, rejected, requests, rejectedShare: rejected / requests, delivered, total }));
}

try {
  await run();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await stopAll();
}
process.exit(process.exitCode ?? 0);
