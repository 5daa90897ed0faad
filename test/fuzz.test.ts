/**
 * Property-based fuzzing (fast-check) of the three edges where outside input enters the handlers: config items, SQS
 * task bodies and provider answers. The seed is fixed so CI is deterministic; fast-check prints it with the
 * shrunk counterexample on failure, and NOTIFIER_FUZZ_SEED reruns with another one.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createLedger, keyAttributes, malformedKey } from '../handlers/aws/ledger/index.js';
import { messengerChannel } from '../handlers/channels/messenger.js';
import { webhookChannel } from '../handlers/channels/webhook.js';
import {
  type ConfigItem,
  DEFAULT_GRAPH_API_VERSION,
  parseAnyConfigItem,
  parseConfigItem,
} from '../handlers/config/schema.js';
import {
  ConfigError,
  DeliveryError,
  FatalChannelError,
  PermanentDeliveryError,
  RateLimitedError,
  TransientDeliveryError,
} from '../handlers/core/errors.js';
import { parseTask } from '../handlers/core/task.js';
import type { BatchResponse, SqsEvent } from '../handlers/delivery/batch.js';
import { type Handler, lambdaContext } from '../tools/local/bundle.js';
import { type Harness, messengerJob, startHarness } from './support/harness.js';
import { readDelivery } from './support/ledger-reads.js';

const SEED = Number(process.env.NOTIFIER_FUZZ_SEED ?? 20_261_128);
const RUNS = 1_000;
// NOTIFIER_FUZZ_PATH replays one counterexample: fast-check prints its seed and path on failure.
const settings = {
  seed: SEED,
  numRuns: RUNS,
  endOnFailure: true,
  ...(process.env.NOTIFIER_FUZZ_PATH ? { path: process.env.NOTIFIER_FUZZ_PATH } : {}),
};

// Header values Node will put on the wire: tab, printable ASCII and obs-text (latin-1).
const headerChar = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
  .map((code) => String.fromCharCode(code));
const headerText = (maxLength = 40) => fc.string({ unit: headerChar, maxLength });

describe('fuzz: config items', () => {
  const job = {
    kind: 'job',
    id: 'daily',
    database: 'main',
    channel: 'messenger',
    audience: {
      sql: 'SELECT id, psid, first_name FROM users WHERE opted_in = $1',
      params: [true],
      idColumn: 'id',
      recipientColumn: 'psid',
    },
    template: { text: 'Hi {{first_name|"there"}}', quickReplies: [{ title: 'Stop', payload: 'STOP' }] },
    messagingType: 'MESSAGE_TAG',
    tag: 'HUMAN_AGENT',
    pageSize: 500,
    enqueueConcurrency: 4,
    enabled: true,
  };
  const database = {
    kind: 'database',
    id: 'main',
    host: 'db.internal',
    port: 5432,
    database: 'app',
    user: 'notifier',
    password: { secretsManager: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db', jsonKey: 'password' },
    ssl: 'verify-full',
    statementTimeoutMs: 30_000,
  };
  const messenger = {
    kind: 'channel',
    id: 'messenger',
    type: 'messenger',
    baseUrl: 'https://graph.facebook.com',
    apiVersion: DEFAULT_GRAPH_API_VERSION,
    pageId: '1234567890',
    accessToken: { ssmParameter: '/notifier/page-token' },
    timeoutMs: 10_000,
    ratePerSecond: 250,
  };
  const webhook = {
    kind: 'channel',
    id: 'hook',
    type: 'webhook',
    url: 'https://hooks.example.com/notify',
    signingSecret: { inline: 'a-very-long-signing-secret' },
    allowInlineSecrets: true,
  };
  const valid = [job, database, messenger, webhook];

  type Json = unknown;
  /** Every (container, key) pair in a JSON tree, root excluded: the places a mutation can hit. */
  function slots(value: Json, into: [Record<string, Json> | Json[], string | number][] = []) {
    const children: [string | number, Json][] = Array.isArray(value)
      ? value.map((inner, index) => [index, inner])
      : value && typeof value === 'object'
        ? Object.entries(value)
        : [];
    for (const [key, inner] of children) {
      into.push([value as Record<string, Json>, key]);
      slots(inner, into);
    }
    return into;
  }
  const mutation = fc.record({
    at: fc.nat(),
    op: fc.constantFrom('delete', 'replace', 'add', 'wrap', 'retype-kind'),
    value: fc.jsonValue({ maxDepth: 3 }),
    key: fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.constantFrom('kind', 'id', 'type', 'inline', '__proto__', 'constructor'),
    ),
  });
  const mutated = fc
    .tuple(fc.constantFrom(...valid), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([base, mutations]) => {
      const root = structuredClone(base) as Record<string, Json>;
      for (const { at, op, value, key } of mutations) {
        const places = slots(root);
        const [container, slot] = places[at % places.length] as [Record<string, Json>, string];
        if (op === 'delete') Array.isArray(container) ? container.splice(Number(slot), 1) : delete container[slot];
        else if (op === 'replace') container[slot] = value;
        else if (op === 'wrap') container[slot] = Array.isArray(value) ? [container[slot]] : { [key]: container[slot] };
        else if (op === 'retype-kind') root.kind = ['job', 'database', 'channel'][at % 3] as string;
        else if (!Array.isArray(container))
          Object.defineProperty(container, key, { value, enumerable: true, configurable: true, writable: true });
      }
      return root;
    });
  const anything = fc.oneof(
    { weight: 3, arbitrary: mutated },
    { weight: 1, arbitrary: fc.jsonValue() },
    {
      weight: 1,
      arbitrary: fc.anything({
        withBigInt: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withSparseArray: true,
        withTypedArray: true,
        withBoxedValues: true,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record(
        {
          kind: fc.constantFrom('job', 'database', 'channel'),
          id: fc.string(),
          type: fc.constantFrom('messenger', 'webhook', 'sms'),
        },
        { requiredKeys: [] },
      ),
    },
  );

  it('the templates the mutations start from are valid', () => {
    for (const item of valid) assert.equal(parseAnyConfigItem(structuredClone(item)).kind, item.kind);
  });

  it(`any input: parseAnyConfigItem returns an item or throws a ConfigError whose every issue names a field (${RUNS * 2} cases, seed ${SEED})`, () => {
    let rejected = 0;
    fc.assert(
      fc.property(anything, (input) => {
        let item: ConfigItem;
        try {
          item = parseAnyConfigItem(input, 'config item "fuzz"');
        } catch (error) {
          assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`);
          assert.ok(error.issues.length > 0, 'a ConfigError lists at least one issue');
          for (const issue of error.issues) {
            assert.match(issue.path, /\S/, `issue without a path: ${JSON.stringify(issue)}`);
            assert.match(issue.message, /\S/, `issue without a message: ${JSON.stringify(issue)}`);
          }
          assert.ok(error.message.startsWith('config item "fuzz": '), error.message);
          rejected++;
          return;
        }
        assert.ok(['job', 'database', 'channel'].includes(item.kind));
        // What passed validation passes it again: the defaults it received are valid values.
        assert.deepEqual(parseConfigItem(item.kind, item), item);
      }),
      { ...settings, numRuns: RUNS * 2 },
    );
    assert.ok(rejected > RUNS / 2, `${rejected} rejected`);
  });
});

describe('fuzz: SQS task bodies', () => {
  const scalar = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const fieldsOf = fc.dictionary(fc.string({ maxLength: 12 }), scalar, { maxKeys: 5 });
  const single = fc.record({
    v: fc.constant(1),
    runId: fc.string({ minLength: 1, maxLength: 80 }),
    job: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
    recipientId: fc.string({ minLength: 1, maxLength: 40 }),
    fields: fieldsOf,
  });
  const grouped = fc.record({
    v: fc.constant(2),
    runId: fc.string({ minLength: 1, maxLength: 80 }),
    job: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
    group: fc.string({ minLength: 1, maxLength: 40 }),
    recipients: fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 40 }), fields: fieldsOf }), {
      minLength: 1,
      maxLength: 12,
      selector: (recipient) => recipient.id,
    }),
  });
  const task = fc.oneof(single, grouped) as fc.Arbitrary<Record<string, unknown>>;
  const huge = fc
    .tuple(
      task,
      fc.constantFrom('recipient', 'fields', 'string', 'nesting', 'keys'),
      fc.integer({ min: 1_000, max: 300_000 }),
    )
    .map(([base, kind, size]) => {
      if (kind === 'recipient') return JSON.stringify({ ...base, recipientId: 'r'.repeat(size) });
      if (kind === 'fields') return JSON.stringify({ ...base, fields: { note: 'x'.repeat(size) } });
      if (kind === 'string') return 'x'.repeat(size);
      if (kind === 'nesting') return `${'['.repeat(size / 10)}${']'.repeat(size / 10)}`;
      return JSON.stringify({
        ...base,
        fields: Object.fromEntries(Array.from({ length: size / 100 }, (_, index) => [`f${index}`, index])),
      });
    });
  const body = fc.oneof(
    { weight: 2, arbitrary: task.map((value) => ({ body: JSON.stringify(value), valid: true })) },
    {
      weight: 2,
      arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((value) => ({ body: value, valid: false })),
    },
    {
      weight: 2,
      arbitrary: task
        .map((value) => JSON.stringify(value))
        .chain((text) => fc.nat({ max: text.length - 1 }).map((cut) => ({ body: text.slice(0, cut), valid: false }))),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          task,
          fc.constantFrom('v', 'runId', 'job', 'recipientId', 'fields', 'group', 'recipients', 'extra'),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([value, key, wrong]) => ({ body: JSON.stringify({ ...value, [key]: wrong }), valid: undefined })),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ body: JSON.stringify(value) ?? '', valid: undefined })) },
    { weight: 1, arbitrary: huge.map((value) => ({ body: value, valid: undefined })) },
  );

  it(`parseTask never throws and explains each rejection with a field path (${RUNS * 2} cases, seed ${SEED})`, () => {
    const seen = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(body, ({ body: text, valid }) => {
        const parsed = parseTask(text);
        if (valid === true) assert.ok(parsed.ok, JSON.stringify(parsed));
        if (valid === false) assert.ok(!parsed.ok);
        if (parsed.ok) {
          seen.accepted++;
          assert.equal(parsed.task.v, 2);
          assert.ok(parsed.task.recipients.length >= 1);
          return;
        }
        seen.rejected++;
        assert.ok(parsed.issues.length > 0);
        for (const issue of parsed.issues) {
          assert.match(issue.path, /\S/, `issue without a path: ${JSON.stringify(issue)}`);
          assert.match(issue.message, /\S/);
        }
      }),
      { ...settings, numRuns: RUNS * 2 },
    );
    assert.ok(seen.accepted > 100 && seen.rejected > 500, JSON.stringify(seen));
  });

  describe('through the sender bundle', () => {
    let harness: Harness;
    let send: Handler<SqsEvent, BatchResponse>;
    before(async () => {
      harness = await startHarness();
      const database = {
        host: '127.0.0.1',
        port: 5432,
        database: 'unused',
        user: 'unused',
        password: 'unused-by-the-sender',
      };
      for (const item of messengerJob(database, harness.sandbox.baseUrl, { id: 'fuzz' }))
        await harness.stack.putConfig(item);
      send = await harness.stack.loadSender();
    });
    after(async () => harness.stop());

    it('200 random bodies among 50 valid tasks: each message is delivered, recorded as malformed, or returned; none is lost', async (t) => {
      const runId = 'fuzz@2026-12-01T08:00:00Z';
      const random = fc.sample(body, { seed: SEED, numRuns: 200 }).map(({ body: text }) => text.slice(0, 250_000));
      const validTasks = Array.from({ length: 50 }, (_, index) =>
        JSON.stringify({ v: 1, runId, job: 'fuzz', recipientId: `fuzz-${index}`, fields: { first_name: `F${index}` } }),
      );
      const bodies = random.flatMap((text, index) =>
        index % 4 === 0 ? [validTasks[index / 4] as string, text] : [text],
      );
      const records = bodies.map((text, index) => ({ messageId: `fuzz-${index}`, body: text }));
      const returned = new Set<string>();
      for (let index = 0; index < records.length; index += 10) {
        const response = await send({ Records: records.slice(index, index + 10) }, lambdaContext('sender', 30_000));
        for (const failure of response.batchItemFailures) returned.add(failure.itemIdentifier);
      }
      const ledger = createLedger({ table: harness.stack.names.ledger });
      const outcome = { delivered: 0, malformed: 0, returned: 0, failed: 0 };
      const lost: string[] = [];
      for (const record of records) {
        if (returned.has(record.messageId)) {
          outcome.returned++;
          continue;
        }
        const parsed = parseTask(record.body);
        if (!parsed.ok) {
          const { Item } = await harness.stack.dynamo.send(
            new (await import('@aws-sdk/client-dynamodb')).GetItemCommand({
              TableName: harness.stack.names.ledger,
              Key: keyAttributes(malformedKey(record.messageId)),
              ConsistentRead: true,
            }),
          );
          if (Item?.reason?.S) outcome.malformed++;
          else lost.push(`${record.messageId}: neither returned nor recorded as malformed`);
          continue;
        }
        for (const recipient of parsed.task.recipients) {
          const delivery = await readDelivery(ledger, parsed.task.runId, recipient.id, parsed.task.group);
          if (
            delivery?.status === 'sent' &&
            harness.sandbox.deliveries.some((entry) => entry.recipientId === recipient.id)
          )
            outcome.delivered++;
          else if (delivery?.status === 'failed' && String(delivery.reason ?? '')) outcome.failed++;
          else
            lost.push(
              `${record.messageId}: deleted, but the ledger says ${recipient.id} is ${JSON.stringify(delivery)}`,
            );
        }
      }
      t.diagnostic(`sender bundle fuzz (seed ${SEED}): ${JSON.stringify(outcome)}`);
      assert.deepEqual(lost, []);
      assert.ok(outcome.delivered >= 50 && outcome.malformed > 50, JSON.stringify(outcome));
      for (const validTask of validTasks)
        assert.ok(
          !returned.has(records[bodies.indexOf(validTask)]?.messageId as string),
          'valid tasks are delivered, not returned',
        );
    });
  });
});

describe('fuzz: provider answers', () => {
  const TOKEN = 'EAAB-fuzz-page-token-9f8e7d6c5b4a3210';
  const SECRET = `whsec_${Buffer.from('fuzz-signing-secret-0123456789ab').toString('base64')}`;
  const TIMEOUT_MS = 120;
  type Transport = 'normal' | 'truncated' | 'reset-before-headers' | 'reset-mid-body' | 'too-slow';
  interface Answer {
    status: number;
    body: string | Uint8Array;
    headers: Record<string, string>;
    transport: Transport;
  }

  const graphErrorBody = fc
    .record(
      {
        message: fc.oneof(fc.string(), fc.jsonValue(), fc.constant('Invalid OAuth access token: {{token}}')),
        type: fc.jsonValue(),
        code: fc.oneof(
          fc.constantFrom(1, 2, 4, 10, 17, 32, 100, 190, 200, 230, 368, 551, 613, 80006),
          fc.integer(),
          fc.double(),
          fc.string(),
          fc.jsonValue(),
        ),
        error_subcode: fc.oneof(fc.constantFrom(2018001, 2018278, 1545041), fc.jsonValue()),
        fbtrace_id: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((error) => JSON.stringify({ error }));
  const body = fc.oneof(
    fc.constant(''),
    fc.string({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }),
    graphErrorBody,
    graphErrorBody.chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut))),
    fc
      .record({ recipient_id: fc.jsonValue(), message_id: fc.jsonValue() }, { requiredKeys: [] })
      .map((value) => JSON.stringify(value)),
    fc.jsonValue().map((value) => JSON.stringify(value) ?? ''),
    // The provider echoes the request's credentials back (a debugging proxy, a misconfigured gateway).
    fc.constantFrom(
      '{"error":{"message":"bad header: {{auth}}","code":190}}',
      'echo: {{auth}} {{token}}',
      '<html>{{token}}</html>',
    ),
    fc.integer({ min: 100_000, max: 2_000_000 }).map((size) => `{"error":{"message":"${'x'.repeat(size)}","code":2}}`),
  );
  const usage = fc.oneof(
    headerText(),
    fc.jsonValue().map((value) => JSON.stringify(value) ?? ''),
    fc
      .record({ call_count: fc.oneof(fc.integer(), fc.double(), fc.string()), total_time: fc.jsonValue() })
      .map((value) => JSON.stringify(value)),
  );
  const headers = fc.record(
    {
      'retry-after': fc.oneof(
        headerText(),
        fc.integer({ min: -5, max: 1e9 }).map(String),
        fc.constantFrom(
          '1',
          '0.5',
          'Wed, 21 Oct 2015 07:28:00 GMT',
          'Fri, 31 Dec 9999 23:59:59 GMT',
          '9'.repeat(400),
          'NaN',
          '-1',
        ),
      ),
      'x-app-usage': usage,
      'x-page-usage': usage,
      'x-business-use-case-usage': usage,
      'content-type': fc.oneof(
        headerText(),
        fc.constantFrom('application/json', 'text/html; charset=utf-16', 'application/json; charset=nonsense'),
      ),
      'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-garbage'),
    },
    { requiredKeys: [] },
  );
  const answer: fc.Arbitrary<Answer> = fc.record({
    status: fc.oneof(
      fc.constantFrom(200, 201, 204, 299, 301, 400, 401, 403, 404, 408, 418, 429, 500, 502, 503, 504, 599),
      fc.integer({ min: 200, max: 599 }),
    ),
    body,
    headers,
    transport: fc.oneof(
      { weight: 12, arbitrary: fc.constant<Transport>('normal') },
      fc.constantFrom<Transport>('truncated', 'reset-before-headers', 'reset-mid-body', 'too-slow'),
    ),
  });

  let server: ReturnType<typeof createServer>;
  let baseUrl: string;
  let current: Answer | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  function respond(request: IncomingMessage, response: ServerResponse) {
    const spec = current as Answer;
    const auth = String(request.headers.authorization ?? '');
    const payload =
      typeof spec.body === 'string'
        ? Buffer.from(spec.body.replaceAll('{{auth}}', auth).replaceAll('{{token}}', TOKEN))
        : Buffer.from(spec.body);
    if (spec.transport === 'reset-before-headers') return request.socket.destroy();
    const write = () => {
      const length = spec.transport === 'truncated' ? payload.length + 100 : payload.length;
      try {
        response.writeHead(spec.status, { ...spec.headers, 'content-length': String(length) });
      } catch {
        response.writeHead(spec.status, { 'content-length': String(length) });
      }
      if (spec.transport === 'reset-mid-body' || spec.transport === 'truncated') {
        response.write(payload.subarray(0, Math.floor(payload.length / 2)));
        setTimeout(() => response.socket?.destroy(), 5);
        return;
      }
      response.end(payload);
    };
    if (spec.transport === 'too-slow') setTimeout(write, TIMEOUT_MS + 100).unref();
    else write();
  }

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => respond(request, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    process.off('unhandledRejection', onUnhandled);
  });

  const message = {
    recipientId: 'psid-1',
    text: 'Hello',
    messagingType: 'UPDATE' as const,
    idempotencyKey: 'run/psid-1',
  };
  const classes = [TransientDeliveryError, RateLimitedError, PermanentDeliveryError, FatalChannelError];

  async function check(send: () => Promise<unknown>, secret: string) {
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    let timer: NodeJS.Timeout | undefined;
    // Even without the sender's deadline signal, a send ends within its timeout, whatever the provider does.
    const hang = new Promise<never>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error('HANG: the send did not settle')), TIMEOUT_MS * 2 + 1_000)),
    );
    try {
      outcome = { ok: true, value: await Promise.race([send(), hang]) };
    } catch (error) {
      assert.ok(
        !(error instanceof Error && error.message.startsWith('HANG')),
        `the send never settled (${current?.transport}, HTTP ${current?.status})`,
      );
      outcome = { ok: false, error };
    } finally {
      clearTimeout(timer);
    }
    if (outcome.ok) {
      const receipt = outcome.value as { providerMessageId?: unknown; usagePercent?: unknown };
      assert.ok(receipt && typeof receipt === 'object');
      assert.ok(receipt.providerMessageId === undefined || typeof receipt.providerMessageId === 'string');
      assert.ok(receipt.usagePercent === undefined || Number.isFinite(receipt.usagePercent));
      assert.ok(current && current.status >= 200 && current.status < 300, `resolved on HTTP ${current?.status}`);
      return;
    }
    const { error } = outcome;
    assert.ok(
      error instanceof DeliveryError && classes.some((kind) => error instanceof kind),
      `not a DeliveryError subclass: ${String(error)}`,
    );
    assert.ok(
      !error.message.includes(secret),
      `the error message carries the credential: ${error.message.slice(0, 300)}`,
    );
    assert.ok(!JSON.stringify(error.details).includes(secret));
    assert.ok(error.message.length < 2_000, 'the message is bounded');
    const { retryAfterMs } = error.details;
    assert.ok(retryAfterMs === undefined || retryAfterMs >= 0, `retryAfterMs ${retryAfterMs}`);
  }

  it(`Messenger: every answer resolves or rejects with a DeliveryError that never carries the token (${RUNS} cases, seed ${SEED})`, async () => {
    const channel = messengerChannel(
      {
        kind: 'channel',
        id: 'fuzz',
        type: 'messenger',
        baseUrl,
        apiVersion: DEFAULT_GRAPH_API_VERSION,
        pageId: 'me',
        accessToken: { inline: TOKEN },
        timeoutMs: TIMEOUT_MS,
        ratePerSecond: 100,
        allowInlineSecrets: true,
      },
      TOKEN,
    );
    await fc.assert(
      fc.asyncProperty(answer, async (spec) => {
        current = spec;
        await check(() => channel.send(message), TOKEN);
      }),
      settings,
    );
    assert.deepEqual(unhandled, []);
  });

  it(`webhook: every answer resolves or rejects with a DeliveryError that never carries the signing secret (${RUNS} cases, seed ${SEED})`, async () => {
    const channel = webhookChannel(
      {
        kind: 'channel',
        id: 'fuzz-hook',
        type: 'webhook',
        url: `${baseUrl}/hook`,
        signingSecret: { inline: SECRET },
        timeoutMs: TIMEOUT_MS,
        ratePerSecond: 100,
        allowInlineSecrets: true,
      },
      [SECRET],
    );
    await fc.assert(
      fc.asyncProperty(answer, async (spec) => {
        current = {
          ...spec,
          body: typeof spec.body === 'string' ? spec.body.replaceAll('{{token}}', SECRET) : spec.body,
        };
        await check(() => channel.send(message), SECRET);
      }),
      settings,
    );
    assert.deepEqual(unhandled, []);
  });
});
