import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAnyConfigItem, senderEnvironment } from '../../handlers/surface.js';
import { DEFAULT_INPUT } from '../cost/model.js';
import { configItemLabel, localRefusals, policyNotice } from '../local/local-config.js';
import type { JobTick, LocalRunOptions, Progress, ProviderModel } from '../local/run-options.js';
import { DEFAULT_JOB, runLocal } from '../local/runtime.js';
import { readItemsFile } from './config-items.js';
import { type CliIO, numberOption, UsageError } from './io.js';
import { progressLine } from './progress.js';
import { multiJobSummary, renderJobs, renderSummary, runTotals } from './start-summary.js';

// The module's defaults: the sender's environment contract, and the cost model's input (held to variables.tf).
const DEFAULT_PARALLELISM = senderEnvironment.parallelism.parse(undefined);
const DEFAULT_CONCURRENCY = senderEnvironment.instances.parse(undefined);
const { senderBatchSize: DEFAULT_BATCH_SIZE, senderTimeoutSeconds: SENDER_TIMEOUT_SECONDS } = DEFAULT_INPUT;

const START_HELP = `notifier start [options]     (npm start -- [options])

Runs one scheduler tick of a job, or of several at once, on this machine through the bundles in dist/: an embedded
PostgreSQL (PGlite) seeded with a sample audience, an SQS (fauxqs) and a DynamoDB (dynalite) of its own, and
sandboxes that record every delivery. Nothing to install beyond "npm ci"; everything it starts, it stops.

Sandboxed unless told otherwise: nothing leaves this machine. Every channel of the config goes to a local sandbox
whatever its baseUrl or url (Messenger channels to the Messenger sandbox, webhook channels to a webhook sandbox that
verifies each Standard Webhooks signature), with the sandbox's own token or signing secret; no secret is read from
Secrets Manager or SSM; no database beyond this machine is connected to. The run names each change it made.

Options:
  --json                     print the summary as one JSON object on stdout
  --sample-size N            sample audience size (default 1000; one in ten opted out)
  --job ID[@SECONDS]         job to run (default ${DEFAULT_JOB}, or the only job in --config); repeat it to tick
                             several jobs through the same queue and senders, each SECONDS after the first tick
                             (default 0); the summary then reports each job, and their totals
  --config FILE              config items (jobs, databases, channels) in the config-table schema
  --database-url URL         a PostgreSQL of your choice; it replaces every database item of --config for this run
                             (without --config, needs --seed-sample to create the sample table
                             notifier_sample_recipients in it)
  --real-sends               send for real: each channel to its own baseUrl or url (each request passes a local
                             relay that counts it); its secrets must then be inline, or need --real-secrets
  --graph-url URL            where Messenger channels send instead of the local sandbox (your own sandbox or proxy;
                             beyond this machine only with --real-sends); the page token comes from --access-token
                             or $NOTIFIER_ACCESS_TOKEN
  --real-secrets             resolve the job's Secrets Manager and SSM references with your AWS credentials, once,
                             before the run starts (the values stay in this process)
  --real-database            connect to the job's database item even when its host is beyond this machine
The local sandbox as a provider (docs/BENCHMARKS.md, "Rate control at the provider's limit"):
  --provider-rate R          sends/s the sandbox accepts (Graph error 613 beyond it) and the sample channel's
                             ratePerSecond; also turns on its usage header (default: no limit)
  --latency-ms MS            sandbox answer latency (default 0), plus --jitter-ms MS uniform extra (default 0)
  --usage-window-ms MS       rolling window of the x-business-use-case-usage header (default 10000; 0: none)
  --page-limits              the sandbox limits each Page of --config at its own channel's ratePerSecond (Graph
                             error 613 beyond it), each with its own usage header, as the Send API does
  --inject-transient-once P  share of recipients whose first request gets Graph error 2 / HTTP 500 (0..1)
  --inject-hang P            share of recipients whose first request goes unanswered for --hang-ms
                             (default 20000): a client that gives up is not delivered
  --inject-permanent P       share of recipients who blocked the page (error 551, every time)
  --inject-transient P       share of requests (any recipient, any attempt) answered with error 2 / HTTP 500
  --inject-rate-limit P      share of requests answered with error 613
  --seed N                   seed for the injected failures and the recipients' fault plans (default 1)
After the run, what Meta reports back (docs/RECEIVER.md):
  --receipts                 the sandbox posts the deliveries, reads and opt-outs of the messages it accepted to the
                             webhook receiver, signed as Meta signs them; the summary counts delivered and read
  --read-share P             share of the delivered that are read (0..1, default 0.5)
  --opt-out-share P          share of the token recipients who stop Marketing Messages (0..1, default 0.02)
  --batch-size N             event source mapping batch size, in tasks (default ${DEFAULT_BATCH_SIZE}, as the module)
  --parallelism N            sends in flight per sender invocation (default ${DEFAULT_PARALLELISM}, as the module)
  --concurrency N            maximum concurrent sender invocations (default ${DEFAULT_CONCURRENCY}, as the module),
                             run in worker processes apart from the emulators (one per core at most)
  --rate-share MODE          live (default, as the module): a Page's rate is divided by the senders working on it;
                             static: by --concurrency (the module's sender.rate_share)
  --visibility-timeout S     queue visibility timeout in seconds (default 2)
  --max-receive-count N      receives before the DLQ (default 5)
  --dynamodb MODE            embedded (default) | dynamodb-local (Java) | an endpoint URL
  --timeout S                give up after S seconds (default 600)
  --help`;

