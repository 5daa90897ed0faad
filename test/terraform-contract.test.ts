// Facts that Terraform must repeat from the TypeScript sources, held together: the Lambda functions' environment and
// runtimes, the job ids, the config item format.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configTableItem } from '../handlers/aws/config-store.js';
import { parsePlannerEvent } from '../handlers/config/planner-event.js';
import { configKey, idSchema } from '../handlers/config/schema.js';
import { CHANNEL_KINDS } from '../handlers/core/host-policy.js';
import { ID_MAX_LENGTH, idPattern, SCHEDULED_JOB_ID_MAX_LENGTH } from '../handlers/core/ids.js';
import {
  type EnvContract,
  plannerEnvironment,
  readEnvironment,
  receiverEnvironment,
  runtimeVariables,
  senderEnvironment,
} from '../handlers/env.js';
import { nodeMajorOf, RUNTIMES, TARGET } from '../scripts/build.mjs';
import { hclBody, hclKeys } from './support/hcl.js';

const mainTf = readFileSync(new URL('../main.tf', import.meta.url), 'utf8');
const contracts = { planner: plannerEnvironment, sender: senderEnvironment, receiver: receiverEnvironment } as const;
type FunctionName = keyof typeof contracts;

/**
 * The names main.tf sets in a function's environment: `local.environment` merged with the function's own, or, for
 * the receiver, which needs neither the queue nor the metric namespace, its own map alone.
 */
function terraformEnvironment(text: string, fn: FunctionName): string[] {
  const module = hclBody(text, `module "${fn}" {`);
  if (!module.includes('merge(local.environment, {')) return hclKeys(hclBody(module, 'environment = {'));
  const shared = hclKeys(hclBody(hclBody(text, 'locals {'), 'environment = {'));
  const own = hclKeys(hclBody(module, 'environment = merge(local.environment, {'));
  return [...new Set([...shared, ...own])];
}

/** What main.tf sets that the contract does not know, and what it must set and does not. */
function environmentMismatches(text: string, fn: FunctionName): string[] {
  const contract: EnvContract = contracts[fn];
  const fromModule = Object.values(contract).filter((variable) => variable.setBy === 'module');
  const known = new Set([...fromModule.map((variable) => variable.name), ...runtimeVariables[fn]]);
  const set = terraformEnvironment(text, fn);
  return [
    ...set
      .filter((name) => !known.has(name))
      .map((name) => `${fn}: main.tf sets ${name}, which the contract (handlers/env.ts) does not know`),
    ...[...fromModule.filter((variable) => variable.required).map((variable) => variable.name), ...runtimeVariables[fn]]
      .filter((name) => !set.includes(name))
      .map((name) => `${fn}: main.tf does not set ${name}, which the function needs`),
  ];
}

