import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parsePlannerEvent } from '../handlers/config/planner-event.js';
import {
  configJsonSchema,
  DEFAULT_GRAPH_API_VERSION,
  type MessengerChannelConfig,
  parseAnyConfigItem,
  parseConfigItem,
} from '../handlers/config/schema.js';
import { ConfigError } from '../handlers/core/errors.js';
import { closest, editDistance } from '../tools/cli/config-explain.js';
import { main } from '../tools/cli/notifier.js';

const job = {
  kind: 'job',
  id: 'daily',
  database: 'main',
  channel: 'messenger',
  audience: { sql: 'SELECT id, psid FROM users' },
  template: { text: 'Hi {{first_name|"there"}}' },
};

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return { item: error.item, paths: error.issues.map((issue) => issue.path), message: error.message };
  }
  assert.fail('expected a ConfigError');
}

describe('config items', () => {
  it('a valid job gets its documented defaults', () => {
    const parsed = parseConfigItem('job', job);
    assert.equal(parsed.enabled, true);
    assert.equal(parsed.audience.idColumn, 'id');
    assert.equal(parsed.messagingType, 'UPDATE');
    assert.equal(parsed.pageSize, 1000);
  });

  it('an unknown field is named by its own path, even where the key is odd', () => {
    const result = issuesOf(() =>
      parseConfigItem('job', { ...job, audience: { ...job.audience, idcolumn: 'id' }, 'page size': 5 }),
    );
    assert.deepEqual(result.paths.sort(), ['["page size"]', 'audience.idcolumn']);
    assert.match(result.message, /audience\.idcolumn: is not a known field/);
  });

  it('an invalid job names the item and every bad field', () => {
    const result = issuesOf(() =>
      parseConfigItem(
        'job',
        { ...job, audience: { sql: '', idColumn: 'id;--' }, pageSize: 5 },
        'config item "job#daily"',
      ),
    );
    assert.equal(result.item, 'config item "job#daily"');
    assert.deepEqual(result.paths.sort(), ['audience.idColumn', 'audience.sql', 'pageSize']);
    assert.match(result.message, /^config item "job#daily": /);
  });

  it('MESSAGE_TAG needs a tag, and only MESSAGE_TAG may have one', () => {
    assert.deepEqual(issuesOf(() => parseConfigItem('job', { ...job, messagingType: 'MESSAGE_TAG' })).paths, ['tag']);
    assert.deepEqual(issuesOf(() => parseConfigItem('job', { ...job, tag: 'HUMAN_AGENT' })).paths, ['tag']);
  });

  it('a tag Meta retired on 27 April 2026 is refused with the way out, HUMAN_AGENT is accepted', () => {
    for (const tag of ['CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE', 'ACCOUNT_UPDATE']) {
      const result = issuesOf(() => parseConfigItem('job', { ...job, messagingType: 'MESSAGE_TAG', tag }, 'job daily'));
      assert.deepEqual(result.paths, ['tag']);
      assert.match(
        result.message,
        new RegExp(`job daily: tag: ${tag} was retired .* error 100: send a utility template`),
      );
    }
    assert.equal(
      parseConfigItem('job', { ...job, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }).tag,
      'HUMAN_AGENT',
    );
  });

  it('an unknown field is an error rather than silently ignored', () => {
    assert.deepEqual(issuesOf(() => parseConfigItem('job', { ...job, templte: {} })).paths, ['templte']);
  });

  it('an inline secret needs the explicit opt-in', () => {
    const database = {
      kind: 'database',
      id: 'main',
      host: 'db',
      database: 'app',
      user: 'reader',
      password: { inline: 'hunter2-hunter2' },
    };
    assert.deepEqual(issuesOf(() => parseAnyConfigItem(database)).paths, ['allowInlineSecrets']);
    assert.equal(parseAnyConfigItem({ ...database, allowInlineSecrets: true }).kind, 'database');
    assert.equal(
      parseAnyConfigItem({
        ...database,
        password: { secretsManager: 'arn:aws:secretsmanager:eu-west-1:1:secret:db', jsonKey: 'password' },
      }).kind,
      'database',
    );
  });

  it('a channel is validated by its type', () => {
    const result = issuesOf(() =>
      parseAnyConfigItem({
        kind: 'channel',
        id: 'm',
        type: 'messenger',
        pageId: 'my page',
        accessToken: { ssmParameter: '/notifier/token' },
        apiVersion: '23',
      }),
    );
    assert.deepEqual(result.paths.sort(), ['apiVersion', 'pageId']);
    assert.deepEqual(issuesOf(() => parseAnyConfigItem({ kind: 'pipeline', id: 'x' })).paths, ['kind']);
  });

  it('a Messenger channel calls Graph API v26.0 unless its apiVersion names another version', () => {
    const channel = (extra: Record<string, unknown>) =>
      parseConfigItem('channel', {
        id: 'm',
        type: 'messenger',
        accessToken: { ssmParameter: '/notifier/token' },
        ...extra,
      });
    assert.equal(DEFAULT_GRAPH_API_VERSION, 'v26.0');
    assert.equal((channel({}) as MessengerChannelConfig).apiVersion, 'v26.0');
    assert.equal((channel({ apiVersion: 'v23.0' }) as MessengerChannelConfig).apiVersion, 'v23.0');
    const bad = issuesOf(() => channel({ apiVersion: '26.0' }));
    assert.deepEqual(bad.paths, ['apiVersion']);
    assert.match(bad.message, /apiVersion: must look like v26\.0/);
  });

  it('a channel endpoint is https; plain http only on a loopback host', () => {
    const messenger = (baseUrl: string) => ({
      kind: 'channel',
      id: 'm',
      type: 'messenger',
      baseUrl,
      accessToken: { ssmParameter: '/notifier/token' },
    });
    const hook = (url: string) => ({
      kind: 'channel',
      id: 'h',
      type: 'webhook',
      url,
      signingSecret: { ssmParameter: '/notifier/hook' },
    });
    for (const url of [
      'http://graph.facebook.com',
      'http://localhost.attacker.example:8080',
      'http://10.0.0.5/graph',
      'ftp://graph.facebook.com',
    ]) {
      const result = issuesOf(() => parseAnyConfigItem(messenger(url)));
      assert.deepEqual(result.paths, ['baseUrl'], url);
    }
    assert.match(
      issuesOf(() => parseAnyConfigItem(hook('http://hooks.example.com/notify'))).message,
      /url: must use https \(plain http only for a loopback host/,
    );
    for (const url of [
      'https://graph.facebook.com',
      'http://127.0.0.1:4010',
      'http://localhost:4010',
      'http://[::1]:4010',
    ])
      assert.equal(parseAnyConfigItem(messenger(url)).kind, 'channel', url);
    assert.equal(parseAnyConfigItem(hook('http://127.0.0.1:9000/hook')).kind, 'channel');
  });

  it('database TLS: verify-full by default, "require" refused with the way out, require-unverified as the explicit opt-out', () => {
    const database = {
      kind: 'database',
      id: 'main',
      host: 'db',
      database: 'app',
      user: 'reader',
      password: { secretsManager: 'db' },
    };
    assert.equal((parseAnyConfigItem(database) as { ssl: string }).ssl, 'verify-full');
    const refused = issuesOf(() => parseAnyConfigItem({ ...database, ssl: 'require' }));
    assert.deepEqual(refused.paths, ['ssl']);
    assert.match(
      refused.message,
      /"require" is not accepted: it encrypts without checking the server certificate.*"require-unverified"/,
    );
    assert.match(
      issuesOf(() => parseAnyConfigItem({ ...database, ssl: 'prefer' })).message,
      /ssl: must be one of "verify-full", "require-unverified", "disable"/,
    );
    assert.equal(
      (parseAnyConfigItem({ ...database, ssl: 'require-unverified' }) as { ssl: string }).ssl,
      'require-unverified',
    );
  });

  it('a webhook may carry a previous signing secret for a rotation, as a reference like the current one', () => {
    const hook = {
      kind: 'channel',
      id: 'h',
      type: 'webhook',
      url: 'https://hooks.example.com',
      signingSecret: { ssmParameter: '/notifier/hook-new' },
    };
    assert.deepEqual(
      (
        parseAnyConfigItem({ ...hook, previousSigningSecret: { ssmParameter: '/notifier/hook-old' } }) as {
          previousSigningSecret: unknown;
        }
      ).previousSigningSecret,
      { ssmParameter: '/notifier/hook-old' },
    );
    assert.deepEqual(
      issuesOf(() => parseAnyConfigItem({ ...hook, previousSigningSecret: { inline: 'whsec_AAAA' } })).paths,
      ['allowInlineSecrets'],
    );
  });

  it('exports one JSON Schema covering every kind', () => {
    const schema = JSON.stringify(configJsonSchema());
    for (const name of ['"job"', '"database"', '"channel"', 'messenger', 'webhook', 'ssmParameter', 'secretsManager'])
      assert.ok(schema.includes(name), name);
  });

  it('a job says what its recipient column holds, psid by default', () => {
    assert.equal(parseConfigItem('job', job).audience.recipientKind, 'psid');
    const token = {
      ...job,
      audience: { ...job.audience, recipientColumn: 'marketing_token', recipientKind: 'notification_messages_token' },
    };
    assert.equal(parseConfigItem('job', token).audience.recipientKind, 'notification_messages_token');
    assert.equal(
      parseConfigItem('job', {
        ...job,
        audience: { ...job.audience, recipientKind: 'user_ref' },
        messagingType: 'MESSAGE_TAG',
        tag: 'HUMAN_AGENT',
      }).tag,
      'HUMAN_AGENT',
    );
    assert.deepEqual(
      issuesOf(() => parseConfigItem('job', { ...job, audience: { ...job.audience, recipientKind: 'phone_number' } }))
        .paths,
      ['audience.recipientKind'],
    );
  });

  it('refuses what Meta refuses for a subscription token, naming the field', () => {
    const token = { ...job, audience: { ...job.audience, recipientKind: 'notification_messages_token' } };
    for (const messagingType of ['RESPONSE', 'MESSAGE_TAG']) {
      const result = issuesOf(() =>
        parseConfigItem('job', { ...token, messagingType, tag: 'HUMAN_AGENT' }, 'job daily'),
      );
      assert.deepEqual(result.paths, ['messagingType']);
      assert.match(
        result.message,
        new RegExp(`job daily: messagingType: must be UPDATE .*notification_messages_token.*got ${messagingType}`),
      );
    }
    assert.deepEqual(issuesOf(() => parseConfigItem('job', { ...token, tag: 'HUMAN_AGENT' })).paths, ['tag']);
  });

  const marketing = {
    ...job,
    audience: { ...job.audience, recipientColumn: 'token', recipientKind: 'subscription_token' },
    marketingMessage: { messageId: '120210000000000001' },
  };
  const utility = { ...job, template: { utility: { name: 'order_update', language: 'en_US', body: ['{{ id }}'] } } };

  it('a Marketing Message API job needs its campaign and a text of at most 640 characters, naming each field', () => {
    const parsed = parseConfigItem('job', marketing);
    assert.deepEqual(parsed.marketingMessage, { messageId: '120210000000000001' });
    const cases: [Record<string, unknown>, string[], RegExp][] = [
      [{ ...marketing, marketingMessage: undefined }, ['marketingMessage'], /marketingMessage: is required when/],
      [{ ...marketing, marketingMessage: { messageId: 'act_1' } }, ['marketingMessage.messageId'], /numeric id/],
      [{ ...marketing, template: { text: 'x'.repeat(641) } }, ['template.text'], /at most 640 characters/],
      [
        { ...marketing, template: { text: 'Hi', quickReplies: [{ title: 'Open', payload: 'OPEN' }] } },
        ['template.quickReplies'],
        /not sent by the text template/,
      ],
      [{ ...marketing, messagingType: 'RESPONSE' }, ['messagingType'], /must be UPDATE/],
      [
        { ...job, marketingMessage: { messageId: '1' } },
        ['marketingMessage'],
        /only allowed when .*subscription_token/,
      ],
    ];
    for (const [input, paths, message] of cases) {
      const result = issuesOf(() => parseConfigItem('job', input, 'job promo'));
      assert.deepEqual(result.paths, paths, JSON.stringify(input));
      assert.match(result.message, /^job promo: /);
      assert.match(result.message, message);
    }
  });

  it('a utility job names a template and its language, goes to PSIDs, and sends text or utility, never both', () => {
    assert.deepEqual(parseConfigItem('job', utility).template.utility, {
      name: 'order_update',
      language: 'en_US',
      body: ['{{ id }}'],
    });
    const named = { utility: { name: 'order_update', language: 'en', body: { order_id: '{{ id }}' } } };
    assert.deepEqual(parseConfigItem('job', { ...job, template: named }).template.utility?.body, {
      order_id: '{{ id }}',
    });
    const cases: [Record<string, unknown>, string[], RegExp][] = [
      [{ ...job, template: { ...utility.template, text: 'Hi' } }, ['template'], /both text and utility/],
      [{ ...job, template: {} }, ['template'], /needs text .* or utility/],
      [
        { ...job, template: { utility: { ...utility.template.utility, name: 'Order Update' } } },
        ['template.utility.name'],
        /lowercase letters, digits and underscores/,
      ],
      [
        { ...job, template: { utility: { ...utility.template.utility, language: 'english' } } },
        ['template.utility.language'],
        /language code such as en or en_US/,
      ],
      [
        { ...utility, audience: { ...job.audience, recipientKind: 'user_ref' } },
        ['audience.recipientKind'],
        /must be psid for a utility template/,
      ],
      [{ ...utility, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }, ['messagingType'], /messaging_type UTILITY/],
      [
        { ...utility, template: { ...utility.template, quickReplies: [{ title: 'Open', payload: 'OPEN' }] } },
        ['template.quickReplies'],
        /only allowed with template.text/,
      ],
    ];
    for (const [input, paths, message] of cases) {
      const result = issuesOf(() => parseConfigItem('job', input, 'job orders'));
      assert.deepEqual(result.paths, paths, JSON.stringify(input));
      assert.match(result.message, /^job orders: /);
      assert.match(result.message, message);
    }
  });

  it("a Messenger channel's adAccountId is the numeric ad account id", () => {
    const channel = { kind: 'channel', id: 'page', type: 'messenger', accessToken: { ssmParameter: '/t' } };
    assert.equal(parseConfigItem('channel', { ...channel, adAccountId: '1234567890' }).type, 'messenger');
    assert.deepEqual(issuesOf(() => parseConfigItem('channel', { ...channel, adAccountId: 'act_123' })).paths, [
      'adAccountId',
    ]);
  });

  it('a planner event without a valid time names the field', () => {
    assert.deepEqual(issuesOf(() => parsePlannerEvent({ job: 'daily', scheduledTime: 'noon' })).paths, [
      'scheduledTime',
    ]);
  });
});

describe('the published JSON Schema', () => {
  it('docs/config.schema.json is the schema the handlers validate with (run "npm run -s schema > docs/config.schema.json")', async () => {
    const { readFile } = await import('node:fs/promises');
    const published = JSON.parse(await readFile(new URL('../docs/config.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(published, configJsonSchema());
  });
});

describe('notifier config validate: errors that teach', () => {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-config-validate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const database = {
    kind: 'database',
    id: 'main',
    host: 'db.example.com',
    database: 'app',
    user: 'notifier_reader',
    password: { secretsManager: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf' },
  };
  const channel = { kind: 'channel', id: 'messenger', type: 'messenger', accessToken: { ssmParameter: '/page-token' } };

  async function validate(items: unknown[], ...flags: string[]) {
    const file = join(dir, `items-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(items));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['config', 'validate', file, ...flags], {
      out: (text) => out.push(text),
      err: (text) => err.push(text),
    });
    return { code, file, out: out.join('\n'), err: err.join('\n') };
  }

  it('a job whose database or channel is not in the file is an error naming the item, the field and the id', async () => {
    const result = await validate([database, { ...job, database: 'reporting', channel: 'mesenger' }]);
    assert.equal(result.code, 1);
    assert.ok(
      result.err.includes(
        `invalid: ${result.file} item daily: database: names database item "reporting", which is not in ${result.file} (its database items: "main"); ` +
          `channel: names channel item "mesenger", which is not in ${result.file} (it has no channel item)`,
      ),
      result.err,
    );
    assert.match(
      result.err,
      /1 of 2 items are invalid\. A job may name items already in the config table: add --table/,
    );
    const typo = await validate([database, channel, { ...job, channel: 'mesenger' }]);
    assert.match(
      typo.err,
      /channel: names channel item "mesenger", which is not in \S+ \(did you mean "messenger"\?\)/,
    );
    const whole = await validate([database, channel, job]);
    assert.deepEqual([whole.code, whole.err], [0, '']);
    assert.match(whole.out, /^3 items valid/);
  });

  it('with --json, an invalid file prints its errors as one JSON object on stdout and exits 1', async () => {
    const result = await validate([database, { ...channel, accessToken: 'hunter2' }, job], '--json');
    assert.equal(result.code, 1);
    const printed = JSON.parse(result.out);
    assert.deepEqual([printed.valid, printed.invalid, printed.errors.length], [2, 1, 1]);
    assert.match(printed.errors[0].item, /item messenger$/);
    assert.equal(printed.errors[0].issues[0].path, 'accessToken');
    assert.ok(!result.out.includes('hunter2'), 'the value is never printed');
  });

  it('a plain string where a secret reference belongs shows the shapes a reference takes', async () => {
    const result = await validate([{ ...database, password: 'hunter2' }, channel, job]);
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /item main: password: is a plain string, but a secret is stored by reference, never by value: expected \{ "ssmParameter": "<SSM SecureString parameter name or ARN>" \}, \{ "secretsManager": "<Secrets Manager secret ARN or name>", "jsonKey"\?: "<key to read when the secret string is a JSON object>" \} or \{ "inline": "<the secret itself; requires allowInlineSecrets>" \}/,
    );
    assert.ok(!result.err.includes('hunter2'), 'the value is never printed');
  });

  it('a misspelt secret reference field gets the field it meant', async () => {
    const result = await validate([database, { ...channel, accessToken: { secretManager: 'page-token' } }, job]);
    assert.match(
      result.err,
      /item messenger: accessToken: "secretManager" is not a secret reference field \(did you mean "secretsManager"\?\); expected \{ "ssmParameter"/,
    );
  });

  it('a misspelt field gets "did you mean", an unknown one the fields that are there', async () => {
    const result = await validate([
      database,
      channel,
      { ...job, audience: { sql: 'SELECT id, psid FROM users', recipeintColumn: 'psid' } },
      { ...database, id: 'other', hots: 'db.example.com' },
      { ...channel, id: 'other', colour: 'blue' },
    ]);
    assert.match(
      result.err,
      /item daily: audience\.recipeintColumn: is not a known field \(did you mean "recipientColumn"\?\)/,
    );
    assert.match(result.err, /item other: hots: is not a known field \(did you mean "host"\?\)/);
    assert.match(result.err, /item other: colour: is not a known field; the fields here are "kind", "id", "timeoutMs"/);
  });

  it('validate never claims to have written anything', async () => {
    const result = await validate([{ ...database, password: 'hunter2' }]);
    assert.equal(result.code, 1);
    assert.match(result.err, /1 of 1 items are invalid$/);
    assert.doesNotMatch(`${result.out}\n${result.err}`, /written|wrote/);
  });

  it('edit distance counts a swap of neighbours as one edit', () => {
    assert.equal(editDistance('recipeintColumn', 'recipientColumn'), 1);
    assert.equal(editDistance('secretManager', 'secretsManager'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(closest('recipeintColumn', ['idColumn', 'recipientColumn', 'recipientKind']), 'recipientColumn');
    assert.equal(closest('colour', ['kind', 'id', 'type']), undefined);
  });
});
