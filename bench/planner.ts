// Planner throughput (recipients/s from PostgreSQL to the queue) against a raw SendMessageBatch loop at the same
// concurrency, and the planner's peak memory at two audience sizes. Each measured process runs alone, started the way
// the Lambda Node.js runtime starts a function (see lambdaNodeArgs). Usage: npm run bench:planner [-- --throughput-size
// 1000000 --repeats 3 --small 10000 --large 1000000 --memory 512 --page-size 1000
//        --sqs-latency-ms 0 --no-exec-wrapper --no-pin]
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { repoRoot, unpackBundle } from '../tools/local/bundle.js';
import { startDynamoDbLocal } from '../tools/local/dynamodb-local.js';
import { startPostgresServer } from '../tools/local/postgres.js';
import { onEndpoint } from '../tools/local/sqs.js';
import { startStack } from '../tools/local/stack.js';
import { numberFlag } from './flags.js';

const { values } = parseArgs({
  options: {
    'no-exec-wrapper': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    'sqs-latency-ms': { type: 'string', default: '0' },
    'throughput-size': { type: 'string', default: '1000000' },
    repeats: { type: 'string', default: '3' },
    small: { type: 'string', default: '10000' },
    large: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '5' },
    memory: { type: 'string', default: '512' },
    'page-size': { type: 'string', default: '1000' },
  },
});
// The job's pageSize: rows per audience query, and the unit the planner enqueues before saving its cursor.
const pageSize = numberFlag('page-size', values['page-size'], { integer: true });
const concurrency = numberFlag('concurrency', values.concurrency, { integer: true });
const repeats = numberFlag('repeats', values.repeats, { integer: true });
const [smallSize, largeSize, throughputSize] = (['small', 'large', 'throughput-size'] as const).map((name) =>
  numberFlag(name, values[name], { integer: true }),
) as [number, number, number];
// The module's default planner.memory_size (variables.tf).
const memoryMb = numberFlag('memory', values.memory, { integer: true });

/**
 * The node flags the Lambda Node.js runtime's bootstrap derives from AWS_LAMBDA_FUNCTION_MEMORY_SIZE: a tenth of the
 * memory for the young generation (two semi-spaces), the rest for the old generation. Without them V8 sizes its heap
 * for the machine, and RSS under a long run's allocation rate is not what the function would reach.
 */
