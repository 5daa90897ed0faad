#!/usr/bin/env node
// Generates what is derived from the Terraform files, and checks it is current:
// - in README.md of the root module, of every directory under modules/ and of every example, the section between
//   <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS --> as terraform-docs' `markdown table` formatter writes it (see
//   .terraform-docs.yml); a CDKTF example documents the stack it synthesizes;
// - the typed CDKTF binding of the module used by examples/cdktf (what `cdktf get` would generate).
//
//   node scripts/terraform/docs.mjs           # rewrite what is stale
//   node scripts/terraform/docs.mjs --check   # exit 1 naming every stale file
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesize } from './cdktf-synth.mjs';
import { renderCdktfBinding } from './docs/cdktf-binding.mjs';
import { renderMarkdownTable } from './docs/markdown-table.mjs';
import { loadModule } from './docs/module.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BEGIN = '<!-- BEGIN_TF_DOCS -->';
const END = '<!-- END_TF_DOCS -->';
const BINDING = join(root, 'examples', 'cdktf', '.gen', 'modules', 'notifier.ts');

const subdirectories = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(dir, entry.name))
    .sort();

/** Every documented directory: the root module, its submodules and the examples. */
const documented = () => ['.', ...subdirectories('modules'), ...subdirectories('examples')];

/** The README with its generated section replaced, or an error naming what is missing. */
function withTables(readme, tables, path) {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin === -1 || end === -1 || end < begin)
    throw new Error(`${path} needs the markers ${BEGIN} and ${END}, in that order`);
  return `${readme.slice(0, begin)}${BEGIN}\n${tables}\n${END}${readme.slice(end + END.length)}`;
}

/** The module a directory documents: its own files, or for a CDKTF project the stack it synthesizes. */
function moduleOf(dir, scratch) {
  if (!existsSync(join(root, dir, 'cdktf.json'))) return loadModule(join(root, dir));
  const stacks = synthesize(join(root, dir), join(scratch, dir));
  if (stacks.length !== 1) throw new Error(`${dir}: expected one synthesized stack, found ${stacks.length}`);
  return loadModule(stacks[0]);
}

function expectedBinding() {
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  return renderCdktfBinding(loadModule(root), {
    className: 'Notifier',
    source: 'acme/notifier/aws',
    version: `~> ${version}`,
    generator: '`node scripts/terraform/docs.mjs`',
  });
}

/**
 * Each generated file with its expected content, lazily: the binding comes first and is written before the CDKTF
 * example, which imports it, is synthesized for its README.
 */
function* expectedFiles(scratch) {
  yield [BINDING, expectedBinding()];
  for (const dir of documented()) {
    const path = join(root, dir, 'README.md');
    const name = relative(root, path);
    if (!existsSync(path)) throw new Error(`${name} is missing: every module and example has a README`);
    yield [path, withTables(readFileSync(path, 'utf8'), renderMarkdownTable(moduleOf(dir, scratch)), name)];
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'notifier-docs-'));
try {
  const stale = [];
  for (const [path, expected] of expectedFiles(scratch)) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === expected) continue;
    stale.push(relative(root, path));
    if (!process.argv.includes('--check')) writeFileSync(path, expected);
  }
  if (process.argv.includes('--check')) {
    if (stale.length > 0) {
      console.error(`stale (run \`node scripts/terraform/docs.mjs\`): ${stale.join(', ')}`);
      process.exitCode = 1;
    } else console.log('generated Terraform docs and the CDKTF binding are up to date');
  } else console.log(stale.length > 0 ? `updated: ${stale.join(', ')}` : 'already up to date');
} catch (error) {
  console.error(error.stderr?.toString() || error.message);
  process.exitCode = 2;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
