import { parseArgs } from 'node:util';
import { createLedger, runOutcomePages, type StoredOutcome } from '../../handlers/surface.js';
import { csvField } from './csv.js';
import { type CliIO, requireOption, UsageError } from './io.js';

const OUTCOMES_HELP =
  `notifier outcomes <run-id> [--status failed|sent|skipped] [--class CLASS] [--recipient ID]
                  [--csv | --json] [--table NAME]
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

Exit codes: 0 the run was found (also when no outcome matches), 1 no ledger item of that run, 2 usage error.`;

const STATUSES = ['sent', 'failed', 'skipped'] as const;
const COLUMNS = ['at', 'status', 'failureClass', 'recipientId', 'providerMessageId', 'reason', 'group'] as const;

/** One CSV cell: quoted when it must be, and never read as a formula by a spreadsheet. */
export function csvCell(value: string): string {
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

function textLine(outcome: StoredOutcome): string {
  const cells = [
    outcome.at ?? '-'.padEnd(24),
    outcome.status.padEnd(7),
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
      'class'.padEnd(12),
      'recipient',
      'provider-message-id',
      'reason',
    ].join('  '),
    line: textLine,
  },
  csv: {
    header: COLUMNS.join(','),
    line: (outcome: StoredOutcome) => COLUMNS.map((column) => csvCell(String(outcome[column] ?? ''))).join(','),
  },
  json: { header: undefined, line: (outcome: StoredOutcome) => JSON.stringify(outcome) },
} as const;

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

  let items = 0;
  const counts = { sent: 0, failed: 0, skipped: 0 };
  let headerDone = format.header === undefined;
  for await (const page of runOutcomePages(ledger.table, runId)) {
    items += page.items;
    const lines = page.outcomes.filter(keep).map((outcome) => {
      counts[outcome.status]++;
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
  io.err(
    `${counts.sent + counts.failed + counts.skipped} outcomes listed: ` +
      `${counts.sent} sent, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
  return 0;
}
