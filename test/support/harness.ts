import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { RunLedger, RunRecord } from '../../handlers/aws/ledger/index.js';
import { setLogSink } from '../../handlers/observability/log.js';
import { divertHandlerOutput } from '../../tools/local/handler-output.js';
import { startPoller } from '../../tools/local/poller.js';
import { startSandbox } from '../../tools/local/sandbox.js';
import { startSqs } from '../../tools/local/sqs.js';
import { type Stack, startStack } from '../../tools/local/stack.js';

/** Shared servers are started once by scripts/test.mjs; a test file alone fails with the reason. */
export function sharedService(name: 'NOTIFIER_TEST_DYNAMODB_ENDPOINT' | 'NOTIFIER_TEST_PG_URL'): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the suite with "npm test", which starts DynamoDB Local and PostgreSQL`);
  return value;
}

/** A fresh database on the shared PostgreSQL 15 server, seeded with `count` recipients. */
export async function seedAudience(
  count: number,
  options: { url?: string; extraRows?: string } = {},
): Promise<{ host: string; port: number; database: string; user: string; password: string }> {
  const adminUrl = options.url ?? sharedService('NOTIFIER_TEST_PG_URL');
  const admin = new URL(adminUrl);
  const database = `aud_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const adminClient = new pg.Client({ connectionString: adminUrl });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${database}`);
  await adminClient.end();
  const client = new pg.Client({
    connectionString: Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString(),
  });
  await client.connect();
  await client.query(
    'CREATE TABLE users (id bigint PRIMARY KEY, psid text, first_name text, opted_in boolean NOT NULL DEFAULT true)',
  );
  await client.query(
    `INSERT INTO users (id, psid, first_name, opted_in) SELECT g, 'psid-' || g, 'User' || g, g % 10 <> 0 FROM generate_series(1, $1) AS g`,
    [count],
  );
  if (options.extraRows) await client.query(options.extraRows);
  await client.end();
  return {
    host: admin.hostname,
    port: Number(admin.port),
    database,
    user: decodeURIComponent(admin.username),
    password: decodeURIComponent(admin.password),
  };
}

export const TOKEN = 'EAAB-sandbox-page-token-0123456789abcdef';

export interface Harness {
  stack: Stack;
  sandbox: Awaited<ReturnType<typeof startSandbox>>;
  logs: string[];
  stop(): Promise<void>;
}

/** One stack per test file: its own tables and queues on the shared DynamoDB Local, its own fauxqs and sandbox. */
/**
 * A planner bundle loaded in this process keeps its PostgreSQL connection for the next warm invocation, as in Lambda;
 * here that open socket would keep the test process alive after its last test. The server closes them instead.
 */
async function closePlannerConnections(): Promise<void> {
  const url = process.env.NOTIFIER_TEST_PG_URL;
  if (!url) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'notifier-planner' AND pid <> pg_backend_pid()",
    );
  } finally {
    await admin.end();
  }
}

export async function startHarness(
  options: {
    maxReceiveCount?: number;
    plannerTimeoutMs?: number;
    extraEnv?: Record<string, string>;
    sandboxRate?: number;
    /** Where the stack's DynamoDB requests go (a fault proxy); the shared DynamoDB Local by default. */
    dynamoEndpoint?: string;
  } = {},
): Promise<Harness> {
  const logs: string[] = [];
  setLogSink((line) => logs.push(line));
  // The shipped bundles carry their own logger: capture what they write to stdout too.
  const restoreStdout = divertHandlerOutput((text) => logs.push(...text.split('\n').filter(Boolean)));
  const sqs = await startSqs();
  const sandbox = await startSandbox({
    accessToken: TOKEN,
    ...(options.sandboxRate ? { ratePerSecond: options.sandboxRate } : {}),
  });
  const stack = await startStack({
    name: `t${randomUUID().slice(0, 8)}`,
    dynamoEndpoint: options.dynamoEndpoint ?? sharedService('NOTIFIER_TEST_DYNAMODB_ENDPOINT'),
    sqsEndpoint: sqs.endpoint,
    maxReceiveCount: options.maxReceiveCount ?? 5,
    visibilityTimeoutSeconds: 1,
    ...(options.plannerTimeoutMs ? { plannerTimeoutMs: options.plannerTimeoutMs } : {}),
    extraEnv: { NOTIFIER_HALT_COOLDOWN_MS: '500', ...options.extraEnv },
  });
  return {
    stack,
    sandbox,
    logs,
    async stop() {
      await stack.stop();
      await sandbox.stop();
      await sqs.stop();
      await closePlannerConnections();
      restoreStdout();
    },
  };
}

/** The config items of one Messenger job reading `users`. */
export function messengerJob(
  database: Awaited<ReturnType<typeof seedAudience>>,
  sandboxUrl: string,
  overrides: Record<string, unknown> = {},
) {
  // Each job gets its own database item: config items are cached per container, as in Lambda.
  const databaseId = `${String(overrides.id ?? 'daily')}-db`;
  return [
    {
      kind: 'database',
      id: databaseId,
      host: database.host,
      port: database.port,
      database: database.database,
      user: database.user,
      password: { inline: database.password },
      ssl: 'disable',
      allowInlineSecrets: true,
    },
    {
      kind: 'channel',
      id: 'messenger',
      type: 'messenger',
      baseUrl: sandboxUrl,
      pageId: 'me',
      accessToken: { inline: TOKEN },
      allowInlineSecrets: true,
      timeoutMs: 2000,
      ratePerSecond: 5000,
    },
    {
      kind: 'job',
      id: 'daily',
      database: databaseId,
      channel: 'messenger',
      audience: {
        sql: 'SELECT id, psid, first_name FROM users WHERE opted_in = $1',
        params: [true],
        idColumn: 'id',
        recipientColumn: 'psid',
      },
      template: { text: 'Hello {{first_name}}, your digest is ready' },
      pageSize: 100,
      ...overrides,
    },
  ];
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One scheduled run of `job` through the planner, the queue and two senders, until `recipients` of it have an
 * outcome counted; answers the run as the ledger then holds it.
 */
export async function runJobThrough(
  stack: Stack,
  runs: RunLedger,
  run: { job: string; scheduledTime: string; recipients: number },
): Promise<RunRecord> {
  const { job, scheduledTime, recipients } = run;
  const outcomes = await stack.tick(job, scheduledTime);
  assert.deepEqual(
    outcomes.map((outcome) => (outcome.ok ? outcome.result.status : outcome.error.message)),
    ['enqueued'],
  );
  const poller = startPoller(stack.sqs, await stack.loadSender(), {
    queueUrl: stack.queues.queueUrl,
    batchSize: 10,
    maximumConcurrency: 2,
    functionTimeoutMs: 30_000,
  });
  try {
    return await waitFor(`the outcomes of ${job}@${scheduledTime}`, async () => {
      const record = await runs.get(`${job}@${scheduledTime}`);
      return record && record.sent + record.failed + record.skipped >= recipients ? record : undefined;
    });
  } finally {
    await poller.stop();
  }
}
