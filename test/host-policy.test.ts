import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { channelHostRefusal, configuredHosts, databaseHostRefusal } from '../handlers/config/hosts.js';
import {
  type ChannelConfig,
  type DatabaseConfig,
  parseAnyConfigItem,
  parseConfigItem,
} from '../handlers/config/schema.js';
import { ConfigError } from '../handlers/core/errors.js';
import {
  CHANNEL_HOSTS_ENV,
  DATABASE_HOSTS_ENV,
  formatChannelHosts,
  isLoopbackHost,
  normalizeHost,
  parseChannelHostAllowlist,
  parseHostAllowlist,
} from '../handlers/core/host-policy.js';
import { HOSTILE_VALUES } from './support/hostile.js';

const channel = (fields: Record<string, unknown>) =>
  parseConfigItem('channel', {
    id: 'page',
    type: 'messenger',
    accessToken: { ssmParameter: '/notifier/page-token' },
    ...fields,
  }) as ChannelConfig;
const webhook = (url: string) =>
  parseConfigItem('channel', {
    id: 'hook',
    type: 'webhook',
    url,
    signingSecret: { ssmParameter: '/notifier/hook' },
  }) as ChannelConfig;
const database = (host: string) =>
  parseConfigItem('database', {
    id: 'main',
    host,
    database: 'app',
    user: 'reader',
    password: { secretsManager: 'db' },
  }) as DatabaseConfig;

const channelHosts = (text: string) => parseChannelHostAllowlist(text, CHANNEL_HOSTS_ENV);

