import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { repoRoot } from '../tools/local/bundle.js';
import { faultFor } from '../tools/local/fault-plan.js';
import { sampleHoursSinceMessage, sampleToken, sampleUserRef } from '../tools/local/sample.js';

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

function runStart(args: string[], options: { interruptAfter?: RegExp } = {}) {
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

  it('delivers to each recipient kind end to end: PSIDs within the window, valid tokens whatever the window, user_refs within it', async () => {
    const size = 120;
    const audience = Array.from({ length: size }, (_, n) => n + 1).filter((n) => n % 10 !== 0);
    const inside = (n: number) => sampleHoursSinceMessage(n) <= 24;
    const runs = {
      'sample-digest': audience,
      'sample-marketing': audience.filter((n) => sampleToken(n)),
      'sample-checkbox': audience.filter((n) => sampleUserRef(n)),
    };
    for (const [job, recipients] of Object.entries(runs)) {
      const result = await runStart(['--json', '--sample-size', String(size), '--job', job, '--concurrency', '2']);
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout);
      const delivered =
        job === 'sample-marketing'
          ? recipients.filter((n) => sampleToken(n)?.state === 'valid')
          : recipients.filter(inside);
      const outside = job === 'sample-marketing' ? 0 : recipients.length - delivered.length;
      assert.ok(delivered.length > 0 && recipients.length > delivered.length, `${job}: the sample holds both outcomes`);
      assert.deepEqual(
        {
          planned: summary.planned,
          sent: summary.sent,
          failed: summary.failed,
          permanent: summary.failedByClass.permanent ?? 0,
          outside: summary.failedOutsideWindow,
        },
        {
          planned: recipients.length,
          sent: delivered.length,
          failed: recipients.length - delivered.length,
          permanent: recipients.length - delivered.length,
          outside,
        },
        job,
      );
    }
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