describe('the Lambda environment contract', () => {
  for (const fn of ['planner', 'sender', 'receiver'] as const) {
    it(`main.tf sets the ${fn}'s variables the contract defines, and no others`, () => {
      assert.deepEqual(environmentMismatches(mainTf, fn), []);
    });
  }

  it('names a variable main.tf sets that the contract does not know, and one it misses', () => {
    const extra = mainTf.replace(/(\n\s*NOTIFIER_DATABASE_HOSTS\s*=.*)/, '$1\n    NOTIFIER_PAGE_SIZE = "5"');
    assert.notEqual(extra, mainTf, 'the planner block was found');
    assert.deepEqual(environmentMismatches(extra, 'planner'), [
      'planner: main.tf sets NOTIFIER_PAGE_SIZE, which the contract (handlers/env.ts) does not know',
    ]);
    const missing = mainTf.replace(/\n\s*NOTIFIER_LEDGER_TABLE\s*=.*/, '');
    assert.deepEqual(environmentMismatches(missing, 'sender'), [
      'sender: main.tf does not set NOTIFIER_LEDGER_TABLE, which the function needs',
    ]);
    const noWrapper = mainTf.replace(/\n\s*AWS_LAMBDA_EXEC_WRAPPER\s*=.*/, '');
    assert.deepEqual(environmentMismatches(noWrapper, 'planner'), [
      'planner: main.tf does not set AWS_LAMBDA_EXEC_WRAPPER, which the function needs',
    ]);
  });

  const required = {
    NOTIFIER_CONFIG_TABLE: 'config',
    NOTIFIER_LEDGER_TABLE: 'ledger',
    NOTIFIER_QUEUE_URL: 'https://queue',
    NOTIFIER_DATABASE_HOSTS: '',
    NOTIFIER_CHANNEL_HOSTS: 'messenger:graph.facebook.com',
  };

  it('gives the defaults where the module sets nothing', () => {
    const planner = readEnvironment(plannerEnvironment, required);
    assert.deepEqual(
      { name: planner.name, ttl: planner.ledgerTtlDays, namespace: planner.metricNamespace },
      { name: 'notifier', ttl: 30, namespace: undefined },
    );
    const sender = readEnvironment(senderEnvironment, { ...required, NOTIFIER_SENDER_PARALLELISM: '4' });
    assert.deepEqual([sender.parallelism, sender.instances, sender.pauseRecheckSeconds], [4, 2, 300]);
  });

  it("defaults to the module's own defaults for the sender's parallelism and concurrency", () => {
    const variables = readFileSync(new URL('../variables.tf', import.meta.url), 'utf8');
    const moduleDefault = (field: string) =>
      Number(new RegExp(`\\n\\s*${field}\\s*=\\s*optional\\(number, (\\d+)\\)`).exec(variables)?.[1]);
    const sender = readEnvironment(senderEnvironment, required);
    assert.deepEqual(
      [sender.parallelism, sender.instances],
      [moduleDefault('parallelism'), moduleDefault('maximum_concurrency')],
    );
  });

  it('validates every variable in both functions, naming it', () => {
    for (const contract of [plannerEnvironment, senderEnvironment]) {
      for (const bad of ['0', '-1', 'thirty', '']) {
        assert.throws(
          () => readEnvironment(contract, { ...required, NOTIFIER_LEDGER_TTL_DAYS: bad }),
          /NOTIFIER_LEDGER_TTL_DAYS must be a positive number/,
        );
      }
      assert.throws(
        () => readEnvironment(contract, { ...required, NOTIFIER_QUEUE_URL: undefined }),
        /NOTIFIER_QUEUE_URL is not set/,
      );
    }
    assert.throws(
      () => readEnvironment(senderEnvironment, { ...required, NOTIFIER_SENDER_INSTANCES: 'two' }),
      /NOTIFIER_SENDER_INSTANCES must be a positive number, got "two"/,
    );
    assert.throws(
      () => readEnvironment(senderEnvironment, { ...required, NOTIFIER_CHANNEL_HOSTS: undefined }),
      /NOTIFIER_CHANNEL_HOSTS is not set/,
    );
    assert.throws(
      () => readEnvironment(plannerEnvironment, { ...required, NOTIFIER_DATABASE_HOSTS: undefined }),
      /NOTIFIER_DATABASE_HOSTS is not set/,
    );
  });

  it('reads the channel hosts by kind, and refuses at cold start an entry without a known kind, naming it', () => {
    const sender = readEnvironment(senderEnvironment, {
      ...required,
      NOTIFIER_CHANNEL_HOSTS: 'messenger:graph.facebook.com,webhook:hooks.example.com,webhook:::1',
    });
    assert.deepEqual(
      { messenger: [...sender.channelHosts.messenger], webhook: [...sender.channelHosts.webhook] },
      { messenger: ['graph.facebook.com'], webhook: ['hooks.example.com', '::1'] },
    );
    // A value written for the former single list is refused, not read as allowing nothing.
    assert.throws(
      () => readEnvironment(senderEnvironment, { ...required, NOTIFIER_CHANNEL_HOSTS: 'graph.facebook.com' }),
      /environment variable NOTIFIER_CHANNEL_HOSTS must list <kind>:<host> entries.*"graph\.facebook\.com" names no kind/,
    );
    assert.throws(
      () => readEnvironment(senderEnvironment, { ...required, NOTIFIER_CHANNEL_HOSTS: 'sms:hooks.example.com' }),
      /environment variable NOTIFIER_CHANNEL_HOSTS .*"sms:hooks\.example\.com" names an unknown kind "sms"/,
    );
  });

  it("variables.tf's channel_hosts has one list per kind of channel the handlers know", () => {
    const variablesTf = readFileSync(new URL('../variables.tf', import.meta.url), 'utf8');
    const type = hclBody(hclBody(variablesTf, 'variable "channel_hosts" {'), 'type = object({');
    assert.deepEqual(hclKeys(type).sort(), [...CHANNEL_KINDS].sort());
    assert.deepEqual(
      CHANNEL_KINDS.map((kind) => new RegExp(`condition\\s*=.*var\\.channel_hosts\\.${kind}\\b`).test(variablesTf)),
      CHANNEL_KINDS.map(() => true),
      'each kind is validated',
    );
  });
});

