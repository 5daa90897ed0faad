// The layout's rules, checked on every import of the shipped code and its tools:
// - handlers/ layers look only down: core ← config ← adapters (aws, db, channels, observability) ← workflows
//   (delivery, planning) ← entry points (the files at handlers/'s top), and no two folders import each other,
//   directly or through others;
// - core and config are pure: no AWS SDK, database driver, network or file system;
// - tools/ (CLI, local runtime, cost model) reaches handlers/ only through handlers/surface.ts, and nothing in
//   handlers/ imports it, so the Lambda bundles never carry it;
// - neither imports scripts/, bench/ or test/;
// - every file in handlers/ is reached from a Lambda entry point, so handlers/ holds only what the bundles import.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { repoRoot } from '../tools/local/bundle.js';

const LAYERS: Readonly<Record<string, number>> = {
  core: 0,
  config: 1,
  aws: 2,
  db: 2,
  channels: 2,
  observability: 2,
  delivery: 3,
  planning: 3,
  '.': 4,
};
const PURE_LAYERS = new Set(['core', 'config']);
const IMPURE_MODULES = /^(?:@aws-sdk\/|pg$|node:(?:fs|net|http|https|tls|child_process|dgram|dns)(?:\/|$))/;
const ENTRY_POINTS = ['handlers/planner.ts', 'handlers/sender.ts'];
const SURFACE = 'handlers/surface.ts';

interface Import {
  readonly from: string;
  /** Repository-relative path of the imported file, or the bare module name. */
  readonly to: string;
  readonly local: boolean;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(repoRoot, folder)).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(join(repoRoot, path)).isDirectory()) return sourceFiles(path);
    return /\.(?:ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') && !name.endsWith('.d.mts') ? [path] : [];
  });
}

function resolveLocal(from: string, specifier: string): string {
  const target = join(dirname(from), specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts'), target];
  return candidates.find((path) => existsSync(join(repoRoot, path))) ?? target;
}

function importsOf(file: string): Import[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(repoRoot, file), 'utf8'), true, true);
  return importedFiles.map(({ fileName }) =>
    fileName.startsWith('.')
      ? { from: file, to: resolveLocal(file, fileName), local: true }
      : { from: file, to: fileName, local: false },
  );
}

/** The layer folder of a handlers/ file: its first folder under handlers/, or "." for the entry points. */
const layerOf = (file: string) => {
  const parts = relative('handlers', file).split(sep);
  return parts.length > 1 ? (parts[0] as string) : '.';
};
/** The unit of the cycle check: a file's first two path segments (handlers/aws, tools/cli), or its top folder. */
const folderOf = (file: string) => {
  const parts = file.split(sep);
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
};

