// The module's `cli_environment` output gives the operator every variable the `notifier` CLI reads: a command added to
// tools/cli/ that reads a new NOTIFIER_* variable fails here until operator.tf exports it too.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as surface from '../handlers/surface.js';

const root = join(import.meta.dirname, '..');
// `notifier start`, the local runtime of a checkout: its variables are the developer's, not a deployment's.
const LOCAL_RUNTIME = new Set(['start.ts', 'local-start.ts']);

/** The NOTIFIER_* variables a source file reads: by name, or through a `*_ENV` constant of handlers/surface.ts. */
function variablesRead(source: string): string[] {
  const constants = surface as unknown as Record<string, unknown>;
  const found = new Set<string>();
  for (const match of source.matchAll(/\benv\.(NOTIFIER_[A-Z0-9_]+)|\benv\[\s*'(NOTIFIER_[A-Z0-9_]+)'\s*\]/g))
    found.add(match[1] ?? match[2] ?? '');
  for (const match of source.matchAll(/requireOption\([^)]*'(NOTIFIER_[A-Z0-9_]+)'\s*\)/g)) found.add(match[1] ?? '');
  for (const match of source.matchAll(/\benv\[\s*([A-Z][A-Z0-9_]*_ENV)\s*\]/g)) {
    const value = constants[match[1] ?? ''];
    assert.equal(typeof value, 'string', `${match[1]} is not a constant of handlers/surface.ts`);
    found.add(value as string);
  }
  return [...found];
}

function cliVariables(): string[] {
  const dir = join(root, 'tools', 'cli');
  const names = readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !LOCAL_RUNTIME.has(file))
    .flatMap((file) => variablesRead(readFileSync(join(dir, file), 'utf8')));
  return [...new Set(names)].sort();
}

function exported(): string[] {
  const operator = readFileSync(join(root, 'operator.tf'), 'utf8');
  const block = /cli_environment = \{\n([\s\S]*?)\n {2}\}/.exec(operator)?.[1] ?? '';
  return [...block.matchAll(/^\s+([A-Z][A-Z0-9_]*)\s+=/gm)].map((match) => match[1] ?? '').sort();
}

describe('the cli_environment output', () => {
  it('finds what a file reads, and only reads', () => {
    assert.deepEqual(
      variablesRead(
        [
          "requireOption(values.table, '--table', 'NOTIFIER_CONFIG_TABLE')",
          'process.env.NOTIFIER_LEDGER_TABLE',
          'parseHostAllowlist(process.env[DATABASE_HOSTS_ENV] ?? "")',
          'env[CHANNEL_HOSTS_ENV]',
          "// NOTIFIER_PAUSE_RECHECK_SECONDS is the sender's, named in help text only",
        ].join('\n'),
      ).sort(),
      ['NOTIFIER_CHANNEL_HOSTS', 'NOTIFIER_CONFIG_TABLE', 'NOTIFIER_DATABASE_HOSTS', 'NOTIFIER_LEDGER_TABLE'],
    );
  });

  it('exports every NOTIFIER_* variable tools/cli/ reads, and the region', () => {
    const cli = cliVariables();
    assert.ok(cli.includes('NOTIFIER_DATABASE_HOSTS'), 'preview reads the database allowlist');
    assert.ok(cli.length >= 8, `too few variables found, is the scan broken? ${cli.join(', ')}`);
    const outputs = exported();
    assert.deepEqual(
      cli.filter((name) => !outputs.includes(name)),
      [],
      'add these to local.cli_environment in operator.tf',
    );
    assert.deepEqual(
      outputs.filter((name) => name !== 'AWS_REGION' && !cli.includes(name)),
      [],
      'operator.tf exports variables the CLI does not read',
    );
    assert.ok(outputs.includes('AWS_REGION'));
  });
});