describe('job ids', () => {
  const variablesTf = readFileSync(new URL('../variables.tf', import.meta.url), 'utf8');
  /** The regex of the validation whose condition mentions `subject`, inside `variable "name"`. */
  const validationRegex = (name: string, subject: string) => {
    const block = hclBody(variablesTf, `variable "${name}" {`);
    const match =
      new RegExp(`condition\\s*=.*${subject.replace(/[.()]/g, '\\$&')}.*regex\\("([^"]+)"`).exec(block) ??
      new RegExp(`condition\\s*=.*regex\\("([^"]+)",\\s*${subject.replace(/[.()]/g, '\\$&')}\\)`).exec(block);
    assert.ok(match?.[1], `variables.tf validates ${subject} with a regex`);
    return { pattern: match[1], block };
  };
  const longest = (pattern: string) => {
    const regex = new RegExp(pattern);
    return Math.max(...Array.from({ length: 200 }, (_, length) => (regex.test('a'.repeat(length)) ? length : 0)));
  };

  it("variables.tf's jobs validation is the scheduled job id rule", () => {
    const { pattern, block } = validationRegex('jobs', 'keys(var.jobs)');
    assert.equal(pattern, idPattern(SCHEDULED_JOB_ID_MAX_LENGTH));
    assert.match(block, new RegExp(`Job ids must be 1-${SCHEDULED_JOB_ID_MAX_LENGTH} characters`));
  });

  it('a scheduled job id and the longest name fit the 64 characters of a schedule name', () => {
    assert.match(
      readFileSync(new URL('../modules/schedule/main.tf', import.meta.url), 'utf8'),
      /name\s*=\s*"\$\{var\.name\}-\$\{each\.key\}"/,
    );
    const nameLength = longest(validationRegex('name', 'var.name').pattern);
    assert.equal(nameLength, 32);
    assert.ok(nameLength + 1 + SCHEDULED_JOB_ID_MAX_LENGTH <= 64);
    assert.ok(SCHEDULED_JOB_ID_MAX_LENGTH <= ID_MAX_LENGTH);
  });

  it('config items and planner events accept the same ids, up to the longest', () => {
    const longestId = `a${'-'.repeat(ID_MAX_LENGTH - 1)}`;
    assert.ok(idSchema.safeParse(longestId).success);
    assert.equal(idSchema.safeParse(`${longestId}a`).success, false);
    assert.equal(parsePlannerEvent({ job: longestId, scheduledTime: '2026-11-28T08:00:00Z' }).job, longestId);
    assert.throws(
      () => parsePlannerEvent({ job: `${longestId}a`, scheduledTime: '2026-11-28T08:00:00Z' }),
      /job: must be 1-64 characters/,
    );
  });
});