/** A share of requests, 0 to 1. */
const rate = (value: string | undefined, flag: string) => numberOption(flag, value, { min: 0, max: 1 }) ?? 0;

type ProviderFlags = Partial<
  Record<
    | 'provider-rate'
    | 'latency-ms'
    | 'jitter-ms'
    | 'usage-window-ms'
    | 'inject-transient-once'
    | 'inject-hang'
    | 'hang-ms'
    | 'inject-permanent',
    string
  > & { 'page-limits': boolean }
>;

function providerModel(values: ProviderFlags): ProviderModel {
  const faults = {
    transientOnce: rate(values['inject-transient-once'], '--inject-transient-once'),
    hangFirst: rate(values['inject-hang'], '--inject-hang'),
    permanent: rate(values['inject-permanent'], '--inject-permanent'),
  };
  const total = faults.transientOnce + faults.hangFirst + faults.permanent;
  if (total > 1)
    throw new UsageError(
      `--inject-transient-once, --inject-hang and --inject-permanent are shares of one audience ` +
        `and add up to ${Number(total.toFixed(6))}, more than 1`,
    );
  const providerRate = numberOption('--provider-rate', values['provider-rate'], { min: 0, above: true, max: 10_000 });
  return {
    ...(providerRate === undefined ? {} : { ratePerSecond: providerRate }),
    latencyMs: numberOption('--latency-ms', values['latency-ms'], { min: 0, max: 600_000 }) ?? 0,
    latencyJitterMs: numberOption('--jitter-ms', values['jitter-ms'], { min: 0, max: 600_000 }) ?? 0,
    usageWindowMs:
      numberOption('--usage-window-ms', values['usage-window-ms'], { min: 0, integer: true, max: 3_600_000 }) ?? 10_000,
    faults,
    hangMs: numberOption('--hang-ms', values['hang-ms'], { min: 1, integer: true, max: 600_000 }) ?? 20_000,
    ...(values['page-limits'] ? { pageLimits: true } : {}),
  };
}

const START_OPTIONS = {
  json: { type: 'boolean' },
  'sample-size': { type: 'string' },
  job: { type: 'string', multiple: true },
  'page-limits': { type: 'boolean' },
  config: { type: 'string' },
  'database-url': { type: 'string' },
  'seed-sample': { type: 'boolean' },
  'graph-url': { type: 'string' },
  'real-sends': { type: 'boolean' },
  'real-secrets': { type: 'boolean' },
  'real-database': { type: 'boolean' },
  'access-token': { type: 'string' },
  'inject-transient': { type: 'string' },
  'inject-rate-limit': { type: 'string' },
  'inject-permanent': { type: 'string' },
  'inject-transient-once': { type: 'string' },
  'inject-hang': { type: 'string' },
  'hang-ms': { type: 'string' },
  'provider-rate': { type: 'string' },
  'latency-ms': { type: 'string' },
  'jitter-ms': { type: 'string' },
  'usage-window-ms': { type: 'string' },
  seed: { type: 'string' },
  receipts: { type: 'boolean' },
  'read-share': { type: 'string' },
  'opt-out-share': { type: 'string' },
  'batch-size': { type: 'string' },
  parallelism: { type: 'string' },
  concurrency: { type: 'string' },
  'rate-share': { type: 'string' },
  'visibility-timeout': { type: 'string' },
  'max-receive-count': { type: 'string' },
  dynamodb: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean' },
} as const;

