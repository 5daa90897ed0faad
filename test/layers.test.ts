// The layout's rules, checked on every import of the product code (handlers/, tools/, packages/cli/src/, bin/):
// - handlers/ layers look strictly down: core ← config ← observability ← adapters (aws, db, channels)
//   ← workflows (delivery, planning) ← entry points (the files at handlers/'s top). An import between two folders
//   of handlers/ goes to a lower layer, never to a folder of the same layer; files of one folder import each other
//   freely;
// - no two folders import each other, directly or through others;
// - core and config are pure: no AWS SDK, database driver, network, file system, process.env or fetch;
// - the rest of the product code reaches handlers/ only through handlers/surface.ts, and nothing in handlers/ imports
//   it, so the Lambda bundles never carry it;
// - none of it imports scripts/, bench/ or test/;
// - every file in handlers/ is in a Lambda bundle: reached from an entry point by imports the bundler follows, or
//   reached only by `import type` and holding only types, so handlers/ holds only what the bundles import.
// Each rule is a pure function over the imports, and the last suite feeds each one a violation and a clean case.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { repoRoot } from '../tools/local/bundle.js';

const LAYERS: Readonly<Record<string, number>> = {
  core: 0,
  config: 1,
  observability: 2,
  aws: 3,
  db: 3,
  channels: 3,
  delivery: 4,
  planning: 4,
  '.': 5,
};
const PURE_LAYERS = new Set(['core', 'config']);
const IMPURE_MODULES = new RegExp(
  '^(?:@aws-sdk/|pg(?:-|/|$)|undici(?:/|$)|' +
    '(?:node:)?(?:fs|os|net|tls|dgram|dns|http|https|http2|stream|child_process|worker_threads)(?:/|$))',
);
const ENTRY_POINTS = ['handlers/planner.ts', 'handlers/sender.ts'];
const SURFACE = 'handlers/surface.ts';
const PRODUCT_FOLDERS = ['handlers', 'tools', 'packages/cli/src', 'bin'];

interface Import {
  readonly from: string;
  /** Repository-relative path of the imported file, or the bare module name. */
  readonly to: string;
  readonly local: boolean;
  /**
   * `import type`, `export type ... from` or `typeof import()`: erased, so the bundler never loads the module.
   * `import { type A }` is not: under verbatimModuleSyntax it stays as `import {} from`, and esbuild bundles it.
   */
  readonly typeOnly: boolean;
}
interface Specifier {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

const parse = (file: string, text: string) =>
  ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, /\.m?js$/.test(file) ? ts.ScriptKind.JS : undefined);

