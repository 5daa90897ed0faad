import { parseArgs } from 'node:util';
import {
  createLedger,
  DynamoConfigStore,
  Receipts,
  receiptStatus,
  runOutcomePages,
  type StoredOutcome,
} from '../../handlers/surface.js';
import { csvField } from './csv.js';
import { type CliIO, requireOption, UsageError } from './io.js';

const OUTCOMES_HELP =
  `notifier outcomes <run-id> [--status failed|sent|skipped] [--class CLASS] [--recipient ID]
                  [--csv | --json] [--table NAME] [--receipts [--channel ID | --config-table NAME]]
  Each recipient's final outcome in one run: time, status, failure class, recipient, provider message id, reason.
  One Query on the run's partition of the ledger, written out page by page as the pages arrive, so a run of any size
  streams in constant memory. Recipients still being delivered have no outcome yet ("notifier status" counts them).

  --status S      only outcomes with this status
  --class C       only failures of this class (permanent, invalid, rate-limited, transient, ...)
  --recipient ID  only this recipient
  --csv           CSV with a header row ` +
  `(a cell starting with = + - @ is prefixed with ' so spreadsheets show it as text)
  --json          one JSON object a line (JSON Lines)
  --table NAME    ledger table (default: $NOTIFIER_LEDGER_TABLE)
  --receipts      a receipt per sent message: read, delivered or -, by the watermarks the webhook receiver recorded
                  (docs/RECEIVER.md); the run's channel is --channel ID, or the job's in the config table
                  (--config-table NAME, default: $NOTIFIER_CONFIG_TABLE)

Exit codes: 0 the run was found (also when no outcome matches), 1 no ledger item of that run, 2 usage error.`;

const STATUSES = ['sent', 'failed', 'skipped'] as const;
/** A stored outcome and, for a sent one when receipts are read, whether Meta reported it delivered and read. */
type ShownOutcome = StoredOutcome & { delivered?: boolean; read?: boolean };

const COLUMNS = ['at', 'status', 'failureClass', 'recipientId', 'providerMessageId', 'reason', 'group'] as const;
const RECEIPT_COLUMNS = ['delivered', 'read'] as const;

