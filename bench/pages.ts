// Several Pages and jobs in one deployment, through `npm start` (the local runtime, the module's defaults: 2 senders),
// the provider's tails on: Page A at R = 150/s with 9,000 recipients and Page B at R = 100/s with 6,000, ticked
// together; Page C at R = 50/s with 300 recipients, ticked 10 s later. Each Page's own limit is enforced by the
// Messenger sandbox (--page-limits). Reports per Page: the sustained rate against R, the run's end against
// audience / R + 30 s (C: + 15 s), C's first send after its tick, duplicates and rate rejections; then the same run
// with the live rate share off (--rate-share static), with the bounded lead off (leadSeconds 0), and with both off.
// Each variant runs --repeats times, in turn; the table gives medians and the same-run ratios of each variant's run
// end to the run with both on, and ends with one JSON line.
// The fair-queue tenant key cannot be measured here: the local SQS (fauxqs) does not model fair queues.
// Usage: npm run bench:pages [-- --repeats 3 --scale 1 --latency-ms 60 --jitter-ms 80]   (docs/BENCHMARKS.md)

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPglite } from '../tools/local/postgres.js';
import { seedSampleAudience } from '../tools/local/sample.js';
import { numberFlag } from './flags.js';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '1' },
    scale: { type: 'string', default: '1' },
    'latency-ms': { type: 'string', default: '60' },
    'jitter-ms': { type: 'string', default: '80' },
    'inject-transient-once': { type: 'string', default: '0.02' },
    'inject-hang': { type: 'string', default: '0.02' },
    'inject-permanent': { type: 'string', default: '0.01' },
    timeout: { type: 'string', default: '900' },
    // Comma-separated subsets, to look at one variant or one Page alone: --variants 'both on' --pages page-a
    variants: { type: 'string' },
    pages: { type: 'string' },
    'lead-seconds': { type: 'string' },
  },
});
const repeats = numberFlag('repeats', values.repeats, { integer: true });
// Scales every audience (at least 10 recipients each): a small scale proves the bench runs, not the figures.
const scale = numberFlag('scale', values.scale);

interface Page {
  readonly job: string;
  readonly pageId: string;
  readonly rate: number;
  readonly audience: number;
  readonly afterSeconds: number;
  /** The run's end may come at most this long after audience / R. */
  readonly slackSeconds: number;
}

const PAGES: readonly Page[] = [
  { job: 'page-a', pageId: '2001', rate: 150, audience: 9_000, afterSeconds: 0, slackSeconds: 30 },
  { job: 'page-b', pageId: '2002', rate: 100, audience: 6_000, afterSeconds: 0, slackSeconds: 30 },
  { job: 'page-c', pageId: '2003', rate: 50, audience: 300, afterSeconds: 10, slackSeconds: 15 },
]
  .filter((page) => values.pages === undefined || values.pages.split(',').includes(page.job))
  .map((page) => ({ ...page, audience: Math.max(10, Math.round(page.audience * scale)) }));

/** The config items: one database, and per Page a channel at its rate and a job reading its own range of ids. */
function pagesConfig(leadSeconds: number | undefined): Record<string, unknown>[] {
  let first = 1;
  const items: Record<string, unknown>[] = [
    {
      kind: 'database',
      id: 'bench',
      host: '127.0.0.1',
      database: 'postgres',
      user: 'postgres',
      password: { inline: 'x' },
      allowInlineSecrets: true,
    },
  ];
  for (const page of PAGES) {
    const ids = [first, first + page.audience - 1];
    first += page.audience;
    items.push(
      { kind: 'channel', id: page.job, type: 'messenger', pageId: page.pageId, ratePerSecond: page.rate },
      {
        kind: 'job',
        id: page.job,
        database: 'bench',
        channel: page.job,
        audience: {
          sql: 'SELECT id, psid, first_name FROM notifier_sample_recipients WHERE id BETWEEN $1 AND $2',
          params: ids,
        },
        template: { text: 'Hello {{first_name | "there"}}' },
        ...(leadSeconds === undefined ? {} : { leadSeconds }),
      },
    );
  }
  return items.map((item) =>
    item.kind === 'channel' ? { ...item, accessToken: { inline: 'bench' }, allowInlineSecrets: true } : item,
  );
}

interface JobFigures {
  job: string;
  sustainedPerSecond: number | null;
  shareOfRate: number | null;
  durationMs: number;
  firstAcceptedAfterMs: number | null;
  duplicates: number | null;
  rejectedForRate: number | null;
  providerRequests: number;
  sent: number;
  planned: number;
}

