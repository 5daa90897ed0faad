import { parseArgs } from 'node:util';
import {
  type AttemptResult,
  createLedger,
  type NewOutcome,
  type RowFields,
  renderMessage,
  sendOnce,
} from '../../handlers/surface.js';
import { openChannel } from './channel.js';
import { configSource } from './config-source.js';
import { type CliIO, requireOption, UsageError } from './io.js';
import { messageText } from './preview.js';

const SEND_TEST_HELP = `notifier send-test <job> --to RECIPIENT [--field NAME=VALUE ...] [--table NAME | --file PATH]
                   [--ledger-table NAME] [--json]
  Sends one real message through the job's channel to RECIPIENT (for Messenger a page-scoped id), rendered from the
  job's template with the --field values, and prints the provider's answer. It is recorded in the ledger apart from
  the job's runs, under a run id of its own, "<job>@test-<time>" ("notifier outcomes" shows it): it counts in no
  run and never keeps a run from sending to the same recipient. A paused or disabled job can be tested too.

  --to RECIPIENT      who gets the message
  --field NAME=VALUE  a template field (repeat for each); a field the template needs without a fallback is required
  --table NAME        config table (default: $NOTIFIER_CONFIG_TABLE)
  --file PATH         config items from a local JSON file instead of the table
  --ledger-table NAME where the send is recorded (default: $NOTIFIER_LEDGER_TABLE)

Exit codes: 0 the provider accepted the message, 1 it refused it (class and reason printed) or the job, its
channel or the secret could not be read, 2 usage error (also a template field left out).`;

function parseFields(entries: readonly string[]): RowFields {
  const fields: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--field must be NAME=VALUE, got "${entry}"`);
    fields[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return fields;
}

/** The provider's answer as the ledger records it. */
function outcomeOf(result: AttemptResult): NewOutcome {
  switch (result.kind) {
    case 'sent':
      return { status: 'sent', ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}) };
    case 'failed':
      return { status: 'failed', failureClass: result.error.failureClass, reason: result.error.message };
    case 'held':
      return { status: 'failed', failureClass: 'held', reason: result.reason };
  }
}

export async function sendTestCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      field: { type: 'string', multiple: true },
      table: { type: 'string' },
      file: { type: 'string' },
      'ledger-table': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(SEND_TEST_HELP);
    return 0;
  }
  const jobId = positionals[0];
  if (!jobId) throw new UsageError('send-test needs a job id: "notifier send-test daily-digest --to <recipient>"');
  if (!values.to?.trim()) throw new UsageError('send-test needs --to RECIPIENT');
  const recipientId = values.to.trim();
  const fields = parseFields(values.field ?? []);
  const ledger = createLedger({
    table: requireOption(values['ledger-table'], '--ledger-table', 'NOTIFIER_LEDGER_TABLE'),
  });
  const config = await configSource(values);
  const job = await config.job(jobId);
  const channelConfig = await config.channel(job.channel);
  const at = new Date();
  const runId = `${job.id}@test-${at.toISOString()}`;
  const rendered = renderMessage(runId, job, { id: recipientId, fields });
  if (!rendered.ok) throw new UsageError(`${rendered.reason}: pass it with --field ${rendered.field}=VALUE`);

  const channel = await openChannel(channelConfig);
  const result = await sendOnce(channel, rendered.message, AbortSignal.timeout(channelConfig.timeoutMs));
  const outcome = outcomeOf(result);
  await ledger.records.recordTest({ runId, job: job.id, recipientId, outcome, now: at.getTime() });
  const report = {
    runId,
    job: job.id,
    channel: channelConfig.id,
    recipientId,
    text: messageText(rendered.message),
    ...outcome,
  };
  if (values.json) io.out(JSON.stringify(report));
  else {
    io.out(
      outcome.status === 'sent'
        ? `sent to ${recipientId} through channel ${channelConfig.id}: ` +
            `provider message id ${outcome.providerMessageId ?? '(none given)'}`
        : `NOT sent to ${recipientId}: ${outcome.failureClass}: ${outcome.reason}`,
    );
    io.out(`recorded as run ${runId} (notifier outcomes '${runId}')`);
  }
  return outcome.status === 'sent' ? 0 : 1;
}
