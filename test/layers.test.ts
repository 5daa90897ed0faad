// The layout's import rules are dependency-cruiser's (.dependency-cruiser.cjs, run by `npm run deps` and `npm test`).
// This file holds what no rule there can express, each tested on a violation of its own:
// - core and config read no process.env and call no global fetch: globals, which no import names;
// - a file of handlers/ that no entry point loads holds only types: dependency-cruiser's `reachable` follows every
//   import, `import type` included, so it finds the files no import reaches, not the ones esbuild leaves out;
// - the README's Layout section names every folder.
// It also cruises a fixture tree with the config: each rule flags its violations there, and nothing else.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cruise, type ICruiseResult, type IModule } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import ts from 'typescript';
import { repoRoot } from '../tools/local/bundle.js';

const PRODUCT_FOLDERS = ['handlers', 'tools', 'packages/cli/src', 'bin'];
const ENTRY_POINTS = ['handlers/planner.ts', 'handlers/sender.ts', 'handlers/receiver.ts'];
const PURE = /^handlers\/(?:core|config)\//;

/** The product code's modules under the repository's config, or a fixture tree's under the same config. */
async function cruiseWithConfig(baseDir: string, folders: readonly string[]): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(join(repoRoot, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(join(repoRoot, 'tsconfig.json'));
  const { output } = await cruise([...folders], { ...options, baseDir }, {}, { tsConfig });
  return output as ICruiseResult;
}

const parse = (file: string, text: string) =>
  ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, /\.m?js$/.test(file) ? ts.ScriptKind.JS : undefined);

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

/**
 * The files of handlers/ an entry point reaches only through type imports, yet that hold code: the bundles leave
 * them out. dependency-cruiser counts `import { type A }` as type-only too, though esbuild keeps it under
 * verbatimModuleSyntax: the check is stricter there, never looser.
 */
function typeReachedCode(modules: readonly IModule[], typesOnly: (file: string) => boolean): string[] {
  const bySource = new Map(modules.map((module) => [module.source, module]));
  const loads = (types: readonly string[]) => !types.includes('type-only') && !types.includes('type-import');
  const reached = (follows: (types: readonly string[]) => boolean) => {
    const seen = new Set<string>();
    const pending = [...ENTRY_POINTS];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      for (const dependency of bySource.get(file)?.dependencies ?? [])
        if (follows(dependency.dependencyTypes)) pending.push(dependency.resolved);
    }
    return seen;
  };
  const [loaded, named] = [reached(loads), reached(() => true)];
  return [...named]
    .filter((file) => file.startsWith('handlers/') && !loaded.has(file) && !typesOnly(file))
    .map((file) => `${file}: only \`import type\` reaches it, yet it has code`);
}

const sourceOf = (root: string, file: string) => parse(file, readFileSync(join(root, file), 'utf8'));

