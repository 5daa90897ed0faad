import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { repoRoot } from '../handlers/local/bundle.js';

function runStart(args: string[], options: { interruptAfter?: RegExp } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ports: number[] }>((resolve) => {
    const child = spawn(process.execPath, ['bin/notifier.mjs', 'start', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.interruptAfter && !interrupted && options.interruptAfter.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, ports: [] }));
  });
}

const javaProcesses = () => {
  try {
    return execFileSync('pgrep', ['-f', 'DynamoDBLocal.jar']).toString().trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('npm start', () => {
  it('runs a sample job on embedded servers and its JSON summary accounts for every recipient', async () => {
    const result = await runStart(['--json', '--sample-size', '200', '--inject-transient', '0.05', '--inject-permanent', '0.03', '--concurrency', '4']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    for (const key of ['planned', 'sent', 'skipped', 'failed', 'deadLettered', 'durationMs']) assert.equal(typeof summary[key], 'number', key);
    assert.equal(summary.planned, 180);
    assert.equal(summary.sent + summary.skipped + summary.failed + summary.deadLettered, 180);
    assert.ok(summary.failed > 0 && summary.failedByClass.permanent === summary.failed, JSON.stringify(summary));
    assert.ok(summary.retried > 0);
  });

  it('rejects invalid options with the problem named', async () => {
    const result = await runStart(['--inject-transient', '1.5']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--inject-transient must be a number >= 0 and <= 1, got "1.5"/);
    const config = await runStart(['--config', 'README.md']);
    assert.equal(config.code, 1);
    assert.match(config.stderr, /README\.md.*is not JSON/);
  });

  it('Ctrl-C stops everything it started, the Java emulator included', async () => {
    const before = javaProcesses();
    const result = await runStart(['--sample-size', '3000', '--dynamodb', 'dynamodb-local'], { interruptAfter: /processed/ });
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /interrupted/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(javaProcesses(), before, 'no DynamoDB Local left behind');
    const ports = [...result.stderr.matchAll(/^started .* at (?:http:\/\/)?127\.0\.0\.1:(\d+)/gm)].map((match) => Number(match[1]));
    assert.equal(ports.length, 4, `expected four servers in:\n${result.stderr}`);
    for (const port of ports) {
      const open = await new Promise<boolean>((resolve) => connect(port, '127.0.0.1').once('connect', () => resolve(true)).once('error', () => resolve(false)));
      assert.equal(open, false, `port ${port} still open`);
    }
  });
});
