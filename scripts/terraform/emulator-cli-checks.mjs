// The notifier CLI against an example applied to the emulator: config put/list on the applied config table,
// secrets check before and after the secrets have values, runs on the applied ledger (its by-job index), and
// dlq inspect on the applied DLQ. Table and queue names come from `terraform output`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { register } from 'tsx/esm/api';
import { runCommand, tail } from './emulator-process.mjs';

register();
const { createLedger } = await import('../../handlers/aws/ledger/index.ts');
const { runIdFor } = await import('../../handlers/core/run-id.ts');

const JOB = 'emulator-check';
const CLI_TIMEOUT_MS = 60_000;

function required(outputs, name) {
  const value = outputs[name]?.value;
  if (typeof value !== 'string' || value === '')
    throw new Error(`the example has no output "${name}", which the CLI needs`);
  return value;
}

/**
 * Secret references for the database password and the page token: the example's own secret containers where it
 * outputs them (their values are written after apply, as its README says), else SSM parameters created here.
 * Each has write(), which gives the secret a value.
 */
function secretReferences(outputs, clients, prefix) {
  const reference = (outputName, parameterName) => {
    const arn = outputs[outputName]?.value;
    if (arn)
      return {
        ref: { secretsManager: arn },
        write: () => clients.secrets.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'emulator-value' })),
      };
    const name = `/${prefix}/${parameterName}`;
    return {
      ref: { ssmParameter: name },
      write: () =>
        clients.ssm.send(
          new PutParameterCommand({ Name: name, Type: 'SecureString', Value: 'emulator-value', Overwrite: true }),
        ),
    };
  };
  return [
    reference('db_reader_secret_arn', 'db-reader-password'),
    reference('page_token_secret_arn', 'messenger-page-token'),
  ];
}

function configItems(outputs, [password, token]) {
  return [
    {
      kind: 'database',
      id: `${JOB}-db`,
      host: outputs.db_endpoint?.value || 'db.example.internal',
      database: 'app',
      user: 'notifier_reader',
      password: password.ref,
    },
    { kind: 'channel', id: `${JOB}-messenger`, type: 'messenger', accessToken: token.ref },
    {
      kind: 'job',
      id: JOB,
      database: `${JOB}-db`,
      channel: `${JOB}-messenger`,
      audience: { sql: 'SELECT id, psid FROM users WHERE opted_in', idColumn: 'id', recipientColumn: 'psid' },
      template: { text: 'Hello from the emulator check' },
    },
  ];
}

function expect(condition, what, result) {
  if (!condition) throw new Error(`${what}\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`);
}

function parsed(result, what) {
  try {
    return JSON.parse(result.stdout);
  } catch {
    expect(false, `${what}: the output is not JSON`, result);
  }
}

/** Runs the checks; resolves the list of checks passed, throws with the CLI's output on the first failure. */
export async function runCliChecks({ repo, workDir, outputs, endpoint, region, env, prefix }) {
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  const clientOptions = { endpoint, region, credentials };
  const clients = {
    secrets: new SecretsManagerClient(clientOptions),
    ssm: new SSMClient(clientOptions),
    sqs: new SQSClient(clientOptions),
    dynamo: new DynamoDBClient(clientOptions),
  };
  const configTable = required(outputs, 'config_table_name');
  const ledgerTable = required(outputs, 'ledger_table_name');
  const dlqUrl = required(outputs, 'dlq_url');
  const cliEnv = {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    NOTIFIER_CONFIG_TABLE: configTable,
    NOTIFIER_LEDGER_TABLE: ledgerTable,
    NOTIFIER_DLQ_URL: dlqUrl,
  };
  const cli = (...args) =>
    runCommand(process.execPath, [join(repo, 'bin/notifier.mjs'), ...args], {
      cwd: repo,
      env: cliEnv,
      timeoutMs: CLI_TIMEOUT_MS,
    });
  const passed = [];

  const secrets = secretReferences(outputs, clients, prefix);
  const items = configItems(outputs, secrets);
  const file = join(workDir, 'config.json');
  writeFileSync(file, JSON.stringify(items));
  const put = await cli('config', 'put', file);
  expect(
    put.code === 0 && put.stdout.trim().split('\n').length === items.length,
    `config put: expected ${items.length} items written`,
    put,
  );
  const list = await cli('config', 'list', '--json');
  const rows = parsed(list, 'config list');
  expect(
    list.code === 0 && rows.length === items.length && rows.every((row) => row.valid),
    `config list: expected ${items.length} valid items`,
    list,
  );
  passed.push('config put/list');

  // Before the secrets have values the check must fail, naming each; afterwards it must pass.
  const missing = await cli('secrets', 'check', '--job', JOB, '--json');
  expect(
    missing.code === 1 && parsed(missing, 'secrets check').filter((check) => !check.ok).length === secrets.length,
    `secrets check: expected ${secrets.length} unresolved secrets before values were written`,
    missing,
  );
  for (const secret of secrets) await secret.write();
  const resolved = await cli('secrets', 'check', '--job', JOB, '--json');
  expect(
    resolved.code === 0 && parsed(resolved, 'secrets check').every((check) => check.ok),
    'secrets check: expected every secret to resolve',
    resolved,
  );
  passed.push('secrets check');

  // A run written by the ledger code the planner uses must be listed through the applied by-job index.
  const scheduledTime = '2026-01-05T09:00:00Z';
  const runId = runIdFor(JOB, scheduledTime);
  await createLedger({ table: ledgerTable, client: clients.dynamo }).runs.acquire({
    runId,
    job: JOB,
    scheduledTime,
    owner: 'emulator-check',
    leaseMs: 60_000,
  });
  const runs = await cli('runs', '--job', JOB, '--json');
  expect(
    runs.code === 0 &&
      parsed(runs, 'runs')
        .map((run) => run.runId)
        .join() === runId,
    `runs: expected exactly ${runId}`,
    runs,
  );
  passed.push('runs');

  await clients.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: '{"v":1,"runId":' }));
  const inspect = await cli('dlq', 'inspect', '--json');
  const report = parsed(inspect, 'dlq inspect');
  expect(
    inspect.code === 0 && report.count === 1 && report.samples[0]?.reason.startsWith('malformed'),
    'dlq inspect: expected the one malformed message',
    inspect,
  );
  passed.push('dlq inspect');
  return passed;
}
