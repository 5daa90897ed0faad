import { availableParallelism } from 'node:os';
import { type NodeChild, spawnNode } from './child-process.js';
import type { Service } from './ports.js';

/** What one sender process is told on its command line (JSON), by startSenderFleet only. */
export interface SenderShare {
  /** Event-source-mapping lanes in this process, each with a sender bundle instance of its own. */
  readonly instances: number;
  readonly queueUrl: string;
  readonly batchSize: number;
  readonly functionTimeoutMs: number;
  /** Appends the handlers' log lines here; without it they are dropped. */
  readonly logFile?: string;
}

export interface SenderFleetOptions extends Omit<SenderShare, 'instances'> {
  /** Sender instances in all (the event source mapping's maximum concurrency). */
  readonly instances: number;
  /** Worker processes to spread them over (default: one per core, at most one per instance). */
  readonly processes?: number;
  /** The environment the module gives its senders (what startStack set up); default this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long a stopping process may finish its invocations in flight before it is cut off (default 10 s). */
  readonly drainMs?: number;
}

export interface SenderFleet extends Service {
  /** Starts polling in every process (their bundles are loaded by the time startSenderFleet resolves). */
  go(): void;
  /** Rejects when a sender process exits before stop(): a missing share of the fleet would read as a slow pipeline. */
  readonly crashed: Promise<never>;
}

/** Instances per process: as even as possible, the first processes taking the remainder. */
export function shareInstances(instances: number, processes: number): number[] {
  const count = Math.max(1, Math.min(instances, processes));
  return Array.from(
    { length: count },
    (_, index) => Math.floor(instances / count) + (index < instances % count ? 1 : 0),
  );
}

/**
 * The senders of the local runtime and of the rate bench, in worker processes apart from the emulators, so that they
 * have CPU of their own as Lambda containers do and a busy emulator cannot make them miss their own deadlines. Each
 * process runs its share of the poller's lanes (tools/local/sender-fleet-child.ts).
 */
export async function startSenderFleet(options: SenderFleetOptions): Promise<SenderFleet> {
  const { processes = availableParallelism(), env, drainMs = 10_000, ...common } = options;
  const shares = shareInstances(options.instances, processes);
  const workers: NodeChild[] = shares.map((instances, index) =>
    spawnNode(
      `sender process ${index + 1}`,
      [
        '--import',
        'tsx',
        'tools/local/sender-fleet-child.ts',
        JSON.stringify({ ...common, instances } satisfies SenderShare),
      ],
      { ...(env ? { env } : {}) },
    ),
  );
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const worker of workers) worker.send('stop');
    await Promise.all(
      workers.map((worker) =>
        Promise.race([worker.exited, new Promise((resolve) => setTimeout(resolve, drainMs).unref())]),
      ),
    );
    await Promise.all(workers.map((worker) => worker.stop()));
  };
  try {
    await Promise.all(workers.map((worker) => worker.ready));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const crashed = new Promise<never>((_, reject) =>
    workers.forEach(
      (worker, index) =>
        void worker.exited.then(
          () => !stopping && reject(new Error(`sender process ${index + 1} exited during the run`)),
        ),
    ),
  );
  crashed.catch(() => undefined);
  return {
    go: () => {
      for (const worker of workers) worker.send('go');
    },
    crashed,
    stop: stopAll,
  };
}
