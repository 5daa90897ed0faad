import { DynamoConfigStore } from './aws/config-store.js';
import { continueRun } from './aws/continuation.js';
import { createLedger } from './aws/ledger/index.js';
import { enqueueAll } from './aws/queue.js';
import { DATABASE_HOSTS_ENV, parseHostAllowlist } from './core/host-policy.js';
import { readAudiencePage } from './db/audience.js';
import { requiredEnv } from './env.js';
import { withRedactedErrors } from './observability/handler-errors.js';
import { Metrics } from './observability/metrics.js';
import { createPlanner } from './planning.js';

// Created once per container, outside the handler: warm invocations reuse clients and the database connection.
const configTable = requiredEnv('NOTIFIER_CONFIG_TABLE');
const ledgerTable = requiredEnv('NOTIFIER_LEDGER_TABLE');
const queueUrl = requiredEnv('NOTIFIER_QUEUE_URL');

export const handler = withRedactedErrors(
  createPlanner({
    config: new DynamoConfigStore(configTable),
    ledger: createLedger({ table: ledgerTable, ttlDays: Number(process.env.NOTIFIER_LEDGER_TTL_DAYS ?? 30) }),
    databaseHosts: parseHostAllowlist(process.env[DATABASE_HOSTS_ENV], DATABASE_HOSTS_ENV),
    readPage: readAudiencePage,
    enqueue: (messages, slots) => enqueueAll(queueUrl, messages, { slots }),
    continueRun: (event) => continueRun(requiredEnv('AWS_LAMBDA_FUNCTION_NAME'), event),
    metrics: new Metrics(process.env.NOTIFIER_NAME ?? 'notifier', process.env.NOTIFIER_METRIC_NAMESPACE),
  }),
);
