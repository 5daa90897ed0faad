import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSuppression } from '../handlers/aws/ledger/suppressions.js';
import { parseConfigItem } from '../handlers/config/schema.js';
import { taskSpecFor } from '../handlers/config/task-spec.js';
import { ConfigError } from '../handlers/core/errors.js';
import { WINDOW_MS, windowVerdict } from '../handlers/core/window.js';
import { csvField } from '../tools/cli/csv.js';
import { describeReach } from '../tools/common/window-policy.js';

const job = {
  kind: 'job',
  id: 'daily',
  database: 'main',
  channel: 'messenger',
  audience: { sql: 'SELECT id, psid, seen FROM users', lastMessageColumn: 'seen' },
  template: { text: 'Hi {{first_name|"there"}}' },
};

const issuePaths = (input: unknown) => {
  try {
    parseConfigItem('job', input);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues.map((issue) => issue.path);
  }
  return [];
};

describe('the 24-hour window from audience.lastMessageColumn', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  const verdict = (value: unknown) => windowVerdict({ seen: value as string }, 'seen', now);

  it('is inside up to a moment before 24 hours, outside from 24 hours on', () => {
    assert.equal(verdict(new Date(now - WINDOW_MS + 1000).toISOString()).kind, 'inside');
    assert.deepEqual(verdict(new Date(now - WINDOW_MS).toISOString()), {
      kind: 'outside',
      reason: 'outside the 24-hour window: last message 2026-12-06T12:00:00.000Z',
    });
  });

  it("reads PostgreSQL's text form and ISO 8601 offsets, and refuses a time without its zone", () => {
    assert.equal(verdict('2026-12-07 11:00:00.123+00').kind, 'inside');
    assert.equal(verdict('2026-12-07T16:30:00+05:30').kind, 'inside');
    assert.equal(verdict('2026-12-07T16:30:00+0530').kind, 'inside');
    assert.equal(verdict('2026-12-07T11:00:00').kind, 'invalid');
  });

  it('a few minutes ahead is clock skew; further ahead is not a time the Page saw', () => {
    assert.equal(verdict('2026-12-07T12:04:00Z').kind, 'inside');
    assert.match((verdict('2026-12-07T12:30:00Z') as { reason: string }).reason, /later than now/);
  });

  it('names the column and the value for anything that is not a time', () => {
    for (const value of ['', 'yesterday', 17, true, '{"a":1}', '2026-02-31T00:00:00Z extra', '\u202E2026'])
      assert.match(
        (verdict(value) as { reason: string }).reason,
        /^column "seen" \(audience.lastMessageColumn\) holds .* not a time/,
        String(value),
      );
  });

  it('the planner carries the column in each task, once, beside the template fields', () => {
    const parsed = parseConfigItem('job', job);
    assert.deepEqual(taskSpecFor('r', parsed).fields, ['first_name', 'seen']);
    const named = parseConfigItem('job', { ...job, template: { text: 'Hi, you wrote {{seen}}' } });
    assert.deepEqual(taskSpecFor('r', named).fields, ['seen']);
  });

  it('the column must be a plain name, and is refused for subscription tokens', () => {
    assert.deepEqual(issuePaths({ ...job, audience: { ...job.audience, lastMessageColumn: 'seen; DROP' } }), [
      'audience.lastMessageColumn',
    ]);
    const tokens = { ...job, audience: { ...job.audience, recipientKind: 'notification_messages_token' } };
    assert.deepEqual(issuePaths(tokens), ['audience.lastMessageColumn']);
  });

  it('the run summary says what becomes of the people outside the window', () => {
    const parsed = parseConfigItem('job', job);
    assert.match(describeReach(parsed).summary, /recorded as skipped without a request \(from column "seen"\)/);
    const { lastMessageColumn: _, ...audience } = job.audience;
    assert.match(describeReach(parseConfigItem('job', { ...job, audience })).summary, /recorded as failed/);
  });
});

describe('the suppression list', () => {
  it('is on by default for every job, and a job may turn it off', () => {
    assert.equal(parseConfigItem('job', job).suppressionList, true);
    assert.equal(parseConfigItem('job', { ...job, suppressionList: false }).suppressionList, false);
  });

  it('an entry past its expiry is gone, though TTL has not deleted it yet; a foreign item is no entry', () => {
    const item = (expiresAt?: number) => ({
      pk: { S: 'suppression#messenger' },
      sk: { S: 'psid-1' },
      reason: { S: 'blocked' },
      source: { S: 'send' },
      at: { S: '2026-01-01T00:00:00.000Z' },
      ...(expiresAt === undefined ? {} : { expiresAt: { N: String(expiresAt) } }),
    });
    const now = Date.parse('2026-12-07T12:00:00Z');
    assert.equal(readSuppression(item(now / 1000 - 1), now), undefined);
    assert.deepEqual(readSuppression(item(now / 1000 + 60), now)?.expiresAt, now / 1000 + 60);
    assert.equal(readSuppression(item(), now)?.channel, 'messenger', 'no expiry: never expires');
    assert.equal(readSuppression({ ...item(), pk: { S: 'run#x' } }, now), undefined);
    assert.equal(readSuppression({ ...item(), source: { S: 'guess' } }, now), undefined);
  });

  it('an export field is quoted only when it must be, its text kept as it is', () => {
    assert.equal(csvField('psid-1'), 'psid-1');
    assert.equal(csvField('-5'), '-5', 'no spreadsheet prefix: the values go back to a database');
    assert.equal(csvField('a,"b"\r\nc'), '"a,""b""\r\nc"');
  });
});
