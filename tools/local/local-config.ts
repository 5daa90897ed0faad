import {
  type ChannelConfig,
  type ConfigItem,
  isLoopbackHost,
  type JobConfig,
  parseAnyConfigItem,
  resolveSecret,
  type SecretRef,
} from '../../handlers/surface.js';
import { databaseItemFromUrl } from './sample.js';

/**
 * What a local run may reach (`notifier start`): by default nothing beyond this machine. Every channel goes to a
 * local sandbox, every secret resolves to a local value, and a database elsewhere is not connected to; each of the
 * three needs its own flag.
 */
export interface LocalPolicy {
  /** --real-sends: each channel sends to its own endpoint (through the run's relay, which counts the requests). */
  readonly realSends: boolean;
  /** --real-secrets: Secrets Manager and SSM references are resolved with the caller's AWS credentials, up front. */
  readonly realSecrets: boolean;
  /** --real-database: a database item naming a host beyond this machine is connected to. */
  readonly realDatabase: boolean;
  /** --database-url: replaces every database item of the config for the run. */
  readonly databaseUrl?: string;
  /** --graph-url: where Messenger channels send instead of the sandbox (beyond this machine only with realSends). */
  readonly graphUrl?: string;
  /** --access-token: the page token of Messenger channels that do not go to the local sandbox. */
  readonly accessToken?: string;
}

/** Where the local servers listen: the sandboxes the channels go to by default, and the relay to real endpoints. */
export interface LocalTargets {
  readonly messengerSandbox?: { readonly baseUrl: string; readonly accessToken: string };
  readonly webhookSandbox?: { readonly url: string; readonly signingSecret: string };
  readonly relay?: { route(target: string): string };
}

type RawItem = Record<string, unknown>;

interface SecretField {
  readonly item: string;
  readonly field: string;
  readonly ref: SecretRef;
}

const STORE_NAMES = { secretsManager: 'a Secrets Manager reference', ssmParameter: 'an SSM parameter reference' };
const storeOf = (ref: SecretRef) =>
  'secretsManager' in ref ? STORE_NAMES.secretsManager : 'ssmParameter' in ref ? STORE_NAMES.ssmParameter : undefined;

const label = (item: ConfigItem) => `${item.kind} "${item.id}"`;

/** How an error names an item of a local config: its place in the file, and its kind and id when it has them. */
export function configItemLabel(item: unknown, index: number): string {
  const { kind, id } = (item && typeof item === 'object' ? item : {}) as { kind?: unknown; id?: unknown };
  const named = typeof kind === 'string' && typeof id === 'string' ? ` (${kind} "${id}")` : '';
  return `config item #${index + 1}${named}`;
}

function channelSecrets(channel: ChannelConfig): [string, SecretRef][] {
  if (channel.type === 'messenger') return [['accessToken', channel.accessToken]];
  return [
    ['signingSecret', channel.signingSecret],
    ...(channel.previousSigningSecret ? [['previousSigningSecret', channel.previousSigningSecret] as const] : []),
  ] as [string, SecretRef][];
}

/** Whether a channel goes to a local sandbox: everything does but with --real-sends, or Messenger with --graph-url. */
const toSandbox = (channel: ChannelConfig, policy: LocalPolicy) =>
  !policy.realSends && !(channel.type === 'messenger' && policy.graphUrl);

/** The jobs' databases and channels, the items a run resolves and connects to; each once. */
function jobItems(items: readonly ConfigItem[], jobs: string | readonly string[]): ConfigItem[] {
  const configs = items.filter((item): item is JobConfig => item.kind === 'job' && [jobs].flat().includes(item.id));
  return items.filter((item) =>
    configs.some(
      (config) =>
        (item.kind === 'database' && item.id === config.database) ||
        (item.kind === 'channel' && item.id === config.channel),
    ),
  );
}

