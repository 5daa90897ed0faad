import { parseArgs } from 'node:util';
import {
  ConfigError,
  type ConfigItem,
  channelSecrets,
  parseAnyConfigItem,
  resolveSecret,
  type SecretRef,
} from '../../handlers/surface.js';
import { readItemsFile, type StoredItem, scanConfigTable } from './config-items.js';
import { type CliIO, requireOption } from './io.js';

const SECRETS_HELP = `notifier secrets check [--job ID] [--table NAME | --file PATH] [--json]

Resolves every secret that the jobs (or one job) reference, through SSM or Secrets Manager as the handlers do,
and reports which resolve. Values are never printed.`;

function describe(ref: SecretRef): string {
  if ('ssmParameter' in ref) return `ssm:${ref.ssmParameter}`;
  if ('secretsManager' in ref) return `secretsmanager:${ref.secretsManager}${ref.jsonKey ? `#${ref.jsonKey}` : ''}`;
  return 'inline';
}

export async function secretsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      job: { type: 'string' },
      table: { type: 'string' },
      file: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || positionals[0] !== 'check') {
    io.out(SECRETS_HELP);
    return values.help ? 0 : 2;
  }
  const stored: StoredItem[] = values.file
    ? (await readItemsFile(values.file)).map((document, index) => ({ key: `item #${index + 1}`, document }))
    : await scanConfigTable(requireOption(values.table, '--table', 'NOTIFIER_CONFIG_TABLE'));
  const items: ConfigItem[] = stored.map(({ key, document, problem }) => {
    if (problem) throw new ConfigError(`config item "${key}"`, [{ path: 'document', message: problem }]);
    return parseAnyConfigItem(document, `config item "${key}"`);
  });
  const jobs = items.filter((item) => item.kind === 'job' && (!values.job || item.id === values.job));
  if (values.job && jobs.length === 0) {
    io.err(`job "${values.job}" is not in the config`);
    return 1;
  }
  const checks: { job: string; item: string; secret: string; ok: boolean; error?: string }[] = [];
  for (const job of jobs) {
    if (job.kind !== 'job') continue;
    const database = items.find((item) => item.kind === 'database' && item.id === job.database);
    const channel = items.find((item) => item.kind === 'channel' && item.id === job.channel);
    const refs: [string, SecretRef | undefined][] = [
      [`database#${job.database}`, database?.kind === 'database' ? database.password : undefined],
      ...(channel?.kind === 'channel'
        ? channelSecrets(channel).map((ref): [string, SecretRef] => [`channel#${job.channel}`, ref])
        : [[`channel#${job.channel}`, undefined] as [string, undefined]]),
    ];
    for (const [item, ref] of refs) {
      if (!ref) {
        checks.push({ job: job.id, item, secret: '-', ok: false, error: 'the item does not exist' });
        continue;
      }
      try {
        await resolveSecret(ref);
        checks.push({ job: job.id, item, secret: describe(ref), ok: true });
      } catch (error) {
        checks.push({
          job: job.id,
          item,
          secret: describe(ref),
          ok: false,
          error: `${(error as Error).name}: ${(error as Error).message}`,
        });
      }
    }
  }
  if (values.json) io.out(JSON.stringify(checks));
  else
    for (const check of checks)
      io.out(
        `${check.ok ? 'ok     ' : 'FAILED '} ${check.job}  ${check.item}  ${check.secret}` +
          `${check.error ? `  ${check.error}` : ''}`,
      );
  return checks.every((check) => check.ok) ? 0 : 1;
}
