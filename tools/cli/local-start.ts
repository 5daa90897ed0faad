import { isBuiltin } from 'node:module';
import manifest from '../../package.json' with { type: 'json' };
import type { CliIO } from './io.js';

/** The Node major that "npm ci" installs in a checkout (the `node` dev dependency), which the npm scripts run on. */
const CHECKOUT_NODE = manifest.devDependencies.node.split('.')[0];

/**
 * Why the local runtime cannot start on this Node, or undefined when it can: one line, saying what it needs, what it
 * found and how to get it. It needs more of Node than the other commands: fauxqs, its SQS, imports node:sqlite
 * (without a flag from Node 22.13).
 */
export function localRuntimeUnavailable(node: { version: string; hasSqlite: boolean }): string | undefined {
  if (node.hasSqlite) return undefined;
  return (
    `notifier start needs node:sqlite (Node.js 22.13 or later) for its local SQS; this is Node.js ${node.version}: ` +
    `run "npm start" (npm runs it on the Node ${CHECKOUT_NODE} that "npm ci" installed with the ` +
    `node@${CHECKOUT_NODE} dev dependency), or "npx -p node@${CHECKOUT_NODE} node bin/notifier.mjs start", ` +
    `or install Node.js ${CHECKOUT_NODE} ("nvm install ${CHECKOUT_NODE}").`
  );
}

/** "notifier start" in a checkout: checks the Node it runs on before loading the local runtime. */
export async function startCommand(argv: string[], io: CliIO): Promise<number> {
  const unavailable = localRuntimeUnavailable({ version: process.version, hasSqlite: isBuiltin('node:sqlite') });
  if (unavailable) {
    io.err(unavailable);
    return 1;
  }
  return (await import('./start.js')).startCommand(argv, io);
}
