import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createLedger } from '../handlers/aws/ledger/index.js';
import { withRedactedErrors } from '../handlers/observability/handler-errors.js';
import { createLogger, setLogSink, writeLine } from '../handlers/observability/log.js';
import {
  clearSecrets,
  MIN_SUBSTRING_SECRET,
  REDACTED,
  redactThrown,
  redactValue,
  registerSecret,
} from '../handlers/observability/redact.js';
import { type Harness, messengerJob, seedAudience, startHarness } from './support/harness.js';

/** Tokens that a line-level redactor would miss once JSON escapes them, and unicode JSON leaves as it is. */
const HOSTILE = [
  'tok"en-with-quote-123',
  'back\\slash\\token-456',
  'emoji-🚀-token-789',
  'line\u2028separator-tok',
  'ctl\u0001\u001ftoken-0',
  'lone-\ud800-surrogate-tok',
];

/** Every form a secret can take in an encoded line: as it is and JSON-escaped. */
const forms = (secret: string) => [secret, JSON.stringify(secret).slice(1, -1)];
const leaks = (lines: readonly string[], secret: string) =>
  lines.filter((line) => forms(secret).some((form) => line.includes(form)));

function capture(): string[] {
  const lines: string[] = [];
  setLogSink((line) => lines.push(line));
  return lines;
}

describe('redacting log records', () => {
  afterEach(clearSecrets);

  it('tokens with quotes, backslashes, control characters and unicode never reach a line, in any field or nesting', () => {
    const lines = capture();
    for (const secret of HOSTILE) registerSecret(secret);
    const log = createLogger({ job: 'daily' });
    for (const secret of HOSTILE) {
      log.info(`connecting with ${secret}`, {
        url: `https://x.test/?access_token=${secret}`,
        nested: { list: [secret, { deeper: `a ${secret} b` }] },
        [`key-${secret}`]: 1,
      });
      log.error('failed', {
        error: new Error(`bad token ${secret}`, { cause: new Error(`inner ${secret}`, { cause: { body: secret } }) }),
      });
      log.warn('aggregate', { error: new AggregateError([new TypeError(secret)], `several: ${secret}`) });
    }
    assert.equal(lines.length, HOSTILE.length * 3);
    for (const secret of HOSTILE) assert.deepEqual(leaks(lines, secret), [], secret);
    for (const line of lines) JSON.parse(line);
    const error = JSON.parse(lines[1] ?? '{}').error;
    assert.deepEqual(error, {
      name: 'Error',
      message: `bad token ${REDACTED}`,
      cause: { name: 'Error', message: `inner ${REDACTED}`, cause: { body: REDACTED } },
    });
    assert.equal(JSON.parse(lines[0] ?? '{}').nested.list[0], REDACTED);
  });

  it('a short secret is redacted as a whole value, inside text only from the minimum length', () => {
    const lines = capture();
    registerSecret('pw');
    registerSecret('12345');
    registerSecret('abc123');
    assert.equal(MIN_SUBSTRING_SECRET, 6);
    const log = createLogger();
    log.info('connecting', { password: 'pw', pin: '12345', note: 'the pwd column, order 123456', word: 'xabc123y' });
    log.error('rejected', { error: new Error('pw', { cause: '12345' }) });
    const [fields, failure] = lines.map((line) => JSON.parse(line));
    assert.deepEqual(
      [fields.password, fields.pin, fields.note, fields.word],
      [REDACTED, REDACTED, 'the pwd column, order 123456', `x${REDACTED}y`],
    );
    assert.deepEqual(failure.error, { name: 'Error', message: REDACTED, cause: REDACTED });
    assert.ok(!lines.some((line) => line.includes('"pw"') || line.includes('"12345"')));
  });

  it('lines encoded elsewhere (metrics) are redacted in their escaped form too', () => {
    const lines = capture();
    for (const secret of [...HOSTILE, 'pw']) registerSecret(secret);
    for (const secret of HOSTILE) writeLine(JSON.stringify({ Job: secret, Other: `x ${secret} y` }));
    writeLine(JSON.stringify({ Job: 'pw', Text: 'pwd' }));
    for (const secret of HOSTILE) assert.deepEqual(leaks(lines, secret), [], secret);
    assert.deepEqual(JSON.parse(lines.at(-1) ?? '{}'), { Job: REDACTED, Text: 'pwd' });
  });

  it('cycles and deep records end in a marker instead of hanging the log call', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    assert.deepEqual(redactValue(cyclic), { name: 'a', self: '[Circular]' });
    let deep: unknown = 'bottom';
    for (let level = 0; level < 20; level++) deep = { deep };
    assert.match(JSON.stringify(redactValue(deep)), /\[Truncated\]/);
  });
});

