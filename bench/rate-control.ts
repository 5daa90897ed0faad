// Rate control at the provider's limit, with the provider's ordinary tails: the Messenger sandbox enforces a token
// bucket of R sends/s (error 613 beyond it), answers after a latency, reports its usage in the
// x-business-use-case-usage header, and plays per-recipient fault plans (transient-once, hang-first, permanent);
// sender bundle instances drain a pre-filled queue through the event-source-mapping poller. Prints the figures of
// tools/local/delivery-figures.ts, the same `npm start` prints, and ends with them as one JSON line.
// The senders run in worker processes (tools/local/sender-fleet.ts) so that, as on Lambda, they do not share one
// core with each other and with the emulators; the sandbox stays in this process because its token bucket is the
// provider's single, global limit, and fauxqs and DynamoDB Local run in processes of their own.
// Usage: npm run bench:rate [-- --rate 300 --seconds 60 --senders 12 --latency-ms 30 --jitter-ms 20
//          --inject-transient-once 0.02 --inject-hang 0.02 --inject-permanent 0.01]   (docs/BENCHMARKS.md)

import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { groupTasks } from '../handlers/core/task.js';
import { deliveryFigures } from '../tools/local/delivery-figures.js';
import { startDynalite } from '../tools/local/dynalite.js';
import { startDynamoDbLocal } from '../tools/local/dynamodb-local.js';
import { checkFaultShares, type FaultShares, faultFor, noFaults } from '../tools/local/fault-plan.js';
import { startSandbox } from '../tools/local/sandbox.js';
import { startSenderFleet } from '../tools/local/sender-fleet.js';
import { queueDepth, startSqsProcess } from '../tools/local/sqs.js';
import { type Stack, startStack } from '../tools/local/stack.js';
import { numberFlag } from './flags.js';
import { putSenderOnlyConfig } from './sender-config.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '40' },
    senders: { type: 'string', default: '2' },
    processes: { type: 'string' },
    dynamodb: { type: 'string', default: 'dynamodb-local' },
    'configured-rate': { type: 'string' },
    'recipients-per-task': { type: 'string', default: '10' },
    'batch-size': { type: 'string', default: '50' },
    parallelism: { type: 'string', default: '50' },
    'latency-ms': { type: 'string', default: '60' },
    'jitter-ms': { type: 'string', default: '80' },
    'usage-window-ms': { type: 'string', default: '10000' },
    'inject-transient-once': { type: 'string', default: '0' },
    'inject-hang': { type: 'string', default: '0' },
    'hang-ms': { type: 'string', default: '20000' },
    'inject-permanent': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
  },
});
const positive = (name: string, text: string | undefined, integer = false) => numberFlag(name, text, { integer });
const nonNegative = (name: string) => numberFlag(name, values[name as keyof typeof values] as string, { zero: true });
const rate = positive('rate', values.rate);
const seconds = positive('seconds', values.seconds, true);
const senders = positive('senders', values.senders, true);
const perTask = positive('recipients-per-task', values['recipients-per-task'], true);
// The module's sender.batch_size (tasks per invocation) and sender.parallelism (sends in flight per invocation).
const batchSize = positive('batch-size', values['batch-size'], true);
const parallelism = positive('parallelism', values.parallelism, true);
// One process per core by default: more processes than cores add no CPU, only heaps and context switches.
const processes = Math.min(
  senders,
  values.processes === undefined ? availableParallelism() : positive('processes', values.processes, true),
);
// The channel's ratePerSecond; above R it shows the adaptive back-off alone holding the provider's limit.
const configuredRate =
  values['configured-rate'] === undefined ? rate : positive('configured-rate', values['configured-rate']);
const shares: FaultShares = {
  transientOnce: nonNegative('inject-transient-once'),
  hangFirst: nonNegative('inject-hang'),
  permanent: nonNegative('inject-permanent'),
};
checkFaultShares(shares);
const seed = numberFlag('seed', values.seed, { integer: true, zero: true });
const hangMs = positive('hang-ms', values['hang-ms'], true);
// Recipients, not SQS messages: the provider's limit is per send, however many recipients a task carries.
const total = Math.ceil(rate * seconds);
// Generous: a run that has not settled by then is broken, not slow.
const giveUpMs = (seconds * 3 + 120) * 1000 + hangMs;

/** Task bodies for `count` recipients of one run, packed by the planner's own groupTasks. */
function taskBodies(runId: string, job: string, count: number): string[] {
  const recipients = Array.from({ length: count }, (_, n) => ({
    cursor: String(n),
    recipient: { id: `r${n}`, fields: { name: `R${n}` } },
  }));
  return groupTasks({ runId, job }, recipients, perTask).map((task) => task.body);
}

