import { parseArgs } from 'node:util';
import { createLedger, parsePlannerEvent, type RunRecord, runIdFor } from '../../handlers/surface.js';
import { type CliIO, numberOption, requireOption, table, UsageError } from './io.js';
import { channelOf, receiptCounts } from './outcomes.js';

const RUN_HELP = `notifier run <job> [--function NAME] [--scheduled-time ISO]
  Starts a run now: invokes the planner asynchronously with { job, scheduledTime }, as the schedule does.
  --function NAME   planner function (default: $NOTIFIER_PLANNER_FUNCTION)`;

const STATUS_HELP = `notifier status <run-id> [--watch] [--interval SECONDS] [--json] [--table NAME]
                [--receipts [--channel ID | --config-table NAME]]
  Counters and state of one run from the ledger (default table: $NOTIFIER_LEDGER_TABLE).
  --receipts      also count the sent messages Meta reported delivered and read (the webhook receiver's receipts):
                  reads every outcome of the run, so it is not repeated with --watch; the channel is --channel, or the
                  job's in the config table (default: $NOTIFIER_CONFIG_TABLE)`;

const RUNS_HELP = `notifier runs --job ID [--limit N] [--json] [--table NAME]
  The job's most recent runs, newest first.`;

export async function runCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      function: { type: 'string' },
      'scheduled-time': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(RUN_HELP);
    return 0;
  }
  const job = positionals[0];
  if (!job) throw new UsageError('run needs a job id: "notifier run daily-digest"');
  const event = parsePlannerEvent({
    job,
    scheduledTime: values['scheduled-time'] ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
  });
  const functionName = requireOption(values.function, '--function', 'NOTIFIER_PLANNER_FUNCTION');
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  const response = await new LambdaClient({}).send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  if (response.StatusCode !== 202) {
    io.err(`the planner did not accept the event (status ${response.StatusCode})`);
    return 1;
  }
  const runId = runIdFor(event.job, event.scheduledTime);
  io.out(
    values.json
      ? JSON.stringify({ runId, ...event })
      : `started ${runId}\nfollow it with: notifier status '${runId}' --watch`,
  );
  return 0;
}

function summary(run: RunRecord) {
  const pending = Math.max(0, run.enqueued - run.sent - run.failed - run.skipped);
  return { ...run, pending };
}

type Delivery = { delivered: number; read: number };

function render(run: RunRecord, receipts?: Delivery): string {
  const view = summary(run);
  return table([
    ['run', view.runId],
    ['status', `${view.status}${view.halted ? ` (HALTED: ${view.halted})` : ''}`],
    ['started', view.startedAt],
    ['updated', view.updatedAt],
    ['planned', view.planned],
    ['enqueued', view.enqueued],
    ['sent', view.sent],
    ['skipped', view.skipped],
    ['failed', view.failed],
    ['pending', view.pending],
    ...(receipts
      ? [['delivered', receipts.delivered] as [string, number], ['read', receipts.read] as [string, number]]
      : []),
    ...(view.lastError ? [['last error', view.lastError] as [string, string]] : []),
  ]);
}

export async function statusCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      watch: { type: 'boolean' },
      interval: { type: 'string' },
      json: { type: 'boolean' },
      table: { type: 'string' },
      receipts: { type: 'boolean' },
      channel: { type: 'string' },
      'config-table': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  if (values.receipts && values.watch)
    throw new UsageError('--receipts reads every outcome of the run: not with --watch');
  const runId = positionals[0];
  if (!runId) throw new UsageError('status needs a run id, as printed by "notifier run" or "notifier runs"');
  const interval = (numberOption('--interval', values.interval, { min: 0, above: true }) ?? 2) * 1000;
  const ledger = createLedger({ table: requireOption(values.table, '--table', 'NOTIFIER_LEDGER_TABLE') });
  for (;;) {
    const run = await ledger.runs.get(runId);
    if (!run) {
      io.err(`run "${runId}" not found (run ids look like <job>@<scheduled time>, e.g. daily@2026-11-28T08:00:00Z)`);
      return 1;
    }
    const receipts = values.receipts
      ? await receiptCounts(ledger, runId, await channelOf(ledger, runId, values))
      : undefined;
    io.out(values.json ? JSON.stringify({ ...summary(run), ...receipts }) : render(run, receipts));
    const done = run.status === 'enqueued' && summary(run).pending === 0;
    if (!values.watch || done || io.signal?.aborted) return 0;
    await new Promise((resolve) => setTimeout(resolve, interval));
    if (io.signal?.aborted) return 0;
    if (!values.json) io.out('');
  }
}

export async function runsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      job: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      table: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(RUNS_HELP);
    return 0;
  }
  if (!values.job) throw new UsageError('runs needs --job ID');
  const ledger = createLedger({ table: requireOption(values.table, '--table', 'NOTIFIER_LEDGER_TABLE') });
  const runs = (
    await ledger.runs.list(
      values.job,
      numberOption('--limit', values.limit, { min: 1, integer: true, max: 1000 }) ?? 20,
    )
  ).map(summary);
  if (values.json) io.out(JSON.stringify(runs));
  else if (runs.length === 0) io.out(`no runs of job "${values.job}"`);
  else
    io.out(
      table([
        ['run', 'status', 'planned', 'sent', 'skipped', 'failed', 'pending'],
        ...runs.map((run) => [
          run.runId,
          run.halted ? 'HALTED' : run.status,
          run.planned,
          run.sent,
          run.skipped,
          run.failed,
          run.pending,
        ]),
      ]),
    );
  return 0;
}