describe('redacting thrown errors', () => {
  afterEach(clearSecrets);

  it('message, stack, own fields, causes and aggregated errors are redacted in place; the class stays', () => {
    for (const secret of [...HOSTILE, 'pw']) registerSecret(secret);
    for (const secret of [...HOSTILE, 'pw']) {
      class DatabaseError extends Error {
        detail = `role ${secret}`;
      }
      const error = new DatabaseError(secret, { cause: new AggregateError([new Error(`nested ${secret}`)], secret) });
      const thrown = redactThrown(error);
      assert.equal(thrown, error, 'the same object, so instanceof still holds');
      const cause = error.cause as AggregateError;
      assert.deepEqual([error.message, cause.message], [REDACTED, REDACTED]);
      assert.ok(error.stack?.startsWith(`Error: ${REDACTED}\n`), error.stack);
      assert.ok(cause.stack?.startsWith(`AggregateError: ${REDACTED}\n`), cause.stack);
      const text = [
        error.message,
        error.stack,
        error.detail,
        cause.message,
        cause.stack,
        cause.errors[0].message,
        cause.errors[0].stack,
      ].join('\n');
      if (secret.length >= MIN_SUBSTRING_SECRET) assert.deepEqual(leaks([text], secret), [], text);
      else assert.match(error.detail, /^role pw$/, 'a short secret inside text stays');
    }
  });

  it("a short secret as the whole message leaves no copy in the stack header, whatever the error's name", () => {
    registerSecret('pw');
    class NamedError extends Error {
      override readonly name = 'NamedError';
    }
    const error = new NamedError('pw');
    void error.stack;
    redactThrown(error);
    const header = error.stack?.split('\n')[0] ?? '';
    assert.ok(header.endsWith(`: ${REDACTED}`), header);
    assert.doesNotMatch(header, /\bpw\b/);
  });

  it('a frozen error is replaced by a redacted copy; a thrown string is redacted', () => {
    registerSecret('frozen-secret-value');
    const frozen = Object.freeze(new Error('leaks frozen-secret-value'));
    const thrown = redactThrown(frozen) as Error;
    assert.notEqual(thrown, frozen);
    assert.equal(thrown.message, `leaks ${REDACTED}`);
    assert.ok(!thrown.stack?.includes('frozen-secret-value'));
    assert.equal(redactThrown('plain frozen-secret-value'), `plain ${REDACTED}`);
  });

  it('a wrapped handler passes results through and rethrows redacted errors', async () => {
    registerSecret('wrapped"secret\\value');
    const handler = withRedactedErrors(async (fail: boolean) => {
      if (fail) throw new Error('token wrapped"secret\\value rejected', { cause: new Error('wrapped"secret\\value') });
      return 'ok';
    });
    assert.equal(await handler(false), 'ok');
    await assert.rejects(
      handler(true),
      (error: Error) =>
        error.message === `token ${REDACTED} rejected` &&
        (error.cause as Error).message === REDACTED &&
        !String(error.stack).includes('secret'),
    );
  });
});

describe('the planner handler', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => harness.stop());

  it("an error it throws, its logs and the run's last error carry no database secret, whatever characters the secret holds", async () => {
    // The database user is the password here: PostgreSQL's answer names the user, so the planner's error holds the
    // resolved secret, as a driver or provider error quoting a credential would.
    const secret = 'pg"se\\cret-🚀\u2028-x';
    const database = await seedAudience(20);
    const [databaseItem, ...rest] = messengerJob(database, harness.sandbox.baseUrl, { id: 'leaky' });
    await harness.stack.putConfig({ ...databaseItem, user: secret, password: { inline: secret } });
    for (const item of rest) await harness.stack.putConfig(item);
    const outcomes = await harness.stack.tick('leaky', '2026-11-28T03:50:00Z');
    const failure = outcomes.at(-1);
    assert.ok(failure && !failure.ok, 'the tick fails');
    const error = failure.error;
    assert.match(error.message, /password authentication failed for user "\[REDACTED\]"/);
    const thrownText = [
      error.message,
      error.stack,
      JSON.stringify(error),
      String((error as { cause?: unknown }).cause ?? ''),
    ].join('\n');
    assert.deepEqual(leaks([thrownText], secret), []);
    assert.deepEqual(leaks(harness.logs, secret), []);
    assert.ok(
      harness.logs.some((line) => line.includes('planning failed') && line.includes(REDACTED)),
      'the failure is logged, redacted',
    );
    const run = await createLedger({ table: harness.stack.names.ledger }).runs.get('leaky@2026-11-28T03:50:00Z');
    assert.match(run?.lastError ?? '', /\[REDACTED\]/);
    assert.deepEqual(leaks([run?.lastError ?? ''], secret), []);
  });
});
