import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  type BatchResponse,
  type ChannelKind,
  type ConfigItem,
  configTableItem,
  formatChannelHosts,
  LOOPBACK_HOSTS,
  lambdaFunctionName,
  type PlannerResult,
  parseAnyConfigItem,
  plannerEnvironment,
  type SqsEvent,
  senderEnvironment,
} from '../../handlers/surface.js';
import { encodeRecord, type InvocationRecord } from '../common/invocation-record.js';
import { type AsyncRetryOptions, invokeAsynchronously } from './async-invoke.js';
import { type Handler, lambdaContext, loadBundle } from './bundle.js';
import { type EventBusCapture, startEventBus } from './event-bus.js';
import { startLambdaEndpoint } from './lambda-endpoint.js';
import type { Service } from './ports.js';
import { createQueues, onEndpoint, type Queues } from './sqs.js';
import { createTables } from './tables.js';

export interface StackOptions {
  /** Unique prefix for tables and queues, so several stacks can share one emulator. */
  readonly name: string;
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  readonly plannerTimeoutMs?: number;
  /**
   * Lambda's retries of a planner invocation that threw (scheduler ticks, continuations, `notifier run`). Locally
   * none by default, so a failed tick is reported at once; Lambda's own default is two, 1 and 2 minutes apart.
   * Either way the event's invocation record then lands in the planner-failures queue.
   */
  readonly plannerRetries?: AsyncRetryOptions;
  /**
   * The module's `channel_hosts` (by kind of channel) and `database_hosts`; default the loopback hosts the local
   * emulators listen on, for every kind.
   */
  readonly channelHosts?: Readonly<Partial<Record<ChannelKind, readonly string[]>>>;
  readonly databaseHosts?: readonly string[];
  readonly extraEnv?: Record<string, string>;
}

/** A job's deadlines as the module's watch schedule sends them (modules/schedule, `watch`). */
export type WatchedJobs = Record<string, { overdueAfterSeconds: number; endAfterSeconds: number }>;

export interface Stack extends Service {
  readonly names: { config: string; ledger: string };
  readonly queues: Queues;
  /** The planner's on-failure destination, `<name>-planner-failures`, as the Terraform module wires it. */
  readonly plannerFailuresUrl: string;
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  /** The run events' bus, `<name>-runs`, and what PutEvents delivered to it. */
  readonly eventBus: { readonly name: string; readonly capture: EventBusCapture };
  putConfig(item: ConfigItem | Record<string, unknown>): Promise<void>;
  loadSender(): Promise<Handler<SqsEvent, BatchResponse>>;
  /**
   * Runs one scheduler tick through the shipped planner bundle as an asynchronous invocation, continuations and
   * retries included, until they settle; the outcome of every attempt of the job, in order. Ticks of other jobs may
   * run meanwhile: each waits for every planner invocation to settle, and answers with its own job's.
   */
  tick(
    job: string,
    scheduledTime: string,
    options?: { timeoutMs?: number; retries?: AsyncRetryOptions },
  ): Promise<PlannerOutcome[]>;
  /** One tick of the watch schedule through the shipped planner bundle, as the module's watch schedule sends it. */
  watch(jobs: WatchedJobs, options?: { timeoutMs?: number }): Promise<PlannerOutcome[]>;
  /** Waits for the planner invocations that arrived through the Lambda endpoint (`notifier run`, `ticks replay`). */
  settle(options?: { timeoutMs?: number }): Promise<PlannerOutcome[]>;
}

export type PlannerOutcome = { ok: true; result: PlannerResult } | { ok: false; error: Error };

/**
 * The planner bundle behind Lambda's asynchronous invoke path (scheduler ticks, continuations, `notifier run`): each
 * invocation is attempted, retried and, once its retries are spent, recorded; `tick` and `settle` wait for them.
 */
