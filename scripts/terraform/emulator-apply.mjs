#!/usr/bin/env node
// Applies an example against moto's server, an AWS API emulator, so the module meets answers shaped like AWS's:
//
//   node scripts/terraform/emulator-apply.mjs basic|complete
//
// 1. moto starts on a free loopback port, through moto_server.py (which patches its SQS gaps);
// 2. the example, copied with the module, gets a provider override pointing every endpoint at moto;
// 3. plan, apply, and the applied resources counted against the plan's creations, type by type;
// 4. a second plan must change nothing but the emulator gaps listed in emulator-gaps.mjs;
// 5. the notifier CLI runs against the applied tables and queues (emulator-cli-checks.mjs);
// 6. destroy (deletion protection off through the example's protect_data variable), leaving an empty state.
// Quiet on success: one "summary:" line. On failure: the step, and its output's tail. Every step is bounded in
// time, and moto is stopped whatever happens.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCliChecks } from './emulator-cli-checks.mjs';
import { classifyChanges } from './emulator-gaps.mjs';
import { runCommand, startMoto, tail } from './emulator-process.mjs';

const example = process.argv[2];
if (!example) {
  console.error('usage: emulator-apply.mjs <example>');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
// The whole example, from moto's start to the end of destroy (about 3 to 4 minutes here, both examples side by
// side). Each terraform step also has its own cap below.
const BUDGET_MS = 6 * 60_000;
const deadline = Date.now() + BUDGET_MS;
// Services the module and the examples use; AWS_ENDPOINT_URL (set too) catches any other, so nothing reaches AWS.
const SERVICES = [
  'cloudwatch',
  'dynamodb',
  'ec2',
  'events',
  'iam',
  'kms',
  'lambda',
  'logs',
  'rds',
  's3',
  'scheduler',
  'secretsmanager',
  'sns',
  'sqs',
  'ssm',
  'sts',
];

class StepError extends Error {}

function copyExample(work) {
  const root = join(work, 'repo');
  cpSync(join(repo, 'modules'), join(root, 'modules'), { recursive: true });
  cpSync(join(repo, 'dist'), join(root, 'dist'), { recursive: true });
  for (const file of readdirSync(repo).filter((name) => name.endsWith('.tf')))
    cpSync(join(repo, file), join(root, file));
  const dir = join(root, 'examples', example);
  cpSync(join(repo, 'examples', example), dir, {
    recursive: true,
    filter: (source) => !/\.terraform(\.lock\.hcl)?$/.test(source),
  });
  return dir;
}

// Credentials are fake but still validated, and the account id is asked for: moto's STS answers both, as AWS would.
function providerOverride(endpoint) {
  const endpoints = SERVICES.map((service) => `    ${service.padEnd(14)} = "${endpoint}"`).join('\n');
  return `provider "aws" {\n  access_key              = "testing"\n  secret_key              = "testing"\n  skip_metadata_api_check = true\n  s3_use_path_style       = true\n\n  endpoints {\n${endpoints}\n  }\n}\n`;
}

function terraformEnv(endpoint) {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL: endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    // The database host examples/basic asks for (an environment variable, so an example without it ignores it).
    TF_VAR_database_host: 'db.example.internal',
  };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE']) delete env[name];
  // As init.sh does: a CLI config that does not exist is ignored rather than reported by every command.
  if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) delete env.TF_CLI_CONFIG_FILE;
  return env;
}

/** Seconds each step took, for the summary line: where the example's time goes. */
const timings = [];

function makeStep(dir, env) {
  return async (label, command, args, { capMs, okCodes = [0] } = {}) => {
    const stepStarted = Date.now();
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new StepError(`${label}: no time left of the ${BUDGET_MS / 60_000} min budget`);
    const timeoutMs = Math.min(capMs, remaining);
    const result = await runCommand(command, args, { cwd: dir, env, timeoutMs });
    if (result.timedOut)
      throw new StepError(
        `${label}: timed out after ${Math.round(timeoutMs / 1000)}s\n${tail(result.stdout + result.stderr, 40)}`,
      );
    if (!okCodes.includes(result.code))
      throw new StepError(`${label}: exit ${result.code}\n${tail(result.stdout + result.stderr, 40)}`);
    timings.push(`${label} ${Math.round((Date.now() - stepStarted) / 1000)}s`);
    return result;
  };
}

function managedResources(module) {
  const own = (module?.resources ?? []).filter((resource) => resource.mode === 'managed');
  return [...own, ...(module?.child_modules ?? []).flatMap(managedResources)];
}