/** One `npm start` of the three jobs; its per-job figures, or null when it failed. */
function runOnce(configFile: string, databaseUrl: string, rateShare: string): Promise<JobFigures[] | null> {
  const args = ['bin/notifier.mjs', 'start', '--json', '--config', configFile, '--database-url', databaseUrl];
  args.push('--rate-share', rateShare);
  args.push('--page-limits', '--latency-ms', values['latency-ms'], '--jitter-ms', values['jitter-ms']);
  args.push('--inject-transient-once', values['inject-transient-once'], '--inject-hang', values['inject-hang']);
  args.push('--inject-permanent', values['inject-permanent'], '--timeout', values.timeout);
  for (const page of PAGES) args.push('--job', `${page.job}@${page.afterSeconds}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', () => {
      try {
        const summary = JSON.parse(stdout) as { jobs?: JobFigures[] } & Omit<JobFigures, 'job'>;
        // One job (--pages with one Page) prints the one-job summary.
        resolve(summary.jobs ?? [{ ...summary, job: PAGES[0]?.job ?? '' }]);
      } catch {
        resolve(null);
      }
    });
  });
}

const median = (numbers: readonly number[]) => {
  const sorted = numbers.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

// The lead of the variants with it on: the job's default unless --lead-seconds says otherwise.
const lead = values['lead-seconds'] === undefined ? undefined : numberFlag('lead-seconds', values['lead-seconds']);
const VARIANTS = [
  { name: 'both on', leadSeconds: lead, rateShare: 'live' },
  { name: 'share off', leadSeconds: lead, rateShare: 'static' },
  { name: 'lead off', leadSeconds: 0, rateShare: 'live' },
  { name: 'both off', leadSeconds: 0, rateShare: 'static' },
].filter((variant) => values.variants === undefined || values.variants.split(',').includes(variant.name));

const database = await startPglite();
try {
  await seedSampleAudience(
    database.url,
    PAGES.reduce((sum, page) => sum + page.audience, 0),
  );
  const dir = mkdtempSync(join(tmpdir(), 'bench-pages-'));
  const files = VARIANTS.map((variant, index) => {
    const file = join(dir, `variant-${index}.json`);
    writeFileSync(file, JSON.stringify(pagesConfig(variant.leadSeconds)));
    return file;
  });
  const runs: (JobFigures[] | null)[][] = VARIANTS.map(() => []);
  for (let repeat = 0; repeat < repeats; repeat++)
    for (const [index, variant] of VARIANTS.entries()) {
      const result = await runOnce(files[index] as string, database.url, variant.rateShare);
      runs[index]?.push(result);
      console.error(`${variant.name}, run ${repeat + 1}: ${result ? 'done' : 'FAILED'}`);
    }
  const figure = (variant: number, page: Page, pick: (job: JobFigures) => number | null) =>
    median((runs[variant] ?? []).map((run) => pick(run?.find((job) => job.job === page.job) as JobFigures) ?? NaN));
  const rows = [
    '| variant | Page | R | sustained / R | run end (s) | bound (s) | first send after tick (s) | duplicates | ' +
      'rejected for rate |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const summary: Record<string, unknown>[] = [];
  for (const [index, variant] of VARIANTS.entries())
    for (const page of PAGES) {
      const share = figure(index, page, (job) => job.shareOfRate);
      const end = figure(index, page, (job) => job.durationMs / 1000);
      const first = figure(index, page, (job) => (job.firstAcceptedAfterMs ?? NaN) / 1000);
      const duplicates = figure(index, page, (job) => job.duplicates);
      const rejected = figure(index, page, (job) => (job.rejectedForRate ?? 0) / Math.max(1, job.providerRequests));
      const bound = page.audience / page.rate + page.slackSeconds;
      rows.push(
        `| ${variant.name} | ${page.job} | ${page.rate}/s | ${share.toFixed(3)} | ${end.toFixed(1)} | ` +
          `${bound.toFixed(1)} | ${first.toFixed(1)} | ${duplicates} | ${(rejected * 100).toFixed(2)} % |`,
      );
      summary.push({ variant: variant.name, job: page.job, share, end, bound, first, duplicates, rejected });
    }
  // Same-run ratios: each repeat's run of a variant against the first variant's (both on) of the same repeat.
  const ratios = VARIANTS.slice(1).flatMap((variant, offset) =>
    PAGES.map((page) => ({
      variant: variant.name,
      job: page.job,
      endRatio: median(
        (runs[offset + 1] ?? []).map((run, repeat) => {
          const off = run?.find((job) => job.job === page.job);
          const on = runs[0]?.[repeat]?.find((job) => job.job === page.job);
          return on && off ? off.durationMs / Math.max(1, on.durationMs) : NaN;
        }),
      ),
    })),
  );
  console.log(rows.join('\n'));
  for (const variant of VARIANTS.slice(1)) {
    const endRatios = ratios
      .filter((ratio) => ratio.variant === variant.name)
      .map((ratio) => `${ratio.job} ${ratio.endRatio.toFixed(3)}`)
      .join(', ');
    console.log(`same-run ratio of the run's end, ${variant.name} / ${VARIANTS[0]?.name}: ${endRatios}`);
  }
  console.log(JSON.stringify({ repeats, scale, figures: summary, ratios }));
} finally {
  await database.stop();
}