const parseStart = (argv: string[]) => parseArgs({ args: argv, options: START_OPTIONS }).values;
type StartValues = ReturnType<typeof parseStart>;

export async function startCommand(argv: string[], io: CliIO): Promise<number> {
  const values = parseStart(argv);
  if (values.help) {
    io.out(START_HELP);
    return 0;
  }
  const configItems = values.config ? await readItemsFile(values.config) : undefined;
  checkSources(values, configItems);
  const options = localRunOptions(values, configItems);
  const refusals = localRefusals(
    (configItems ?? []).map((item, index) => parseAnyConfigItem(item, configItemLabel(item, index))),
    options.jobs.map((tick) => tick.job),
    options,
  );
  if (refusals.length > 0) throw new UsageError(`this run would leave this machine:\n  ${refusals.join('\n  ')}`);
  io.err(`${policyNotice(options)}\n`);
  const summaries = await runLocal(
    options,
    {
      onProgress: progressReporter(io),
      onService: (name, endpoint) => io.err(`started ${name} at ${endpoint}\n`),
      onNotice: (line) => io.err(`${line}\n`),
    },
    io.signal,
  );
  if (io.interactive) io.err('\n');
  // One job: its summary as it always was; several: each job's, then their totals.
  const [only] = summaries;
  if (only && summaries.length === 1) io.out(values.json ? JSON.stringify(only) : renderSummary(only));
  else io.out(values.json ? JSON.stringify(multiJobSummary(summaries)) : renderJobs(summaries));
  const total = runTotals(summaries);
  return total.sent + total.skipped + total.failed + total.deadLettered >= total.planned ? 0 : 1;
}

