import type { CliIO } from '../../../tools/cli/io.js';

// The CLI package's "notifier start" (packages/cli/build.mjs puts it in place of the checkout's): the local runtime's
// embedded servers and sandboxes are development dependencies of the repository, not something an operator installs.
const CHECKOUT_ONLY = `notifier start runs the local runtime (embedded PostgreSQL, SQS and DynamoDB, and a Messenger sandbox), which
comes with a checkout of the terraform-aws-notifier repository, not with this package. In a checkout:
  npm ci && npm start`;

export async function startCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(CHECKOUT_ONLY);
    return 0;
  }
  io.err(CHECKOUT_ONLY);
  return 1;
}
