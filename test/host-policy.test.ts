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
  isLoopbackHost,
  normalizeHost,
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

describe('host allowlists', () => {
  it('parses a comma-separated list, normalised; unset is an error, empty allows nothing', () => {
    assert.deepEqual(
      [...parseHostAllowlist(' Graph.Facebook.com. ,hooks.example.com,,[::1]', CHANNEL_HOSTS_ENV)],
      ['graph.facebook.com', 'hooks.example.com', '::1'],
    );
    assert.equal(parseHostAllowlist('', CHANNEL_HOSTS_ENV).size, 0);
    assert.throws(() => parseHostAllowlist(undefined, CHANNEL_HOSTS_ENV), /NOTIFIER_CHANNEL_HOSTS is not set/);
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
        () => parseHostAllowlist(`graph.facebook.com,${entry}`, CHANNEL_HOSTS_ENV),
        (error: Error) => error.message.includes(JSON.stringify(normalizeHost(entry))),
        entry,
      );
    }
  });

  it('the default channel list allows the Graph API and refuses any other host, naming the item, field and host', () => {
    const allowed = parseHostAllowlist('graph.facebook.com', CHANNEL_HOSTS_ENV);
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
    assert.match(
      refusal.message,
      /host "graph\.facebook\.com\.attacker\.example" is not allowed.*NOTIFIER_CHANNEL_HOSTS allows graph\.facebook\.com.*channel_hosts/,
    );
    const hook = channelHostRefusal(webhook('https://hooks.example.com/notify'), allowed);
    assert.deepEqual([hook?.item, hook?.issues[0]?.path], ['channel "hook"', 'url']);
    assert.equal(
      channelHostRefusal(
        webhook('https://hooks.example.com/notify'),
        parseHostAllowlist('graph.facebook.com,hooks.example.com', CHANNEL_HOSTS_ENV),
      ),
      undefined,
    );
  });

  it('loopback is allowed only when listed, like any host', () => {
    const refusal = channelHostRefusal(
      channel({ baseUrl: 'http://127.0.0.1:8080' }),
      parseHostAllowlist('graph.facebook.com', CHANNEL_HOSTS_ENV),
    );
    assert.match(String(refusal?.message), /host "127\.0\.0\.1"/);
    assert.equal(
      channelHostRefusal(channel({ baseUrl: 'http://[::1]:8080' }), parseHostAllowlist('::1', CHANNEL_HOSTS_ENV)),
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
      channels: ['graph.facebook.com', 'hooks.example.com'],
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
      { channels: [], databases: [] },
    );
  });

  it("the module sets the variables under the names the handlers read: the sender's list on the sender, the planner's on the planner", () => {
    const main = readFileSync(new URL('../main.tf', import.meta.url), 'utf8');
    const block = (name: string) =>
      main.slice(main.indexOf(`module "${name}" {`), main.indexOf('\n}\n', main.indexOf(`module "${name}" {`)));
    assert.match(block('sender'), new RegExp(`\\b${CHANNEL_HOSTS_ENV}\\s*=\\s*join\\(",", var\\.channel_hosts\\)`));
    assert.match(block('planner'), new RegExp(`\\b${DATABASE_HOSTS_ENV}\\s*=\\s*join\\(",", var\\.database_hosts\\)`));
    assert.doesNotMatch(block('planner'), new RegExp(CHANNEL_HOSTS_ENV));
    assert.doesNotMatch(block('sender'), new RegExp(DATABASE_HOSTS_ENV));
  });
});
