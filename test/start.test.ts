import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { Webhook } from 'standardwebhooks';
import { createLedger } from '../handlers/aws/ledger/index.js';
import { repoRoot } from '../tools/local/bundle.js';
import { faultFor } from '../tools/local/fault-plan.js';
import { resolveRealSecrets } from '../tools/local/local-config.js';
import { startPglite } from '../tools/local/postgres.js';
import { sampleHoursSinceMessage, sampleToken, sampleUserRef, seedSampleAudience } from '../tools/local/sample.js';
import { createTables } from '../tools/local/tables.js';
import { startWebhookSandbox } from '../tools/local/webhook-sandbox.js';

/** Every process below `pid`, children of children included. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // pgrep exits 1 when there is none.
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function runStart(args: string[], options: { interruptAfter?: RegExp; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    ports: number[];
    childrenAtInterrupt: number[];
    javaAtInterrupt: string[];
  }>((resolve) => {
    const child = spawn(process.execPath, ['bin/notifier.mjs', 'start', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    let childrenAtInterrupt: number[] = [];
    let javaAtInterrupt: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.interruptAfter && !interrupted && options.interruptAfter.test(stderr)) {
        interrupted = true;
        childrenAtInterrupt = descendants(child.pid as number);
        javaAtInterrupt = javaProcesses().filter((pid) => childrenAtInterrupt.includes(Number(pid)));
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, ports: [], childrenAtInterrupt, javaAtInterrupt }));
  });
}

const javaProcesses = () => {
  try {
    return execFileSync('pgrep', ['-f', 'DynamoDBLocal.jar']).toString().trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** Sender processes started from this checkout (other checkouts on the machine run their own). */
