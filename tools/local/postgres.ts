import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Service, waitForPort } from './ports.js';

export interface PostgresService extends Service {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly url: string;
}

function findPgBin(name: string): string {
  for (const candidate of [name, `/usr/lib/postgresql/15/bin/${name}`, `/usr/lib/postgresql/16/bin/${name}`]) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next location
    }
  }
  throw new Error(`PostgreSQL's ${name} was not found: install postgresql-15 (apt-get install postgresql-15)`);
}

/**
 * The port opens before the server accepts sessions: until then it answers "the database system is starting up".
 * pg_isready says when it accepts them (exit 0).
 */
async function waitUntilAccepting(port: number, alive: () => boolean): Promise<void> {
  const isReady = findPgBin('pg_isready');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      execFileSync(isReady, ['-h', '127.0.0.1', '-p', String(port), '-t', '2'], { stdio: 'ignore' });
      return;
    } catch {
      if (!alive() || Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} never accepted connections`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Runs a PostgreSQL program: as root, as the postgres user, as initdb demands. */
type Runner = (command: string, args: string[]) => [string, string[]];

/** A temporary directory the server's user owns, and how to run its programs as that user. */
function serverDirectory(): { dir: string; run: Runner } {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run: Runner = (command, args) =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  return { dir, run };
}

/**
 * A throw-away PostgreSQL server in a temporary directory; as root it runs as the postgres user, as initdb demands.
 * `auth` is pg_hba's method: `password` plays a server that asks for the password in clear text.
 */
export async function startPostgresServer(
  options: { auth?: 'scram-sha-256' | 'password' } = {},
): Promise<PostgresService> {
  const initdb = findPgBin('initdb');
  const postgres = findPgBin('postgres');
  const { dir, run } = serverDirectory();
  const password = 'notifier-local-password';
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, password, { mode: 0o644 });
  const [initCommand, initArgs] = run(initdb, [
    '-D',
    join(dir, 'data'),
    '-U',
    'notifier',
    `--auth=${options.auth ?? 'scram-sha-256'}`,
    `--pwfile=${pwfile}`,
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(initCommand, initArgs, { stdio: 'ignore' });
  const { port, stop } = await serve(postgres, dir, run);
  return {
    host: '127.0.0.1',
    port,
    user: 'notifier',
    password,
    database: 'postgres',
    url: `postgres://notifier:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts the server of the cluster in `dir` on a free port, once it accepts connections; `stop` waits for its exit. */
async function serve(postgres: string, dir: string, run: Runner): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const [command, args] = run(postgres, [
    '-D',
    join(dir, 'data'),
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=50',
  ]);
  // Its own process group: runuser does not pass signals on to postgres, so shutdown signals the whole group.
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // already gone
    }
  };
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await waitForPort(port, 'PostgreSQL', 30_000, () => !exited);
    await waitUntilAccepting(port, () => !exited);
  } catch (error) {
    signalGroup('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  const stop = async () => {
    if (exited) return;
    await new Promise<void>((resolve) => {
      // Fast shutdown; if it has not exited after 10 s, it is killed.
      const force = setTimeout(() => signalGroup('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      signalGroup('SIGINT');
    });
  };
  return { port, stop };
}

/** Embedded Postgres (PGlite, WebAssembly) behind its wire-protocol socket server, so the real `pg` code path runs. */
export async function startPglite(): Promise<PostgresService> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'pglite-accepts-any-password',
    database: 'postgres',
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