describe('config items', () => {
  const tablesTf = readFileSync(new URL('../modules/tables/main.tf', import.meta.url), 'utf8');
  const written = configTableItem({
    kind: 'job',
    id: 'daily',
    document: { kind: 'job', id: 'daily' },
    updatedAt: new Date('2026-11-28T08:00:00Z'),
  });

  it('are written by the CLI and the local runtime as the store reads them', () => {
    assert.deepEqual(written, {
      pk: { S: 'job#daily' },
      document: { S: '{"kind":"job","id":"daily"}' },
      updatedAt: { S: '2026-11-28T08:00:00.000Z' },
    });
  });

  it("modules/tables' inline jobs have the same key and document, without the write time", () => {
    const item = hclBody(hclBody(tablesTf, 'resource "aws_dynamodb_table_item" "job" {'), 'item = jsonencode({');
    assert.deepEqual(
      hclKeys(item),
      Object.keys(written).filter((attribute) => attribute !== 'updatedAt'),
    );
    assert.equal(/pk\s*=\s*\{\s*S\s*=\s*"([^"]+)"\s*\}/.exec(item)?.[1], configKey('job', '${each.key}'));
    assert.match(item, /document\s*=\s*\{\s*S\s*=\s*each\.value\s*\}/);
    // The document names its kind and id as a config item must (the root module adds both to the definition).
    assert.match(mainTf, /jsonencode\(merge\(jsondecode\(job\.definition\), \{ kind = "job", id = id \}\)\)/);
  });
});

describe('Lambda runtimes', () => {
  const variablesTf = readFileSync(new URL('../variables.tf', import.meta.url), 'utf8');
  const runtimeBlock = hclBody(variablesTf, 'variable "runtime" {');
  const defaultOf = (block: string) => /^\s*default\s*=\s*"([^"]+)"/m.exec(block)?.[1];
  const majorOf = (version: string | undefined) => Number(/^\D*(\d+)/.exec(version ?? '')?.[1]);
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const newest = RUNTIMES.at(-1) ?? '';

  it('variables.tf admits exactly the runtimes the bundles are built for, and defaults to one of them', () => {
    const admitted = /condition\s*=\s*contains\(\[([^\]]*)\],\s*var\.runtime\)/.exec(runtimeBlock)?.[1];
    assert.ok(admitted, 'variables.tf validates runtime against a list');
    assert.deepEqual(
      [...admitted.matchAll(/"([^"]+)"/g)].map((match) => match[1]),
      [...RUNTIMES],
    );
    const message = /error_message\s*=\s*"([^"]*)"/.exec(runtimeBlock)?.[1] ?? '';
    for (const runtime of RUNTIMES) assert.ok(message.includes(runtime), `the error names ${runtime}: ${message}`);
    const rootDefault = defaultOf(runtimeBlock);
    assert.ok(rootDefault && RUNTIMES.includes(rootDefault), `default ${rootDefault}`);
    const functionVariablesTf = readFileSync(new URL('../modules/function/variables.tf', import.meta.url), 'utf8');
    assert.equal(defaultOf(hclBody(functionVariablesTf, 'variable "runtime" {')), rootDefault);
  });

  it('the bundles are built for the oldest runtime, and the type check holds the code to its Node', () => {
    const oldest = Math.min(...RUNTIMES.map(nodeMajorOf));
    assert.equal(TARGET, `node${oldest}`);
    assert.equal(majorOf(manifest.devDependencies['@types/node']), oldest, "@types/node is the oldest runtime's");
    const built = JSON.parse(readFileSync(new URL('../dist/manifest.json', import.meta.url), 'utf8'));
    assert.deepEqual(
      { runtimes: built.runtimes, target: built.target },
      { runtimes: [...RUNTIMES], target: TARGET },
      'dist/manifest.json says what dist/ was built for ("npm run build")',
    );
  });

  it("the tests run the bundles on the newest runtime's Node: the node dev dependency, and CI's Node", () => {
    assert.equal(majorOf(manifest.devDependencies.node), nodeMajorOf(newest));
    const workflows = readdirSync(new URL('../.github/workflows/', import.meta.url)).map((name) =>
      readFileSync(new URL(`../.github/workflows/${name}`, import.meta.url), 'utf8'),
    );
    const versions = workflows.flatMap((text) => [...text.matchAll(/node-version:\s*(\S+)/g)].map((match) => match[1]));
    assert.ok(versions.length > 0, 'the workflows set up Node');
    assert.deepEqual(new Set(versions), new Set([String(nodeMajorOf(newest))]));
  });
});
