// Handler durations that feed the cost model (tools/cost/model.ts): the planner's wall time per 1,000
// recipients and the sender's wall time per batch, measured on the local stack with the shipped dist/ bundles.
//
// Usage: node_modules/.bin/node --import tsx bench/handler-durations.ts [--audience 20000] [--runs 7]
//        [--batches 40] [--latency-ms 150] [--out tools/cost/durations.json]
//
// It starts its own DynamoDB Local (Java 17) and PostgreSQL 15 (PGlite when the server binaries are missing),
// an in-process fauxqs and two Messenger sandboxes (no latency, and --latency-ms), then:
// - planner: one warm-up tick, then --runs ticks of an --audience-row job (pageSize 1000, enqueueConcurrency 5,
//   recipientsPerTask 10, the job defaults);
// - sender: the handler invoked directly (as Lambda bills it: no SQS receive/delete time) with batches of version 2
//   tasks built by the planner's own groupTasks: 1 task of 1 recipient, 1 of 10, 10 of 1 and 10 of 10 at latency 0,
//   and 10 of 1 and 10 of 10 at --latency-ms, --batches of each, interleaved. A least-squares fit of the latency-0
//   medians gives the time per batch, per task (claim and record) and per notification; the --latency-ms medians
//   check the model's formula;
// - the bytes the bundles log (the sender's per invocation and per send), the task body (envelope and bytes per
//   recipient), the ledger items as DynamoDB sizes them (a group item of 1 and of 10 recipients after recording,
//   and the run item), and the cold import time (INIT) of each bundle.
// Medians over the repetitions are reported with the machine. Progress goes to stderr; the JSON to --out, the data
// file the cost model's defaults are read from.

import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { groupKey, keyAttributes, type LedgerKey, runKey } from '../handlers/aws/ledger/index.js';
import { runIdFor } from '../handlers/core/run-id.js';
import { groupTasks, type TaskRecipient } from '../handlers/core/task.js';
import type { SqsEvent } from '../handlers/delivery/batch.js';
import { lambdaContext, repoRoot } from '../tools/local/bundle.js';
import { startDynamoDbLocal } from '../tools/local/dynamodb-local.js';
import { divertHandlerOutput } from '../tools/local/handler-output.js';
import { type PostgresService, startPglite, startPostgresServer } from '../tools/local/postgres.js';
import { startSandbox } from '../tools/local/sandbox.js';
import { startSqs } from '../tools/local/sqs.js';
import { startStack } from '../tools/local/stack.js';
import { numberFlag } from './flags.js';
import { dynamoItemBytes, valueBytes } from './item-size.js';

const { values: flags } = parseArgs({
  options: {
    audience: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '7' },
    batches: { type: 'string', default: '40' },
    'latency-ms': { type: 'string', default: '150' },
    out: { type: 'string', default: 'tools/cost/durations.json' },
  },
});
const positiveInt = (name: string, value: string | undefined) => numberFlag(name, value, { integer: true });
const audience = positiveInt('audience', flags.audience);
const runs = positiveInt('runs', flags.runs);
const batches = positiveInt('batches', flags.batches);
const latencyMs = positiveInt('latency-ms', flags['latency-ms']);
const PAGE_SIZE = 1000;
/** The job default; the sender's batches use it too. */
const RECIPIENTS_PER_TASK = 10;
/** NOTIFIER_SENDER_PARALLELISM as the module sets it for batch_size 10. */
const PARALLELISM = 10;
const TOKEN = 'EAAB-bench-page-token-0123456789abcdef';

/**
 * JSON laid out as Biome formats it, since the repository's lint checks the data file: two-space indent, an array of
 * numbers on one line (the bench's arrays are short enough to fit the line width).
 */
const formatJson = (value: unknown) =>
  `${JSON.stringify(value, null, 2).replace(/\[\s+([^[\]{}"]*?)\s+\]/g, (_, items: string) => `[${items.split(/,\s+/).join(', ')}]`)}\n`;
const progress = (message: string) => process.stderr.write(`[durations] ${message}\n`);
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
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