const senderProcesses = () => {
  try {
    const pids = execFileSync('pgrep', ['-f', 'sender-fleet-child']).toString().trim().split('\n').filter(Boolean);
    return pids.filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === repoRoot;
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
};

describe('npm start', () => {
  it('runs a sample job on embedded servers and its JSON summary accounts for every recipient', async () => {
    const result = await runStart([
      '--json',
      '--sample-size',
      '200',
      '--inject-transient',
      '0.05',
      '--inject-permanent',
      '0.03',
      '--concurrency',
      '4',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    for (const key of ['planned', 'sent', 'skipped', 'failed', 'deadLettered', 'durationMs'])
      assert.equal(typeof summary[key], 'number', key);
    assert.equal(summary.planned, 180);
    assert.equal(summary.sent + summary.skipped + summary.failed + summary.deadLettered, 180);
    assert.ok(summary.failed > 0 && summary.failedByClass.permanent === summary.failed, JSON.stringify(summary));
    assert.ok(summary.retried > 0);
  });

  it('--receipts replays what Meta reports back through the receiver, and the summary counts delivered and read', async () => {
    const result = await runStart([
      '--json',
      '--sample-size',
      '60',
      '--receipts',
      '--read-share',
      '0.5',
      '--opt-out-share',
      '0.1',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.ok(summary.sent > 0, JSON.stringify(summary));
    assert.equal(summary.receipts.refused, 0, 'every body the sandbox signed was accepted');
    assert.equal(summary.receipts.delivered, summary.sent, 'every accepted message is reported delivered');
    assert.ok(summary.receipts.read > 0 && summary.receipts.read < summary.sent, JSON.stringify(summary.receipts));
    assert.equal(summary.receipts.optedOut, 0, "Meta's STOP is about Marketing Messages: a PSID job gets none");

    // The Recurring Notifications sample: Meta's opt-outs name the subscription token the message went to.
    const tokens = await runStart([
      '--json',
      '--job',
      'sample-marketing',
      '--sample-size',
      '60',
      '--receipts',
      '--opt-out-share',
      '0.5',
    ]);
    assert.equal(tokens.code, 0, tokens.stderr);
    const byToken = JSON.parse(tokens.stdout);
    assert.ok(byToken.receipts.optedOut > 0 && byToken.receipts.refused === 0, JSON.stringify(byToken.receipts));

    const plain = await runStart(['--sample-size', '20']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /receipts/, 'no receipts without the flag');
  });

  it('plays the provider tails of the fault plans and reports the provider figures', async () => {
    const shares = { transientOnce: 0.05, hangFirst: 0.04, permanent: 0.03 };
    const args = [
      '--json',
      '--sample-size',
      '200',
      '--seed',
      '5',
      '--concurrency',
      '4',
      '--provider-rate',
      '200',
      '--latency-ms',
      '5',
      '--jitter-ms',
      '5',
    ];
    args.push(
      '--inject-transient-once',
      '0.05',
      '--inject-hang',
      '0.04',
      '--hang-ms',
      '7000',
      '--inject-permanent',
      '0.03',
    );
    const result = await runStart(args);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    // The sample audience: psid-1 .. psid-200, every tenth opted out, every third outside the 24-hour window.
    const audience = Array.from({ length: 200 }, (_, n) => n + 1).filter((n) => n % 10 !== 0);
    const expect = (fault: string) => audience.filter((n) => faultFor(5, `psid-${n}`, shares) === fault).length;
    // The fault plans come first: a blocked recipient is refused as blocked whether inside the window or not.
    const outside = audience.filter(
      (n) => sampleHoursSinceMessage(n) > 24 && faultFor(5, `psid-${n}`, shares) !== 'permanent',
    ).length;
    assert.ok(
      expect('hang-first') > 0 && expect('transient-once') > 0 && expect('permanent') > 0 && outside > 0,
      'the seed gives every fault',
    );
    assert.equal(summary.failed, expect('permanent') + outside, JSON.stringify(summary));
    assert.equal(summary.failedByClass.permanent, summary.failed);
    assert.equal(summary.failedOutsideWindow, outside);
    assert.equal(summary.sent, audience.length - summary.failed);
    assert.match(
      summary.reach,
      /page-scoped ids \(PSID\) with UPDATE: only people who wrote to the Page within the last 24 hours/,
    );
    // Each hung first request outlives the sample channel's 5 s timeout: the client gives up and it is not delivered.
    assert.ok(summary.abandoned >= expect('hang-first'), JSON.stringify(summary));
    assert.equal(summary.duplicates, 0);
    assert.equal(typeof summary.rejectedForRate, 'number');
    assert.ok(summary.sustainedPerSecond > 0, JSON.stringify(summary));
    // The summary rounds the rate to a tenth, not the share.
    assert.ok(Math.abs(summary.shareOfRate * 200 - summary.sustainedPerSecond) <= 0.05, JSON.stringify(summary));
    // Every hung or transient recipient needs a second request; a permanent one needs only its first.
    assert.ok(
      summary.providerRequests >= audience.length + expect('hang-first') + expect('transient-once'),
      JSON.stringify(summary),
    );
    assert.deepEqual(senderProcesses(), [], 'no sender process outlives the run');
  });

  it('delivers to each recipient kind end to end: PSIDs within the window, valid tokens whatever the window, user_refs within it; a known last message spares the request', async () => {
    const size = 120;
    const audience = Array.from({ length: size }, (_, n) => n + 1).filter((n) => n % 10 !== 0);
    const inside = (n: number) => sampleHoursSinceMessage(n) <= 24;
    const runs = {
      'sample-digest': audience,
      'sample-marketing': audience.filter((n) => sampleToken(n)),
      'sample-checkbox': audience.filter((n) => sampleUserRef(n)),
      'sample-window': audience,
    };
    for (const [job, recipients] of Object.entries(runs)) {
      const result = await runStart(['--json', '--sample-size', String(size), '--job', job, '--concurrency', '2']);
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout);
      const delivered =
        job === 'sample-marketing'
          ? recipients.filter((n) => sampleToken(n)?.state === 'valid')
          : recipients.filter(inside);
      const undelivered = recipients.length - delivered.length;
      // sample-window knows each last message: the people outside the window are skipped without a request.
      const skipped = job === 'sample-window' ? undelivered : 0;
      const outside = job === 'sample-marketing' ? 0 : undelivered - skipped;
      assert.ok(delivered.length > 0 && recipients.length > delivered.length, `${job}: the sample holds both outcomes`);
      assert.deepEqual(
        {
          planned: summary.planned,
          sent: summary.sent,
          skipped: summary.skipped,
          failed: summary.failed,
          permanent: summary.failedByClass.permanent ?? 0,
          outside: summary.failedOutsideWindow,
          requests: summary.providerRequests,
        },
        {
          planned: recipients.length,
          sent: delivered.length,
          skipped,
          failed: undelivered - skipped,
          permanent: undelivered - skipped,
          outside,
          requests: recipients.length - skipped,
        },
        job,
      );
    }
  });

  it('sends by the Marketing Message API and by utility template end to end: tokens by their state, PSIDs whatever the window', async () => {
    const size = 120;
    const audience = Array.from({ length: size }, (_, n) => n + 1).filter((n) => n % 10 !== 0);
    const tokens = audience.filter((n) => sampleToken(n));
    const valid = tokens.filter((n) => sampleToken(n)?.state === 'valid');
    const marketing = await runStart(['--json', '--sample-size', String(size), '--job', 'sample-marketing-api']);
    assert.equal(marketing.code, 0, marketing.stderr);
    const bought = JSON.parse(marketing.stdout);
    assert.ok(valid.length > 0 && tokens.length > valid.length, 'the sample holds both outcomes');
    assert.deepEqual(
      [bought.planned, bought.sent, bought.failed, bought.failedByClass.permanent, bought.failedOutsideWindow],
      [tokens.length, valid.length, tokens.length - valid.length, tokens.length - valid.length, 0],
    );
    assert.match(bought.reach, /Marketing Message API/);
    const utility = await runStart(['--json', '--sample-size', String(size), '--job', 'sample-utility']);
    assert.equal(utility.code, 0, utility.stderr);
    const updated = JSON.parse(utility.stdout);
    assert.ok(
      audience.some((n) => sampleHoursSinceMessage(n) > 24),
      'the sample holds people outside the window',
    );
    assert.deepEqual(
      [updated.planned, updated.sent, updated.failed, updated.failedOutsideWindow],
      [audience.length, audience.length, 0, 0],
    );
    assert.match(updated.reach, /utility template digest_ready/);
  });

  it('a local config whose Marketing Message API or utility job is invalid names the item and the field, and starts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notifier-routes-'));
    const file = join(dir, 'routes.json');
    const channel = {
      kind: 'channel',
      id: 'page',
      type: 'messenger',
      accessToken: { inline: 't' },
      allowInlineSecrets: true,
    };
    const database = {
      kind: 'database',
      id: 'db',
      host: '127.0.0.1',
      database: 'app',
      user: 'u',
      password: { inline: 'p' },
      allowInlineSecrets: true,
      ssl: 'disable',
    };
    const base = { kind: 'job', database: 'db', channel: 'page', audience: { sql: 'SELECT id, psid FROM t' } };
    const promo = { ...base, id: 'promo', audience: { ...base.audience, recipientKind: 'subscription_token' } };
    const orders = { ...base, id: 'orders', template: { utility: { name: 'Order Update', language: 'en_US' } } };
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { ...promo, template: { text: 'Hi' } },
        /config item #3 \(job "promo"\): marketingMessage: is required when audience\.recipientKind is subscription_token/,
      ],
      [orders, /config item #3 \(job "orders"\): template\.utility\.name: must be a template name/],
    ];
    let result = { code: 0 as number | null, stderr: '' };
    for (const [job, expected] of cases) {
      writeFileSync(file, JSON.stringify([channel, database, job]));
      result = await runStart(['--config', file, '--job', String(job.id)]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, expected);
    }
    assert.doesNotMatch(result.stderr, /^started /m, 'nothing was started');
  });

  it('rejects invalid options with the problem named', async () => {
    const result = await runStart(['--inject-transient', '1.5']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--inject-transient must be a number from 0 to 1, got "1.5"/);
    const shares = await runStart(['--inject-hang', '0.6', '--inject-permanent', '0.5']);
    assert.equal(shares.code, 2);
    assert.match(shares.stderr, /--inject-transient-once, --inject-hang and --inject-permanent .* add up to 1\.1/);
    const providerRate = await runStart(['--provider-rate', '0']);
    assert.equal(providerRate.code, 2);
    assert.match(providerRate.stderr, /--provider-rate must be a number > 0/);
    const config = await runStart(['--config', 'README.md']);
    assert.equal(config.code, 1);
    assert.match(config.stderr, /README\.md.*is not JSON/);
  });

  it('Ctrl-C stops everything it started, the Java emulator included', async () => {
    const result = await runStart(['--sample-size', '3000', '--dynamodb', 'dynamodb-local'], {
      interruptAfter: /processed/,
    });
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /interrupted/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // This run's processes, as they were when interrupted: other checkouts on a shared machine start and stop their
    // own DynamoDB Local meanwhile.
    assert.ok(
      result.javaAtInterrupt.length === 1,
      `one DynamoDB Local below the run, got ${result.javaAtInterrupt.join(', ') || 'none'}`,
    );
    assert.ok(
      result.childrenAtInterrupt.length >= 2,
      `DynamoDB Local and the sender processes, got ${result.childrenAtInterrupt.join(', ')}`,
    );
    assert.deepEqual(result.childrenAtInterrupt.filter(alive), [], 'no DynamoDB Local or sender process left behind');
    assert.deepEqual(senderProcesses(), [], 'no sender process left behind');
    const ports = [...result.stderr.matchAll(/^started .* at (?:http:\/\/)?127\.0\.0\.1:(\d+)/gm)].map((match) =>
      Number(match[1]),
    );
    assert.equal(ports.length, 4, `expected four servers in:\n${result.stderr}`);
    for (const port of ports) {
      const open = await new Promise<boolean>((resolve) =>
        connect(port, '127.0.0.1')
          .once('connect', () => resolve(true))
          .once('error', () => resolve(false)),
      );
      assert.equal(open, false, `port ${port} still open`);
    }
  });
});

