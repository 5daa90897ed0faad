// The CLI as a process: main() wired to stdout, stderr, Ctrl-C and the exit code. The checkout's bin/notifier.mjs
// runs it through tsx; the CLI package (packages/cli) bundles it.
import { main } from './notifier.js';

const controller = new AbortController();
let interrupted = false;
const onSignal = () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\ninterrupted: stopping everything this command started (Ctrl-C again to force)\n');
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
const code = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') || text.startsWith('\r') ? text : `${text}\n`),
  interactive: Boolean(process.stderr.isTTY),
  signal: controller.signal,
  drain: () =>
    process.stdout.writableNeedDrain
      ? new Promise((resolve) => process.stdout.once('drain', () => resolve()))
      : Promise.resolve(),
});
// Handler bundles keep warm connections open on purpose (as in Lambda); the CLI is done, so it exits.
process.exit(interrupted ? 130 : code);
