import { CONFIG_CACHE_MS } from './aws/config-store.js';
import {
  CHANNEL_HOSTS_ENV,
  type ChannelHostAllowlist,
  DATABASE_HOSTS_ENV,
  type HostAllowlist,
  parseChannelHostAllowlist,
  parseHostAllowlist,
} from './core/host-policy.js';
import { STRAGGLER_FLOOR_MS } from './delivery/limits.js';
import { LOG_LEVEL_VARIABLE } from './observability/log.js';

/**
 * The Lambda functions' environment contract: every variable the planner and the sender read, with its default and
 * its validation. The Terraform module (main.tf) and the local runtime set these names; test/terraform-contract.test.ts
 * holds main.tf to this list.
 */

/** One environment variable: its name, who sets it, and how its text becomes a value. */
export interface EnvVariable<T> {
  readonly name: string;
  /** `module`: main.tf sets it (a required one must be there); `lambda`: the Lambda service sets it. */
  readonly setBy: 'module' | 'lambda';
  /** Whether the function fails at cold start without it; otherwise `parse` supplies the default. */
  readonly required: boolean;
  readonly parse: (raw: string | undefined) => T;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Fails at cold start, naming the variable, rather than on the first message with an obscure SDK error. */
function text(name: string, setBy: EnvVariable<string>['setBy'] = 'module'): EnvVariable<string> {
  return {
    name,
    setBy,
    required: true,
    parse: (raw) => {
      if (!raw) throw new Error(`environment variable ${name} is not set`);
      return raw;
    },
  };
}

function optionalText(name: string): EnvVariable<string | undefined>;
function optionalText(name: string, fallback: string): EnvVariable<string>;
function optionalText(name: string, fallback?: string): EnvVariable<string | undefined> {
  return { name, setBy: 'module', required: false, parse: (raw) => raw || fallback };
}

/** A positive number, or `fallback` when the variable is unset. */
function positive(name: string, fallback: number): EnvVariable<number> {
  return {
    name,
    setBy: 'module',
    required: false,
    parse: (raw) => {
      const value = Number(raw ?? fallback);
      if (raw === '' || !Number.isFinite(value) || value <= 0)
        throw new Error(`environment variable ${name} must be a positive number, got "${raw}"`);
      return value;
    },
  };
}

/** `true` or `false`, or `fallback` when the variable is unset. */
function flag(name: string, fallback: boolean): EnvVariable<boolean> {
  return {
    name,
    setBy: 'module',
    required: false,
    parse: (raw) => {
      if (raw === undefined) return fallback;
      if (raw !== 'true' && raw !== 'false')
        throw new Error(`environment variable ${name} must be "true" or "false", got "${raw}"`);
      return raw === 'true';
    },
  };
}

/** One of `choices`, or the first of them when the variable is unset. */
function oneOf<const T extends string>(name: string, choices: readonly [T, ...T[]]): EnvVariable<T> {
  return {
    name,
    setBy: 'module',
    required: false,
    parse: (raw) => {
      if (raw === undefined) return choices[0];
      if (!(choices as readonly string[]).includes(raw))
        throw new Error(`environment variable ${name} must be one of ${choices.join(', ')}, got "${raw}"`);
      return raw as T;
    },
  };
}

/** A comma-separated list of the hosts a function may send credentials to; required, so no list means no host. */
function hostList(name: string): EnvVariable<HostAllowlist> {
  return { name, setBy: 'module', required: true, parse: (raw) => parseHostAllowlist(raw, name) };
}

/**
 * `<kind>:<host>` entries separated by commas: the hosts each kind of channel may send its secret to; required, and an
 * entry without a known kind fails the cold start.
 */
function channelHostList(name: string): EnvVariable<ChannelHostAllowlist> {
  return { name, setBy: 'module', required: true, parse: (raw) => parseChannelHostAllowlist(raw, name) };
}

/** What both functions read. */
const shared = {
  name: optionalText('NOTIFIER_NAME', 'notifier'),
  metricNamespace: optionalText('NOTIFIER_METRIC_NAMESPACE'),
  configTable: text('NOTIFIER_CONFIG_TABLE'),
  ledgerTable: text('NOTIFIER_LEDGER_TABLE'),
  queueUrl: text('NOTIFIER_QUEUE_URL'),
  /** How long the ledger keeps a run's items (the module's ledger_ttl_days). */
  ledgerTtlDays: positive('NOTIFIER_LEDGER_TTL_DAYS', 30),
  /** How long a container keeps a config item before reading it again. */
  configCacheMs: positive('NOTIFIER_CONFIG_CACHE_MS', CONFIG_CACHE_MS),
  /** The least level logged; Lambda's own log-level setting (AWS_LAMBDA_LOG_LEVEL) wins over it. */
  logLevel: optionalText(LOG_LEVEL_VARIABLE),
  /** The event bus of the end-of-run events (the module's run_events); unset publishes none. */
  runEventBus: optionalText('NOTIFIER_RUN_EVENT_BUS'),
};

export const plannerEnvironment = {
  ...shared,
  /** The database hosts the planner may send the password to (the module's database_hosts). */
  databaseHosts: hostList(DATABASE_HOSTS_ENV),
};

/** The planner invokes itself by this name to continue a run; read when it does, so importing the bundle needs none. */
export const lambdaFunctionName = text('AWS_LAMBDA_FUNCTION_NAME', 'lambda');

export const senderEnvironment = {
  ...shared,
  /** Sends in flight per invocation, across its tasks (the module's sender.parallelism). */
  parallelism: positive('NOTIFIER_SENDER_PARALLELISM', 50),
  /** Concurrent sender invocations (the module's sender.maximum_concurrency), which share a channel's rate. */
  instances: positive('NOTIFIER_SENDER_INSTANCES', 2),
  /** How a channel's rate is divided among the senders (the module's sender.rate_share; delivery/share.ts). */
  rateShare: oneOf('NOTIFIER_RATE_SHARE', ['live', 'static']),
  haltCooldownMs: positive('NOTIFIER_HALT_COOLDOWN_MS', 60_000),
  stragglerFloorMs: positive('NOTIFIER_STRAGGLER_FLOOR_MS', STRAGGLER_FLOOR_MS),
  pauseRecheckSeconds: positive('NOTIFIER_PAUSE_RECHECK_SECONDS', 300),
  /** The hosts each kind of channel may send its secret to (the module's channel_hosts, by kind). */
  channelHosts: channelHostList(CHANNEL_HOSTS_ENV),
  /** Whether senders keep and heed the channels' suppression lists (the module's suppressions.enabled). */
  suppressions: flag('NOTIFIER_SUPPRESSIONS', true),
  /** Days a suppression the sender adds lasts before DynamoDB's TTL removes it (suppressions.expire_after_days). */
  suppressionDays: positive('NOTIFIER_SUPPRESSION_DAYS', 365),
};

/**
 * The webhook receiver (modules/receiver): the tables it writes and reads, and the Secrets Manager secret holding the
 * Meta app's secret and the webhook's verify token, a JSON object `{ "appSecret": ..., "verifyToken": ... }`.
 */
export const receiverEnvironment = {
  name: shared.name,
  configTable: shared.configTable,
  ledgerTable: shared.ledgerTable,
  ledgerTtlDays: shared.ledgerTtlDays,
  configCacheMs: shared.configCacheMs,
  logLevel: shared.logLevel,
  secret: text('NOTIFIER_RECEIVER_SECRET'),
};

/**
 * Variables main.tf sets for the Lambda runtime rather than for the handler: the planner's wrapper script, which caps
 * V8's young generation (docs/adr/0004-planner-young-generation.md).
 */
export const runtimeVariables = {
  planner: ['AWS_LAMBDA_EXEC_WRAPPER'],
  sender: [],
  receiver: [],
} as const satisfies Record<string, readonly string[]>;

export type EnvContract = Readonly<Record<string, EnvVariable<unknown>>>;
export type EnvValues<C extends EnvContract> = {
  readonly [K in keyof C]: C[K] extends EnvVariable<infer T> ? T : never;
};

export function readVariable<T>(variable: EnvVariable<T>, env: Environment = process.env): T {
  return variable.parse(env[variable.name]);
}

/** Every variable of a function's contract, validated: the first missing or malformed one throws, naming it. */
export function readEnvironment<C extends EnvContract>(contract: C, env: Environment = process.env): EnvValues<C> {
  return Object.fromEntries(
    Object.entries(contract).map(([key, variable]) => [key, readVariable(variable, env)]),
  ) as EnvValues<C>;
}