async function fillQueue(stack: Stack, bodies: readonly string[]): Promise<void> {
  const batches = Array.from({ length: Math.ceil(bodies.length / 10) }, (_, batch) =>
    bodies.slice(batch * 10, batch * 10 + 10),
  );
  for (let start = 0; start < batches.length; start += 10) {
    await Promise.all(
      batches.slice(start, start + 10).map(async (entries) => {
        const { Failed = [] } = await stack.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: stack.queues.queueUrl,
            Entries: entries.map((body, index) => ({ Id: String(index), MessageBody: body })),
          }),
        );
        if (Failed.length > 0)
          throw new Error(`filling the queue: ${Failed.length} messages refused, first: ${Failed[0]?.Message}`);
      }),
    );
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
  const sqs = await startSqsProcess();
  stops.push(sqs.stop);
  const token = 'bench-page-access-token-0123456789';
  const latencyMs = nonNegative('latency-ms');
  const sandbox = await startSandbox({
    accessToken: token,
    ratePerSecond: rate,
    latencyMs,
    latencyJitterMs: nonNegative('jitter-ms'),
    usageWindowMs: nonNegative('usage-window-ms'),
    faults: { seed, shares, hangMs },
  });
  stops.push(sandbox.stop);
  // NOTIFIER_SENDER_INSTANCES is the whole fleet, not one process's share.
  const stack = await startStack({
    name: 'ratebench',
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 10,
    extraEnv: { NOTIFIER_SENDER_INSTANCES: String(senders), NOTIFIER_SENDER_PARALLELISM: String(parallelism) },
  });
  stops.push(stack.stop);

  await putSenderOnlyConfig(stack, {
    baseUrl: sandbox.baseUrl,
    token,
    ratePerSecond: configuredRate,
    template: 'Hi {{name}}',
    timeoutMs: 5000,
  });
  await fillQueue(stack, taskBodies('bench@2026-11-28T00:00:00Z', 'bench', total));

  // startStack set up the environment the module gives its senders; the sender processes inherit it.
  const fleet = await startSenderFleet({
    instances: senders,
    processes,
    queueUrl: stack.queues.queueUrl,
    batchSize,
    functionTimeoutMs: 30_000,
    drainMs: 1_000,
  });
  stops.push(fleet.stop);
  fleet.go();
  const started = Date.now();
  // Settled when the queue has been empty twice in a row: every recipient has its outcome (or went to the DLQ).
  for (let quiet = 0; quiet < 2; ) {
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 500)), fleet.crashed]);
    const depth = await queueDepth(stack.sqs, stack.queues.queueUrl);
    quiet = depth.visible + depth.inFlight === 0 ? quiet + 1 : 0;
    if (Date.now() - started > giveUpMs)
      throw new Error(`the queue still held ${depth.visible + depth.inFlight} tasks after ${giveUpMs / 1000} s`);
  }
  report(sandbox, { loadBefore, latencyMs });
}

function report(sandbox: Awaited<ReturnType<typeof startSandbox>>, context: { loadBefore: number; latencyMs: number }) {
  const counts = sandbox.counts();
  const figures = deliveryFigures(
    { ...counts, acceptedAt: sandbox.deliveries.map((delivery) => delivery.at) },
    {
      startedAt: counts.firstRequestAt ?? 0,
      endedAt: counts.lastAnswerAt ?? counts.firstRequestAt ?? 0,
      providerRate: rate,
    },
  );
  // What the fault plans say must happen: every recipient delivered but the permanent ones.
  const delivered = new Set(sandbox.deliveries.map((delivery) => delivery.recipientId));
  let expected = 0;
  let missing = 0;
  for (let n = 0; n < total; n++) {
    if (faultFor(seed, `r${n}`, shares) === 'permanent') continue;
    expected++;
    if (!delivered.has(`r${n}`)) missing++;
  }
  const pct = (share: number | null) => (share === null ? 'n/a' : `${(share * 100).toFixed(1)} %`);
  console.log(
    `machine: ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}, load average ${context.loadBefore.toFixed(2)} before the run`,
  );
  console.log(
    `R = ${rate}/s, ${senders} senders in ${processes} processes, batches of ${batchSize} tasks of ${perTask}, ${parallelism} sends in flight each (channel ratePerSecond ${configuredRate}), ${total} recipients, faults ${JSON.stringify(shares)}, hang ${hangMs} ms`,
  );
  console.log(
    `sustained accepted rate (first acceptance to 95 % of them): ${figures.sustainedPerSecond?.toFixed(1) ?? 'n/a'}/s = ${pct(figures.shareOfRate)} of R`,
  );
  console.log(
    `run duration (first send to last answer): ${(figures.durationMs / 1000).toFixed(1)} s (audience / R = ${(total / rate).toFixed(1)} s)`,
  );
  console.log(
    `rejected for rate (613): ${figures.rejectedForRate} of ${figures.requests} requests = ${(figures.rejectedForRateShare * 100).toFixed(2)} %; abandoned by the client: ${figures.abandoned}`,
  );
  console.log(
    `delivered ${delivered.size} distinct of ${expected} the fault plans deliver (missing ${missing}); recipients delivered more than once: ${figures.duplicates}`,
  );
  const tails = !noFaults(shares);
  console.log(
    JSON.stringify({
      rate,
      configuredRate,
      senders,
      processes,
      batchSize,
      perTask,
      parallelism,
      recipients: total,
      latencyMs: context.latencyMs,
      faults: shares,
      hangMs,
      seed,
      tails,
      ...figures,
      expectedDelivered: expected,
      missing,
    }),
  );
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
