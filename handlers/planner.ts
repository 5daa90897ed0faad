import { DynamoConfigStore } from './aws/config-store.js';
import { continueRun } from './aws/continuation.js';
import { createLedger } from './aws/ledger/index.js';
import { enqueueAll } from './aws/queue.js';
import { readAudiencePage } from './db/audience.js';
import { lambdaFunctionName, plannerEnvironment, readEnvironment, readVariable } from './env.js';
import { withRedactedErrors } from './observability/handler-errors.js';
import { Metrics } from './observability/metrics.js';
import { createPlanner } from './planning/index.js';

// Created once per container, outside the handler: warm invocations reuse clients and the database connection.
const env = readEnvironment(plannerEnvironment);

export const handler = withRedactedErrors(
  createPlanner({
    config: new DynamoConfigStore(env.configTable, env.configCacheMs),
    ledger: createLedger({ table: env.ledgerTable, ttlDays: env.ledgerTtlDays }),
    databaseHosts: env.databaseHosts,
    readPage: readAudiencePage,
    enqueue: (messages, slots, group) => enqueueAll(env.queueUrl, messages, { slots, group }),
    continueRun: (event) => continueRun(readVariable(lambdaFunctionName), event),
    metrics: new Metrics(env.name, env.metricNamespace),
    runEventBus: env.runEventBus,
  }),
);
