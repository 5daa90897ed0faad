// Every code block of README.md and of the examples' READMEs is checked the way a reader would use it, or carries an
// explicit `<!-- illustrative: why -->` line before it, which is counted and reported:
// - hcl: a block with the module is written into an empty root module beside a copy of this checkout (its git source
//   pointed at the copy, the README's own offline provider block as an override), then `terraform init` from the
//   provider mirror, `validate` and an offline `plan`;
// - json: parsed, and config items validated by the schema, each job's database and channel included;
// - sh: each command must be one this test can check: a `notifier` command (its command and every flag exist, by its
//   --help), an npm script of package.json, `terraform output -raw NAME` of an output that exists, `cd` to a folder
//   that exists, `npm pack`/`npm install` of the CLI's tarball, or a plain `terraform init|plan|apply`.
// A block of any other kind, or a command none of these covers, fails the test until it is checked or marked.
// That every section the Markdown files point to exists is test/doc-anchors.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { documentKey, fileEntries, knownItems, validateAll } from '../tools/cli/config-explain.js';
import { main } from '../tools/cli/notifier.js';

const root = join(import.meta.dirname, '..');
const FILES = ['README.md', ...readdirSync(join(root, 'examples')).map((name) => `examples/${name}/README.md`)].filter(
  (file) => existsSync(join(root, file)),
);
const GIT_SOURCE = /"git::https:\/\/github\.com\/[^"]+\/terraform-aws-notifier\.git\?ref=[^"]+"/;

interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly text: string;
  /** The reason of an `<!-- illustrative: ... -->` line right before the block. */
  readonly illustrative?: string;
}

