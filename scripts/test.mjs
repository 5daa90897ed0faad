// The whole test suite: type check, lint and format, the import rules (dependency-cruiser), dist/ reproducibility,
// node:test suites against real protocol servers (PostgreSQL 15, DynamoDB Local; fauxqs and the sandboxes start
// inside each test file), then the Terraform checks.
// Usage: npm test [-- --only node|terraform|unit] [-- test/file.test.ts ...]
// `--only unit` (npm run test:unit) runs the import rules and only the files below: pure logic, and the planner and
// sender against the fault explorer's in-memory fakes (a smaller sweep of it), with no type check, no servers, Java,
// PostgreSQL, Terraform or network.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const files = args.filter((arg) => arg.endsWith('.test.ts'));
const results = [];
const UNIT_FILES = [
  'test/claims-and-tallies.test.ts',
  'test/cli-environment.test.ts',
  'test/config.test.ts',
  'test/core.test.ts',
  'test/cost.test.ts',
  'test/dispatcher.test.ts',
  'test/doc-anchors.test.ts',
  'test/explorer.test.ts',
  'test/host-policy.test.ts',
  'test/layers.test.ts',
  'test/progress-line.test.ts',
  'test/provider-model.test.ts',
  'test/size-limits.test.ts',
  'test/window-and-suppressions.test.ts',
];
/** `npm run deps`: the layout's import rules (.dependency-cruiser.cjs) over the product code. */
const DEPCRUISE = [
  'node_modules/dependency-cruiser/bin/dependency-cruise.mjs',
  '--config',
  '.dependency-cruiser.cjs',
  'handlers',
  'tools',
  'packages/cli/src',
  'bin',
];
/** Schedules of the explorer's seeded sweep in the unit tier (the full suite runs 300). */
const UNIT_EXPLORER_SCHEDULES = '5';

function run(label, command, commandArgs, env = {}, timeoutMs = 30 * 60_000) {
  return new Promise((resolve) => {
    const started = Date.now();
    process.stdout.write(`\n=== ${label}\n`);
    const child = spawn(command, commandArgs, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    // A step that never ends (a test file holding a socket open) fails loudly instead of holding CI.
    const watchdog = setTimeout(() => {
      process.stdout.write(`\n${label}: still running after ${timeoutMs / 60_000} min, stopped\n`);
      child.kill('SIGKILL');
    }, timeoutMs);
    watchdog.unref();
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('close', (code) => {
      clearTimeout(watchdog);
      results.push({ label, ok: code === 0, seconds: ((Date.now() - started) / 1000).toFixed(1), tail });
      resolve(code === 0);
    });
  });
}

if (only === 'unit') {
  await run('import rules (dependency-cruiser)', process.execPath, DEPCRUISE);
  await run(
    `unit tests on Node ${process.version} (${UNIT_FILES.length} files)`,
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...UNIT_FILES],
    { NOTIFIER_EXPLORER_SCHEDULES: UNIT_EXPLORER_SCHEDULES },
    5 * 60_000,
  );
  process.exit(summarize());
}

const { startDynamoDbLocal } = await import('../tools/local/dynamodb-local.ts');
const { startPostgresServer } = await import('../tools/local/postgres.ts');
const services = [];
// A server that will not stop must not hold the suite (and CI) open: each gets 20 s.
const stopAll = async () => {
  for (const service of services.reverse()) {
    await Promise.race([
      service.stop().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 20_000).unref()),
    ]);
  }
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));

try {
  if (only !== 'terraform') {
    await run('type check', process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
    await run('lint and format (Biome)', process.execPath, [
      'node_modules/@biomejs/biome/bin/biome',
      'check',
      '--error-on-warnings',
      '.',
    ]);
    await run('import rules (dependency-cruiser)', process.execPath, DEPCRUISE);
    await run('dist/ matches the sources', process.execPath, ['scripts/build.mjs', '--check']);
    const dynamo = await startDynamoDbLocal();
    services.push(dynamo);
    const postgres = await startPostgresServer();
    services.push(postgres);
    const testFiles =
      files.length > 0
        ? files
        : readdirSync('test')
            .filter((name) => name.endsWith('.test.ts'))
            .sort()
            .map((name) => join('test', name));
    // No --test-force-exit: it can end a file's process before the reporter's last lines reach this one, and a suite
    // that under-reports its tests is worse than one that fails. Each file closes what it opened.
    await run(
      `node:test on Node ${process.version} (${testFiles.length} files)`,
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        '--test-concurrency=1',
        // The limit holds each file as a whole (each runs as one subtest): the local runtime's and the explorer's
        // files take minutes on a loaded 2-core machine.
        '--test-timeout=600000',
        ...testFiles,
      ],
      {
        NOTIFIER_TEST_DYNAMODB_ENDPOINT: dynamo.endpoint,
        NOTIFIER_TEST_PG_URL: postgres.url,
      },
    );
  }
  if (only !== 'node' && files.length === 0) {
    if (existsSync('scripts/terraform/test-all.sh'))
      await run('Terraform module checks', 'bash', ['scripts/terraform/test-all.sh']);
    else
      results.push({
        label: 'Terraform module checks',
        ok: false,
        seconds: '0',
        tail: 'scripts/terraform/test-all.sh is missing',
      });
  }
} finally {
  await stopAll();
}

process.exit(summarize());

/** Prints each step's result and the totals; the exit code. */
function summarize() {
  let passed = 0;
  let failed = 0;
  console.log('\n=== summary');
  for (const result of results) {
    // The runner's own closing line, i.e. the last count it printed.
    const tests =
      /(?:#|ℹ) pass (\d+)[\s\S]*(?:#|ℹ) fail (\d+)/.exec(result.tail) ??
      [...result.tail.matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1);
    const detail = tests ? ` (${tests[1]} passed, ${tests[2]} failed)` : '';
    if (tests) {
      passed += Number(tests[1]);
      failed += Number(tests[2]);
    } else if (result.ok) passed += 1;
    else failed += 1;
    console.log(`${result.ok ? 'PASS' : 'FAIL'} ${result.label}${detail} in ${result.seconds}s`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  return results.every((result) => result.ok) && failed === 0 ? 0 : 1;
}