function countByType(items) {
  const counts = {};
  for (const { type } of items) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** The applied resources must be exactly the plan's creations, type by type. */
function assertAppliedAsPlanned(plan, state) {
  const changes = (plan.resource_changes ?? []).filter((change) => change.mode === 'managed');
  const notCreate = changes.filter((change) => change.change.actions.join() !== 'create');
  if (notCreate.length > 0)
    throw new StepError(
      `first plan: expected only creations, got ${notCreate.map((change) => `${change.address} ${change.change.actions}`).join(', ')}`,
    );
  const planned = countByType(changes);
  const applied = countByType(managedResources(state.values?.root_module));
  const types = [...new Set([...Object.keys(planned), ...Object.keys(applied)])].sort();
  const wrong = types
    .filter((type) => planned[type] !== applied[type])
    .map((type) => `${type}: planned ${planned[type] ?? 0}, applied ${applied[type] ?? 0}`);
  if (wrong.length > 0) throw new StepError(`applied resources differ from the plan:\n  ${wrong.join('\n  ')}`);
  return { total: changes.length, types: types.length };
}

function regionOf(state) {
  const arn = managedResources(state.values?.root_module)
    .map((resource) => resource.values?.arn)
    .find((value) => typeof value === 'string' && value.startsWith('arn:'));
  const region = arn?.split(':')[3];
  if (!region) throw new StepError('no regional ARN in the applied state to take the region from');
  return region;
}

async function applyAndCheck(dir, moto) {
  const env = terraformEnv(moto.endpoint);
  const step = makeStep(dir, env);
  const tf = (...args) => [`-chdir=${dir}`, ...args];
  const vars = ['-var', 'protect_data=false'];
  const common = ['-input=false', '-no-color', '-lock=false'];
  const showJson = async (label, planFile) =>
    JSON.parse((await step(label, 'terraform', tf('show', '-json', planFile), { capMs: 60_000 })).stdout);
  writeFileSync(join(dir, 'emulator_override.tf'), providerOverride(moto.endpoint));

  await step('init', 'bash', [join(repo, 'scripts/terraform/init.sh'), dir], { capMs: 120_000 });
  await step('plan', 'terraform', tf('plan', ...common, ...vars, '-out=apply.tfplan'), { capMs: 120_000 });
  const plan = await showJson('show plan', 'apply.tfplan');
  await step('apply', 'terraform', tf('apply', ...common, 'apply.tfplan'), { capMs: 240_000 });

  // The second plan refreshes every resource from moto: its prior state is what was applied, as moto reads it back.
  // -detailed-exitcode: 0 no changes, 2 changes (then judged against the gaps), 1 an error.
  await step('second plan', 'terraform', tf('plan', ...common, ...vars, '-detailed-exitcode', '-out=second.tfplan'), {
    capMs: 120_000,
    okCodes: [0, 2],
  });
  const second = await showJson('show second plan', 'second.tfplan');
  const applied = assertAppliedAsPlanned(plan, second.prior_state);
  const { explained: gaps, unexplained } = classifyChanges(second);
  if (unexplained.length > 0)
    throw new StepError(`second plan: changes that no listed emulator gap explains:\n  ${unexplained.join('\n  ')}`);

  const outputs = JSON.parse((await step('output', 'terraform', tf('output', '-json'), { capMs: 60_000 })).stdout);
  const cliStarted = Date.now();
  const cliChecks = await runCliChecks({
    repo,
    workDir: dirname(dir),
    outputs,
    endpoint: moto.endpoint,
    region: regionOf(second.prior_state),
    env,
    prefix: `emulator-${example}`,
  }).catch((error) => {
    throw new StepError(`notifier CLI: ${error.message}`);
  });
  timings.push(`CLI ${Math.round((Date.now() - cliStarted) / 1000)}s`);

  // The second plan has just refreshed the state; destroy need not read every resource again.
  await step('destroy', 'terraform', tf('destroy', ...common, ...vars, '-refresh=false', '-auto-approve'), {
    capMs: 180_000,
  });
  const left = (await step('state list', 'terraform', tf('state', 'list'), { capMs: 60_000 })).stdout.trim();
  if (left) throw new StepError(`destroy left resources in the state:\n${left}`);
  return { applied, gaps, cliChecks };
}

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), `notifier-emulator-${example}-`));
let moto;
let status = 0;
const cleanUp = async () => {
  await moto?.stop();
  rmSync(work, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanUp().then(() => process.exit(130)));
try {
  const dir = copyExample(work);
  moto = await startMoto({ launcher: join(here, 'moto_server.py'), logPath: join(work, 'moto.log') });
  const { applied, gaps, cliChecks } = await applyAndCheck(dir, moto);
  const gapNote = gaps.length > 0 ? ` but for ${gaps.length} listed emulator gap(s) (${gaps.join(', ')})` : '';
  console.log(
    `summary: examples/${example}: ${applied.total} resources of ${applied.types} types applied as planned; second plan clean${gapNote}; CLI ${cliChecks.join(', ')} passed; destroyed; ${Math.round((Date.now() - started) / 1000)}s (${timings.join(', ')})`,
  );
} catch (error) {
  status = 1;
  // The error last: a caller showing only the tail of this output still shows it.
  if (moto) console.error(`--- moto's log (tail)\n${tail(moto.log(), 10)}\n---`);
  console.error(
    `examples/${example} against the emulator: ${error instanceof StepError ? error.message : error.stack}`,
  );
} finally {
  await cleanUp();
}
process.exit(status);