/** Your own database needs your jobs (or the sample table seeded in it); each URL must be one. */
function checkSources(values: StartValues, configItems: readonly unknown[] | undefined): void {
  if (values['database-url'] && !configItems && !values['seed-sample']) {
    throw new UsageError(
      '--database-url needs --config (your jobs) ' +
        'or --seed-sample (creates the table notifier_sample_recipients in that database)',
    );
  }
  if (values['database-url']) {
    try {
      const url = new URL(values['database-url']);
      if (!/^postgres(ql)?:$/.test(url.protocol)) throw new Error('scheme');
    } catch {
      throw new UsageError(
        `--database-url must look like postgres://user:password@host:5432/database, got "${values['database-url']}"`,
      );
    }
  }
  if (values['graph-url'] && !/^https?:\/\//.test(values['graph-url']))
    throw new UsageError(`--graph-url must be an http(s) URL, got "${values['graph-url']}"`);
}

/** `ID` or `ID@SECONDS`: a job, ticked SECONDS after the first tick. */
function jobTick(text: string): JobTick {
  const at = text.lastIndexOf('@');
  if (at < 0) return { job: text, afterSeconds: 0 };
  if (at === 0) throw new UsageError(`--job ${text}: the job id before @ is missing`);
  return {
    job: text.slice(0, at),
    afterSeconds: numberOption(`--job ${text}`, text.slice(at + 1), { min: 0, max: 3600 }),
  };
}

/** The jobs to run: each --job, else the only job of --config, else the sample's. */
function chooseJobs(values: StartValues, configItems: readonly unknown[] | undefined): JobTick[] {
  const jobs = configItems
    ?.filter((item) => (item as { kind?: unknown })?.kind === 'job')
    .map((item) => String((item as { id?: unknown }).id));
  const fallback = jobs ? (jobs.length === 1 ? jobs[0] : undefined) : DEFAULT_JOB;
  const ticks = values.job?.length ? values.job.map(jobTick) : fallback ? [{ job: fallback, afterSeconds: 0 }] : [];
  if (ticks.length === 0)
    throw new UsageError(`--config holds ${jobs?.length ?? 0} jobs (${jobs?.join(', ')}); choose one with --job`);
  const seen = new Set<string>();
  for (const { job } of ticks) {
    if (seen.has(job)) throw new UsageError(`--job ${job} is given twice: a run ticks each job once`);
    seen.add(job);
    if (jobs && !jobs.includes(job))
      throw new UsageError(`job "${job}" is not in ${values.config} (jobs: ${jobs.join(', ') || 'none'})`);
  }
  return ticks;
}

function localRunOptions(values: StartValues, configItems: unknown[] | undefined): LocalRunOptions {
  const jobs = chooseJobs(values, configItems);
  const dynamodb = values.dynamodb ?? 'embedded';
  if (!['embedded', 'dynamodb-local'].includes(dynamodb) && !/^https?:\/\//.test(dynamodb))
    throw new UsageError(`--dynamodb must be embedded, dynamodb-local or an endpoint URL, got "${dynamodb}"`);

  const accessToken = values['access-token'] ?? process.env.NOTIFIER_ACCESS_TOKEN;
  return {
    jobs,
    sampleSize:
      numberOption('--sample-size', values['sample-size'], { min: 1, integer: true, max: 10_000_000 }) ?? 1000,
    seedSample: values['seed-sample'] ?? false,
    failures: {
      transient: rate(values['inject-transient'], '--inject-transient'),
      rateLimited: rate(values['inject-rate-limit'], '--inject-rate-limit'),
    },
    provider: providerModel(values),
    batchSize:
      numberOption('--batch-size', values['batch-size'], { min: 1, integer: true, max: 10_000 }) ?? DEFAULT_BATCH_SIZE,
    parallelism:
      numberOption('--parallelism', values.parallelism, { min: 1, integer: true, max: 100 }) ?? DEFAULT_PARALLELISM,
    maximumConcurrency:
      numberOption('--concurrency', values.concurrency, { min: 1, integer: true, max: 64 }) ?? DEFAULT_CONCURRENCY,
    rateShare: rateShareOption(values['rate-share']),
    visibilityTimeoutSeconds:
      numberOption('--visibility-timeout', values['visibility-timeout'], { min: 1, integer: true, max: 43_200 }) ?? 2,
    maxReceiveCount:
      numberOption('--max-receive-count', values['max-receive-count'], { min: 1, integer: true, max: 1000 }) ?? 5,
    senderTimeoutMs: SENDER_TIMEOUT_SECONDS * 1000,
    timeoutMs: (numberOption('--timeout', values.timeout, { min: 0, above: true }) ?? 600) * 1000,
    dynamodb,
    seed: numberOption('--seed', values.seed, { min: 1, integer: true }) ?? 1,
    logFile: join(tmpdir(), `notifier-local-${process.pid}.jsonl`),
    ...(configItems ? { configItems } : {}),
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
    ...(values['graph-url'] ? { graphUrl: values['graph-url'] } : {}),
    ...(accessToken ? { accessToken } : {}),
    realSends: values['real-sends'] ?? false,
    realSecrets: values['real-secrets'] ?? false,
    realDatabase: values['real-database'] ?? false,
    ...(values.receipts ? { receipts: receiptsPlan(values) } : {}),
  };
}

function rateShareOption(value: string | undefined): 'live' | 'static' {
  if (value === undefined || value === 'live' || value === 'static') return value ?? 'live';
  throw new UsageError(`--rate-share must be live or static, got "${value}"`);
}

function receiptsPlan(values: StartValues) {
  return {
    readShare: numberOption('--read-share', values['read-share'], { min: 0, max: 1 }) ?? 0.5,
    optOutShare: numberOption('--opt-out-share', values['opt-out-share'], { min: 0, max: 1 }) ?? 0.02,
  };
}

/** A progress bar on a terminal; elsewhere, a progress line every two seconds. */
function progressReporter(io: CliIO): (progress: Progress) => void {
  let lastLine = 0;
  return (progress) => {
    // \x1b[K clears what a longer previous line left behind.
    if (io.interactive) io.err(`\r${progressLine(progress)}\x1b[K`);
    else if (progress.settled || progress.elapsedMs - lastLine >= 2000) {
      lastLine = progress.elapsedMs;
      io.err(`${progressLine(progress)}\n`);
    }
  };
}
