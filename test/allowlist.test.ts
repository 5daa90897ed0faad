import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLedger, type Ledger } from '../handlers/aws/ledger/index.js';
import { formatChannelHosts, LOOPBACK_HOSTS } from '../handlers/core/host-policy.js';
import type { BatchResponse, SqsEvent } from '../handlers/delivery/batch.js';
import { type Handler, lambdaContext } from '../tools/local/bundle.js';
import { type Harness, seedAudience, startHarness, TOKEN } from './support/harness.js';
import { readDelivery } from './support/ledger-reads.js';

/**
 * A stand-in for SSM that records every GetParameter the bundles make and answers from `values`: the proof that a
 * secret was, or was not, resolved.
 */
async function startSecretStore(values: Record<string, string>) {
  const requested: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const name = String((JSON.parse(body || '{}') as { Name?: unknown }).Name);
      requested.push(name);
      const value = values[name];
      response.writeHead(value === undefined ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify(
          value === undefined
            ? { __type: 'ParameterNotFound', message: name }
            : { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const ATTACKER = 'collector.attacker.example';
// Listed, each for one kind of channel only: a channel of the other kind must not send its secret there.
const WEBHOOK_HOST = 'hooks.example.com';
const MESSENGER_HOST = 'graph.facebook.com';

describe('host allowlists in the shipped bundles', () => {
  let harness: Harness;
  let store: Awaited<ReturnType<typeof startSecretStore>>;
  let send: Handler<SqsEvent, BatchResponse>;
  let ledger: Ledger;
  let database: Awaited<ReturnType<typeof seedAudience>>;
  let counter = 0;
  const record = (job: string, runId: string, recipientId: string) => ({
    messageId: `m-${++counter}`,
    body: JSON.stringify({ v: 1, runId, job, recipientId, fields: { first_name: 'Ada' } }),
  });

  before(async () => {
    database = await seedAudience(30);
    store = await startSecretStore({
      '/notifier/page-token': TOKEN,
      '/notifier/db-password': database.password,
      '/notifier/hook-secret': 'whsec_c2VjcmV0',
    });
    // The loopback hosts the emulators listen on, for both kinds as the local runtime allows them, and one host for
    // each kind only.
    harness = await startHarness({
      extraEnv: {
        AWS_ENDPOINT_URL_SSM: store.endpoint,
        NOTIFIER_CHANNEL_HOSTS: formatChannelHosts({
          messenger: [...LOOPBACK_HOSTS, MESSENGER_HOST],
          webhook: [...LOOPBACK_HOSTS, WEBHOOK_HOST],
        }),
      },
    });
    const password = { ssmParameter: '/notifier/db-password' };
    const common = {
      audience: { sql: 'SELECT id, psid, first_name FROM users', idColumn: 'id', recipientColumn: 'psid' },
      template: { text: 'Hello {{first_name}}' },
      pageSize: 100,
    };
    for (const item of [
      {
        kind: 'database',
        id: 'local',
        host: database.host,
        port: database.port,
        database: database.database,
        user: database.user,
        password,
        ssl: 'disable',
      },
      // Someone with write access to the config table points the database item elsewhere...
      {
        kind: 'database',
        id: 'rewritten',
        host: `db.${ATTACKER}`,
        port: database.port,
        database: database.database,
        user: database.user,
        password,
        ssl: 'require-unverified',
      },
      {
        kind: 'channel',
        id: 'sandbox',
        type: 'messenger',
        baseUrl: harness.sandbox.baseUrl,
        accessToken: { ssmParameter: '/notifier/page-token' },
        timeoutMs: 2000,
        ratePerSecond: 1000,
      },
      // ...or a channel at their own server, with the database password as its "signing secret".
      {
        kind: 'channel',
        id: 'exfil',
        type: 'webhook',
        url: `https://${ATTACKER}/in`,
        signingSecret: { ssmParameter: '/notifier/db-password' },
        timeoutMs: 2000,
      },
      // ...or a Messenger channel at a host listed for webhooks, whose owner must not get the Page token...
      {
        kind: 'channel',
        id: 'page-to-hook',
        type: 'messenger',
        baseUrl: `https://${WEBHOOK_HOST}`,
        accessToken: { ssmParameter: '/notifier/page-token' },
        timeoutMs: 2000,
      },
      // ...or a webhook at a host listed for Messenger, which must not get the signing secret.
      {
        kind: 'channel',
        id: 'hook-to-graph',
        type: 'webhook',
        url: `https://${MESSENGER_HOST}/in`,
        signingSecret: { ssmParameter: '/notifier/hook-secret' },
        timeoutMs: 2000,
      },
      { kind: 'job', id: 'allowed', database: 'local', channel: 'sandbox', ...common },
      { kind: 'job', id: 'page-to-hook', database: 'local', channel: 'page-to-hook', ...common },
      { kind: 'job', id: 'hook-to-graph', database: 'local', channel: 'hook-to-graph', ...common },
      { kind: 'job', id: 'exfil', database: 'local', channel: 'exfil', ...common },
      { kind: 'job', id: 'rewritten', database: 'rewritten', channel: 'sandbox', ...common },
    ]) {
      await harness.stack.putConfig(item);
    }
    send = await harness.stack.loadSender();
    ledger = createLedger({ table: harness.stack.names.ledger });
  });
  after(async () => {
    await harness.stop();
    await store.stop();
  });

  it('control: a channel on an allowed host resolves its secret and delivers', async () => {
    const runId = 'allowed@2026-11-28T08:00:00Z';
    const response = await send({ Records: [record('allowed', runId, 'psid-ok')] }, lambdaContext('sender', 30_000));
    assert.deepEqual(response.batchItemFailures, []);
    assert.equal((await readDelivery(ledger, runId, 'psid-ok'))?.status, 'sent');
    assert.ok(store.requested.includes('/notifier/page-token'), 'the page token was read from the store');
  });

  it('a channel outside the allowlist halts its job before its secret is read: messages kept, nobody failed, alarmed', async () => {
    const runId = 'exfil@2026-11-28T08:00:00Z';
    // The run a planner would have started: the halt is marked on its run item.
    await ledger.runs.acquire({
      runId,
      job: 'exfil',
      scheduledTime: '2026-11-28T08:00:00.000Z',
      owner: 'planner',
      leaseMs: 1,
    });
    const before = store.requested.length;
    const messages = [record('exfil', runId, 'psid-1'), record('exfil', runId, 'psid-2')];
    const response = await send({ Records: messages }, lambdaContext('sender', 30_000));
    assert.deepEqual(
      response.batchItemFailures.map((failure) => failure.itemIdentifier).sort(),
      messages.map((message) => message.messageId).sort(),
      'every message stays queued',
    );
    assert.deepEqual(store.requested.slice(before), [], 'no secret was resolved for the channel');
    for (const recipient of ['psid-1', 'psid-2'])
      assert.equal(await readDelivery(ledger, runId, recipient), undefined, 'never claimed, never marked failed');
    const fatal = harness.logs.find(
      (line) => line.includes('"level":"ERROR"') && line.includes('FATAL') && line.includes(ATTACKER),
    );
    assert.ok(fatal, 'an ERROR log the alarm can catch');
    assert.match(
      fatal,
      /channel \\"exfil\\": url: host \\"collector\.attacker\.example\\" is not allowed/,
      'it names the item, the field and the host',
    );
    assert.ok(
      harness.logs.some((line) => line.includes('"FatalChannel"') && line.includes('"exfil"')),
      'a FatalChannel metric for the job',
    );
    assert.match(String((await ledger.runs.get(runId))?.halted), /collector\.attacker\.example/);

    const again = await send({ Records: [record('exfil', runId, 'psid-3')] }, lambdaContext('sender', 30_000));
    assert.equal(again.batchItemFailures.length, 1);
    assert.deepEqual(store.requested.slice(before), [], 'nor on a later delivery');
  });

  for (const { job, field, host, kind, other } of [
    { job: 'page-to-hook', field: 'baseUrl', host: WEBHOOK_HOST, kind: 'messenger', other: 'webhook' },
    { job: 'hook-to-graph', field: 'url', host: MESSENGER_HOST, kind: 'webhook', other: 'messenger' },
  ]) {
    it(`a ${kind} channel at a host listed for ${other} channels only halts its job before its secret is read`, async () => {
      const runId = `${job}@2026-11-28T08:00:00Z`;
      await ledger.runs.acquire({
        runId,
        job,
        scheduledTime: '2026-11-28T08:00:00.000Z',
        owner: 'planner',
        leaseMs: 1,
      });
      const before = store.requested.length;
      const messages = [record(job, runId, 'psid-1'), record(job, runId, 'psid-2')];
      const response = await send({ Records: messages }, lambdaContext('sender', 30_000));
      assert.deepEqual(
        response.batchItemFailures.map((failure) => failure.itemIdentifier).sort(),
        messages.map((message) => message.messageId).sort(),
        'every message stays queued',
      );
      assert.deepEqual(store.requested.slice(before), [], 'no secret was resolved for the channel');
      for (const recipient of ['psid-1', 'psid-2'])
        assert.equal(await readDelivery(ledger, runId, recipient), undefined, 'never claimed, never marked failed');
      const fatal = harness.logs.find(
        (line) => line.includes('"level":"ERROR"') && line.includes('FATAL') && line.includes(`channel \\"${job}\\"`),
      );
      assert.ok(fatal, 'an ERROR log the alarm can catch');
      assert.ok(
        fatal.includes(
          `${field}: host \\"${host}\\" is not allowed to receive a ${kind} channel's secret ` +
            `(NOTIFIER_CHANNEL_HOSTS allows ${kind}:127.0.0.1`,
        ),
        fatal,
      );
      assert.ok(fatal.includes(`the host is listed for ${other} channels only`), fatal);
      assert.ok(fatal.includes(`channel_hosts.${kind}`), fatal);
      assert.match(String((await ledger.runs.get(runId))?.halted), new RegExp(host.replaceAll('.', '\\.')));
    });
  }

  it('control: the planner reads the password of a database on an allowed host and plans the audience', async () => {
    const before = store.requested.length;
    const outcomes = await harness.stack.tick('allowed', '2026-11-28T09:00:00Z');
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.ok ? outcome.result.status : outcome.error.message)),
      ['enqueued'],
    );
    assert.deepEqual(store.requested.slice(before), ['/notifier/db-password']);
  });

  it('a database item on a host outside the allowlist fails the tick before the password is read, naming item, field and host', async () => {
    const before = store.requested.length;
    const outcomes = await harness.stack.tick('rewritten', '2026-11-28T09:00:00Z');
    const [outcome] = outcomes;
    assert.ok(outcome && !outcome.ok, 'the tick fails');
    assert.match(
      outcome.error.message,
      /database "rewritten": host: host "db\.collector\.attacker\.example" is not allowed .*NOTIFIER_DATABASE_HOSTS allows 127\.0\.0\.1, localhost, ::1/,
    );
    assert.deepEqual(store.requested.slice(before), [], 'the password was never read');
    assert.match(String((await ledger.runs.get('rewritten@2026-11-28T09:00:00Z'))?.lastError), /not allowed/);
  });
});