/** The secrets of the jobs' items that the run must resolve as they are: none goes to a sandbox or is replaced. */
function secretsKept(
  items: readonly ConfigItem[],
  jobs: string | readonly string[],
  policy: LocalPolicy,
): SecretField[] {
  return jobItems(items, jobs).flatMap((item): SecretField[] => {
    if (item.kind === 'database')
      return policy.databaseUrl ? [] : [{ item: label(item), field: 'password', ref: item.password }];
    if (item.kind !== 'channel' || toSandbox(item, policy)) return [];
    return channelSecrets(item)
      .filter(([field]) => !(field === 'accessToken' && policy.accessToken))
      .map(([field, ref]) => ({ item: label(item), field, ref }));
  });
}

/**
 * Why the run may not start as asked, one message per item and field, each naming the flag that would allow it; empty
 * when nothing stands in the way. Only the jobs' own items count: the others are never resolved or connected to.
 */
export function localRefusals(
  items: readonly ConfigItem[],
  jobs: string | readonly string[],
  policy: LocalPolicy,
): string[] {
  const refusals: string[] = [];
  const graphHost = policy.graphUrl ? new URL(policy.graphUrl).hostname : undefined;
  if (graphHost && !isLoopbackHost(graphHost) && !policy.realSends)
    refusals.push(`--graph-url ${policy.graphUrl} is not on this machine: add --real-sends to send there for real`);
  for (const item of jobItems(items, jobs)) {
    if (item.kind === 'database' && !policy.databaseUrl && !policy.realDatabase && !isLoopbackHost(item.host))
      refusals.push(
        `${label(item)} host: ${item.host} is not on this machine, and a local run connects to no other database ` +
          'unless told: pass --database-url URL (it replaces the database for this run), or --real-database',
      );
  }
  if (!policy.realSecrets)
    for (const { item, field, ref } of secretsKept(items, jobs, policy)) {
      const store = storeOf(ref);
      if (!store) continue;
      const instead =
        field === 'password' ? ' or --database-url URL' : field === 'accessToken' ? ' or --access-token' : '';
      refusals.push(
        `${item} ${field}: ${store}, and a local run calls no AWS secret store unless told: ` +
          `pass --real-secrets (resolved with your AWS credentials before the run starts)${instead}`,
      );
    }
  return refusals;
}

/**
 * With --real-secrets, the jobs' Secrets Manager and SSM references that the run uses as they are, resolved now with
 * the caller's credentials (before the run points the AWS SDK at its emulators) and put inline, so that the handlers
 * call no AWS API. Returns the items and a notice for each secret resolved; never the values.
 */
export async function resolveRealSecrets(
  raw: readonly unknown[],
  jobs: string | readonly string[],
  policy: LocalPolicy,
): Promise<{ items: unknown[]; notices: string[] }> {
  const parsed = raw.map((item, index) => parseAnyConfigItem(item, configItemLabel(item, index)));
  const wanted = secretsKept(parsed, jobs, policy).filter(({ ref }) => storeOf(ref));
  const notices: string[] = [];
  const items: unknown[] = [];
  // One at a time, in the config's order, so that the notices come in that order.
  for (const [index, item] of raw.entries()) {
    const own = wanted.filter((secret) => secret.item === label(parsed[index] as ConfigItem));
    if (own.length === 0) {
      items.push(item);
      continue;
    }
    const resolved: RawItem = { ...(item as RawItem), allowInlineSecrets: true };
    for (const { item: name, field, ref } of own) {
      resolved[field] = { inline: await resolveSecret(ref) };
      const from = 'secretsManager' in ref ? 'Secrets Manager' : 'SSM Parameter Store';
      notices.push(`${name} ${field}: resolved from ${from} with your AWS credentials (--real-secrets)`);
    }
    items.push(resolved);
  }
  return { items, notices };
}

