import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlannerResult } from '../../handlers/planning/index.js';

const script = join(dirname(fileURLToPath(import.meta.url)), 'lambda-process.mjs');

export interface LambdaProcess {
  readonly child: ChildProcess;
  /** JSON log lines the shipped bundle wrote. */
  readonly logs: string[];
  /** Resolves with the exit signal or code once the process is gone. */
  readonly exited: Promise<string>;
  /** SIGKILL: the container dies between two instructions, with whatever it had in flight. */
  kill(): void;
}

export interface LambdaProcessOptions {
  readonly timeoutMs: number;
  readonly env?: Record<string, string>;
  readonly clockSkewMs?: number;
  readonly onMessage?: (message: { type: string; [key: string]: unknown }) => void;
}

function spawnLambda(kind: 'planner' | 'sender', options: LambdaProcessOptions): LambdaProcess {
  const child = spawn(process.execPath, [script, kind], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      ...options.env,
      NOTIFIER_CHILD_TIMEOUT_MS: String(options.timeoutMs),
      NOTIFIER_CHILD_CLOCK_SKEW_MS: String(options.clockSkewMs ?? 0),
    },
  });
  const logs: string[] = [];
  let partial = '';
  // Read both pipes to the end: a full pipe would stall the child, which is not the fault under test.
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    logs.push(...lines.filter(Boolean));
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  child.on('message', (message) => options.onMessage?.(message as { type: string }));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}${code ? `: ${stderr}` : ''}`)),
  );
  return { child, logs, exited, kill: () => void child.kill('SIGKILL') };
}

/** A sender container with its own event source mapping lane, polling `queueUrl` until killed. */
export function spawnSenderLane(
  queueUrl: string,
  options: LambdaProcessOptions & { batchSize?: number },
): LambdaProcess & { ready: Promise<void> } {
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const lane = spawnLambda('sender', {
    ...options,
    env: {
      ...options.env,
      NOTIFIER_CHILD_QUEUE_URL: queueUrl,
      NOTIFIER_CHILD_BATCH_SIZE: String(options.batchSize ?? 10),
    },
    onMessage: (message) => {
      if (message.type === 'ready') ready();
      options.onMessage?.(message);
    },
  });
  return {
    ...lane,
    ready: Promise.race([
      isReady,
      lane.exited.then((how) => Promise.reject(new Error(`sender process exited before it was ready (${how})`))),
    ]),
  };
}

/** One planner invocation in its own container; `result` settles when it returns, throws or is killed. */
export function spawnPlanner(
  event: { job: string; scheduledTime: string },
  options: LambdaProcessOptions,
): LambdaProcess & { result: Promise<PlannerResult | { error: string }> } {
  let settle!: (value: PlannerResult | { error: string }) => void;
  const result = new Promise<PlannerResult | { error: string }>((resolve) => (settle = resolve));
  const planner = spawnLambda('planner', {
    ...options,
    env: { ...options.env, NOTIFIER_CHILD_EVENT: JSON.stringify(event) },
    onMessage: (message) => {
      if (message.type === 'result') settle(message.result as PlannerResult);
      if (message.type === 'error') settle({ error: String(message.message) });
      options.onMessage?.(message);
    },
  });
  void planner.exited.then((how) => settle({ error: `process ended: ${how}` }));
  // Whatever happens to the test, no planner process outlives it.
  void result.then(() => setTimeout(() => planner.child.exitCode === null && planner.kill(), 2_000).unref());
  return { ...planner, result };
}
