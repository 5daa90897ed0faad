// Handler durations that feed the cost model (handlers/cost/model.ts): the planner's wall time per 1,000
// recipients and the sender's wall time per batch, measured on the local stack with the shipped dist/ bundles.
//
// Usage: node_modules/.bin/node --import tsx bench/handler-durations.ts [--audience 20000] [--runs 7]
//        [--batches 40] [--latency-ms 150] [--out bench/results/durations.json]
//
// It starts its own DynamoDB Local (Java 17) and PostgreSQL 15 (PGlite when the server binaries are missing),
// an in-process fauxqs and two Messenger sandboxes (no latency, and --latency-ms), then:
// - planner: one warm-up tick, then --runs ticks of an --audience-row job (pageSize 1000, enqueueConcurrency 5);
// - sender: the handler invoked directly (as Lambda bills it: no SQS receive/delete time) with batches of 1 and
//   10 fresh tasks, at latency 0 and --latency-ms; overhead and per-notification cost come from the batch-1 and
//   batch-10 medians at latency 0, and the --latency-ms medians check the model's prediction;
// - the bytes the bundles log per notification, the task body size, the ledger item sizes, and the cold import
//   time (INIT) of each bundle.
// Medians over the repetitions are reported with the machine. Progress goes to stderr; the JSON to --out.
import { divertHandlerOutput } from '../handlers/local/handler-output.js';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { lambdaContext, repoRoot } from '../handlers/local/bundle.js';
import { startDynamoDbLocal } from '../handlers/local/dynamodb-local.js';
import { startPglite, startPostgresServer, type PostgresService } from '../handlers/local/postgres.js';
import { startSandbox } from '../handlers/local/sandbox.js';
import { startSqs } from '../handlers/local/sqs.js';
import { startStack } from '../handlers/local/stack.js';
import { runIdFor } from '../handlers/core/run-id.js';
import type { SqsEvent } from '../handlers/delivery.js';

const { values: flags } = parseArgs({
  options: {
    audience: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '7' },
    batches: { type: 'string', default: '40' },
    'latency-ms': { type: 'string', default: '150' },
    out: { type: 'string', default: 'bench/results/durations.json' },
  },
});
const positiveInt = (name: string, value: string | undefined) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return number;
};
const audience = positiveInt('audience', flags.audience);
const runs = positiveInt('runs', flags.runs);
const batches = positiveInt('batches', flags.batches);
const latencyMs = positiveInt('latency-ms', flags['latency-ms']);
const PAGE_SIZE = 1000;
const TOKEN = 'EAAB-bench-page-token-0123456789abcdef';

const progress = (message: string) => process.stderr.write(`[durations] ${message}\n`);
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const quartiles = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return [round(at(0.25)), round(at(0.75))];
};

// The bundles log JSON lines (and EMF metrics) to stdout: count their bytes, keep them off the terminal.
let loggedBytes = 0;
const restoreStdout = divertHandlerOutput((text) => (loggedBytes += Buffer.byteLength(text)));

/** DynamoDB's item size: attribute names plus values (numbers ~1 byte per 2 digits + 1), before the 100-byte overhead. */
function itemBytes(item: Record<string, AttributeValue> | undefined): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item ?? {})) {
    bytes += Buffer.byteLength(name);
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S);
    else if (value.N !== undefined) bytes += Math.ceil(value.N.replace(/[-.]/g, '').replace(/^0+/, '').length / 2) + 1;
    else if (value.BOOL !== undefined || value.NULL !== undefined) bytes += 1;
    else bytes += Buffer.byteLength(JSON.stringify(value));
  }
  return bytes;
}

async function seed(service: PostgresService, rows: number) {
  const client = new pg.Client({ connectionString: service.url });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS users');
  await client.query('CREATE TABLE users (id bigint PRIMARY KEY, psid text NOT NULL, first_name text)');
  // Messenger page-scoped ids are 16-digit numbers: the task bodies get their real size.
  await client.query(`INSERT INTO users (id, psid, first_name) SELECT g, (7000000000000000 + g)::text, 'User' || g FROM generate_series(1, $1) AS g`, [rows]);
  await client.end();
}