/** Every module a source names: static imports and re-exports, dynamic `import()`, and `import()` types. */
function specifiersIn(source: ts.SourceFile): Specifier[] {
  const found: Specifier[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier))
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly === true });
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.push({ specifier: argument.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const { literal } = node.argument;
      if (ts.isStringLiteral(literal)) found.push({ specifier: literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A source the bundler leaves empty: interfaces, type aliases, and type-only imports and re-exports. */
const holdsOnlyTypes = (source: ts.SourceFile) =>
  source.statements.every(
    (statement) =>
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly === true) ||
      (ts.isExportDeclaration(statement) && statement.isTypeOnly),
  );

/** Where a pure layer reads the process's environment or calls the global fetch (comments and strings aside). */
function impureGlobalsIn(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const named = (node: ts.Expression) =>
    node
      .getText(source)
      .replace(/\s+|^\(+|\)+$/g, '')
      .replace(/^globalThis\./, '');
  const report = (node: ts.Node, what: string) =>
    found.push(`${source.fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} uses ${what}`);
  const visit = (node: ts.Node) => {
    const env =
      (ts.isPropertyAccessExpression(node) && node.name.text === 'env') ||
      (ts.isElementAccessExpression(node) &&
        ts.isStringLiteralLike(node.argumentExpression) &&
        node.argumentExpression.text === 'env');
    if (env && named(node.expression) === 'process') report(node, 'process.env');
    if (ts.isCallExpression(node) && named(node.expression) === 'fetch') report(node, 'fetch(');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
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

const sources = new Map(
  PRODUCT_FOLDERS.flatMap(sourceFiles).map((file) => [file, parse(file, readFileSync(join(repoRoot, file), 'utf8'))]),
);
const importsOf = (file: string, source: ts.SourceFile): Import[] =>
  specifiersIn(source).map(({ specifier, typeOnly }) =>
    specifier.startsWith('.')
      ? { from: file, to: resolveLocal(file, specifier), local: true, typeOnly }
      : { from: file, to: specifier, local: false, typeOnly },
  );

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
const rankOf = (file: string) => LAYERS[layerOf(file)];
const withinHandlers = (imports: readonly Import[]) =>
  imports.filter((entry) => entry.local && entry.from.startsWith('handlers/') && entry.to.startsWith('handlers/'));
const describeImport = (entry: Import) => `${entry.from} imports ${entry.to}`;

const upwardImports = (imports: readonly Import[]) =>
  withinHandlers(imports)
    .filter((entry) => (rankOf(entry.to) ?? Number.POSITIVE_INFINITY) > (rankOf(entry.from) ?? -1))
    .map(describeImport);

const sidewaysImports = (imports: readonly Import[]) =>
  withinHandlers(imports)
    .filter((entry) => layerOf(entry.from) !== layerOf(entry.to) && rankOf(entry.from) === rankOf(entry.to))
    .map(describeImport);

const impureImports = (imports: readonly Import[]) =>
  imports
    .filter((entry) => entry.from.startsWith('handlers/') && PURE_LAYERS.has(layerOf(entry.from)))
    .filter((entry) => !entry.local && IMPURE_MODULES.test(entry.to))
    .map(describeImport);

const aroundSurface = (imports: readonly Import[]) =>
  imports
    .filter((entry) => entry.local)
    .filter((entry) =>
      entry.from.startsWith('handlers/')
        ? !entry.to.startsWith('handlers/') || entry.to === SURFACE
        : entry.to.startsWith('handlers/') && entry.to !== SURFACE,
    )
    .map(describeImport);

const outsideImports = (imports: readonly Import[]) =>
  imports.filter((entry) => entry.local && /^(?:scripts|bench|test)\//.test(entry.to)).map(describeImport);

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

function folderEdges(imports: readonly Import[]): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const entry of imports.filter((each) => each.local)) {
    const [from, to] = [folderOf(entry.from), folderOf(entry.to)];
    if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
  }
  return edges;
}

interface Bundling {
  /** The files that must be in a bundle. */
  readonly files: readonly string[];
  readonly imports: readonly Import[];
  readonly entryPoints: readonly string[];
  /** The files that hold only types: reaching them through `import type` alone is enough. */
  readonly typesOnly: ReadonlySet<string>;
}

/** The files no bundle carries: reached by no import from an entry point, or only by type imports yet not types. */
function unbundled({ files, imports, entryPoints, typesOnly }: Bundling): string[] {
  const reached = (follows: (entry: Import) => boolean) => {
    const seen = new Set<string>();
    const pending = [...entryPoints];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      pending.push(...imports.filter((entry) => entry.from === file && follows(entry)).map((entry) => entry.to));
    }
    return seen;
  };
  const [loaded, named] = [reached((entry) => !entry.typeOnly), reached(() => true)];
  return files.flatMap((file) => {
    if (!named.has(file)) return [`${file}: no entry point imports it`];
    if (!loaded.has(file) && !typesOnly.has(file)) return [`${file}: only \`import type\` reaches it, yet it has code`];
    return [];
  });
}

const files = [...sources.keys()];
const handlerFiles = files.filter((file) => file.startsWith('handlers/'));
const imports = [...sources].flatMap(([file, source]) => importsOf(file, source));
const localImports = imports.filter((entry) => entry.local);

describe('layout: imports look only down', () => {
  it('finds the product code and its imports (the check has something to check)', () => {
    const toolFiles = files.filter((file) => file.startsWith('tools/'));
    assert.ok(handlerFiles.length > 40 && toolFiles.length > 30, `${handlerFiles.length} + ${toolFiles.length} files`);
    assert.ok(files.includes('packages/cli/src/start.ts') && files.includes('bin/notifier.mjs'));
    assert.ok(localImports.length > 300, `${localImports.length} local imports`);
    const typeOnly = localImports.filter((entry) => entry.typeOnly).length;
    assert.ok(typeOnly > 50 && localImports.length - typeOnly > 200, `${typeOnly} of them type-only`);
  });

  it('every handlers/ folder has a layer', () => {
    const unknown = [...new Set(handlerFiles.map(layerOf))].filter((layer) => !(layer in LAYERS));
    assert.deepEqual(unknown, [], 'add a new folder of handlers/ to LAYERS in this test, at its layer');
  });

  it('no handlers/ file imports a layer above its own', () => {
    assert.deepEqual(upwardImports(imports), []);
  });

  it('no handlers/ file imports another folder of its own layer', () => {
    assert.deepEqual(sidewaysImports(imports), [], 'move what both folders need down a layer');
  });

  it('core and config load no AWS SDK, database driver, network or file system, nor read process.env or fetch', () => {
    assert.deepEqual(impureImports(imports), []);
    const pure = [...sources].filter(([file]) => file.startsWith('handlers/') && PURE_LAYERS.has(layerOf(file)));
    assert.ok(pure.length > 15, `${pure.length} files in core and config`);
    assert.deepEqual(
      pure.flatMap(([, source]) => impureGlobalsIn(source)),
      [],
    );
  });

  it('no two folders import each other, directly or through others', () => {
    const edges = folderEdges(imports);
    assert.ok(edges.size > 8, 'the folder graph is empty: the import parser found nothing');
    assert.deepEqual(
      cyclesIn(edges).map((cycle) => cycle.join(' → ')),
      [],
    );
  });

  it('the rest reaches handlers/ only through handlers/surface.ts, and handlers/ never imports it', () => {
    assert.deepEqual(aroundSurface(imports), []);
    assert.ok(localImports.some((entry) => entry.from.startsWith('tools/') && entry.to === SURFACE));
  });

  it('the product code imports nothing from scripts/, bench/ or test/', () => {
    assert.deepEqual(outsideImports(imports), []);
  });

  it('every file in handlers/ is bundled: reached from the planner or the sender', () => {
    const typesOnly = new Set(handlerFiles.filter((file) => holdsOnlyTypes(sources.get(file) as ts.SourceFile)));
    assert.ok(typesOnly.size > 0 && typesOnly.size < handlerFiles.length / 2, `${typesOnly.size} files of types`);
    const bundling = { files: handlerFiles.filter((file) => file !== SURFACE), imports, entryPoints: ENTRY_POINTS };
    assert.deepEqual(
      unbundled({ ...bundling, typesOnly }),
      [],
      'a file no Lambda imports belongs in tools/ (or is dead code)',
    );
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
  const edge = (from: string, to: string, typeOnly = false): Import => ({ from, to, local: true, typeOnly });
  const module = (from: string, to: string): Import => ({ from, to, local: false, typeOnly: false });

  it('reads which imports the bundler follows', () => {
    const source = parse(
      'a.ts',
      [
        "import type { A } from './types.js';",
        "import { type B } from './kept.js';",
        "import { c, type C } from './mixed.js';",
        "import './effect.js';",
        "export type { D } from './types-again.js';",
        "export * from './all.js';",
        "type E = typeof import('./typed.js');",
        "const f = () => import('./lazy.js');",
      ].join('\n'),
    );
    assert.deepEqual(
      specifiersIn(source).map(({ specifier, typeOnly }) => `${specifier}${typeOnly ? ' (type)' : ''}`),
      [
        './types.js (type)',
        './kept.js',
        './mixed.js',
        './effect.js',
        './types-again.js (type)',
        './all.js',
        './typed.js (type)',
        './lazy.js',
      ],
    );
  });

  it('tells a file of types from one with code', () => {
    const types =
      "import type { A } from './a.js';\nexport interface B { a: A }\nexport type C = B;\nexport type { A };";
    assert.ok(holdsOnlyTypes(parse('types.ts', types)));
    assert.ok(!holdsOnlyTypes(parse('code.ts', `${types}\nexport const d = 1;`)));
    assert.ok(!holdsOnlyTypes(parse('enum.ts', 'export enum E { A }')));
    assert.ok(!holdsOnlyTypes(parse('kept.ts', "import { type A } from './a.js';\nexport type B = A;")));
  });

  it('flags an import up a layer, and accepts one down', () => {
    assert.deepEqual(upwardImports([edge('handlers/core/task.ts', 'handlers/config/schema.ts')]), [
      'handlers/core/task.ts imports handlers/config/schema.ts',
    ]);
    assert.deepEqual(upwardImports([edge('handlers/aws/ledger/keys.ts', 'handlers/delivery/index.ts', true)]), [
      'handlers/aws/ledger/keys.ts imports handlers/delivery/index.ts',
    ]);
    assert.deepEqual(upwardImports([edge('handlers/aws/queue.ts', 'handlers/observability/log.ts')]), []);
  });

  it('flags an import across one layer, and accepts one within a folder or down', () => {
    assert.deepEqual(sidewaysImports([edge('handlers/delivery/index.ts', 'handlers/planning/index.ts', true)]), [
      'handlers/delivery/index.ts imports handlers/planning/index.ts',
    ]);
    assert.deepEqual(sidewaysImports([edge('handlers/aws/secrets.ts', 'handlers/db/audience.ts')]), [
      'handlers/aws/secrets.ts imports handlers/db/audience.ts',
    ]);
    const clean = [
      edge('handlers/aws/ledger/runs.ts', 'handlers/aws/dynamo.ts'),
      edge('handlers/sender.ts', 'handlers/env.ts'),
      edge('handlers/delivery/index.ts', 'handlers/channels/index.ts'),
    ];
    assert.deepEqual(sidewaysImports(clean), []);
  });

  it('flags a pure layer loading I/O, and accepts it elsewhere', () => {
    const io = ['@aws-sdk/client-sqs', 'pg', 'pg-cursor', 'undici', 'node:fs/promises', 'fs', 'node:os', 'node:stream']
      .concat(['node:http2', 'node:worker_threads', 'node:dgram', 'node:dns', 'node:net', 'node:tls'])
      .concat(['node:child_process', 'node:http', 'node:https']);
    const loads = io.map((name) => module('handlers/config/hosts.ts', name));
    assert.equal(impureImports(loads).length, io.length);
    assert.deepEqual(impureImports(io.map((name) => module('handlers/aws/queue.ts', name))), []);
    const fine = ['node:crypto', 'node:perf_hooks', 'zod', 'pgp', 'osmosis'];
    assert.deepEqual(impureImports(fine.map((name) => module('handlers/core/ids.ts', name))), []);
  });

  it('flags process.env and a global fetch in source, but not in comments or on other objects', () => {
    const code = [
      'const a = process.env.HOSTS;',
      "const b = process['env'];",
      'const c = globalThis.process.env;',
      'await fetch(url);',
      'await globalThis.fetch(url);',
    ].join('\n');
    assert.deepEqual(impureGlobalsIn(parse('core/x.ts', code)), [
      'core/x.ts:1 uses process.env',
      'core/x.ts:2 uses process.env',
      'core/x.ts:3 uses process.env',
      'core/x.ts:4 uses fetch(',
      'core/x.ts:5 uses fetch(',
    ]);
    const clean =
      "// process.env and fetch( are for adapters\nconst d = config.env;\nclient.fetch(1);\nconst e = 'fetch(';";
    assert.deepEqual(impureGlobalsIn(parse('core/y.ts', clean)), []);
  });

  it('flags an import past the surface or into handlers/ from outside, and accepts the surface', () => {
    const around = [
      edge('tools/cli/run.ts', 'handlers/core/ids.ts', true),
      edge('packages/cli/src/start.ts', 'handlers/aws/queue.ts'),
      edge('handlers/delivery/index.ts', 'tools/common/window.ts'),
      edge('handlers/sender.ts', SURFACE),
    ];
    assert.equal(aroundSurface(around).length, around.length);
    assert.deepEqual(
      aroundSurface([edge('tools/cli/run.ts', SURFACE), edge('bin/notifier.mjs', 'tools/cli/bin.ts')]),
      [],
    );
  });

  it('flags an import of scripts/, bench/ or test/, and accepts the rest', () => {
    const outside = [
      edge('bin/notifier.mjs', 'scripts/build.mjs'),
      edge('packages/cli/src/start.ts', 'test/support/io.ts', true),
      edge('handlers/core/ids.ts', 'bench/run.ts'),
    ];
    assert.equal(outsideImports(outside).length, outside.length);
    assert.deepEqual(outsideImports([edge('tools/cli/run.ts', 'tools/testing.ts'), module('a.ts', 'test')]), []);
  });

  it('finds a cycle through three folders, and none in a chain', () => {
    const chain = [edge('a/x/1.ts', 'b/y/2.ts'), edge('b/y/3.ts', 'c/z/4.ts'), edge('a/x/1.ts', 'a/x/5.ts')];
    assert.deepEqual(cyclesIn(folderEdges(chain)), []);
    const loop = [...chain, edge('c/z/4.ts', 'a/x/6.ts')];
    assert.deepEqual(cyclesIn(folderEdges(loop)), [['a/x', 'b/y', 'c/z', 'a/x']]);
  });

  it('flags a file no entry point reaches, and one only a type import reaches that has code', () => {
    const bundling = {
      files: ['h/entry.ts', 'h/code.ts', 'h/types.ts', 'h/typed-code.ts', 'h/orphan.ts'],
      imports: [edge('h/entry.ts', 'h/code.ts'), edge('h/code.ts', 'h/types.ts', true)],
      entryPoints: ['h/entry.ts'],
      typesOnly: new Set(['h/types.ts']),
    };
    assert.deepEqual(unbundled(bundling), [
      'h/typed-code.ts: no entry point imports it',
      'h/orphan.ts: no entry point imports it',
    ]);
    const typed = { ...bundling, imports: [...bundling.imports, edge('h/code.ts', 'h/typed-code.ts', true)] };
    assert.deepEqual(unbundled({ ...typed, files: typed.files.slice(0, 4) }), [
      'h/typed-code.ts: only `import type` reaches it, yet it has code',
    ]);
    const loaded = { ...typed, imports: [...typed.imports, edge('h/entry.ts', 'h/typed-code.ts')] };
    assert.deepEqual(unbundled({ ...loaded, files: loaded.files.slice(0, 4) }), []);
  });

  it('places files in their layers and folders', () => {
    assert.equal(layerOf('handlers/aws/ledger/keys.ts'), 'aws');
    assert.equal(layerOf('handlers/sender.ts'), '.');
    assert.equal(folderOf('handlers/aws/ledger/keys.ts'), 'handlers/aws');
    assert.equal(folderOf('tools/zip.mjs'), 'tools');
  });
});
