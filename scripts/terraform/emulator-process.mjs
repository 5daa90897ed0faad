// Child processes of the emulator harness, each bounded in time: commands run in their own process group so a
// timeout also stops what they started (terraform's provider plugins), and moto is stopped whatever happens.
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const GRACE_MS = 5_000;

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** The command's output tail, for failure messages. */
export function tail(text, lines = 60) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs a command to completion or until timeoutMs, then SIGTERM and SIGKILL to its whole group.
 * Resolves { code, stdout, stderr, timedOut }; never rejects for a non-zero exit.
 */
export function runCommand(command, args, { cwd, env, timeoutMs, input }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), GRACE_MS).unref();
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** A loopback port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(endpoint, child, logPath, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`moto exited with ${child.exitCode} before answering:\n${tail(readFileSync(logPath, 'utf8'))}`);
    try {
      await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(
    `moto did not answer on ${endpoint} within ${timeoutMs / 1000}s:\n${tail(readFileSync(logPath, 'utf8'))}`,
  );
}

/**
 * Starts scripts/terraform/moto_server.py on a free loopback port, its request log in logPath.
 * Resolves { endpoint, stop, log }; stop() is idempotent, and the group is killed when this process exits.
 */
export async function startMoto({ launcher, logPath, timeoutMs = 30_000 }) {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = openSync(logPath, 'a');
  const child = spawn('python3', [launcher, '-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  const killNow = () => killGroup(child, 'SIGKILL');
  process.once('exit', killNow);
  let stopped;
  const stop = () => {
    stopped ??= new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      killGroup(child, 'SIGTERM');
      setTimeout(killNow, GRACE_MS).unref();
    }).then(() => process.removeListener('exit', killNow));
    return stopped;
  };
  try {
    await waitUntilAnswering(endpoint, child, logPath, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop, log: () => readFileSync(logPath, 'utf8') };
}