/** One CSV cell: quoted when it must be, and never read as a formula by a spreadsheet. */
export function csvCell(value: string): string {
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

/** `read`, `delivered` or `-` for a sent message; blank for the others. */
function receiptCell(outcome: ShownOutcome): string {
  if (outcome.delivered === undefined) return ''.padEnd(9);
  return (outcome.read ? 'read' : outcome.delivered ? 'delivered' : '-').padEnd(9);
}

function textLine(outcome: ShownOutcome, receipts: boolean): string {
  const cells = [
    outcome.at ?? '-'.padEnd(24),
    outcome.status.padEnd(7),
    ...(receipts ? [receiptCell(outcome)] : []),
    (outcome.failureClass ?? '-').padEnd(12),
    outcome.recipientId,
    outcome.providerMessageId ?? '-',
    outcome.reason ?? '',
  ];
  return cells.join('  ').trimEnd();
}

interface Format {
  readonly header: string | undefined;
  readonly line: (outcome: ShownOutcome) => string;
}

/** The output format; with receipts, a receipt column in text, and `delivered` and `read` in CSV. */
function formatOf(kind: 'text' | 'csv' | 'json', receipts: boolean): Format {
  if (kind === 'json') return { header: undefined, line: (outcome) => JSON.stringify(outcome) };
  if (kind === 'csv') {
    const columns = receipts ? [...COLUMNS, ...RECEIPT_COLUMNS] : COLUMNS;
    return {
      header: columns.join(','),
      line: (outcome) => columns.map((column) => csvCell(String(outcome[column] ?? ''))).join(','),
    };
  }
  const header = [
    'time'.padEnd(24),
    'status'.padEnd(7),
    ...(receipts ? ['receipt'.padEnd(9)] : []),
    'class'.padEnd(12),
    'recipient',
    'provider-message-id',
    'reason',
  ];
  return { header: header.join('  '), line: (outcome) => textLine(outcome, receipts) };
}

/**
 * The channel whose receipts apply to a run: --channel, or the channel of the run's job in the config table; undefined
 * when neither can be read (no config table, a job since deleted), and the outcomes are listed without receipts.
 */
async function runChannel(
  ledger: ReturnType<typeof createLedger>,
  runId: string,
  options: { channel?: string | undefined; configTable?: string | undefined },
): Promise<string | undefined> {
  if (options.channel) return options.channel;
  if (!options.configTable) return undefined;
  const run = await ledger.runs.get(runId);
  if (!run) return undefined;
  return new DynamoConfigStore(options.configTable)
    .job(run.job)
    .then((job) => job.channel)
    .catch(() => undefined);
}

/** The run's channel for its receipts; a usage error when it cannot be told. */
export async function channelOf(
  ledger: ReturnType<typeof createLedger>,
  runId: string,
  values: { channel?: string | undefined; 'config-table'?: string | undefined },
): Promise<string> {
  const channel = await runChannel(ledger, runId, {
    channel: values.channel,
    configTable: values['config-table'] ?? process.env.NOTIFIER_CONFIG_TABLE,
  });
  if (!channel)
    throw new UsageError("--receipts needs the run's channel: --channel ID, or the job's through --config-table NAME");
  return channel;
}

/**
 * How many of a run's sent messages Meta's watermarks mark delivered, and read: the run's outcomes page by page, one
 * BatchGetItem of receipts per 100 sent.
 */
export async function receiptCounts(
  ledger: ReturnType<typeof createLedger>,
  runId: string,
  channel: string,
): Promise<{ delivered: number; read: number }> {
  const receipts = { store: new Receipts(ledger.table), channel };
  const counts = { delivered: 0, read: 0 };
  for await (const page of runOutcomePages(ledger.table, runId))
    for (const outcome of await withReceipts(page.outcomes, receipts)) {
      if (outcome.delivered) counts.delivered++;
      if (outcome.read) counts.read++;
    }
  return counts;
}

/** Marks each sent outcome of a page delivered and read by its recipient's watermarks: one BatchGetItem per 100. */
async function withReceipts(
  outcomes: readonly StoredOutcome[],
  receipts: { readonly store: Receipts; readonly channel: string } | undefined,
): Promise<ShownOutcome[]> {
  if (!receipts) return [...outcomes];
  const sent = outcomes.filter((outcome) => outcome.status === 'sent');
  const marks = await receipts.store.among(
    receipts.channel,
    sent.map((outcome) => outcome.recipientId),
  );
  return outcomes.map((outcome) =>
    outcome.status === 'sent'
      ? { ...outcome, ...receiptStatus(Date.parse(outcome.at ?? ''), marks.get(outcome.recipientId)) }
      : outcome,
  );
}

export async function outcomesCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      status: { type: 'string' },
      class: { type: 'string' },
      recipient: { type: 'string' },
      csv: { type: 'boolean' },
      json: { type: 'boolean' },
      table: { type: 'string' },
      receipts: { type: 'boolean' },
      channel: { type: 'string' },
      'config-table': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(OUTCOMES_HELP);
    return 0;
  }
  const runId = positionals[0];
  if (!runId) throw new UsageError('outcomes needs a run id, as printed by "notifier run" or "notifier runs"');
  if (values.status !== undefined && !(STATUSES as readonly string[]).includes(values.status))
    throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got "${values.status}"`);
  if (values.csv && values.json) throw new UsageError('--csv and --json exclude each other');
  const format = formatOf(values.csv ? 'csv' : values.json ? 'json' : 'text', values.receipts ?? false);
  const ledger = createLedger({ table: requireOption(values.table, '--table', 'NOTIFIER_LEDGER_TABLE') });
  const keep = (outcome: StoredOutcome) =>
    (values.status === undefined || outcome.status === values.status) &&
    (values.class === undefined || outcome.failureClass === values.class) &&
    (values.recipient === undefined || outcome.recipientId === values.recipient);

  const receipts = values.receipts
    ? { store: new Receipts(ledger.table), channel: await channelOf(ledger, runId, values) }
    : undefined;

  let items = 0;
  const counts = { sent: 0, failed: 0, skipped: 0, delivered: 0, read: 0 };
  let headerDone = format.header === undefined;
  for await (const page of runOutcomePages(ledger.table, runId)) {
    items += page.items;
    const shown = await withReceipts(page.outcomes.filter(keep), receipts);
    const lines = shown.map((outcome) => {
      counts[outcome.status]++;
      if (outcome.delivered) counts.delivered++;
      if (outcome.read) counts.read++;
      return format.line(outcome);
    });
    if (lines.length === 0) continue;
    if (!headerDone) io.out(format.header as string);
    headerDone = true;
    // One write a page, and the next page is read only once stdout has taken it.
    io.out(lines.join('\n'));
    await io.drain?.();
    if (io.signal?.aborted) return 1;
  }
  if (items === 0) {
    io.err(
      `run "${runId}" not found in the ledger ` +
        `(run ids look like <job>@<scheduled time>, e.g. daily@2026-11-28T08:00:00Z)`,
    );
    return 1;
  }
  const delivery = receipts ? `; of the sent, ${counts.delivered} delivered, ${counts.read} read` : '';
  io.err(
    `${counts.sent + counts.failed + counts.skipped} outcomes listed: ` +
      `${counts.sent} sent, ${counts.failed} failed, ${counts.skipped} skipped${delivery}`,
  );
  return 0;
}
