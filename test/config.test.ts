import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../handlers/core/errors.js';
import { configJsonSchema, parseAnyConfigItem, parseConfigItem } from '../handlers/config/schema.js';
import { parsePlannerEvent } from '../handlers/planner-event.js';

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
    const result = issuesOf(() => parseConfigItem('job', { ...job, audience: { ...job.audience, idcolumn: 'id' }, 'page size': 5 }));
    assert.deepEqual(result.paths.sort(), ['["page size"]', 'audience.idcolumn']);
    assert.match(result.message, /audience\.idcolumn: is not a known field/);
  });

  it('an invalid job names the item and every bad field', () => {
    const result = issuesOf(() => parseConfigItem('job', { ...job, audience: { sql: '', idColumn: 'id;--' }, pageSize: 5 }, 'config item "job#daily"'));
    assert.equal(result.item, 'config item "job#daily"');
    assert.deepEqual(result.paths.sort(), ['audience.idColumn', 'audience.sql', 'pageSize']);
    assert.match(result.message, /^config item "job#daily": /);
  });

  it('MESSAGE_TAG needs a tag, and only MESSAGE_TAG may have one', () => {
    assert.deepEqual(issuesOf(() => parseConfigItem('job', { ...job, messagingType: 'MESSAGE_TAG' })).paths, ['tag']);
    assert.deepEqual(issuesOf(() => parseConfigItem('job', { ...job, tag: 'ACCOUNT_UPDATE' })).paths, ['tag']);
  });

  it('an unknown field is an error rather than silently ignored', () => {
    assert.deepEqual(issuesOf(() => parseConfigItem('job', { ...job, templte: {} })).paths, ['templte']);
  });

  it('an inline secret needs the explicit opt-in', () => {
    const database = { kind: 'database', id: 'main', host: 'db', database: 'app', user: 'reader', password: { inline: 'hunter2-hunter2' } };
    assert.deepEqual(issuesOf(() => parseAnyConfigItem(database)).paths, ['allowInlineSecrets']);
    assert.equal(parseAnyConfigItem({ ...database, allowInlineSecrets: true }).kind, 'database');
    assert.equal(parseAnyConfigItem({ ...database, password: { secretsManager: 'arn:aws:secretsmanager:eu-west-1:1:secret:db', jsonKey: 'password' } }).kind, 'database');
  });

  it('a channel is validated by its type', () => {
    const result = issuesOf(() => parseAnyConfigItem({ kind: 'channel', id: 'm', type: 'messenger', pageId: 'my page', accessToken: { ssmParameter: '/notifier/token' }, apiVersion: '23' }));
    assert.deepEqual(result.paths.sort(), ['apiVersion', 'pageId']);
    assert.deepEqual(issuesOf(() => parseAnyConfigItem({ kind: 'pipeline', id: 'x' })).paths, ['kind']);
  });

  it('exports one JSON Schema covering every kind', () => {
    const schema = JSON.stringify(configJsonSchema());
    for (const name of ['"job"', '"database"', '"channel"', 'messenger', 'webhook', 'ssmParameter', 'secretsManager']) assert.ok(schema.includes(name), name);
  });

  it('a job says what its recipient column holds, psid by default', () => {
    assert.equal(parseConfigItem('job', job).audience.recipientKind, 'psid');
    const token = { ...job, audience: { ...job.audience, recipientColumn: 'marketing_token', recipientKind: 'notification_messages_token' } };
    assert.equal(parseConfigItem('job', token).audience.recipientKind, 'notification_messages_token');
    assert.equal(parseConfigItem('job', { ...job, audience: { ...job.audience, recipientKind: 'user_ref' }, messagingType: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE' }).tag, 'POST_PURCHASE_UPDATE');
    assert.deepEqual(issuesOf(() => parseConfigItem('job', { ...job, audience: { ...job.audience, recipientKind: 'phone_number' } })).paths, ['audience.recipientKind']);
  });

  it('refuses what Meta refuses for a subscription token, naming the field', () => {
    const token = { ...job, audience: { ...job.audience, recipientKind: 'notification_messages_token' } };
    for (const messagingType of ['RESPONSE', 'MESSAGE_TAG']) {
      const result = issuesOf(() => parseConfigItem('job', { ...token, messagingType, tag: 'ACCOUNT_UPDATE' }, 'job daily'));
      assert.deepEqual(result.paths, ['messagingType']);
      assert.match(result.message, new RegExp(`job daily: messagingType: must be UPDATE .*notification_messages_token.*got ${messagingType}`));
    }
    assert.deepEqual(issuesOf(() => parseConfigItem('job', { ...token, tag: 'ACCOUNT_UPDATE' })).paths, ['tag']);
  });

  it('a planner event without a valid time names the field', () => {
    assert.deepEqual(issuesOf(() => parsePlannerEvent({ job: 'daily', scheduledTime: 'noon' })).paths, ['scheduledTime']);
  });
});

describe('the published JSON Schema', () => {
  it('docs/config.schema.json is the schema the handlers validate with (run "npm run -s schema > docs/config.schema.json")', async () => {
    const { readFile } = await import('node:fs/promises');
    const published = JSON.parse(await readFile(new URL('../docs/config.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(published, configJsonSchema());
  });
});