/** Least-squares solution of y = x . beta (normal equations, Gauss-Jordan elimination with partial pivoting). */
function leastSquares(points: readonly { x: readonly number[]; y: number }[]): number[] {
  const size = points[0]?.x.length ?? 0;
  const matrix = Array.from({ length: size }, (_, row) => [
    ...Array.from({ length: size }, (_, column) =>
      points.reduce((sum, point) => sum + (point.x[row] as number) * (point.x[column] as number), 0),
    ),
    points.reduce((sum, point) => sum + (point.x[row] as number) * point.y, 0),
  ]);
  for (let column = 0; column < size; column++) {
    const pivot = matrix
      .slice(column)
      .reduce(
        (best, row, index) =>
          Math.abs(row[column] as number) > Math.abs((matrix[best] as number[])[column] as number)
            ? column + index
            : best,
        column,
      );
    [matrix[column], matrix[pivot]] = [matrix[pivot] as number[], matrix[column] as number[]];
    const lead = matrix[column] as number[];
    if (Math.abs(lead[column] as number) < 1e-12) throw new Error('the sender shapes do not determine the fit');
    for (let row = 0; row < size; row++) {
      if (row === column) continue;
      const target = matrix[row] as number[];
      const factor = (target[column] as number) / (lead[column] as number);
      for (let index = column; index <= size; index++)
        target[index] = (target[index] as number) - factor * (lead[index] as number);
    }
  }
  return matrix.map((row, index) => (row[size] as number) / (row[index] as number));
}

async function seed(service: PostgresService, rows: number) {
  const client = new pg.Client({ connectionString: service.url });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS users');
  await client.query('CREATE TABLE users (id bigint PRIMARY KEY, psid text NOT NULL, first_name text)');
  // Messenger page-scoped ids are 16-digit numbers: the task bodies get their real size.
  await client.query(
    `INSERT INTO users (id, psid, first_name) SELECT g, (7000000000000000 + g)::text, 'User' || g FROM generate_series(1, $1) AS g`,
    [rows],
  );
  await client.end();
}

