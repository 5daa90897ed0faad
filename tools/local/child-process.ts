import { spawn } from 'node:child_process';
import { repoRoot } from './bundle.js';
import type { Service } from './ports.js';

export interface NodeChild extends Service {
  /** The child's first IPC message; rejects if it exits first. */
  readonly ready: Promise<unknown>;
  /** Resolves when the child has exited, whatever the reason. */
  readonly exited: Promise<void>;
  /** Sends over the IPC channel; a no-op once the channel is closed. */
  send(message: unknown): void;
}

/**
 * A Node process with an IPC channel, run from the repository root. Stopping it disconnects the channel, which the
 * child takes as its cue to exit (SIGKILL after `killAfterMs` if it does not); the channel also closes when this
 * process dies without cleaning up, so no child outlives its parent.
 */
export function spawnNode(
  name: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; killAfterMs?: number } = {},
): NodeChild {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    // A process that could not be started emits no exit.
    child.once('error', () => resolve());
  });
  const ready = new Promise<unknown>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code, signal) =>
      reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready`)),
    );
    child.once('error', reject);
  });
  ready.catch(() => undefined);
  return {
    ready,
    exited,
    send: (message) => {
      if (child.connected) child.send(message as string);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.disconnect();
      const kill = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 5_000);
      await exited;
      clearTimeout(kill);
    },
  };
}