function cyclesIn(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

const handlerFiles = sourceFiles('handlers');
const toolFiles = sourceFiles('tools');
const imports = [...handlerFiles, ...toolFiles].flatMap(importsOf);
const localImports = imports.filter((entry) => entry.local);
const describeImport = (entry: Import) => `${entry.from} imports ${entry.to}`;

describe('layout: imports look only down', () => {
  it('finds the shipped code and its tools (the check has something to check)', () => {
    assert.ok(handlerFiles.length > 40 && toolFiles.length > 30, `${handlerFiles.length} + ${toolFiles.length} files`);
    assert.ok(localImports.length > 300, `${localImports.length} local imports`);
  });

  it('every handlers/ folder has a layer', () => {
    const unknown = [...new Set(handlerFiles.map(layerOf))].filter((layer) => !(layer in LAYERS));
    assert.deepEqual(unknown, [], 'add a new folder of handlers/ to LAYERS in this test, at its layer');
  });

  it('no handlers/ file imports a layer above its own', () => {
    const upward = localImports
      .filter((entry) => entry.from.startsWith('handlers/') && entry.to.startsWith('handlers/'))
      .filter((entry) => (LAYERS[layerOf(entry.to)] ?? 99) > (LAYERS[layerOf(entry.from)] ?? -1));
    assert.deepEqual(upward.map(describeImport), []);
  });

  it('core and config load no AWS SDK, database driver, network or file system', () => {
    const impure = imports.filter(
      (entry) =>
        entry.from.startsWith('handlers/') && PURE_LAYERS.has(layerOf(entry.from)) && IMPURE_MODULES.test(entry.to),
    );
    assert.deepEqual(impure.map(describeImport), []);
  });

  it('no two folders import each other, directly or through others', () => {
    const edges = new Map<string, Set<string>>();
    for (const entry of localImports) {
      const [from, to] = [folderOf(entry.from), folderOf(entry.to)];
      if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
    assert.ok(edges.size > 8, 'the folder graph is empty: the import parser found nothing');
    assert.deepEqual(
      cyclesIn(edges).map((cycle) => cycle.join(' → ')),
      [],
    );
  });

  it('tools/ reaches handlers/ only through handlers/surface.ts, and handlers/ never imports tools/', () => {
    const around = localImports.filter(
      (entry) =>
        (entry.from.startsWith('tools/') && entry.to.startsWith('handlers/') && entry.to !== SURFACE) ||
        (entry.from.startsWith('handlers/') && (entry.to.startsWith('tools/') || entry.to === SURFACE)),
    );
    assert.deepEqual(around.map(describeImport), []);
    assert.ok(localImports.some((entry) => entry.from.startsWith('tools/') && entry.to === SURFACE));
  });

  it('the shipped code and its tools import nothing from scripts/, bench/ or test/', () => {
    const outside = localImports.filter((entry) => /^(?:scripts|bench|test)\//.test(entry.to));
    assert.deepEqual(outside.map(describeImport), []);
  });

  it('every file in handlers/ is bundled: reached from the planner or the sender', () => {
    const reached = new Set<string>();
    const pending = [...ENTRY_POINTS];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (reached.has(file)) continue;
      reached.add(file);
      pending.push(...localImports.filter((entry) => entry.from === file).map((entry) => entry.to));
    }
    const unbundled = handlerFiles.filter((file) => !reached.has(file) && file !== SURFACE);
    assert.deepEqual(unbundled, [], 'a file no Lambda imports belongs in tools/ (or is dead code)');
  });
});

describe('layout: the README names every folder', () => {
  it('its Layout section lists each top-level folder and each folder of handlers/ and tools/', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = /^## Layout\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    const folders = (root: string) =>
      readdirSync(join(repoRoot, root), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
        .map((entry) => (root === '.' ? `${entry.name}/` : `${root}/${entry.name}/`));
    const tracked = new Set(
      readFileSync(join(repoRoot, '.gitignore'), 'utf8')
        .split('\n')
        .map((line) => line.replace(/^\/|\/$/g, '')),
    );
    const expected = [...folders('.'), ...folders('handlers'), ...folders('tools')].filter(
      (folder) => !tracked.has(folder.replace(/\/$/, '')),
    );
    assert.ok(expected.length > 15, `${expected.length} folders`);
    const missing = expected.filter((folder) => !section.includes(`\`${folder}\``));
    assert.deepEqual(missing, [], "add these folders to the README's Layout tables");
  });
});

describe('layout: the rules catch what they forbid', () => {
  it('finds a cycle through three folders, and none in a chain', () => {
    const chain = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
    ]);
    assert.deepEqual(cyclesIn(chain), []);
    const loop = new Map([...chain, ['c', new Set(['a'])]]);
    assert.deepEqual(cyclesIn(loop), [['a', 'b', 'c', 'a']]);
  });

  it('places files in their layers and folders', () => {
    assert.equal(layerOf('handlers/aws/ledger/keys.ts'), 'aws');
    assert.equal(layerOf('handlers/sender.ts'), '.');
    assert.equal(folderOf('handlers/aws/ledger/keys.ts'), 'handlers/aws');
    assert.equal(folderOf('tools/zip.mjs'), 'tools');
    assert.ok(IMPURE_MODULES.test('@aws-sdk/client-sqs') && IMPURE_MODULES.test('node:fs/promises'));
    assert.ok(!IMPURE_MODULES.test('node:crypto') && !IMPURE_MODULES.test('zod'));
  });
});