function coldImportMs(name: 'planner' | 'sender', samples: number): number {
  const env = {
    ...process.env,
    NOTIFIER_CONFIG_TABLE: 'c',
    NOTIFIER_LEDGER_TABLE: 'l',
    NOTIFIER_QUEUE_URL: 'http://127.0.0.1:9/q',
    NOTIFIER_CHANNEL_HOSTS: 'messenger:graph.facebook.com',
    NOTIFIER_DATABASE_HOSTS: '',
    AWS_REGION: 'us-east-1',
  };
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
    extraEnv: { NOTIFIER_SENDER_INSTANCES: '1', NOTIFIER_SENDER_PARALLELISM: String(PARALLELISM) },
  });
  services.push(stack);
  const databaseItem = {
    kind: 'database',
    id: 'bench-db',
    host: database.host,
    port: database.port,
    database: database.database,
    user: database.user,
    password: { inline: database.password },
    ssl: 'disable',
    allowInlineSecrets: true,
  };
  const channel = (id: string, baseUrl: string) => ({
    kind: 'channel',
    id,
    type: 'messenger',
    baseUrl,
    pageId: 'me',
    accessToken: { inline: TOKEN },
    allowInlineSecrets: true,
    timeoutMs: 5000,
    ratePerSecond: 10_000,
  });
  const job = (id: string, channelId: string, limit: number) => ({
    kind: 'job',
    id,
    database: 'bench-db',
    channel: channelId,
    audience: {
      sql: 'SELECT id, psid, first_name FROM users WHERE id <= $1',
      params: [limit],
      idColumn: 'id',
      recipientColumn: 'psid',
    },
    template: { text: 'Hello {{first_name}}, your daily digest is ready' },
    pageSize: PAGE_SIZE,
    recipientsPerTask: RECIPIENTS_PER_TASK,
  });
  for (const item of [
    databaseItem,
    channel('fast', fast.baseUrl),
    channel('slow', slow.baseUrl),
    job('warm', 'fast', 50),
    job('bench', 'fast', audience),
    job('send-fast', 'fast', audience),
    job('send-slow', 'slow', audience),
  ])
    await stack.putConfig(item);

  // Planner ---------------------------------------------------------------------------------------------------
  progress('planner: warm-up tick (loads the bundle, opens the database connection)');
  await stack.tick('warm', '2026-01-01T00:00:00Z');
  await stack.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.queues.queueUrl }));
  const plannerMs: number[] = [];
  const plannerLogBytes: number[] = [];
  let taskSizes = { bodyBytes: 0, recipients: 0, headBytes: 0, recipientBytes: 0 };
  let plannerInvocations = 0;
  for (let run = 0; run < runs; run++) {
    const scheduledTime = new Date(Date.UTC(2026, 1, 1, run)).toISOString();
    loggedBytes = 0;
    const begin = performance.now();
    const outcomes = await stack.tick('bench', scheduledTime, { timeoutMs: 600_000 });
    const elapsed = performance.now() - begin;
    const failed = outcomes.find((outcome) => !outcome.ok);
    if (failed && !failed.ok) throw failed.error;
    const enqueued = outcomes.reduce(
      (sum, outcome) => sum + (outcome.ok && 'enqueued' in outcome.result ? outcome.result.enqueued : 0),
      0,
    );
    if (enqueued !== audience) throw new Error(`planner run ${run} enqueued ${enqueued} of ${audience}`);
    plannerInvocations = outcomes.length;
    plannerMs.push((elapsed / audience) * 1000);
    plannerLogBytes.push((loggedBytes / audience) * 1000);
    if (run === 0) {
      // A body is an envelope (version, run, job, group) plus one JSON entry per recipient and a comma between them.
      const { Messages = [] } = await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: stack.queues.queueUrl, MaxNumberOfMessages: 10 }),
      );
      const bodies = Messages.map((message) => message.Body ?? '');
      const parsed = bodies.map((body) => JSON.parse(body) as { recipients: TaskRecipient[] });
      const entries = parsed.flatMap((task) =>
        task.recipients.map((entry) => Buffer.byteLength(JSON.stringify(entry)) + 1),
      );
      const bodyBytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0) / bodies.length;
      const recipients = entries.length / bodies.length;
      const recipientBytes = entries.reduce((sum, bytes) => sum + bytes, 0) / entries.length;
      taskSizes = {
        bodyBytes: round(bodyBytes),
        recipients,
        headBytes: round(bodyBytes - recipients * recipientBytes),
        recipientBytes: round(recipientBytes),
      };
    }
    await stack.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.queues.queueUrl }));
    progress(
      `planner run ${run + 1}/${runs}: ${audience} recipients in ${elapsed.toFixed(0)} ms (${((elapsed / audience) * 1000).toFixed(1)} ms per 1,000)`,
    );
  }

  // Sender ----------------------------------------------------------------------------------------------------
  const sender = await stack.loadSender();
  let recipient = 8000000000000000;
  let cursor = 0;
  const runId = 'send@2026-03-01T00:00:00.000Z';
  /** A batch of `tasks` version 2 bodies of `perTask` fresh recipients each, as the planner builds them. */
  const event = (jobId: string, tasks: number, perTask: number): { event: SqsEvent; groups: string[] } => {
    const recipients = Array.from({ length: tasks * perTask }, () => {
      const id = String(++recipient);
      return { cursor: String(++cursor), recipient: { id, fields: { first_name: `User${recipient % 100000}` } } };
    });
    const built = groupTasks({ runId, job: jobId }, recipients, perTask);
    return {
      event: {
        Records: built.map((task) => ({
          messageId: randomUUID(),
          body: task.body,
          attributes: { ApproximateReceiveCount: '1' },
        })),
      },
      groups: built.map((task) => task.key),
    };
  };
  type Shape = { readonly tasks: number; readonly perTask: number; readonly latency: boolean };
  type Sample = { times: number[]; bytes: number; lastGroup: string };
  async function measureBatch(shape: Shape, into: Sample) {
    const jobId = shape.latency ? 'send-slow' : 'send-fast';
    const { event: batch, groups } = event(jobId, shape.tasks, shape.perTask);
    loggedBytes = 0;
    const begin = performance.now();
    const response = await sender(batch, lambdaContext('sender', 30_000));
    into.times.push(performance.now() - begin);
    into.bytes += loggedBytes;
    into.lastGroup = groups.at(-1) ?? '';
    if (response.batchItemFailures.length > 0)
      throw new Error(
        `sender reported ${response.batchItemFailures.length} failures in a ${jobId} batch of ${shape.tasks} x ${shape.perTask}`,
      );
  }
  const shapes = {
    '1x1': { tasks: 1, perTask: 1, latency: false },
    '1x10': { tasks: 1, perTask: RECIPIENTS_PER_TASK, latency: false },
    '10x1': { tasks: 10, perTask: 1, latency: false },
    '10x10': { tasks: 10, perTask: RECIPIENTS_PER_TASK, latency: false },
    '10x1@latency': { tasks: 10, perTask: 1, latency: true },
    '10x10@latency': { tasks: 10, perTask: RECIPIENTS_PER_TASK, latency: true },
  } as const satisfies Record<string, Shape>;
  type ShapeName = keyof typeof shapes;
  progress('sender: warm-up batches');
  const warm: Sample = { times: [], bytes: 0, lastGroup: '' };
  for (let index = 0; index < 5; index++) await measureBatch(shapes['10x10'], warm);
  await measureBatch(shapes['10x10@latency'], warm);
  progress(
    `sender: ${batches} batches of each shape (tasks x recipients per task: ${Object.keys(shapes).join(', ')}; latency ${latencyMs} ms), interleaved`,
  );
  const samples = Object.fromEntries(
    Object.keys(shapes).map((name) => [name, { times: [], bytes: 0, lastGroup: '' }]),
  ) as unknown as Record<ShapeName, Sample>;
  // Interleaved, so a noisy neighbour on the machine slows all shapes alike.
  for (let index = 0; index < batches; index++) {
    for (const name of Object.keys(shapes) as ShapeName[]) await measureBatch(shapes[name], samples[name]);
  }
  const medians = Object.fromEntries(
    (Object.keys(shapes) as ShapeName[]).map((name) => [name, median(samples[name].times)]),
  ) as Record<ShapeName, number>;

  // time = batch + tasks x task + notifications x notification (+ waves x latency), fitted on the latency-0 shapes.
  const fitted = leastSquares(
    (['1x1', '1x10', '10x1', '10x10'] as const).map((name) => {
      const { tasks, perTask } = shapes[name];
      return { x: [1, tasks, tasks * perTask], y: medians[name] };
    }),
  );
  const [overheadMsPerBatch, perTaskMs, perNotificationMs] = fitted as [number, number, number];
  const predict = (shape: Shape) => {
    const notifications = shape.tasks * shape.perTask;
    const waves = shape.latency ? Math.ceil(notifications / Math.min(notifications, PARALLELISM)) : 0;
    return overheadMsPerBatch + shape.tasks * perTaskMs + notifications * perNotificationMs + waves * latencyMs;
  };
  const senderShapes = Object.fromEntries(
    (Object.keys(shapes) as ShapeName[]).map((name) => [
      name,
      {
        ...shapes[name],
        medianMs: round(medians[name]),
        quartilesMs: quartiles(samples[name].times),
        modelMs: round(predict(shapes[name])),
        logBytesPerBatch: Math.round(samples[name].bytes / samples[name].times.length),
      },
    ]),
  );
  // The success path logs one EMF line per invocation; its ProviderLatency array holds one value per send (at most
  // 100), so the line's size follows the sends: fitted on the two latency shapes, whose values are all 3 digits.
  const logTen = samples['10x1@latency'].bytes / samples['10x1@latency'].times.length;
  const logHundred = samples['10x10@latency'].bytes / samples['10x10@latency'].times.length;
  const logBytesPerSend =
    (logHundred - logTen) /
    (shapes['10x10@latency'].tasks * shapes['10x10@latency'].perTask - shapes['10x1@latency'].tasks);
  const logBytesPerInvocation = logTen - shapes['10x1@latency'].tasks * logBytesPerSend;
  for (const [name, shape] of Object.entries(senderShapes))
    progress(`sender ${name}: median ${shape.medianMs} ms, model ${shape.modelMs} ms`);
  progress(
    `sender fit: ${overheadMsPerBatch.toFixed(2)} ms per batch + ${perTaskMs.toFixed(2)} ms per task + ${perNotificationMs.toFixed(2)} ms per notification`,
  );

  // Item sizes, from what the handlers wrote ------------------------------------------------------------------
  const getItem = async (key: LedgerKey) =>
    (
      await stack.dynamo.send(
        new GetItemCommand({ TableName: stack.names.ledger, Key: keyAttributes(key), ConsistentRead: true }),
      )
    ).Item;
  const groupOne = await getItem(groupKey(runId, samples['1x1'].lastGroup));
  const groupTen = await getItem(groupKey(runId, samples['1x10'].lastGroup));
  const runItem = await getItem(runKey(runIdFor('bench', new Date(Date.UTC(2026, 1, 1, 0)).toISOString())));
  if (!groupOne || !groupTen || !runItem) throw new Error('ledger items not found: the bench cannot size them');
  // The outcome entries apart from the provider's message id, whose real size the model sets (the sandbox's is short).
  const outcomeSizes = (item: NonNullable<typeof groupTen>) => {
    const entries = Object.entries(item.outcomes?.M ?? {});
    const messageIds = entries.map(([, value]) => Buffer.byteLength(value.M?.m?.S ?? ''));
    const bytes = entries.map(([name, value]) => Buffer.byteLength(name) + valueBytes(value) + 1);
    return {
      count: entries.length,
      entryBytes: bytes.reduce((sum, value) => sum + value, 0) / entries.length,
      messageIdBytes: messageIds.reduce((sum, value) => sum + value, 0) / entries.length,
    };
  };
  const ten = outcomeSizes(groupTen);
  if (ten.count !== RECIPIENTS_PER_TASK || outcomeSizes(groupOne).count !== 1)
    throw new Error('a group item does not hold one outcome per recipient');
  const groupItemBaseBytes = dynamoItemBytes({ ...groupTen, outcomes: { M: {} } });
  const sizes = {
    taskBodyBytes: taskSizes.bodyBytes,
    taskRecipients: taskSizes.recipients,
    taskHeadBytes: taskSizes.headBytes,
    taskRecipientBytes: taskSizes.recipientBytes,
    groupItemBytes1: dynamoItemBytes(groupOne),
    groupItemBytes10: dynamoItemBytes(groupTen),
    groupItemBaseBytes,
    groupOutcomeBytes: round(ten.entryBytes),
    sandboxMessageIdBytes: round(ten.messageIdBytes),
    runItemBytes: dynamoItemBytes(runItem),
  };
  progress(
    `sizes: task body ${sizes.taskBodyBytes} B (${sizes.taskRecipients} recipients), group item ${sizes.groupItemBytes1} B (1) / ${sizes.groupItemBytes10} B (10), run item ${sizes.runItemBytes} B`,
  );

  progress('cold import (INIT) of each bundle in fresh processes');
  const initMs = { planner: coldImportMs('planner', 7), sender: coldImportMs('sender', 7) };

  const cpu = cpus();
  const result = {
    measuredAt: new Date().toISOString(),
    command: `node_modules/.bin/node --import tsx bench/handler-durations.ts --audience ${audience} --runs ${runs} --batches ${batches} --latency-ms ${latencyMs}`,
    machine: {
      cpuModel: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      os: `${process.platform} ${release()}`,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg().map((value) => round(value)),
    },
    stack: {
      database: databaseKind,
      dynamodb: 'DynamoDB Local (in memory, Java)',
      sqs: 'fauxqs (in process)',
      bundles: 'dist/planner.zip, dist/sender.zip',
    },
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
      parallelism: PARALLELISM,
      paced: false,
      recipientsPerTask: RECIPIENTS_PER_TASK,
      latencyMs,
      shapes: senderShapes,
      overheadMsPerBatch: round(overheadMsPerBatch),
      perTaskMs: round(perTaskMs),
      perNotificationMs: round(perNotificationMs),
      logBytesPerInvocation: Math.round(logBytesPerInvocation),
      logBytesPerSend: round(logBytesPerSend),
    },
    sizes,
    initMs: { planner: round(initMs.planner), sender: round(initMs.sender) },
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  };
  const out = join(repoRoot, flags.out as string);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, formatJson(result));
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
    await Promise.race([
      service.stop().catch((error: unknown) => progress(`stopping a service failed: ${(error as Error).message}`)),
      timeout,
    ]);
    clearTimeout(timer);
  }
  // The planner bundle keeps its database connection for warm invocations, as in Lambda: end the process.
  process.exit(process.exitCode ?? 0);
}
