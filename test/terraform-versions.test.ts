// Conventions of the Terraform code that no `terraform test` can see: one provider constraint everywhere (root,
// submodules, examples, the CDKTF example, the README's usage block), and the `create` switch in every module with
// every resource gated by it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hclBody } from './support/hcl.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const subdirectories = (dir: string) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${dir}/${entry.name}`)
    .sort();
const submodules = subdirectories('modules');
const terraformDirs = [
  '.',
  ...submodules,
  ...subdirectories('examples').filter((dir) => existsSync(join(root, dir, 'versions.tf'))),
];

/** The `version` of `required_providers.aws` in a versions.tf. */
function awsConstraint(text: string): string | undefined {
  return /\baws\s*=\s*\{[^}]*\bversion\s*=\s*"([^"]+)"/.exec(text)?.[1];
}

/** Each `resource "<type>" "<name>"` of a file with its body. */
function resources(text: string): { address: string; body: string }[] {
  return [...text.matchAll(/^resource "([^"]+)" "([^"]+)" \{/gm)].map((match) => ({
    address: `${match[1]}.${match[2]}`,
    body: hclBody(text, match[0], match.index),
  }));
}

/** What gates a resource: the `count` or `for_each` that opens its body (a dynamic block's `for_each` does not). */
const gate = (body: string) => /^(?:count|for_each)\s*=\s*(.+)$/m.exec(body.trimStart())?.[1];

describe('the hashicorp/aws constraint', () => {
  const rootConstraint = awsConstraint(read('versions.tf'));

  it('is declared by the root module', () => {
    assert.match(rootConstraint ?? '', /^>= 5\.\d+, < \d+\.0$/);
  });

  it('is the same in every submodule and example', () => {
    const differing = terraformDirs
      .map((dir) => [dir, awsConstraint(read(`${dir}/versions.tf`))])
      .filter(([, constraint]) => constraint !== rootConstraint);
    assert.deepEqual(differing, []);
  });

  it("is the CDKTF example's and the README usage block's", () => {
    assert.match(read('examples/cdktf/main.ts'), new RegExp(`providerVersionConstraint: '${rootConstraint}'`));
    assert.ok(read('README.md').includes(`version = "${rootConstraint}"`), 'the README usage block');
  });

  it('names the same range in the README prerequisites and docs/PROVIDER-6.md', () => {
    assert.ok(read('README.md').includes(`\`hashicorp/aws\` ${rootConstraint}`), 'README prerequisites');
    assert.ok(read('docs/PROVIDER-6.md').includes(`\`${rootConstraint}\``), 'docs/PROVIDER-6.md');
  });
});

describe('the create switch', () => {
  for (const dir of ['.', ...submodules]) {
    it(`${dir} declares create, a bool defaulting to true`, () => {
      const body = hclBody(read(`${dir}/variables.tf`), 'variable "create" {');
      assert.match(body, /\btype\s*=\s*bool\b/);
      assert.match(body, /\bdefault\s*=\s*true\b/);
    });

    it(`${dir}: every resource is gated by count or for_each`, () => {
      const files = readdirSync(join(root, dir)).filter((name) => name.endsWith('.tf'));
      const ungated = files.flatMap((file) =>
        resources(read(`${dir}/${file}`))
          .filter(({ body }) => gate(body) === undefined)
          .map(({ address }) => `${dir}/${file}: ${address}`),
      );
      assert.deepEqual(ungated, []);
    });
  }

  it('the root module passes create to every submodule it calls', () => {
    const main = read('main.tf');
    const calls = [...main.matchAll(/^module "([^"]+)" \{/gm)];
    assert.ok(calls.length > 0);
    const missing = calls
      // An optional submodule may add its own switch, but only behind the root's.
      .filter((call) => !/^\s*create\s*=\s*var\.create(\s*&&.*)?$/m.test(hclBody(main, call[0], call.index)))
      .map((call) => call[1]);
    assert.deepEqual(missing, []);
  });

  it('names a resource without count or for_each', () => {
    const text =
      'resource "aws_sqs_queue" "this" {\n  name = "x"\n  dynamic "d" {\n    for_each = []\n  }\n}\n\nresource "aws_sqs_queue" "dlq" {\n  count = 1\n}\n';
    assert.deepEqual(
      resources(text)
        .filter(({ body }) => gate(body) === undefined)
        .map(({ address }) => address),
      ['aws_sqs_queue.this'],
    );
  });
});
