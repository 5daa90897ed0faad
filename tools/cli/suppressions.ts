import { parseArgs } from 'node:util';
import { createLedger, type Suppression, senderEnvironment } from '../../handlers/surface.js';
import { csvField } from './csv.js';
import { type CliIO, numberOption, requireOption, table, UsageError } from './io.js';

const SUPPRESSIONS_HELP = `notifier suppressions <list|export|add|remove> [options]

  A channel's suppression list: the recipients its jobs no longer send to. A sender puts a recipient on it when the
  provider's answer is permanent for that person (blocked the Page, stopped the messages, an invalid or other Page's
  subscription token); every later run of every job on the channel records them as skipped without a request.

  list [--channel ID] [--json]          the entries in effect (--json: one JSON object a line)
  export [--channel ID]                 the entries as CSV with a header row (channel, recipient, reason, source,
                                        at, expiresAt), each value as stored: for your own database
  add --channel ID --recipient R [--reason TEXT] [--days N | --never-expires] [--json]
                                        put a recipient on the list (source "operator"); it lasts N days
                                        (default: $NOTIFIER_SUPPRESSION_DAYS, else 365)
  remove --channel ID --recipient R [--json]
                                        take a recipient off the list: the next run sends to them again

Options:
  --channel ID   the channel item's id; without it, list and export read every channel's list with a Scan of the
                 whole ledger table (it reads every run's items too: name the channel on a large table)
  --recipient R  the id exactly as the audience column holds it (PSID, user_ref or subscription token)
  --table NAME   ledger table (default: $NOTIFIER_LEDGER_TABLE)

Exit codes: 0 done, 2 usage error, 1 anything else.`;

const OPTIONS = {
  channel: { type: 'string' },
  recipient: { type: 'string' },
  reason: { type: 'string' },
  days: { type: 'string' },
  'never-expires': { type: 'boolean' },
  json: { type: 'boolean' },
  table: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];

const EXPORT_COLUMNS = ['channel', 'recipient', 'reason', 'source', 'at', 'expiresAt'] as const;
/** The longest recipient id a task carries (handlers/core/task.ts). */
const RECIPIENT_MAX = 256;

const expiry = (entry: Suppression) =>
  entry.expiresAt === undefined ? 'never' : new Date(entry.expiresAt * 1000).toISOString();

export async function suppressionsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const verb = positionals[0];
  if (values.help || !verb) {
    io.out(SUPPRESSIONS_HELP);
    return values.help ? 0 : 2;
  }
  const ledger = createLedger({ table: requireOption(values.table, '--table', 'NOTIFIER_LEDGER_TABLE') });
  const suppressions = ledger.suppressions;
  switch (verb) {
    case 'list':
      return await list(suppressions.list(values.channel), values, io);
    case 'export':
      return await exportCsv(suppressions.list(values.channel), io);
    case 'add': {
      const entry = entryToAdd(values);
      await suppressions.add(entry);
      io.out(values.json ? JSON.stringify(entry) : `added ${entry.recipient} to channel ${entry.channel}'s list`);
      return 0;
    }
    case 'remove': {
      const { channel, recipient } = target(values);
      await suppressions.remove(channel, recipient);
      io.out(
        values.json ? JSON.stringify({ channel, recipient, removed: true }) : `removed ${recipient} from ${channel}`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown suppressions command "${verb}"; see "notifier suppressions --help"`);
  }
}

/** The channel and recipient `add` and `remove` need, checked as a task's recipient id is. */
function target(values: Values): { channel: string; recipient: string } {
  if (!values.channel) throw new UsageError('--channel is required: the id of the channel item');
  const recipient = values.recipient;
  if (recipient === undefined || recipient === '') throw new UsageError('--recipient is required');
  if (recipient.trim() !== recipient || recipient.length > RECIPIENT_MAX)
    throw new UsageError(
      `--recipient must be the id as the audience holds it: no leading or trailing spaces, ` +
        `at most ${RECIPIENT_MAX} characters`,
    );
  return { channel: values.channel, recipient };
}

function entryToAdd(values: Values): Suppression {
  if (values['never-expires'] && values.days !== undefined)
    throw new UsageError('--days and --never-expires exclude each other');
  const days = values['never-expires']
    ? undefined
    : (numberOption('--days', values.days, { min: 1, integer: true, max: 3650 }) ??
      senderEnvironment.suppressionDays.parse(process.env.NOTIFIER_SUPPRESSION_DAYS));
  const now = Date.now();
  return {
    ...target(values),
    reason: values.reason ?? 'added by an operator',
    source: 'operator',
    at: new Date(now).toISOString(),
    ...(days === undefined ? {} : { expiresAt: Math.floor(now / 1000) + days * 86_400 }),
  };
}

/** A page of entries at a time: a list of any size streams. */
async function* pages(entries: AsyncIterable<Suppression>, size = 500): AsyncGenerator<Suppression[]> {
  let page: Suppression[] = [];
  for await (const entry of entries) {
    page.push(entry);
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

async function list(entries: AsyncIterable<Suppression>, values: Values, io: CliIO): Promise<number> {
  let count = 0;
  for await (const page of pages(entries)) {
    count += page.length;
    if (values.json) io.out(page.map((entry) => JSON.stringify(entry)).join('\n'));
    else
      io.out(
        table([
          ...(count === page.length ? [['channel', 'recipient', 'source', 'since', 'expires', 'reason']] : []),
          ...page.map((entry) => [entry.channel, entry.recipient, entry.source, entry.at, expiry(entry), entry.reason]),
        ]),
      );
    await io.drain?.();
  }
  io.err(`${count} suppressed recipients`);
  return 0;
}

async function exportCsv(entries: AsyncIterable<Suppression>, io: CliIO): Promise<number> {
  io.out(EXPORT_COLUMNS.join(','));
  let count = 0;
  for await (const page of pages(entries)) {
    count += page.length;
    const row = (entry: Suppression) =>
      [entry.channel, entry.recipient, entry.reason, entry.source, entry.at, expiry(entry)].map(csvField).join(',');
    io.out(page.map(row).join('\n'));
    await io.drain?.();
  }
  io.err(`${count} suppressed recipients exported`);
  return 0;
}