function coldImportMs(name: 'planner' | 'sender', samples: number): number {
  const env = { ...process.env, NOTIFIER_CONFIG_TABLE: 'c', NOTIFIER_LEDGER_TABLE: 'l', NOTIFIER_QUEUE_URL: 'http://127.0.0.1:9/q', AWS_REGION: 'us-east-1' };
  const script = `import{readFileSync,mkdtempSync,mkdirSync,writeFileSync}from'node:fs';import{tmpdir}from'node:os';import{join,dirname}from'node:path';import{pathToFileURL}from'node:url';
const{readZip}=await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'scripts', 'zip.mjs')).href)});
const dir=mkdtempSync(join(tmpdir(),'init-'));for(const f of readZip(readFileSync(${JSON.stringify(join(repoRoot, 'dist', `${name}.zip`))}))){const p=join(dir,f.name);mkdirSync(dirname(p),{recursive:true});writeFileSync(p,f.data);}
const t=performance.now();await import(pathToFileURL(join(dir,'index.mjs')).href);process.stderr.write('INIT '+(performance.now()-t)+'\\n');`;
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    const match = /INIT ([\d.]+)/.exec(child.stderr);
    if (!match) throw new Error(`cold import of the ${name} bundle failed: ${child.stderr}`);
    times.push(Number(match[1]));
  }
  return median(times);
}