function lambdaNodeArgs(memory: number): string[] {
  const newSpace = Math.floor(memory / 10);
  return [
    '--expose-gc',
    '--max-http-header-size',
    '81920',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memory - newSpace}`,
  ];
}
const nodeArgs = lambdaNodeArgs(memoryMb);

// Unpacked once, as Lambda unpacks the zip into /var/task outside the function's process.
const taskDir = unpackBundle('planner');
const task = { entry: join(taskDir, 'index.mjs'), wrapper: join(taskDir, 'exec-wrapper') };
const samples = (list: number[] | undefined) => (list ?? []).map((value) => value.toFixed(1)).join(', ');
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;

// The emulator answers in well under a millisecond, so both sides are bound by their own CPU; SQS, a network hop away,
// takes milliseconds, and then the concurrency decides. `--sqs-latency-ms` adds that hop.
const sqsLatencyMs = numberFlag('sqs-latency-ms', values['sqs-latency-ms'], { zero: true });

async function startFauxqsProcess(): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(process.execPath, ['bench/fauxqs-child.mjs', String(sqsLatencyMs)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const endpoint = await new Promise<string>((resolve) =>
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
  );
  return { endpoint, stop: () => child.kill('SIGKILL') };
}

/**
 * A Lambda function gets a CPU share of its own, and PostgreSQL, DynamoDB and SQS run on other machines. Here they
 * share two cores, and the scheduler's choices between them moved the ratio by a fifth from one run to the next. So
 * the measured process gets core 0 to itself, and this process and the servers it starts share the others.
 */
function pinning(): { measured: string[]; note: string } {
  const cores = cpus().length;
  if (
    values['no-pin'] ||
    cores < 2 ||
    spawnSync('taskset', ['-a', '-p', '-c', `1-${cores - 1}`, String(process.pid)], { stdio: 'ignore' }).status !== 0
  ) {
    return { measured: [], note: 'not pinned: the measured process shares every core with the servers' };
  }
  return {
    measured: ['taskset', '-c', '0'],
    note: `measured process pinned to core 0; servers and this process on cores 1-${cores - 1}`,
  };
}
const pin = pinning();

const progress = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
const postgres = await startPostgresServer();
const dynamo = await startDynamoDbLocal();
const sqs = await startFauxqsProcess();
progress(`servers up: PostgreSQL :${postgres.port}, DynamoDB Local ${dynamo.endpoint}, fauxqs ${sqs.endpoint}`);

let databases = 0;
async function seed(size: number): Promise<string> {
  const database = `bench_${size}_${databases++}`;
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const client = new pg.Client({ connectionString: postgres.url.replace(/\/postgres$/, `/${database}`) });
  await client.connect();
  await client.query('CREATE TABLE users (id bigint PRIMARY KEY, psid text NOT NULL, first_name text)');
  await client.query(`INSERT INTO users SELECT g, 'psid-' || g, 'User' || g FROM generate_series(1, $1::int) g`, [
    size,
  ]);
  await client.query('ANALYZE users');
  await client.end();
  return database;
}

let stackCount = 0;
async function measure(mode: 'planner' | 'raw', size: number, database: string) {
  const stack = await startStack({
    name: `pb${stackCount++}`,
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
  });
  await stack.putConfig({
    kind: 'database',
    id: 'bench',
    host: postgres.host,
    port: postgres.port,
    database,
    user: postgres.user,
    password: { inline: postgres.password },
    allowInlineSecrets: true,
    ssl: 'disable',
  });
  await stack.putConfig({
    kind: 'channel',
    id: 'sandbox',
    type: 'messenger',
    baseUrl: 'http://127.0.0.1:9',
    accessToken: { inline: 'unused-token-for-the-planner' },
    allowInlineSecrets: true,
  });
  await stack.putConfig({
    kind: 'job',
    id: 'bench',
    database: 'bench',
    channel: 'sandbox',
    audience: { sql: 'SELECT id, psid, first_name FROM users' },
    template: { text: 'Hi {{first_name}}' },
    pageSize,
    enqueueConcurrency: concurrency,
  });
  // NODE_OPTIONS would add flags Lambda does not pass (the module sets none).
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb) };
  delete env.NODE_OPTIONS;
  await stack.stop();
  // Created through the proxy, when there is one, but fauxqs names queues by its own address.
  env.NOTIFIER_QUEUE_URL = onEndpoint(stack.queues.queueUrl, sqs.endpoint);
  progress(`${mode} with ${size} recipients`);
  // The result comes back on fd 3; the handler's log lines go to stdout, which nobody reads here.
  // The planner starts through its package's exec wrapper (AWS_LAMBDA_EXEC_WRAPPER in main.tf), as in Lambda; the
  // baseline is a bare node.
  const wrapped = mode === 'planner' && !values['no-exec-wrapper'];
  const [command, ...prefix] = [...pin.measured, ...(wrapped ? [task.wrapper] : []), process.execPath];
  env.BENCH_CHILD = JSON.stringify({
    mode,
    count: size,
    concurrency,
    ...(mode === 'planner' ? { entry: task.entry } : {}),
  });
  const child = spawnSync(command as string, [...prefix, ...nodeArgs, 'bench/planner-child.mjs'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
    maxBuffer: 1 << 20,
  });
  const line = child.output[3]?.toString().trim();
  if (child.status !== 0 || !line)
    throw new Error(
      `bench/planner-child.mjs ${mode} ${size} exited with ${child.status ?? child.signal ?? child.error?.message}`,
    );
  return JSON.parse(line) as {
    ms: number;
    cpuMs: number;
    enqueued: number;
    maxRssMiB: number;
    heapAfterGcMiB?: number;
    status?: string;
  };
}

try {
  const throughputDb = await seed(throughputSize);
  const planner: number[] = [];
  const raw: number[] = [];
  const plannerCpu: number[] = [];
  const rawCpu: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const p = await measure('planner', throughputSize, throughputDb);
    if (p.enqueued !== throughputSize)
      throw new Error(`planner enqueued ${p.enqueued} of ${throughputSize} (${p.status})`);
    planner.push((p.enqueued / p.ms) * 1000);
    plannerCpu.push((p.cpuMs * 1000) / p.enqueued);
    const r = await measure('raw', throughputSize, throughputDb);
    raw.push((r.enqueued / r.ms) * 1000);
    rawCpu.push((r.cpuMs * 1000) / r.enqueued);
    progress(`planner ${planner.at(-1)?.toFixed(0)}/s, raw ${raw.at(-1)?.toFixed(0)}/s`);
  }
  // Peak RSS varies from run to run by more than the margin to the target: repeated like throughput, medians reported.
  const rssSamples: Record<string, number[]> = {};
  const heapSamples: Record<string, number[]> = {};
  for (const size of [smallSize, largeSize]) {
    const database = await seed(size);
    for (let repeat = 0; repeat < repeats; repeat++) {
      const result = await measure('planner', size, database);
      if (result.enqueued !== size)
        throw new Error(`planner enqueued ${result.enqueued} of ${size} (${result.status})`);
      rssSamples[size] = [...(rssSamples[size] ?? []), result.maxRssMiB];
      heapSamples[size] = [...(heapSamples[size] ?? []), result.heapAfterGcMiB ?? Number.NaN];
    }
  }
  const memory = Object.fromEntries(Object.entries(rssSamples).map(([size, list]) => [size, median(list)]));
  const heap = Object.fromEntries(Object.entries(heapSamples).map(([size, list]) => [size, median(list)]));
  const [small, large] = [memory[smallSize] as number, memory[largeSize] as number];
  console.log(
    `machine: ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}, load average at the end ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}; PostgreSQL 15, DynamoDB Local, fauxqs in its own process`,
  );
  console.log(pin.note);
  console.log(
    sqsLatencyMs > 0
      ? `SQS answers held back ${sqsLatencyMs} ms by a proxy, as a network hop`
      : 'SQS answers as fast as the emulator gives them',
  );
  console.log(
    `measured processes: plain node (no TypeScript loader) running dist/planner.zip, AWS_LAMBDA_FUNCTION_MEMORY_SIZE=${memoryMb} and the Lambda runtime's flags ${nodeArgs.join(' ')}; the planner ${values['no-exec-wrapper'] ? 'without' : 'through'} its exec wrapper`,
  );
  console.log(
    `throughput, ${throughputSize} recipients, page size ${pageSize}, concurrency ${concurrency}, median of ${values.repeats}: planner ${median(planner).toFixed(0)}/s, raw SendMessageBatch ${median(raw).toFixed(0)}/s, ratio ${(median(planner) / median(raw)).toFixed(2)}`,
  );
  console.log(
    `CPU per recipient (all threads of the measured process), median of ${values.repeats}: planner ${median(plannerCpu).toFixed(2)} µs, raw ${median(rawCpu).toFixed(2)} µs, ratio ${(median(rawCpu) / median(plannerCpu)).toFixed(2)}`,
  );
  console.log(`throughput samples: planner [${samples(planner)}], raw [${samples(raw)}]`);
  console.log(
    `peak RSS, median of ${values.repeats}: ${values.small} recipients ${small.toFixed(1)} MiB [${samples(rssSamples[smallSize])}], ${values.large} recipients ${large.toFixed(1)} MiB [${samples(rssSamples[largeSize])}], ratio ${(large / small).toFixed(2)}`,
  );
  console.log(
    `live heap after a full GC at the end, median: ${heap[smallSize]?.toFixed(1)} MiB vs ${heap[largeSize]?.toFixed(1)} MiB`,
  );
  console.log(
    JSON.stringify({
      memoryMb,
      nodeArgs,
      pinned: pin.measured.length > 0,
      execWrapper: !values['no-exec-wrapper'],
      sqsLatencyMs,
      planner: median(planner),
      raw: median(raw),
      ratio: median(planner) / median(raw),
      plannerCpuUs: median(plannerCpu),
      rawCpuUs: median(rawCpu),
      memory,
      memoryRatio: large / small,
      heap,
      rssSamples,
      heapSamples,
    }),
  );
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  sqs.stop();
  await dynamo.stop();
  await postgres.stop();
}
process.exit(process.exitCode ?? 0);
