// Delivery when the network lies: the tail scenario through `npm start`, once on a DynamoDB that answers every write
// and once behind a proxy that lets a share of writes land and then loses their answers (the connection is cut after
// DynamoDB committed, as a network fault after the commit does; the SDK then sends the same request again). Each run
// gets a DynamoDB Local of its own. Prints, per run: the lost answers, the run's counters against the truth (the
// sandbox's acceptances and the no-loss run's outcome), duplicates, dead letters, the sustained rate, the run's
// duration and npm start's exit code, then the medians and the same-run ratios, and ends with one JSON line.
// Usage: npm run bench:lost-answers [-- --pairs 3 --lose 0.02 --sample-size 20000 --rate 300 --concurrency 4]
//   (docs/BENCHMARKS.md, "When the network lies")

import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startDynamoAnswerLoss } from '../test/support/fault-proxies.js';
import { startDynamoDbLocal } from '../tools/local/dynamodb-local.js';
import { numberFlag } from './flags.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '3' },
    lose: { type: 'string', default: '0.02' },
    'sample-size': { type: 'string', default: '20000' },
    rate: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
  },
});
const pairs = numberFlag('pairs', values.pairs, { integer: true });
const lose = numberFlag('lose', values.lose, { zero: true });
const sampleSize = numberFlag('sample-size', values['sample-size'], { integer: true });
const rate = numberFlag('rate', values.rate);
const concurrency = numberFlag('concurrency', values.concurrency, { integer: true });
const WRITES = /\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/;

/** A PRNG of its own, so which answers are lost repeats from run to run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The DynamoDB answer-loss proxy of the tests, cutting the answer of a seeded share of writes after they landed. */
async function startLossyProxy(upstream: string, share: number, seed: number) {
  const random = mulberry32(seed);
  const counts = { writes: 0, lost: 0 };
  const proxy = await startDynamoAnswerLoss(upstream, (operation) => {
    if (!WRITES.test(operation)) return 'forward';
    counts.writes++;
    return random() < share ? 'lose' : 'forward';
  });
  return {
    endpoint: proxy.endpoint,
    counts: {
      get writes() {
        return counts.writes;
      },
      get lost() {
        return proxy.lost();
      },
    },
    stop: proxy.stop,
  };
}

interface Summary {
  planned: number;
  sent: number;
  failed: number;
  skipped: number;
  deadLettered: number;
  duplicates: number | null;
  accepted: number | null;
  sustainedPerSecond: number | null;
  durationMs: number;
}

/** One `npm start` of the tail scenario against `endpoint`; its JSON summary and exit code. */
function runStart(endpoint: string): Promise<{ summary: Summary | undefined; exitCode: number; wallMs: number }> {
  const args = [
    'bin/notifier.mjs',
    'start',
    '--json',
    ...[
      '--sample-size',
      String(sampleSize),
      '--provider-rate',
      String(rate),
      '--latency-ms',
      '30',
      '--jitter-ms',
      '20',
    ],
    ...['--inject-transient-once', '0.02', '--inject-hang', '0.02', '--inject-permanent', '0.01'],
    ...['--concurrency', String(concurrency), '--seed', values.seed, '--dynamodb', endpoint, '--timeout', '300'],
  ];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      let summary: Summary | undefined;
      try {
        summary = JSON.parse(line) as Summary;
      } catch {
        summary = undefined;
      }
      resolve({ summary, exitCode: code ?? 1, wallMs: Date.now() - started });
    });
  });
}

async function oneRun(share: number, seed: number) {
  const dynamo = await startDynamoDbLocal();
  const proxy = await startLossyProxy(dynamo.endpoint, share, seed);
  try {
    const result = await runStart(proxy.endpoint);
    return { share, ...result, lost: proxy.counts.lost, writes: proxy.counts.writes };
  } finally {
    await proxy.stop();
    await dynamo.stop();
  }
}

type Run = Awaited<ReturnType<typeof oneRun>>;

function describe(run: Run, truth: Summary | undefined): string {
  const s = run.summary;
  if (!s) return `lost ${run.lost} of ${run.writes} write answers; no summary, exit ${run.exitCode}`;
  const unique = s.accepted === null || s.duplicates === null ? null : s.accepted - s.duplicates;
  return [
    `lost ${run.lost} of ${run.writes} write answers`,
    `planned ${s.planned}${truth ? ` (truth ${truth.planned})` : ''}`,
    `sent ${s.sent} (provider accepted ${unique ?? '?'} recipients)`,
    `failed ${s.failed}${truth ? ` (truth ${truth.failed})` : ''}`,
    `duplicates ${s.duplicates}`,
    `dead-lettered ${s.deadLettered}`,
    `sustained ${s.sustainedPerSecond}/s (${s.sustainedPerSecond === null ? '?' : ((s.sustainedPerSecond / rate) * 100).toFixed(1)} % of R)`,
    `run ${(s.durationMs / 1000).toFixed(1)} s`,
    `exit ${run.exitCode}`,
  ].join(', ');
}

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const results: { clean: Run; lossy: Run }[] = [];
for (let pair = 1; pair <= pairs; pair++) {
  const clean = await oneRun(0, pair);
  const lossy = await oneRun(lose, pair);
  results.push({ clean, lossy });
  console.log(`pair ${pair}, no loss:   ${describe(clean, undefined)}`);
  console.log(`pair ${pair}, ${(lose * 100).toFixed(1)} % lost: ${describe(lossy, clean.summary)}`);
}
const sustained = (run: Run) => run.summary?.sustainedPerSecond ?? 0;
const duration = (run: Run) => run.summary?.durationMs ?? Number.NaN;
const figures = {
  lose,
  sampleSize,
  rate,
  concurrency,
  pairs: results.map(({ clean, lossy }) => ({
    clean: { ...clean.summary, exitCode: clean.exitCode, lost: clean.lost, writes: clean.writes },
    lossy: { ...lossy.summary, exitCode: lossy.exitCode, lost: lossy.lost, writes: lossy.writes },
  })),
  medianSustained: {
    clean: median(results.map((r) => sustained(r.clean))),
    lossy: median(results.map((r) => sustained(r.lossy))),
  },
  medianDurationMs: {
    clean: median(results.map((r) => duration(r.clean))),
    lossy: median(results.map((r) => duration(r.lossy))),
  },
  medianRatio: median(results.map((r) => sustained(r.lossy) / Math.max(1e-9, sustained(r.clean)))),
};
console.log(
  `median sustained: ${figures.medianSustained.clean}/s without loss, ${figures.medianSustained.lossy}/s with ` +
    `${(lose * 100).toFixed(1)} % of write answers lost; same-run ratio ${figures.medianRatio.toFixed(3)}`,
);
console.log(JSON.stringify(figures));