const started = Date.now();
const loadAtStart = loadavg().map((value) => round(value));
const services: { stop(): Promise<void> }[] = [];
try {
  progress('starting DynamoDB Local, PostgreSQL, fauxqs and two Messenger sandboxes');
  const dynamo = await startDynamoDbLocal();
  services.push(dynamo);
  let database: PostgresService;
  let databaseKind: 'postgresql-server' | 'pglite';
  try {
    database = await startPostgresServer();
    databaseKind = 'postgresql-server';
  } catch (error) {
    progress(`PostgreSQL server unavailable (${(error as Error).message.split('\n')[0]}); using PGlite`);
    database = await startPglite();
    databaseKind = 'pglite';
  }
  services.push(database);
  const sqs = await startSqs();
  services.push(sqs);
  const fast = await startSandbox({ accessToken: TOKEN });
  const slow = await startSandbox({ accessToken: TOKEN, latencyMs });
  services.push(fast, slow);
  await seed(database, audience);

  const stack = await startStack({
    name: `bench${randomUUID().slice(0, 8)}`,
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 5,
    plannerTimeoutMs: 900_000,
    // Pacing is modelled separately (channel rate / maximum concurrency): measure the handler unpaced.
    extraEnv: { NOTIFIER_SENDER_INSTANCES: '1', NOTIFIER_SENDER_PARALLELISM: '10' },
  });
  services.push(stack);
  const databaseItem = { kind: 'database', id: 'bench-db', host: database.host, port: database.port, database: database.database, user: database.user, password: { inline: database.password }, ssl: 'disable', allowInlineSecrets: true };
  const channel = (id: string, baseUrl: string) => ({ kind: 'channel', id, type: 'messenger', baseUrl, pageId: 'me', accessToken: { inline: TOKEN }, allowInlineSecrets: true, timeoutMs: 5000, ratePerSecond: 10_000 });
  const job = (id: string, channelId: string, limit: number) => ({
    kind: 'job',
    id,
    database: 'bench-db',
    channel: channelId,
    audience: { sql: 'SELECT id, psid, first_name FROM users WHERE id <= $1', params: [limit], idColumn: 'id', recipientColumn: 'psid' },
    template: { text: 'Hello {{first_name}}, your daily digest is ready' },
    pageSize: PAGE_SIZE,
  });
  for (const item of [databaseItem, channel('fast', fast.baseUrl), channel('slow', slow.baseUrl), job('warm', 'fast', 50), job('bench', 'fast', audience), job('send-fast', 'fast', audience), job('send-slow', 'slow', audience)]) await stack.putConfig(item);

  // Planner ---------------------------------------------------------------------------------------------------
  progress('planner: warm-up tick (loads the bundle, opens the database connection)');
  await stack.tick('warm', '2026-01-01T00:00:00Z');
  await stack.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.queues.queueUrl }));
  const plannerMs: number[] = [];
  const plannerLogBytes: number[] = [];
  let taskBodyBytes = 0;
  let plannerInvocations = 0;
  for (let run = 0; run < runs; run++) {
    const scheduledTime = new Date(Date.UTC(2026, 1, 1, run)).toISOString();
    loggedBytes = 0;
    const begin = performance.now();
    const outcomes = await stack.tick('bench', scheduledTime, { timeoutMs: 600_000 });
    const elapsed = performance.now() - begin;
    const failed = outcomes.find((outcome) => !outcome.ok);
    if (failed && !failed.ok) throw failed.error;
    const enqueued = outcomes.reduce((sum, outcome) => sum + (outcome.ok && 'enqueued' in outcome.result ? outcome.result.enqueued : 0), 0);
    if (enqueued !== audience) throw new Error(`planner run ${run} enqueued ${enqueued} of ${audience}`);
    plannerInvocations = outcomes.length;
    plannerMs.push((elapsed / audience) * 1000);
    plannerLogBytes.push((loggedBytes / audience) * 1000);
    if (run === 0) {
      const { Messages = [] } = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queues.queueUrl, MaxNumberOfMessages: 10 }));
      taskBodyBytes = median(Messages.map((message) => Buffer.byteLength(message.Body ?? '')));
    }
    await stack.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.queues.queueUrl }));
    progress(`planner run ${run + 1}/${runs}: ${audience} recipients in ${elapsed.toFixed(0)} ms (${((elapsed / audience) * 1000).toFixed(1)} ms per 1,000)`);
  }

  // Sender ----------------------------------------------------------------------------------------------------
  const sender = await stack.loadSender();
  let recipient = 8000000000000000;
  const runId = 'send@2026-03-01T00:00:00.000Z';
  const event = (jobId: string, size: number): SqsEvent => ({
    Records: Array.from({ length: size }, () => ({
      messageId: randomUUID(),
      body: JSON.stringify({ v: 1, runId, job: jobId, recipientId: String(++recipient), fields: { first_name: `User${recipient % 100000}` } }),
      attributes: { ApproximateReceiveCount: '1' },
    })),
  });
  type Sample = { times: number[]; bytes: number };
  async function measureBatch(jobId: string, size: number, into: Sample) {
    const batch = event(jobId, size);
    loggedBytes = 0;
    const begin = performance.now();
    const response = await sender(batch, lambdaContext('sender', 30_000));
    into.times.push(performance.now() - begin);
    into.bytes += loggedBytes;
    if (response.batchItemFailures.length > 0) throw new Error(`sender reported ${response.batchItemFailures.length} failures in a ${jobId} batch`);
  }
  const summary = (sample: Sample) => ({ medianMs: median(sample.times), quartilesMs: quartiles(sample.times), logBytesPerBatch: sample.bytes / sample.times.length });
  progress('sender: warm-up batches');
  const warm: Sample = { times: [], bytes: 0 };
  for (let index = 0; index < 5; index++) await measureBatch('send-fast', 10, warm);
  await measureBatch('send-slow', 10, warm);
  progress(`sender: ${batches} batches each of 1 and 10 tasks at latency 0 and ${latencyMs} ms, interleaved`);
  // Interleaved, so a noisy neighbour on the machine slows all four alike.
  const samples = { one: { times: [], bytes: 0 }, ten: { times: [], bytes: 0 }, oneSlow: { times: [], bytes: 0 }, tenSlow: { times: [], bytes: 0 } } satisfies Record<string, Sample>;
  for (let index = 0; index < batches; index++) {
    await measureBatch('send-fast', 1, samples.one);
    await measureBatch('send-fast', 10, samples.ten);
    await measureBatch('send-slow', 1, samples.oneSlow);
    await measureBatch('send-slow', 10, samples.tenSlow);
  }
  const one = summary(samples.one);
  const ten = summary(samples.ten);
  const oneSlow = summary(samples.oneSlow);
  const tenSlow = summary(samples.tenSlow);
  const perNotificationMs = Math.max(0, (ten.medianMs - one.medianMs) / 9);
  const overheadMsPerBatch = Math.max(0, one.medianMs - perNotificationMs);
  const predictedTenSlow = overheadMsPerBatch + 10 * perNotificationMs + latencyMs;
  progress(`sender: batch of 1 ${one.medianMs.toFixed(1)} ms, of 10 ${ten.medianMs.toFixed(1)} ms; at ${latencyMs} ms latency ${tenSlow.medianMs.toFixed(1)} ms (model predicts ${predictedTenSlow.toFixed(1)})`);

  // Item sizes, from what the handlers wrote ------------------------------------------------------------------
  const getItem = async (pk: string) => (await stack.dynamo.send(new GetItemCommand({ TableName: stack.names.ledger, Key: { pk: { S: pk } } }))).Item;
  const deliveryItem = await getItem(`delivery#${runId}#${recipient}`);
  const runItem = await getItem(`run#${runIdFor('bench', new Date(Date.UTC(2026, 1, 1, 0)).toISOString())}`);
  if (!deliveryItem || !runItem) throw new Error('ledger items not found: the bench cannot size them');

  progress('cold import (INIT) of each bundle in fresh processes');
  const initMs = { planner: coldImportMs('planner', 7), sender: coldImportMs('sender', 7) };

  const cpu = cpus();
  const result = {
    measuredAt: new Date().toISOString(),
    command: `node_modules/.bin/node --import tsx bench/handler-durations.ts --audience ${audience} --runs ${runs} --batches ${batches} --latency-ms ${latencyMs}`,
    machine: { cpuModel: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, os: `${process.platform} ${release()}`, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((value) => round(value)) },
    stack: { database: databaseKind, dynamodb: 'DynamoDB Local (in memory, Java)', sqs: 'fauxqs (in process)', bundles: 'dist/planner.zip, dist/sender.zip' },
    planner: {
      audience,
      pageSize: PAGE_SIZE,
      enqueueConcurrency: 5,
      runs,
      invocationsPerRun: plannerInvocations,
      msPer1000: round(median(plannerMs)),
      quartilesMsPer1000: quartiles(plannerMs),
      samplesMsPer1000: plannerMs.map((value) => round(value)),
      logBytesPer1000: Math.round(median(plannerLogBytes)),
    },
    sender: {
      batches,
      parallelism: 10,
      paced: false,
      batch1LatencyZeroMs: round(one.medianMs),
      batch1LatencyZeroQuartilesMs: one.quartilesMs,
      batch10LatencyZeroMs: round(ten.medianMs),
      batch10LatencyZeroQuartilesMs: ten.quartilesMs,
      overheadMsPerBatch: round(overheadMsPerBatch),
      perNotificationMs: round(perNotificationMs),
      latencyMs,
      batch1AtLatencyMs: round(oneSlow.medianMs),
      batch10AtLatencyMs: round(tenSlow.medianMs),
      batch10AtLatencyQuartilesMs: tenSlow.quartilesMs,
      batch10AtLatencyPredictedMs: round(predictedTenSlow),
      logBytesPerBatch10: Math.round(tenSlow.logBytesPerBatch),
    },
    sizes: { taskBodyBytes, deliveryItemBytes: itemBytes(deliveryItem), runItemBytes: itemBytes(runItem) },
    initMs: { planner: round(initMs.planner), sender: round(initMs.sender) },
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  };
  const out = join(repoRoot, flags.out as string);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  restoreStdout();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${flags.out}\n`);
} catch (error) {
  progress(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  // fauxqs can hold its server open for idle keep-alive sockets: give each service a few seconds, then move on.
  for (const service of services.reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)));
    await Promise.race([service.stop().catch((error: unknown) => progress(`stopping a service failed: ${(error as Error).message}`)), timeout]);
    clearTimeout(timer);
  }
  // The planner bundle keeps its database connection for warm invocations, as in Lambda: end the process.
  process.exit(process.exitCode ?? 0);
}
