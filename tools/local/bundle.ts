import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readZip } from '../zip.mjs';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type Handler<E, R> = (event: E, context: LocalContext) => Promise<R>;

export interface LocalContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId: string;
  readonly functionName: string;
}

export function lambdaContext(functionName: string, timeoutMs: number): LocalContext {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName,
    awsRequestId: crypto.randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

// The bundles import their split chunks lazily (the first send, the first secret), so an unpacked folder must outlive
// the import; it goes when the process does.
const unpacked = new Set<string>();
process.once('exit', () => {
  for (const dir of unpacked) rmSync(dir, { recursive: true, force: true });
});

/**
 * Unpacks dist/<name>.zip into a fresh folder, with the files' permissions, as Lambda unpacks it into /var/task; the
 * folder is removed when the process exits. Returns the folder.
 */
export function unpackBundle(name: 'planner' | 'sender' | 'receiver'): string {
  const dir = mkdtempSync(join(tmpdir(), `notifier-${name}-`));
  unpacked.add(dir);
  for (const file of readZip(readFileSync(join(repoRoot, 'dist', `${name}.zip`)))) {
    const path = join(dir, file.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.data, { mode: file.mode });
  }
  return dir;
}

/**
 * Loads a Lambda exactly as it ships: unpacks dist/<name>.zip into a fresh folder and imports its index.mjs.
 * Each call gives a new module instance, i.e. a new container with its own cold start.
 */
export async function loadBundle<E, R>(name: 'planner' | 'sender' | 'receiver'): Promise<Handler<E, R>> {
  const dir = unpackBundle(name);
  const module = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: Handler<E, R> };
  return module.handler;
}
