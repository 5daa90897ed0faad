import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CONFIG_CACHE_MS, configKey, pauseKey, senderEnvironment } from '../../handlers/surface.js';
import { type CliIO, requireOption, UsageError } from './io.js';

const WITHIN = `within ${CONFIG_CACHE_MS / 1000} s (the handlers cache config items that long)`;

const RECHECK = senderEnvironment.pauseRecheckSeconds;

const PAUSE_HELP = `notifier pause <job> [--table NAME] [--json]
  Stops sending for the job's open runs without failing or skipping anyone; "notifier resume" continues the same
  runs where they were. Takes effect ${WITHIN}.
  Meanwhile a sender re-sends each of the job's tasks it receives as a new message delayed by
  ${RECHECK.name} (default ${RECHECK.parse(undefined)}) and deletes the one it received, so a pause
  of any length brings no task nearer the DLQ, and the other jobs on the queue keep sending. A planner still reading
  the audience waits, keeping its cursor (handing over to a continuation as usual). A paused job's new ticks start
  their runs and wait the same way.
  --table NAME   config table (default: $NOTIFIER_CONFIG_TABLE)`;

const RESUME_HELP = `notifier resume <job> [--table NAME] [--json]
  Lifts "notifier pause": the job's runs continue where they were, each recipient sent once. Senders see it ${WITHIN};
  tasks already waiting come back within NOTIFIER_PAUSE_RECHECK_SECONDS; a waiting planner within 5 s.
  --table NAME   config table (default: $NOTIFIER_CONFIG_TABLE)`;

function parse(
  argv: string[],
  io: CliIO,
  command: 'pause' | 'resume',
  help: string,
): { job: string; table: string; json: boolean } | undefined {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { table: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    io.out(help);
    return undefined;
  }
  const job = positionals[0];
  if (!job) throw new UsageError(`${command} needs a job id, e.g. "notifier ${command} daily-digest"`);
  return { job, table: requireOption(values.table, '--table', 'NOTIFIER_CONFIG_TABLE'), json: values.json ?? false };
}

export async function pauseCommand(argv: string[], io: CliIO): Promise<number> {
  const options = parse(argv, io, 'pause', PAUSE_HELP);
  if (!options) return 0;
  const { job, table } = options;
  const client = new DynamoDBClient({});
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: { S: configKey('job', job) } },
      ConsistentRead: true,
      ProjectionExpression: 'pk',
    }),
  );
  if (!Item) {
    io.err(`job "${job}" is not in config table ${table}`);
    return 1;
  }
  const pausedAt = new Date().toISOString();
  const token = randomUUID();
  // Only the first pause sets the time: pausing a paused job again changes nothing. The token tells an SDK retry of a
  // pause that landed (its answer lost) from a pause that was already there.
  const put = await client
    .send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: pauseKey(job) }, job: { S: job }, pausedAt: { S: pausedAt }, pauseToken: { S: token } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    )
    .then(
      () => 'paused' as const,
      (error: unknown) => {
        if (!(error instanceof Error) || error.name !== 'ConditionalCheckFailedException') throw error;
        const existing = (error as { Item?: Record<string, { S?: string }> }).Item;
        return existing?.pauseToken?.S === token ? ('paused' as const) : ('already paused' as const);
      },
    );
  io.out(
    options.json
      ? JSON.stringify({ job, paused: true, changed: put === 'paused' })
      : put === 'paused'
        ? `paused ${job}: senders hold its tasks ${WITHIN}`
        : `${job} is already paused`,
  );
  return 0;
}

export async function resumeCommand(argv: string[], io: CliIO): Promise<number> {
  const options = parse(argv, io, 'resume', RESUME_HELP);
  if (!options) return 0;
  const { job, table } = options;
  const client = new DynamoDBClient({});
  const key = { pk: { S: pauseKey(job) } };
  // Read first, then delete: an SDK retry of a delete that landed answers no old item, and would say "was not paused".
  const { Item: Attributes } = await client.send(
    new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  if (Attributes) await client.send(new DeleteItemCommand({ TableName: table, Key: key }));
  const since = Attributes?.pausedAt?.S;
  io.out(
    options.json
      ? JSON.stringify({ job, paused: false, changed: Attributes !== undefined, ...(since ? { pausedAt: since } : {}) })
      : Attributes
        ? `resumed ${job} (paused since ${since ?? 'an unknown time'})`
        : `${job} was not paused`,
  );
  return 0;
}