function localChannel(raw: RawItem, channel: ChannelConfig, policy: LocalPolicy, targets: LocalTargets) {
  const { messengerSandbox: messenger, webhookSandbox: webhook, relay } = targets;
  const from = channel.type === 'messenger' ? channel.baseUrl : channel.url;
  if (toSandbox(channel, policy) && channel.type === 'messenger' && messenger) {
    const item = { ...raw, baseUrl: messenger.baseUrl, accessToken: { inline: messenger.accessToken } };
    const notice =
      from === messenger.baseUrl
        ? undefined
        : `${label(channel)}: messenger ${from} -> the local Messenger sandbox at ${messenger.baseUrl}, ` +
          `with the sandbox's access token (--real-sends sends for real)`;
    return { item: { ...item, allowInlineSecrets: true }, notice };
  }
  if (toSandbox(channel, policy) && channel.type === 'webhook' && webhook) {
    const { previousSigningSecret: _previous, ...rest } = raw;
    const url = `${webhook.url}/${channel.id}`;
    return {
      item: { ...rest, url, signingSecret: { inline: webhook.signingSecret }, allowInlineSecrets: true },
      notice:
        `${label(channel)}: webhook ${from} -> the local webhook sandbox at ${url}, which verifies each ` +
        `Standard Webhooks signature made with its own secret (--real-sends sends for real)`,
    };
  }
  if (!relay) throw new Error(`${label(channel)}: no local target for a ${channel.type} channel`);
  const target = channel.type === 'messenger' ? (policy.graphUrl ?? from) : from;
  const token = channel.type === 'messenger' && policy.accessToken ? { inline: policy.accessToken } : undefined;
  const routed = relay.route(target);
  return {
    item: {
      ...raw,
      [channel.type === 'messenger' ? 'baseUrl' : 'url']: routed,
      ...(token ? { accessToken: token, allowInlineSecrets: true } : {}),
    },
    notice: `${label(channel)}: ${channel.type} ${target}, for real, each request counted on its way through ${routed}`,
  };
}

/**
 * The config items as the local run stores them: each channel pointed at its local target with the secret that
 * target takes, each database replaced by --database-url when given; a notice for each change.
 */
export function localConfig(
  raw: readonly unknown[],
  policy: LocalPolicy,
  targets: LocalTargets,
): { items: RawItem[]; notices: string[] } {
  const notices: string[] = [];
  const items = raw.map((source, index) => {
    const item = source as RawItem;
    const parsed = parseAnyConfigItem(item, configItemLabel(item, index));
    if (parsed.kind === 'channel') {
      const local = localChannel(item, parsed, policy, targets);
      if (local.notice) notices.push(local.notice);
      return local.item;
    }
    if (parsed.kind === 'database' && policy.databaseUrl) {
      const url = new URL(policy.databaseUrl);
      const replaced = databaseItemFromUrl(parsed.id, url);
      if (parsed.host !== replaced.host || parsed.port !== replaced.port || parsed.database !== replaced.database)
        notices.push(
          `${label(parsed)}: ${parsed.host}:${parsed.port}/${parsed.database} -> ` +
            `${replaced.host}:${replaced.port}/${replaced.database} (--database-url)`,
        );
      return replaced;
    }
    return item;
  });
  return { items, notices };
}

/** The run's first line: what it may reach beyond this machine, which is nothing unless a flag says otherwise. */
export function policyNotice(policy: LocalPolicy): string {
  const out = [
    policy.realSends ? 'channels send to their own endpoints (--real-sends)' : '',
    policy.realSecrets ? "the job's AWS secrets are read with your credentials (--real-secrets)" : '',
    policy.realDatabase ? "the job's database is connected to wherever it is (--real-database)" : '',
  ].filter(Boolean);
  if (out.length === 0)
    return (
      'sandboxed: every channel goes to a local sandbox, no AWS secret store is asked and no database beyond this ' +
      'machine is connected to (--real-sends, --real-secrets and --real-database let a run out)'
    );
  return `not sandboxed: ${out.join('; ')}`;
}