/** Fenced blocks, also indented ones (in list items), dedented. */
export function codeBlocks(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[index] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const start = index;
    const body: string[] = [];
    for (index += 1; index < lines.length && !/^\s*```\s*$/.test(lines[index] ?? ''); index += 1)
      body.push((lines[index] ?? '').slice(indent));
    const before = lines
      .slice(0, start)
      .reverse()
      .find((line) => line.trim() !== '');
    const marker = /^\s*<!--\s*illustrative(?::\s*(.*?))?\s*-->\s*$/.exec(before ?? '');
    blocks.push({
      file,
      line: start + 1,
      lang: open[2] ?? '',
      text: body.join('\n'),
      ...(marker ? { illustrative: marker[1] ?? 'no reason given' } : {}),
    });
  }
  return blocks;
}

/** Shell words of a command, quotes removed (enough for the READMEs' commands). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)].map(
    (match) => match[1] ?? match[2] ?? match[3] ?? '',
  );
}

/** The commands of a shell block: continuations joined, comments dropped, split at `&&`, `;` and subshells. */
function commands(text: string): string[] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#\s.*$/, '').trim())
    .flatMap((line) => line.split(/&&|;/))
    .map((command) => command.replace(/^\(|\)$/g, '').trim())
    .filter(Boolean);
}

async function notifierHelp(argv: string[]): Promise<{ code: number; text: string }> {
  const out: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => out.push(text) });
  return { code, text: out.join('\n') };
}

/** A `notifier` command exists with every flag it is given: its --help says so. */
async function checkNotifier(args: string[]): Promise<void> {
  const [command, verb] = args;
  if (command === '--version' || command === '--help') {
    assert.equal((await notifierHelp([command])).code, 0);
    return;
  }
  assert.ok(command, 'notifier without a command');
  const help = await notifierHelp([command, '--help']);
  assert.equal(help.code, 0, `notifier ${command} --help: ${help.text}`);
  if (verb && !verb.startsWith('-') && ['config', 'dlq', 'ticks'].includes(command))
    assert.match(help.text, new RegExp(`\\b${verb}\\b`), `notifier ${command} has no "${verb}"`);
  for (const flag of args.filter((arg) => arg.startsWith('--')).map((arg) => arg.split('=')[0] ?? arg))
    assert.ok(help.text.includes(flag), `notifier ${command} takes no ${flag}`);
}

/** Outputs a README's reader has: the module's, the example's own, and those of the README's HCL blocks. */
function outputsFor(file: string, blocks: readonly Block[]): Set<string> {
  const texts = [
    readFileSync(join(root, 'outputs.tf'), 'utf8'),
    ...blocks.filter((b) => b.lang === 'hcl').map((b) => b.text),
  ];
  const example = join(root, dirname(file), 'outputs.tf');
  if (file !== 'README.md' && existsSync(example)) texts.splice(0, 1, readFileSync(example, 'utf8'));
  return new Set(texts.flatMap((text) => [...text.matchAll(/^output "([^"]+)"/gm)].map((match) => match[1] ?? '')));
}

const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;

/** Checks one shell command; throws when it is not one this test knows how to check. */
async function checkCommand(command: string, outputs: Set<string>): Promise<void> {
  for (const match of command.matchAll(/terraform output -raw ([a-z0-9_]+)/g))
    assert.ok(outputs.has(match[1] ?? ''), `no output "${match[1]}"`);
  const argv = words(command);
  const [head, ...rest] = argv;
  if (/^eval "\$\(terraform output -raw [a-z0-9_]+\)"$/.test(command)) return;
  if (head === 'terraform' && ['init', 'plan', 'apply', 'destroy', 'validate'].includes(rest[0] ?? '')) return;
  if (head === 'cd') return assert.ok(existsSync(join(root, rest[0] ?? '')), `no folder ${rest[0]}`);
  if (head === 'npm' && (rest[0] === 'ci' || rest[0] === 'test' || rest[0] === 'pack')) return;
  if (head === 'npm' && rest[0] === 'install' && rest.includes('--global'))
    return assert.match(rest.at(-1) ?? '', /terraform-aws-notifier-cli-[\d.]+\.tgz$/);
  if (head === 'npm' && rest[0] === 'run') return assert.ok(scripts[rest[1] ?? ''], `no npm script ${rest[1]}`);
  if (head === 'npm' && rest[0] === 'start') {
    const flags = rest.slice(rest.indexOf('--') + 1);
    return checkNotifier(['start', ...(rest.includes('--') ? flags : [])]);
  }
  const at = argv.indexOf('notifier');
  if (at >= 0 && (at === 0 || head === 'npx')) {
    if (head === 'npx' && argv[1] === '-p') assert.match(argv[2] ?? '', /terraform-aws-notifier-cli/);
    return checkNotifier(argv.slice(at + 1));
  }
  assert.fail(`no check for this command: ${command}`);
}

const SCRATCH = mkdtempSync(join(tmpdir(), 'notifier-readme-blocks-'));
after(() => rmSync(SCRATCH, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'fake',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The module block as a consumer pastes it, beside a copy of this checkout, initialised, validated and planned. */
function checkModuleBlock(block: Block, override: Block | undefined): void {
  const work = mkdtempSync(join(SCRATCH, 'hcl-'));
  const repo = join(work, 'terraform-aws-notifier');
  mkdirSync(repo);
  for (const name of readdirSync(root).filter((file) => file.endsWith('.tf')))
    cpSync(join(root, name), join(repo, name));
  cpSync(join(root, 'modules'), join(repo, 'modules'), { recursive: true });
  cpSync(join(root, 'dist'), join(repo, 'dist'), { recursive: true });
  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  const source = block.text.replace(GIT_SOURCE, '"../terraform-aws-notifier"');
  assert.notEqual(source, block.text, 'the module block has no git source of this repository to point at the copy');
  writeFileSync(join(consumer, 'main.tf'), `${source}\n`);
  if (override) writeFileSync(join(consumer, 'offline_override.tf'), `${override.text}\n`);
  run('bash', [join(root, 'scripts', 'terraform', 'init.sh'), consumer], root);
  run('terraform', [`-chdir=${consumer}`, 'validate', '-no-color'], root);
  const plan = run(
    'terraform',
    [`-chdir=${consumer}`, 'plan', '-input=false', '-no-color', '-lock=false', '-refresh=false'],
    root,
    {
      TF_VAR_database_host: 'db.example.com',
    },
  );
  assert.doesNotMatch(plan, /Warning: Check block assertion failed/, 'the configuration warns at plan');
  assert.match(plan, /Plan: \d+ to add, 0 to change, 0 to destroy/);
}

const isOfflineProvider = (block: Block) =>
  block.lang === 'hcl' && /skip_credentials_validation\s*=\s*true/.test(block.text);

describe('code blocks of the READMEs', () => {
  const tally = { checked: 0, illustrative: [] as string[] };
  after(() => {
    console.log(
      `README blocks: ${tally.checked} checked, ${tally.illustrative.length} marked illustrative${tally.illustrative.map((entry) => `\n  ${entry}`).join('')}`,
    );
  });

  for (const file of FILES) {
    const blocks = codeBlocks(file, readFileSync(join(root, file), 'utf8'));
    const outputs = outputsFor(file, blocks);
    const override = blocks.find(isOfflineProvider);
    for (const block of blocks) {
      const name = `${file}:${block.line} (${block.lang || 'no language'})`;
      it(name, { timeout: 600_000 }, async () => {
        if (block.illustrative !== undefined) {
          tally.illustrative.push(`${name}: ${block.illustrative}`);
          return;
        }
        if (block.lang === 'json') {
          const items = JSON.parse(block.text) as unknown[];
          if (Array.isArray(items) && items.every((item) => item && typeof item === 'object' && 'kind' in item)) {
            const { errors } = validateAll(fileEntries(name, items), knownItems(items.map(documentKey)), name);
            assert.deepEqual(
              errors.map((error) => error.message),
              [],
            );
          }
        } else if (block.lang === 'hcl' && /module "notifier"/.test(block.text)) {
          checkModuleBlock(block, override);
        } else if (isOfflineProvider(block)) {
          assert.ok(
            blocks.some((other) => /module "notifier"/.test(other.text)),
            'checked as the override of a module block',
          );
        } else if (block.lang === 'sh') {
          for (const command of commands(block.text)) await checkCommand(command, outputs);
        } else {
          assert.fail(
            `a ${block.lang || 'plain'} block this test cannot check: check it or mark it <!-- illustrative: why -->`,
          );
        }
        tally.checked += 1;
      });
    }
  }
});
