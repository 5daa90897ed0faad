// examples/cdktf as a CDKTF user meets it: the app type-checks against the typed binding (and a wrong input does
// not), `cdktf synth` (the `app` command of cdktf.json) writes a stack that deploys the module from the registry
// with its inputs under their Terraform names, and that stack passes `terraform validate` once its module source
// points at this checkout. The same app synthesizes the same stack with CDK Terrain (cdktn) when it is installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { synthesize, useLocalModule } from '../scripts/terraform/cdktf-synth.mjs';
import { repoRoot } from '../tools/local/bundle.js';

const project = join(repoRoot, 'examples', 'cdktf');
const scratch = mkdtempSync(join(tmpdir(), 'cdktf-example-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

interface Stack {
  terraform: { required_providers: Record<string, { source: string; version: string }> };
  provider: Record<string, unknown[]>;
  module: Record<string, Record<string, unknown>>;
  output: Record<string, { value: string; description?: string }>;
}

const readStack = (dir: string) => JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as Stack;

/** The stack without the `//` metadata keys, which name the library and its version. */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '//')
      .map(([key, v]) => [key, withoutMetadata(v)]),
  );
}

function tsc(args: string[]) {
  return spawnSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), args, { cwd: repoRoot, encoding: 'utf8' });
}

describe('examples/cdktf', () => {
  const [stackDir] = synthesize(project, join(scratch, 'cdktf.out'));
  assert.ok(stackDir, 'the app synthesized no stack');

  it('type-checks, and a misspelt or mistyped input is a compile error', () => {
    const app = tsc(['-p', project]);
    assert.equal(app.status, 0, app.stdout + app.stderr);

    const binding = join(project, '.gen', 'modules', 'notifier.js');
    const file = join(scratch, 'wrong-inputs.mts');
    writeFileSync(
      file,
      [
        `import { Notifier } from ${JSON.stringify(binding)};`,
        '',
        'declare const stack: ConstructorParameters<typeof Notifier>[0];',
        "new Notifier(stack, 'misspelt', { name: 'x', sender: { maximum_concurency: 20 } });",
        "new Notifier(stack, 'mistyped', { name: 'x', logRetentionDays: '30' });",
        "new Notifier(stack, 'unnamed', { jobs: {} });",
        '',
      ].join('\n'),
    );
    const wrong = tsc([
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--skipLibCheck',
      '--types',
      'node',
      file,
    ]);
    assert.notEqual(wrong.status, 0);
    const errors = wrong.stdout.split('\n').filter((line) => / error TS\d+/.test(line));
    assert.equal(errors.length, 3, wrong.stdout);
    assert.match(wrong.stdout, /wrong-inputs\.mts\(4,\d+\).*'maximum_concurency' does not exist/);
    assert.match(wrong.stdout, /wrong-inputs\.mts\(5,\d+\).*'string' is not assignable to type 'number'/);
    assert.match(wrong.stdout, /wrong-inputs\.mts\(6,\d+\).*\n\s*Property 'name' is missing/);
  });

  it('deploys the module from the registry at the version of this release, inputs under their Terraform names', () => {
    const stack = readStack(stackDir);
    const notifier = stack.module.notifier;
    assert.ok(notifier, 'no module "notifier" in the stack');
    assert.equal(notifier.source, 'acme/notifier/aws');
    assert.equal(notifier.version, `~> ${version}`);
    assert.equal(notifier.name, 'notifier-cdktf');
    assert.equal(notifier.sender, undefined, 'the sender keeps the module defaults');
    assert.deepEqual(
      [notifier.planner_secret_arns, notifier.sender_secret_arns],
      [
        ['arn:aws:ssm:eu-west-1:123456789012:parameter/notifier-cdktf/db-password'],
        ['arn:aws:ssm:eu-west-1:123456789012:parameter/notifier-cdktf/page-token'],
      ],
      'each function its own secret, under its Terraform name',
    );
    assert.deepEqual(
      notifier.channel_hosts,
      { messenger: ['graph.facebook.com'], webhook: [] },
      'the channel hosts by kind, under their Terraform name',
    );
    assert.deepEqual(notifier.jobs, {
      'daily-digest': { schedule_expression: 'cron(0 9 * * ? *)', timezone: 'Europe/Berlin' },
      'weekly-recap': { schedule_expression: 'cron(0 18 ? * FRI *)', timezone: 'America/New_York' },
    });
    assert.deepEqual(stack.terraform.required_providers.aws, { source: 'hashicorp/aws', version: '>= 5.70, < 7.0' });
    assert.equal(stack.output.queue_url?.value, '${module.notifier.queue_url}');
    assert.equal(stack.output.schedule_arns?.value, '${module.notifier.schedule_arns}');
    assert.equal(stack.output.operator_policy_json?.value, '${module.notifier.operator_policy_json}');
  });

  it('passes terraform validate with the module source pointed at the checkout', () => {
    const local = join(scratch, 'validate');
    cpSync(stackDir, local, { recursive: true });
    assert.equal(useLocalModule(local, 'acme/notifier/aws', repoRoot), 1);
    assert.equal(readStack(local).module.notifier?.version, undefined);
    const init = spawnSync('bash', [join(repoRoot, 'scripts', 'terraform', 'init.sh'), local], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    assert.equal(init.status, 0, init.stdout + init.stderr);
    const validate = spawnSync('terraform', [`-chdir=${local}`, 'validate', '-no-color'], { encoding: 'utf8' });
    assert.equal(validate.status, 0, validate.stdout + validate.stderr);
    assert.match(validate.stdout, /The configuration is valid/);
  });

  it('synthesizes the same stack with CDK Terrain (cdktn) in place of cdktf', (t) => {
    const cdktn = join(repoRoot, 'node_modules', 'cdktn');
    if (!existsSync(cdktn)) {
      t.skip('the cdktn package is not installed');
      return;
    }
    // A copy of the app whose `cdktf` resolves to cdktn: what `npm install cdktf@npm:cdktn` gives a project.
    const copy = join(scratch, 'cdktn-app');
    cpSync(project, copy, { recursive: true, filter: (source) => !source.includes('cdktf.out') });
    mkdirSync(join(copy, 'node_modules'));
    symlinkSync(cdktn, join(copy, 'node_modules', 'cdktf'));
    symlinkSync(join(repoRoot, 'node_modules', 'constructs'), join(copy, 'node_modules', 'constructs'));
    symlinkSync(join(repoRoot, 'node_modules', 'tsx'), join(copy, 'node_modules', 'tsx'));
    const [terrainStack] = synthesize(copy, join(scratch, 'cdktn.out'));
    assert.ok(terrainStack, 'cdktn synthesized no stack');
    const terrain = readFileSync(join(terrainStack, 'cdk.tf.json'), 'utf8');
    assert.match(readFileSync(join(copy, 'node_modules', 'cdktf', 'package.json'), 'utf8'), /"name": "cdktn"/);
    assert.deepEqual(withoutMetadata(JSON.parse(terrain)), withoutMetadata(readStack(stackDir)));
  });
});