describe('host allowlists', () => {
  it('parses a comma-separated list, normalised; unset is an error, empty allows nothing', () => {
    assert.deepEqual(
      [...parseHostAllowlist(' App.Example.com. ,db.example.com,,[::1]', DATABASE_HOSTS_ENV)],
      ['app.example.com', 'db.example.com', '::1'],
    );
    assert.equal(parseHostAllowlist('', DATABASE_HOSTS_ENV).size, 0);
    assert.throws(() => parseHostAllowlist(undefined, DATABASE_HOSTS_ENV), /NOTIFIER_DATABASE_HOSTS is not set/);
  });

  it('refuses list entries that are not host names, naming them', () => {
    for (const entry of [
      'https://hooks.example.com',
      '*.example.com',
      'hooks.example.com:443',
      'hooks.example.com/path',
      'user@host',
      'a b',
    ]) {
      assert.throws(
        () => parseHostAllowlist(`db.example.com,${entry}`, DATABASE_HOSTS_ENV),
        (error: Error) => error.message.includes(JSON.stringify(normalizeHost(entry))),
        entry,
      );
      assert.throws(
        () => channelHosts(`messenger:graph.facebook.com,webhook:${entry}`),
        (error: Error) =>
          error.message.includes(`"webhook:${entry}": not a host name: ${JSON.stringify(normalizeHost(entry))}`),
        entry,
      );
    }
  });

  it('parses the channel list by kind, splitting each entry at its first colon; unset is an error, empty allows nothing', () => {
    const allowed = channelHosts(
      ' messenger:Graph.Facebook.com. ,webhook:hooks.example.com,,messenger:::1,webhook:[::1],webhook:127.0.0.1',
    );
    assert.deepEqual(
      { messenger: [...allowed.messenger], webhook: [...allowed.webhook] },
      { messenger: ['graph.facebook.com', '::1'], webhook: ['hooks.example.com', '::1', '127.0.0.1'] },
    );
    const empty = channelHosts('');
    assert.deepEqual([empty.messenger.size, empty.webhook.size], [0, 0]);
    assert.throws(
      () => parseChannelHostAllowlist(undefined, CHANNEL_HOSTS_ENV),
      /environment variable NOTIFIER_CHANNEL_HOSTS is not set/,
    );
  });

  it('refuses a channel entry without a kind or of an unknown kind, naming the variable and the entry', () => {
    // The former single-list format fails the cold start rather than allow nothing.
    assert.throws(
      () => channelHosts('graph.facebook.com,hooks.example.com'),
      (error: Error) =>
        error.message.startsWith(
          'environment variable NOTIFIER_CHANNEL_HOSTS must list <kind>:<host> entries separated by commas',
        ) &&
        error.message.includes('"graph.facebook.com" names no kind') &&
        error.message.includes('"hooks.example.com" names no kind'),
    );
    assert.throws(
      () => channelHosts('messenger:graph.facebook.com,sms:hooks.example.com'),
      /NOTIFIER_CHANNEL_HOSTS .*"sms:hooks\.example\.com" names an unknown kind "sms"/,
    );
    assert.throws(() => channelHosts('Messenger:graph.facebook.com'), /names an unknown kind "Messenger"/);
    assert.throws(() => channelHosts('::1'), /"::1" names an unknown kind ""/);
    assert.throws(() => channelHosts('webhook:'), /"webhook:": not a host name: ""/);
  });

  it('writes the channel list as it reads it', () => {
    const text = formatChannelHosts({ webhook: ['hooks.example.com', '::1'], messenger: ['graph.facebook.com'] });
    assert.equal(text, 'messenger:graph.facebook.com,webhook:hooks.example.com,webhook:::1');
    assert.deepEqual([...channelHosts(text).webhook], ['hooks.example.com', '::1']);
    assert.equal(formatChannelHosts({}), '');
  });

  it('the default channel list allows the Graph API and refuses any other host, naming the item, field, host and kind', () => {
    const allowed = channelHosts('messenger:graph.facebook.com');
    assert.equal(channelHostRefusal(channel({}), allowed), undefined, 'the default baseUrl');
    assert.equal(
      channelHostRefusal(channel({ baseUrl: 'https://GRAPH.facebook.com:443/' }), allowed),
      undefined,
      'case and port do not matter',
    );
    const refusal = channelHostRefusal(channel({ baseUrl: 'https://graph.facebook.com.attacker.example' }), allowed);
    assert.ok(refusal instanceof ConfigError);
    assert.equal(refusal.item, 'channel "page"');
    assert.deepEqual(
      refusal.issues.map((issue) => issue.path),
      ['baseUrl'],
    );
    assert.equal(
      refusal.issues[0]?.message,
      'host "graph.facebook.com.attacker.example" is not allowed to receive a messenger channel\'s secret ' +
        '(NOTIFIER_CHANNEL_HOSTS allows messenger:graph.facebook.com); ' +
        "add it to the module's channel_hosts.messenger if it is meant",
    );
    const hook = channelHostRefusal(webhook('https://hooks.example.com/notify'), allowed);
    assert.deepEqual([hook?.item, hook?.issues[0]?.path], ['channel "hook"', 'url']);
    assert.equal(
      hook?.issues[0]?.message,
      'host "hooks.example.com" is not allowed to receive a webhook channel\'s secret ' +
        "(NOTIFIER_CHANNEL_HOSTS allows no webhook host); add it to the module's channel_hosts.webhook if it is meant",
    );
  });

  it("each kind of channel reaches only its own kind's hosts: a Page token never goes to a webhook host, nor a signing secret to a Messenger one", () => {
    const allowed = channelHosts('messenger:graph.facebook.com,webhook:hooks.example.com');
    assert.equal(channelHostRefusal(channel({}), allowed), undefined, 'a messenger channel on its own list');
    assert.equal(channelHostRefusal(webhook('https://hooks.example.com/notify'), allowed), undefined, 'a webhook too');

    const page = channelHostRefusal(channel({ baseUrl: 'https://hooks.example.com' }), allowed);
    assert.ok(page instanceof ConfigError);
    assert.deepEqual([page.item, page.issues[0]?.path], ['channel "page"', 'baseUrl']);
    assert.equal(
      page.issues[0]?.message,
      'host "hooks.example.com" is not allowed to receive a messenger channel\'s secret ' +
        '(NOTIFIER_CHANNEL_HOSTS allows messenger:graph.facebook.com; the host is listed for webhook channels only); ' +
        "add it to the module's channel_hosts.messenger if it is meant",
    );

    const hook = channelHostRefusal(webhook('https://graph.facebook.com/notify'), allowed);
    assert.ok(hook instanceof ConfigError);
    assert.deepEqual([hook.item, hook.issues[0]?.path], ['channel "hook"', 'url']);
    assert.equal(
      hook.issues[0]?.message,
      'host "graph.facebook.com" is not allowed to receive a webhook channel\'s secret ' +
        '(NOTIFIER_CHANNEL_HOSTS allows webhook:hooks.example.com; the host is listed for messenger channels only); ' +
        "add it to the module's channel_hosts.webhook if it is meant",
    );

    const both = channelHosts('messenger:hooks.example.com,webhook:hooks.example.com');
    assert.equal(channelHostRefusal(channel({ baseUrl: 'https://hooks.example.com' }), both), undefined);
    assert.equal(channelHostRefusal(webhook('https://hooks.example.com/notify'), both), undefined);
  });

  it('loopback is allowed only when listed, like any host', () => {
    const refusal = channelHostRefusal(
      channel({ baseUrl: 'http://127.0.0.1:8080' }),
      channelHosts('messenger:graph.facebook.com,webhook:127.0.0.1'),
    );
    assert.match(String(refusal?.message), /host "127\.0\.0\.1"/);
    assert.equal(
      channelHostRefusal(channel({ baseUrl: 'http://[::1]:8080' }), channelHosts('messenger:::1')),
      undefined,
    );
  });

  it('a database host must be listed; an empty list refuses every database', () => {
    assert.equal(
      databaseHostRefusal(
        database('App.abc123.eu-west-1.rds.amazonaws.com'),
        parseHostAllowlist('app.abc123.eu-west-1.rds.amazonaws.com', DATABASE_HOSTS_ENV),
      ),
      undefined,
    );
    const refusal = databaseHostRefusal(database('db.attacker.example'), parseHostAllowlist('', DATABASE_HOSTS_ENV));
    assert.deepEqual([refusal?.item, refusal?.issues[0]?.path], ['database "main"', 'host']);
    assert.match(String(refusal?.message), /NOTIFIER_DATABASE_HOSTS allows nothing.*database_hosts/);
  });

  it('hostile host values are refused, never thrown on', () => {
    const allowed = parseHostAllowlist('graph.facebook.com', DATABASE_HOSTS_ENV);
    for (const value of HOSTILE_VALUES) {
      if (typeof value !== 'string' || value.length === 0) continue;
      if (normalizeHost(value) === 'graph.facebook.com') continue;
      assert.ok(
        databaseHostRefusal({ ...database('x'), host: value }, allowed) instanceof ConfigError,
        JSON.stringify(value),
      );
    }
  });

  it('recognises loopback hosts and nothing else', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '[::1]', '::1'])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of [
      'localhost.attacker.example',
      '127.0.0.1.nip.io',
      '128.0.0.1',
      '10.0.0.1',
      '::2',
      'graph.facebook.com',
      '0.0.0.0',
    ])
      assert.equal(isLoopbackHost(host), false, host);
  });

  it('a local config names the hosts a local run allows', () => {
    const items = [
      channel({ baseUrl: 'https://graph.facebook.com' }),
      webhook('https://hooks.example.com/x'),
      database('db.internal'),
    ];
    assert.deepEqual(configuredHosts(items), {
      channels: { messenger: ['graph.facebook.com'], webhook: ['hooks.example.com'] },
      databases: ['db.internal'],
    });
    assert.deepEqual(
      configuredHosts([
        parseAnyConfigItem({
          kind: 'job',
          id: 'daily',
          database: 'main',
          channel: 'page',
          audience: { sql: 'SELECT 1' },
          template: { text: 'hi' },
        }),
      ]),
      { channels: { messenger: [], webhook: [] }, databases: [] },
    );
  });

  it("the module sets the variables under the names the handlers read: the sender's list on the sender, the planner's on the planner", () => {
    const main = readFileSync(new URL('../main.tf', import.meta.url), 'utf8');
    const block = (name: string) =>
      main.slice(main.indexOf(`module "${name}" {`), main.indexOf('\n}\n', main.indexOf(`module "${name}" {`)));
    assert.match(block('sender'), new RegExp(`\\b${CHANNEL_HOSTS_ENV}\\s*=\\s*local\\.channel_hosts\\n`));
    assert.match(block('planner'), new RegExp(`\\b${DATABASE_HOSTS_ENV}\\s*=\\s*join\\(",", var\\.database_hosts\\)`));
    assert.doesNotMatch(block('planner'), new RegExp(CHANNEL_HOSTS_ENV));
    assert.doesNotMatch(block('sender'), new RegExp(DATABASE_HOSTS_ENV));
  });
});
