import { ConfigError } from '../../handlers/surface.js';
import { type CliIO, UsageError } from './io.js';
import { versionText } from './version.js';

const HELP = `notifier <command> [options]
notifier --version

Commands:
  start                  run one tick of a job locally on embedded servers (npm start)
  config ...             validate, put, get, list, delete config items (table or local file)
  secrets check          check that every secret a job references resolves (values never printed)
  run <job>              start a run now, as the schedule would
  status <run-id>        a run's counters and state (--watch to follow)
  runs --job ID          a job's recent runs
  outcomes <run-id>      each recipient's outcome in a run (--status, --class, --recipient, --csv)
  preview <job>          render the first messages from the real audience; nothing sent or written
  send-test <job> --to R one real send through the job's channel, recorded apart from runs
  pause|resume <job>     hold a job's open runs without failing anyone; continue them
  dlq inspect|redrive    look into the dead-letter queue, or move its messages back
  ticks [replay [RUN]]   planner invocations that failed after Lambda's retries; replay them
  suppressions ...       list, export (CSV), add, remove the recipients a channel no longer sends to
  cost                   monthly AWS cost estimate for an audience and schedule

Every command takes --help. AWS access uses the standard credential chain and AWS_REGION; the standard
AWS_ENDPOINT_URL_* variables point it at local emulators. Table and queue names default to the
NOTIFIER_* variables (terraform output prints them).`;

type Command = (argv: string[], io: CliIO) => Promise<number>;

// Each command loads its own dependencies: "notifier status" need not load emulators or the cost model.
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./local-start.js')).startCommand,
  config: async () => (await import('./config.js')).configCommand,
  secrets: async () => (await import('./secrets.js')).secretsCommand,
  run: async () => (await import('./runs.js')).runCommand,
  status: async () => (await import('./runs.js')).statusCommand,
  runs: async () => (await import('./runs.js')).runsCommand,
  outcomes: async () => (await import('./outcomes.js')).outcomesCommand,
  preview: async () => (await import('./preview.js')).previewCommand,
  'send-test': async () => (await import('./send-test.js')).sendTestCommand,
  pause: async () => (await import('./pause.js')).pauseCommand,
  resume: async () => (await import('./pause.js')).resumeCommand,
  dlq: async () => (await import('./dlq.js')).dlqCommand,
  ticks: async () => (await import('./ticks.js')).ticksCommand,
  suppressions: async () => (await import('./suppressions.js')).suppressionsCommand,
  cost: async () => (await import('./cost.js')).costCommand,
};

/** The whole CLI as a function: tests call it in-process; bin/notifier.mjs calls it with the process's IO. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(versionText());
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`notifier ${name}: ${error.message}\nRun "notifier ${name} --help" for the options.`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`notifier ${name}: invalid ${error.message}`);
      return 1;
    }
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.err(`notifier ${name} failed: ${detail}`);
    return 1;
  }
}