describe('layout: what dependency-cruiser cannot check', () => {
  let modules: IModule[] = [];
  before(async () => {
    modules = (await cruiseWithConfig(repoRoot, PRODUCT_FOLDERS)).modules;
  });
  const files = () => modules.map((module) => module.source).filter((file) => !/^\.\.\/|node_modules\//.test(file));

  it('cruises the product code and its imports (the checks have something to check)', () => {
    const local = modules
      .flatMap((module) => module.dependencies)
      .filter((dep) => dep.dependencyTypes.includes('local'));
    const typeOnly = local.filter((dep) => dep.dependencyTypes.includes('type-only')).length;
    assert.ok(files().filter((file) => file.startsWith('handlers/')).length > 40, `${files().length} files`);
    assert.ok(typeOnly > 50 && local.length - typeOnly > 200, `${typeOnly} of ${local.length} local imports type-only`);
  });

  it('core and config neither read process.env nor call fetch', () => {
    const pure = files().filter((file) => PURE.test(file));
    assert.ok(pure.length > 15, `${pure.length} files in core and config`);
    assert.deepEqual(
      pure.flatMap((file) => impureGlobalsIn(sourceOf(repoRoot, file))),
      [],
    );
  });

  it('a file of handlers/ only `import type` reaches holds only types', () => {
    const typesOnly = files().filter(
      (file) => file.startsWith('handlers/') && holdsOnlyTypes(sourceOf(repoRoot, file)),
    );
    assert.ok(typesOnly.length > 0, 'no file of types: the check would check nothing');
    assert.deepEqual(
      typeReachedCode(modules, (file) => typesOnly.includes(file)),
      [],
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

/** A tree that breaks each rule once, beside imports the rules allow (marked "fine"). */
const FIXTURE: Readonly<Record<string, string>> = {
  'handlers/planner.ts': [
    "import './core/a.js';",
    "import type { T } from './core/types.js';", // fine: a file of types
    "import type { K } from './core/kinds.js';", // only a type import reaches code
    "import './extra/h.js';",
    'export type U = T | K;',
  ].join('\n'),
  'handlers/sender.ts': ["import './delivery/f.js';", "import './aws/d.js';", "import './env.js';"].join('\n'),
  'handlers/env.ts': "import './aws/ledger/k.js';", // fine: down
  'handlers/core/a.ts': "import '../config/b.js';",
  'handlers/core/types.ts': 'export interface T {\n  a: 1;\n}',
  'handlers/core/kinds.ts': 'export type K = 2;\nexport const k = 2;',
  'handlers/config/b.ts': [
    "import 'node:fs';",
    "import '@aws-sdk/client-sqs';",
    "import type { C } from '../observability/c.js';",
    'export type B = C;',
  ].join('\n'),
  'handlers/observability/c.ts': "import type { Q } from '../aws/q.js';\nexport type C = Q;",
  'handlers/aws/d.ts': "import '../db/e.js';\nimport '../delivery/f.js';",
  'handlers/aws/q.ts': 'export type Q = 1;',
  'handlers/aws/ledger/k.ts': "import '../q.js';", // fine: within a folder
  'handlers/db/e.ts': "import './missing.js';",
  'handlers/delivery/f.ts': [
    "import '../planning/g.js';",
    "import '../env.js';",
    "import '../../packages/cli/src/p.js';",
    "import '../channels/m.js';", // fine: down
  ].join('\n'),
  'handlers/planning/g.ts': 'export const g = 1;',
  'handlers/channels/m.ts': "import '../surface.js';",
  'handlers/extra/h.ts': 'export const h = 1;',
  'handlers/orphan.ts': 'export const o = 1;',
  'handlers/surface.ts': "export * from './core/a.js';",
  'tools/x.ts': "import '../test/y.js';",
  'packages/cli/src/p.ts': 'export const p = 1;',
  'tools/zip.mjs': "import './common/w.js';",
  'tools/cli/run.ts':
    "import '../../handlers/surface.js';\nimport '../../handlers/core/a.js';\nimport '../local/z.js';",
  'tools/local/z.ts': "import '../cli/w.js';\nimport '../zip.mjs';", // fine: tools/'s top
  'tools/cli/w.ts': 'export const w = 1;',
  'tools/common/w.ts': 'export const w = 1;',
  'bin/n.mjs': "import '../tools/cli/run.js';", // fine
  'test/y.ts': 'export const y = 1;',
};

describe('layout: the rules catch what they forbid', () => {
  let root = '';
  let result: ICruiseResult | undefined;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'layout-'));
    for (const [file, text] of Object.entries(FIXTURE)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), `${text}\n`);
    }
    result = await cruiseWithConfig(root, ['handlers', 'tools', 'bin']);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("dependency-cruiser's config flags each violation, and none of the allowed imports", () => {
    const found = result?.summary.violations ?? [];
    const violations = found.map(({ rule, from, to }) => `${rule.name}: ${from} → ${to}`);
    assert.deepEqual(violations.sort(), [
      'adapters-look-down: handlers/aws/d.ts → handlers/delivery/f.ts',
      'adapters-look-down: handlers/channels/m.ts → handlers/surface.ts',
      'adapters-not-sideways: handlers/aws/d.ts → handlers/db/e.ts',
      'config-looks-down: handlers/config/b.ts → handlers/observability/c.ts',
      'core-looks-down: handlers/core/a.ts → handlers/config/b.ts',
      'handlers-all-bundled: handlers/orphan.ts → handlers/orphan.ts',
      'handlers-folder-has-layer: handlers/planner.ts → handlers/extra/h.ts',
      'handlers-import-only-handlers: handlers/delivery/f.ts → packages/cli/src/p.ts',
      'no-folder-cycle: tools/cli → tools/local',
      'no-folder-cycle: tools/local → tools/cli',
      'not-to-unresolvable: handlers/config/b.ts → @aws-sdk/client-sqs',
      'not-to-unresolvable: handlers/db/e.ts → ./missing.js',
      'observability-looks-down: handlers/observability/c.ts → handlers/aws/q.ts',
      'outside-through-surface: tools/cli/run.ts → handlers/core/a.ts',
      'product-not-to-scripts-bench-test: tools/x.ts → test/y.ts',
      'pure-layers-load-no-io: handlers/config/b.ts → @aws-sdk/client-sqs',
      'pure-layers-load-no-io: handlers/config/b.ts → fs',
      'surface-not-in-bundles: handlers/sender.ts → handlers/surface.ts',
      'tools-top-files-look-down: tools/zip.mjs → tools/common/w.ts',
      'workflows-look-down: handlers/delivery/f.ts → handlers/env.ts',
      'workflows-not-sideways: handlers/delivery/f.ts → handlers/planning/g.ts',
    ]);
  });

  it('flags a file only a type import reaches that has code, and accepts one of types', () => {
    const typesOnly = (file: string) => holdsOnlyTypes(sourceOf(root, file));
    assert.deepEqual(typeReachedCode(result?.modules ?? [], typesOnly), [
      'handlers/core/kinds.ts: only `import type` reaches it, yet it has code',
    ]);
  });

  it('tells a file of types from one with code', () => {
    const types =
      "import type { A } from './a.js';\nexport interface B { a: A }\nexport type C = B;\nexport type { A };";
    assert.ok(holdsOnlyTypes(parse('types.ts', types)));
    assert.ok(!holdsOnlyTypes(parse('code.ts', `${types}\nexport const d = 1;`)));
    assert.ok(!holdsOnlyTypes(parse('enum.ts', 'export enum E { A }')));
    assert.ok(!holdsOnlyTypes(parse('kept.ts', "import { type A } from './a.js';\nexport type B = A;")));
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
});