function plannerInvocations(options: {
  functionName: string;
  timeoutMs: number;
  retries: AsyncRetryOptions;
  recordFailure: (record: InvocationRecord) => Promise<void>;
}) {
  // Containers, as Lambda keeps them: an invocation takes an idle one, or a new one is loaded when all are busy (two
  // jobs ticking at once plan in two containers, each with its own database connection), and gives it back after.
  const idleContainers: Promise<Handler<unknown, PlannerResult>>[] = [];
  const pending = new Set<Promise<void>>();
  // Each outcome with the job of its event: ticks of several jobs may run at once.
  const outcomes: { job: unknown; outcome: PlannerOutcome }[] = [];
  // Outcomes already returned by `tick` or `settle`: `settle` answers with the ones after them.
  let reported = 0;
  const attempt = async (payload: unknown): Promise<PlannerOutcome> => {
    let outcome: PlannerOutcome;
    const container = idleContainers.pop() ?? loadBundle<unknown, PlannerResult>('planner');
    try {
      const handler = await container;
      try {
        outcome = { ok: true, result: await handler(payload, lambdaContext(options.functionName, options.timeoutMs)) };
      } finally {
        // A container that loaded goes back to the idle ones; one that failed to load is not kept.
        idleContainers.push(container);
      }
    } catch (error) {
      outcome = { ok: false, error: error as Error };
    }
    outcomes.push({ job: (payload as { job?: unknown } | null)?.job, outcome });
    return outcome;
  };
  const invoke = (payload: unknown, retries = options.retries) => {
    const run = invokeAsynchronously(payload, {
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${options.functionName}:$LATEST`,
      attempt,
      onFailure: options.recordFailure,
      retries,
    }).catch(
      (error: unknown) =>
        void outcomes.push({
          job: (payload as { job?: unknown } | null)?.job,
          outcome: {
            ok: false,
            error: new Error(`the failed invocation could not be recorded: ${(error as Error).message}`),
          },
        }),
    );
    pending.add(run);
    void run.then(() => pending.delete(run));
  };
  const idle = async (timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (pending.size > 0) {
      if (Date.now() > deadline)
        throw new Error(`planner invocations (continuations, retries) still running after ${timeoutMs} ms`);
      await Promise.race(pending);
    }
  };
  return {
    invoke,
    idle,
    // A tick of a job, or of the watch schedule (no job): its outcomes are those of invocations with its job.
    async tick(event: unknown, tickOptions: { timeoutMs?: number; retries?: AsyncRetryOptions }) {
      const job = (event as { job?: unknown } | null)?.job;
      const from = outcomes.length;
      invoke(event, tickOptions.retries);
      await idle(tickOptions.timeoutMs);
      reported = outcomes.length;
      return outcomes
        .slice(from)
        .filter((entry) => entry.job === job)
        .map((entry) => entry.outcome);
    },
    async settle(timeoutMs?: number) {
      await idle(timeoutMs);
      const fresh = outcomes.slice(reported).map((entry) => entry.outcome);
      reported = outcomes.length;
      return fresh;
    },
  };
}

const localCredentials = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

/**
 * Tables, queues and the Lambda wiring of the module, on local emulators. The shipped bundles read their environment
 * contract (handlers/env.ts): the names the Terraform module sets are set here, the others keep their defaults unless
 * `extraEnv` gives them; the standard AWS_ENDPOINT_URL_* variables point the bundles here.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const names = { config: `${options.name}-config`, ledger: `${options.name}-ledger` };
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({ endpoint: options.dynamoEndpoint, region: 'us-east-1', credentials });
  const sqs = new SQSClient({ endpoint: options.sqsEndpoint, region: 'us-east-1', credentials });
  await createTables(dynamo, names);
  const queues = await createQueues(sqs, options.sqsEndpoint, `${options.name}-deliveries`, {
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 2,
    maxReceiveCount: options.maxReceiveCount ?? 5,
  });
  const failures = await sqs.send(new CreateQueueCommand({ QueueName: `${options.name}-planner-failures` }));
  const plannerFailuresUrl = onEndpoint(failures.QueueUrl as string, options.sqsEndpoint);
  const functionName = `${options.name}-planner`;

  const planner = plannerInvocations({
    functionName,
    timeoutMs: options.plannerTimeoutMs ?? 60_000,
    retries: options.plannerRetries ?? { maximumRetryAttempts: 0 },
    recordFailure: async (record) =>
      void (await sqs.send(
        new SendMessageCommand({ QueueUrl: plannerFailuresUrl, MessageBody: encodeRecord(record) }),
      )),
  });
  const lambda = await startLambdaEndpoint((_name, payload) => planner.invoke(payload));
  const eventBus = { name: `${options.name}-runs`, capture: await startEventBus() };

  Object.assign(process.env, localCredentials, {
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: options.sqsEndpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBus.capture.endpoint,
    [plannerEnvironment.runEventBus.name]: eventBus.name,
    [lambdaFunctionName.name]: functionName,
    NOTIFIER_PLANNER_FUNCTION: functionName,
    NOTIFIER_PLANNER_FAILURES_URL: plannerFailuresUrl,
    [plannerEnvironment.name.name]: options.name,
    [plannerEnvironment.configTable.name]: names.config,
    [plannerEnvironment.ledgerTable.name]: names.ledger,
    [plannerEnvironment.queueUrl.name]: queues.queueUrl,
    [senderEnvironment.channelHosts.name]: formatChannelHosts(
      options.channelHosts ?? { messenger: LOOPBACK_HOSTS, webhook: LOOPBACK_HOSTS },
    ),
    [plannerEnvironment.databaseHosts.name]: (options.databaseHosts ?? LOOPBACK_HOSTS).join(','),
    ...options.extraEnv,
  });

  return {
    names,
    queues,
    plannerFailuresUrl,
    dynamo,
    sqs,
    eventBus,
    async putConfig(item) {
      const parsed = parseAnyConfigItem(item);
      await dynamo.send(
        new PutItemCommand({
          TableName: names.config,
          Item: configTableItem({ kind: parsed.kind, id: parsed.id, document: item, updatedAt: new Date() }),
        }),
      );
    },
    loadSender: () => loadBundle<SqsEvent, BatchResponse>('sender'),
    tick: (job, scheduledTime, tickOptions = {}) => planner.tick({ job, scheduledTime }, tickOptions),
    watch: (jobs, watchOptions = {}) => planner.tick({ watch: { jobs } }, watchOptions),
    settle: (settleOptions = {}) => planner.settle(settleOptions.timeoutMs),
    async stop() {
      await planner.idle();
      await lambda.stop();
      await eventBus.capture.stop();
      dynamo.destroy();
      sqs.destroy();
    },
  };
}