/** A config as an operator writes it for production: no baseUrl, a public webhook, secrets in AWS stores. */
function productionConfig(webhookUrl = 'https://hooks.example.com/notify'): Record<string, unknown>[] {
  const job = (id: string, channel: string) => ({
    kind: 'job',
    id,
    database: 'app',
    channel,
    audience: {
      sql: 'SELECT id, psid, first_name FROM notifier_sample_recipients WHERE opted_in = $1',
      params: [true],
    },
    template: { text: 'Hello {{first_name | "there"}}' },
  });
  return [
    {
      kind: 'database',
      id: 'app',
      host: 'db.internal.example.com',
      database: 'app',
      user: 'reader',
      password: { secretsManager: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db' },
    },
    { kind: 'channel', id: 'page', type: 'messenger', accessToken: { secretsManager: 'prod/page-token' } },
    { kind: 'channel', id: 'hooks', type: 'webhook', url: webhookUrl, signingSecret: { ssmParameter: '/prod/hook' } },
    job('digest', 'page'),
    job('digest-hook', 'hooks'),
  ];
}

const isLoopback = (address: string) => /^(?:::ffff:)?127(?:\.\d{1,3}){3}$|^::1$/.test(address);

describe('npm start stays on this machine unless told', () => {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-start-'));
  const configFile = join(dir, 'production.json');
  writeFileSync(configFile, JSON.stringify(productionConfig()));
  let database: Awaited<ReturnType<typeof startPglite>>;
  const audience = 60;
  const planned = audience - audience / 10;
  before(async () => {
    database = await startPglite();
    await seedSampleAudience(database.url, audience);
  });
  after(async () => database.stop());

  it('refuses a database or a secret beyond this machine, naming the item, the field and the flag', async () => {
    const refused = await runStart(['--config', configFile, '--job', 'digest']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /database "app" host: db\.internal\.example\.com is not on this machine/);
    assert.match(refused.stderr, /--database-url URL \(it replaces the database for this run\), or --real-database/);
    assert.match(refused.stderr, /database "app" password: a Secrets Manager reference.*--real-secrets/);
    assert.doesNotMatch(refused.stderr, /^started /m, 'nothing was started');

    const realSends = await runStart([
      '--config',
      configFile,
      '--job',
      'digest',
      '--real-sends',
      '--database-url',
      database.url,
    ]);
    assert.equal(realSends.code, 2, realSends.stderr);
    assert.match(
      realSends.stderr,
      /channel "page" accessToken: a Secrets Manager reference.*--real-secrets.*--access-token/,
    );

    const graph = await runStart(['--graph-url', 'https://graph.facebook.com']);
    assert.equal(graph.code, 2, graph.stderr);
    assert.match(graph.stderr, /--graph-url https:\/\/graph\.facebook\.com is not on this machine: add --real-sends/);
  });

  for (const [job, target] of [
    ['digest', 'the local Messenger sandbox'],
    ['digest-hook', 'the local webhook sandbox'],
  ] as const) {
    it(`${job}: every connection of the process tree goes to loopback, and ${target} receives every send`, async () => {
      const guardLog = join(dir, `${job}-connections.jsonl`);
      writeFileSync(guardLog, '');
      const guard = pathToFileURL(join(repoRoot, 'test', 'support', 'loopback-guard.mjs')).href;
      const result = await runStart(
        ['--json', '--config', configFile, '--job', job, '--database-url', database.url, '--concurrency', '2'],
        { env: { NODE_OPTIONS: `--import=${guard}`, LOOPBACK_GUARD_LOG: guardLog } },
      );
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout);
      // The webhook sandbox accepts only deliveries whose Standard Webhooks signature verifies.
      assert.deepEqual(
        { planned: summary.planned, sent: summary.sent, failed: summary.failed, requests: summary.providerRequests },
        { planned, sent: planned, failed: 0, requests: planned },
      );
      assert.ok(summary.providerTargets.includes(target), JSON.stringify(summary.providerTargets));
      assert.match(result.stderr, /database "app": db\.internal\.example\.com:5432\/app -> 127\.0\.0\.1:\d+\/postgres/);
      assert.match(
        result.stderr,
        job === 'digest'
          ? /channel "page": messenger https:\/\/graph\.facebook\.com -> the local Messenger sandbox/
          : /channel "hooks": webhook https:\/\/hooks\.example\.com\/notify -> the local webhook sandbox/,
      );

      const records = readFileSync(guardLog, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const loaded = new Set(records.filter((entry) => entry.guard).map((entry) => entry.pid));
      const connected = new Set(records.filter((entry) => entry.remoteAddress).map((entry) => entry.pid));
      assert.ok(loaded.size >= 3, `the guard ran in the CLI, fauxqs and the senders: ${loaded.size} processes`);
      assert.ok(connected.size >= 2, `the CLI and the senders connected: ${connected.size} processes`);
      assert.deepEqual(
        records.filter((entry) => entry.refused),
        [],
        'nothing tried to leave loopback',
      );
      assert.deepEqual(
        records.filter((entry) => entry.remoteAddress && !isLoopback(entry.remoteAddress)),
        [],
        'every connection reached 127.0.0.1 or ::1',
      );
    });
  }

  it('the guard itself records and refuses a connection beyond loopback', async () => {
    const guardLog = join(dir, 'guard-check.jsonl');
    writeFileSync(guardLog, '');
    const guard = pathToFileURL(join(repoRoot, 'test', 'support', 'loopback-guard.mjs')).href;
    const script = "await fetch('https://example.com/').catch((error) => console.log(String(error.cause ?? error)))";
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_OPTIONS: `--import=${guard}`, LOOPBACK_GUARD_LOG: guardLog },
    }).toString();
    assert.match(out, /loopback guard: a connection to example\.com:443 was refused/);
    const records = readFileSync(guardLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.ok(records.some((entry) => entry.refused && entry.host === 'example.com'));
  });

  it("--real-sends sends to the channel's own endpoint, and the summary counts each request", async () => {
    const receiver = await startWebhookSandbox();
    try {
      const config = productionConfig(`${receiver.url}/production`).map((item) =>
        item.id === 'hooks'
          ? { ...item, signingSecret: { inline: receiver.signingSecret }, allowInlineSecrets: true }
          : item,
      );
      const file = join(dir, 'real-sends.json');
      writeFileSync(file, JSON.stringify(config));
      const result = await runStart([
        '--json',
        '--config',
        file,
        '--job',
        'digest-hook',
        '--real-sends',
        '--database-url',
        database.url,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout);
      assert.equal(summary.sent, planned);
      assert.equal(receiver.deliveries.length, planned);
      assert.equal(summary.providerRequests, receiver.tally().requests);
      assert.deepEqual(summary.providerTargets, [new URL(receiver.url).origin]);
      assert.equal(summary.duplicates, null, 'a real provider cannot tell duplicates');
      assert.match(result.stderr, /channel "hooks": webhook http:\/\/127\.0\.0\.1:\d+\/webhook\/production, for real/);
    } finally {
      await receiver.stop();
    }
  });

  it('--real-secrets resolves the secrets the run uses as they are, once, before it starts, and only those', async () => {
    const asked: string[] = [];
    // Secrets Manager's GetSecretValue, as an endpoint answers it (awsJson1.1).
    const store = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        asked.push(SecretId);
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ Name: SecretId, SecretString: `value of ${SecretId}` }));
      });
    });
    await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(store.address() as AddressInfo).port}`,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    try {
      const policy = { realSends: true, realSecrets: true, realDatabase: true };
      const { items, notices } = await resolveRealSecrets(productionConfig(), 'digest', policy);
      const byId = new Map(items.map((item) => [(item as { id: string }).id, item as Record<string, unknown>]));
      assert.deepEqual(byId.get('app')?.password, {
        inline: 'value of arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db',
      });
      assert.deepEqual(byId.get('page')?.accessToken, { inline: 'value of prod/page-token' });
      assert.deepEqual(byId.get('hooks')?.signingSecret, { ssmParameter: '/prod/hook' }, "another job's channel");
      assert.deepEqual(asked.sort(), [
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db',
        'prod/page-token',
      ]);
      assert.deepEqual(notices, [
        'database "app" password: resolved from Secrets Manager with your AWS credentials (--real-secrets)',
        'channel "page" accessToken: resolved from Secrets Manager with your AWS credentials (--real-secrets)',
      ]);
      assert.ok(
        notices.every((notice) => !notice.includes('value of')),
        'no value is printed',
      );
    } finally {
      process.env = saved;
      await new Promise<void>((resolve) => store.close(() => resolve()));
    }
  });

  it('the webhook sandbox refuses a delivery whose signature does not verify', async () => {
    const sandbox = await startWebhookSandbox();
    try {
      const body = JSON.stringify({ recipientId: 'psid-1', text: 'hi' });
      const post = (secret: string) => {
        const id = 'msg_1';
        const at = new Date();
        const signature = new Webhook(secret).sign(id, at, body);
        return fetch(sandbox.url, {
          method: 'POST',
          body,
          headers: {
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': signature,
          },
        });
      };
      assert.equal((await post(`whsec_${Buffer.alloc(32, 7).toString('base64')}`)).status, 401);
      assert.equal((await post(sandbox.signingSecret)).status, 204);
      assert.deepEqual(
        { requests: sandbox.tally().requests, delivered: sandbox.deliveries.length, refused: sandbox.refused.length },
        { requests: 2, delivered: 1, refused: 1 },
      );
    } finally {
      await sandbox.stop();
    }
  });
});

describe('npm start against one DynamoDB endpoint, twice', () => {
  it('reuses the tables, waits for them to be ACTIVE, keeps both runs in the ledger, and the second skips whom the first found blocked', async () => {
    // dynalite as a separate endpoint, with the delay real DynamoDB has before a new table is ACTIVE.
    const server = dynalite({ createTableMs: 500 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const runs = [];
      for (let n = 0; n < 2; n++) {
        const result = await runStart([
          ...['--json', '--sample-size', '50', '--dynamodb', endpoint, '--concurrency', '2'],
          ...['--inject-permanent', '0.2', '--seed', '3'],
        ]);
        assert.equal(result.code, 0, result.stderr);
        runs.push(JSON.parse(result.stdout));
      }
      const [first, second] = runs;
      assert.notEqual(first.runId, second.runId);
      const client = new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const ledger = createLedger({ table: 'notifier-local-ledger', client });
      const stored = await ledger.runs.list('sample-digest');
      client.destroy();
      assert.deepEqual(stored.map((run) => run.runId).sort(), [first.runId, second.runId].sort());
      for (const run of runs) assert.equal(run.sent + run.failed + run.skipped, run.planned);
      // The recipients the first run found blocked are on the channel's suppression list: the second run records them
      // as skipped and makes no request for them.
      const blocked = first.failedReasons.find((entry: { reason: string }) => /Graph API error 551/.test(entry.reason));
      assert.ok(blocked?.count > 0, JSON.stringify(first.failedReasons));
      assert.deepEqual(second.skippedBy, [
        { reason: 'on the suppression list of channel "sandbox"', count: blocked.count },
      ]);
      assert.equal(second.providerRequests, first.providerRequests - blocked.count);
    } finally {
      await new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    }
  });

  it('refuses a table of that name whose keys differ', async () => {
    const server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'other-ledger',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        }),
      );
      await assert.rejects(
        createTables(client, { config: 'other-config', ledger: 'other-ledger' }),
        /DynamoDB table other-ledger already exists at this endpoint with other keys \(id:S HASH; the notifier needs pk:S HASH, sk:S RANGE; by-job\(gsi1pk:S HASH, gsi1sk:S RANGE\)\)/,
      );
    } finally {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** Jobs on Pages of their own, each audience a range of the sample table's ids. */
function pagesConfig(pages: readonly { job: string; pageId: string; rate: number; ids: [number, number] }[]) {
  return [
    {
      kind: 'database',
      id: 'app',
      host: 'db.internal.example.com',
      database: 'app',
      user: 'reader',
      password: { secretsManager: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db' },
    },
    ...pages.flatMap(({ job, pageId, rate, ids }) => [
      {
        kind: 'channel',
        id: `page-${job}`,
        type: 'messenger',
        pageId,
        ratePerSecond: rate,
        accessToken: { secretsManager: `prod/${job}` },
      },
      {
        kind: 'job',
        id: job,
        database: 'app',
        channel: `page-${job}`,
        audience: {
          sql: 'SELECT id, psid, first_name FROM notifier_sample_recipients WHERE id BETWEEN $1 AND $2',
          params: ids,
        },
        template: { text: 'Hello {{first_name | "there"}}' },
      },
    ]),
  ];
}

describe('npm start with several jobs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-start-jobs-'));
  const configFile = join(dir, 'pages.json');
  const pages = [
    { job: 'news', pageId: '1001', rate: 40, ids: [1, 60] as [number, number] },
    { job: 'offers', pageId: '1002', rate: 30, ids: [61, 100] as [number, number] },
    { job: 'alerts', pageId: '1003', rate: 20, ids: [101, 120] as [number, number] },
  ];
  writeFileSync(configFile, JSON.stringify(pagesConfig(pages)));
  let database: Awaited<ReturnType<typeof startPglite>>;
  before(async () => {
    database = await startPglite();
    await seedSampleAudience(database.url, 120);
  });
  after(async () => database.stop());
  const common = () => ['--config', configFile, '--database-url', database.url, '--page-limits', '--concurrency', '2'];

  it('ticks each job through the same stack, each Page at its own limit, the delayed one after its delay', async () => {
    const result = await runStart(['--json', ...common(), '--job', 'news', '--job', 'offers', '--job', 'alerts@3']);
    assert.equal(result.code, 0, result.stderr);
    const { jobs, total } = JSON.parse(result.stdout);
    assert.deepEqual(
      jobs.map((job: { job: string }) => job.job),
      ['news', 'offers', 'alerts'],
    );
    for (const [index, { ids }] of pages.entries()) {
      const audience = ids[1] - ids[0] + 1;
      const job = jobs[index];
      assert.equal(job.planned, audience, job.job);
      assert.equal(job.sent, audience, job.job);
      // Each Page's own acceptances: the sandbox tells the Pages apart by the page id of the request path.
      assert.equal(job.accepted, audience, job.job);
      assert.equal(job.duplicates, 0, job.job);
      assert.ok(job.firstAcceptedAfterMs >= 0, `${job.job}: its first send comes after its tick`);
    }
    assert.ok(
      jobs[0].tickedAfterMs < 2000 && jobs[1].tickedAfterMs < 2000,
      JSON.stringify(jobs.map((j: { tickedAfterMs: number }) => j.tickedAfterMs)),
    );
    assert.ok(jobs[2].tickedAfterMs >= 3000, `alerts ticked ${jobs[2].tickedAfterMs} ms after the first tick`);
    assert.deepEqual(
      { planned: total.planned, sent: total.sent, failed: total.failed, skipped: total.skipped },
      { planned: 120, sent: 120, failed: 0, skipped: 0 },
    );
  });

  it('reports each job and the totals on the terminal, and refuses a job given twice or a bad delay', async () => {
    const args = common();
    const result = await runStart([...args, '--job', 'offers', '--job', 'alerts']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^job offers\n {2}ticked +\d+\.\d s after the first tick; first acceptance/m);
    assert.match(result.stdout, /^job alerts\n/m);
    assert.match(result.stdout, /^all 2 jobs\n {2}planned +60\n {2}sent +60\n/m);

    const twice = await runStart([...args, '--job', 'news', '--job', 'news@2']);
    assert.equal(twice.code, 2, twice.stderr);
    assert.match(twice.stderr, /--job news is given twice: a run ticks each job once/);
    const delay = await runStart([...args, '--job', 'news@soon']);
    assert.equal(delay.code, 2, delay.stderr);
    assert.match(delay.stderr, /--job news@soon must be .*got "soon"/);
  });
});
