import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ConfigItem } from '../config/schema.js';
import { configKey, parseAnyConfigItem } from '../config/schema.js';
import type { BatchResponse, SqsEvent } from '../delivery/index.js';
import type { PlannerResult } from '../planning.js';
import { lambdaContext, loadBundle, type Handler } from './bundle.js';
import { startLambdaEndpoint } from './lambda-endpoint.js';
import type { Service } from './ports.js';
import { createQueues, type Queues } from './sqs.js';
import { createTables } from './tables.js';

export interface StackOptions {
  /** Unique prefix for tables and queues, so several stacks can share one emulator. */
  readonly name: string;
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  readonly plannerTimeoutMs?: number;
  readonly extraEnv?: Record<string, string>;
}

export interface Stack extends Service {
  readonly names: { config: string; ledger: string };
  readonly queues: Queues;
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  putConfig(item: ConfigItem | Record<string, unknown>): Promise<void>;
  loadSender(): Promise<Handler<SqsEvent, BatchResponse>>;
  /** Runs one scheduler tick through the shipped planner bundle, continuations included, until the run settles. */
  tick(job: string, scheduledTime: string, options?: { timeoutMs?: number }): Promise<PlannerOutcome[]>;
}

export type PlannerOutcome = { ok: true; result: PlannerResult } | { ok: false; error: Error };

const localCredentials = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

/**
 * Tables, queues and the Lambda wiring of the module, on local emulators. The shipped bundles read the same
 * environment variables the Terraform module sets; the standard AWS_ENDPOINT_URL_* variables point them here.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const names = { config: `${options.name}-config`, ledger: `${options.name}-ledger` };
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({ endpoint: options.dynamoEndpoint, region: 'us-east-1', credentials });
  const sqs = new SQSClient({ endpoint: options.sqsEndpoint, region: 'us-east-1', credentials });
  await createTables(dynamo, names);
  const queues = await createQueues(sqs, options.sqsEndpoint, `${options.name}-deliveries`, { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 2, maxReceiveCount: options.maxReceiveCount ?? 5 });

  // Loaded on first use, also when the first invocation comes through the Lambda endpoint ("notifier run").
  let planner: Promise<Handler<unknown, PlannerResult>> | undefined;
  const loadPlanner = () => (planner ??= loadBundle<unknown, PlannerResult>('planner'));
  const pending = new Set<Promise<PlannerOutcome>>();
  const outcomes: PlannerOutcome[] = [];
  const invokePlanner = (payload: unknown) => {
    const run = (async (): Promise<PlannerOutcome> => {
      try {
        const handler = await loadPlanner();
        return { ok: true, result: await handler(payload, lambdaContext(`${options.name}-planner`, options.plannerTimeoutMs ?? 60_000)) };
      } catch (error) {
        return { ok: false, error: error as Error };
      }
    })();
    pending.add(run);
    run.then((outcome) => {
      outcomes.push(outcome);
      pending.delete(run);
    });
    return run;
  };
  const lambda = await startLambdaEndpoint((_name, payload) => void invokePlanner(payload));

  Object.assign(process.env, localCredentials, {
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: options.sqsEndpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    AWS_LAMBDA_FUNCTION_NAME: `${options.name}-planner`,
    NOTIFIER_NAME: options.name,
    NOTIFIER_CONFIG_TABLE: names.config,
    NOTIFIER_LEDGER_TABLE: names.ledger,
    NOTIFIER_QUEUE_URL: queues.queueUrl,
    ...options.extraEnv,
  });

  return {
    names,
    queues,
    dynamo,
    sqs,
    async putConfig(item) {
      const parsed = parseAnyConfigItem(item);
      await dynamo.send(new PutItemCommand({ TableName: names.config, Item: { pk: { S: configKey(parsed.kind, parsed.id) }, document: { S: JSON.stringify(item) } } }));
    },
    loadSender: () => loadBundle<SqsEvent, BatchResponse>('sender'),
    async tick(job, scheduledTime, tickOptions = {}) {
      outcomes.length = 0;
      const deadline = Date.now() + (tickOptions.timeoutMs ?? 120_000);
      await invokePlanner({ job, scheduledTime });
      while (pending.size > 0) {
        if (Date.now() > deadline) throw new Error(`planner continuations still running after ${tickOptions.timeoutMs ?? 120_000} ms`);
        await Promise.race(pending);
      }
      return [...outcomes];
    },
    async stop() {
      await Promise.allSettled(pending);
      await lambda.stop();
      dynamo.destroy();
      sqs.destroy();
    },
  };
}
