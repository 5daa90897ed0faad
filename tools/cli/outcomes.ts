import { parseArgs } from 'node:util';
import {
  createLedger,
  DynamoConfigStore,
  Receipts,
  receiptStatus,
  runOutcomePages,
  type StoredOutcome,
} from '../../handlers/surface.js';
import { type CliIO, requireOption, UsageError } from './io.js';

const OUTCOMES_HELP =
  `notifier outcomes <run-id> [--status failed|sent|skipped] [--class CLASS] [--recipient ID]
                  [--csv | --json] [--table NAME] [--channel ID | --config-table NAME]
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
  --channel ID    the run's channel, whose delivery and read receipts (the webhook receiver's) mark sent messages
                  delivered or read; without it, the job's channel is read from the config table
  --config-table NAME  config table (default: $NOTIFIER_CONFIG_TABLE); without one, no receipts are shown

Exit codes: 0 the run was found (also when no outcome matches), 1 no ledger item of that run, 2 usage error.`;

const STATUSES = ['sent', 'failed', 'skipped'] as const;
/** A stored outcome and, for a sent one when receipts are read, whether Meta reported it delivered and read. */
type ShownOutcome = StoredOutcome & { delivered?: boolean; read?: boolean };

const COLUMNS = [
  'at',
  'status',
  'failureClass',
  'recipientId',
  'providerMessageId',
  'reason',
  'group',
  'delivered',
  'read',
] as const;

/** One CSV cell: quoted when it must be, and never read as a formula by a spreadsheet. */
export function csvCell(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `delivered`, `read` or `-` for a sent message; blank for the others and when receipts are not read. */
function receiptCell(outcome: ShownOutcome): string {
  if (outcome.delivered === undefined) return ''.padEnd(9);
  return (outcome.read ? 'read' : outcome.delivered ? 'delivered' : '-').padEnd(9);
}

function textLine(outcome: ShownOutcome): string {
  const cells = [
    outcome.at ?? '-'.padEnd(24),
    outcome.status.padEnd(7),
    receiptCell(outcome),
    (outcome.failureClass ?? '-').padEnd(12),
    outcome.recipientId,
    outcome.providerMessageId ?? '-',
    outcome.reason ?? '',
  ];
  return cells.join('  ').trimEnd();
}

const formats = {
  text: {
    header: [
      'time'.padEnd(24),
      'status'.padEnd(7),
      'receipt'.padEnd(9),
      'class'.padEnd(12),
      'recipient',
      'provider-message-id',
      'reason',
    ].join('  '),
    line: textLine,
  },
  csv: {
    header: COLUMNS.join(','),
    line: (outcome: ShownOutcome) => COLUMNS.map((column) => csvCell(String(outcome[column] ?? ''))).join(','),
  },
  json: { header: undefined, line: (outcome: ShownOutcome) => JSON.stringify(outcome) },
} as const;

/**
 * The channel whose receipts apply to a run: --channel, or the channel of the run's job in the config table; undefined
 * when neither can be read (no config table, a job since deleted), and the outcomes are listed without receipts.
 */
export async function runChannel(
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
  const format = formats[values.csv ? 'csv' : values.json ? 'json' : 'text'];
  const ledger = createLedger({ table: requireOption(values.table, '--table', 'NOTIFIER_LEDGER_TABLE') });
  const keep = (outcome: StoredOutcome) =>
    (values.status === undefined || outcome.status === values.status) &&
    (values.class === undefined || outcome.failureClass === values.class) &&
    (values.recipient === undefined || outcome.recipientId === values.recipient);

  const channel = await runChannel(ledger, runId, {
    channel: values.channel,
    configTable: values['config-table'] ?? process.env.NOTIFIER_CONFIG_TABLE,
  });
  const receipts = channel === undefined ? undefined : { store: new Receipts(ledger.table), channel };

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
  const delivery = receipts
    ? `; of the sent, ${counts.delivered} delivered, ${counts.read} read`
    : "; no receipts read (name the run's channel with --channel, or the config table with --config-table)";
  io.err(
    `${counts.sent + counts.failed + counts.skipped} outcomes listed: ` +
      `${counts.sent} sent, ${counts.failed} failed, ${counts.skipped} skipped${delivery}`,
  );
  return 0;
}
