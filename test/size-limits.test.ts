// Size limits of the shipped code and its tools (handlers/ and tools/), so each function stays readable:
// - no line over 120 characters but one that holds only a URL;
// - no function (declaration, expression, arrow, method, accessor, constructor) over 80 lines, from its first line
//   to its last, unless the comment directly above it (or above the variable or property that holds it) says it is
//   "one function because" of a stated reason.
// Files have no cap: a file holds one concept, however long it needs to be, and a cap would split concepts by size.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { repoRoot } from '../tools/local/bundle.js';

const MAX_FUNCTION_LINES = 80;
/** Biome formats code at this width; strings and comments are kept within it too. A line holding only a URL may not. */
const MAX_LINE_WIDTH = 120;
const URL_ONLY = /^\s*(?:\/\/|\*)?\s*['"`]?https?:\/\/\S+['"`]?[;,]?\s*$/;
/** The phrase an over-long function's comment carries, followed by its reason. */
const EXEMPTION = /\bone function because\s+\w+/i;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(repoRoot, folder)).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(join(repoRoot, path)).isDirectory()) return sourceFiles(path);
    return /\.(?:ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') && !name.endsWith('.d.mts') ? [path] : [];
  });
}

type FunctionNode =
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction
  | ts.MethodDeclaration
  | ts.AccessorDeclaration
  | ts.ConstructorDeclaration;

function isFunction(node: ts.Node): node is FunctionNode {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isConstructorDeclaration(node)
  );
}

/** The node a function expression is the value of (`const f = () => ...`, `{ f: function () {} }`), or itself. */
function holderOf(node: FunctionNode): ts.Node {
  let holder: ts.Node = node;
  for (;;) {
    const parent: ts.Node = holder.parent;
    if (
      ts.isParenthesizedExpression(parent) ||
      ts.isAsExpression(parent) ||
      ts.isSatisfiesExpression(parent) ||
      ts.isVariableDeclaration(parent) ||
      ts.isVariableDeclarationList(parent) ||
      ts.isVariableStatement(parent) ||
      ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isExportAssignment(parent)
    )
      holder = parent;
    else return holder;
  }
}

/** The text of the comments directly above a node: the last run of leading comments with no blank line inside. */
function commentAbove(node: ts.Node, text: string): string {
  const ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  const above: string[] = [];
  let next = node.getStart();
  for (const range of [...ranges].reverse()) {
    if ((text.slice(range.end, next).match(/\n/g)?.length ?? 0) > 1) break;
    above.unshift(text.slice(range.pos, range.end));
    next = range.pos;
  }
  return above
    .join('\n')
    .replace(/^\s*(?:\/\/+|\/\*+|\*\/|\*)/gm, ' ')
    .replace(/\*\/\s*$/, ' ')
    .replace(/\s+/g, ' ');
}

function nameOf(node: FunctionNode, holder: ts.Node): string {
  const named = (candidate: ts.Node): string | undefined => {
    const name = (candidate as { name?: ts.Node }).name;
    return name && (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name))
      ? name.text
      : undefined;
  };
  let own = ts.isConstructorDeclaration(node) ? 'constructor' : named(node);
  if (own === undefined && ts.isVariableStatement(holder))
    own = named(holder.declarationList.declarations[0] as ts.Node);
  if (own === undefined && holder !== node) own = named(holder);
  if (ts.isGetAccessorDeclaration(node)) own = `get ${own}`;
  if (ts.isSetAccessorDeclaration(node)) own = `set ${own}`;
  const owner = ts.isClassLike(node.parent) ? node.parent.name?.text : undefined;
  return `${owner ? `${owner}.` : ''}${own ?? '(anonymous)'}`;
}

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly lines: number;
}

const describeViolation = (entry: Violation) => `${entry.file}:${entry.line} ${entry.name} (${entry.lines} lines)`;

/** Every function of a source over MAX_FUNCTION_LINES whose comment does not say why it is one function. */
function longFunctions(file: string, text: string): Violation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Violation[] = [];
  const visit = (node: ts.Node) => {
    if (isFunction(node)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const lines = source.getLineAndCharacterOfPosition(node.end).line - first + 1;
      const holder = holderOf(node);
      const exempt = [node, holder].some((candidate) => EXEMPTION.test(commentAbove(candidate, text)));
      if (lines > MAX_FUNCTION_LINES && !exempt)
        found.push({ file, line: first + 1, name: nameOf(node, holder), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Lines wider than MAX_LINE_WIDTH, as file:line (width). */
function wideLines(file: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, index) =>
      line.length > MAX_LINE_WIDTH && !URL_ONLY.test(line) ? [`${file}:${index + 1} (${line.length})`] : [],
    );
}

const files = [...sourceFiles('handlers'), ...sourceFiles('tools')].map((file) => ({
  file,
  text: readFileSync(join(repoRoot, file), 'utf8'),
}));

describe('size limits: handlers/ and tools/', () => {
  it('finds the shipped code and its tools (the check has something to check)', () => {
    assert.ok(files.length > 70, `${files.length} files`);
    assert.ok(files.some(({ file }) => file.endsWith('.mjs')) && files.some(({ file }) => file.endsWith('.ts')));
  });

  it(`no line is wider than ${MAX_LINE_WIDTH} characters, unless it holds only a URL`, () => {
    assert.deepEqual(
      files.flatMap(({ file, text }) => wideLines(file, text)),
      [],
    );
  });

  it(`no function is over ${MAX_FUNCTION_LINES} lines unless its comment says why it is "one function because"`, () => {
    assert.deepEqual(files.flatMap(({ file, text }) => longFunctions(file, text)).map(describeViolation), []);
  });
});

describe('size limits: the checks catch what they forbid', () => {
  const body = (lines: number) => Array.from({ length: lines - 2 }, (_, index) => `  const v${index} = ${index};`);
  const fn = (header: string, lines: number, close = '}') => [header, ...body(lines), close].join('\n');

  it('flags an 81-line function with its file, line and name, and accepts 80 lines', () => {
    const source = `import x from 'y';\n\n${fn('export function tooLong() {', 81)}\n`;
    assert.deepEqual(longFunctions('a.ts', source).map(describeViolation), ['a.ts:3 tooLong (81 lines)']);
    assert.deepEqual(longFunctions('a.ts', fn('function fits() {', 80)), []);
  });

  it('accepts an 81-line function whose comment says why it is one function, and only that phrase', () => {
    const why = '/**\n * Reads the page.\n * This is one function because the steps share a transaction.\n */\n';
    assert.deepEqual(longFunctions('a.ts', `${why}${fn('function reasoned() {', 81)}`), []);
    const wrapped = '// Kept as one function\n// because splitting it would hide the order of the writes.\n';
    assert.deepEqual(longFunctions('a.ts', `${wrapped}${fn('function wrapped() {', 81)}`), []);
    const vague = '/** A long function. */\n';
    assert.equal(longFunctions('a.ts', `${vague}${fn('function vague() {', 81)}`).length, 1);
    const bare = '// one function because\n';
    assert.equal(longFunctions('a.ts', `${bare}${fn('function bare() {', 81)}`).length, 1);
  });

  it('flags a wide line of code, string or comment, and lets a line holding only a URL through', () => {
    const wide = 'x'.repeat(MAX_LINE_WIDTH);
    assert.deepEqual(wideLines('a.ts', `const a = 1;\nconst b = '${wide}';\n// ${wide}`), [
      `a.ts:2 (${MAX_LINE_WIDTH + 13})`,
      `a.ts:3 (${MAX_LINE_WIDTH + 3})`,
    ]);
    assert.deepEqual(
      wideLines('a.ts', `const u =\n  'https://example.com/${wide}';\n * https://example.com/${wide}`),
      [],
    );
    assert.equal(wideLines('a.ts', `const u = 'https://example.com/${wide}';`).length, 1);
  });

  it('reads the comment directly above, not one a blank line away or inside the function', () => {
    const far = `// one function because of a reason\n\n${fn('function far() {', 81)}`;
    assert.equal(longFunctions('a.ts', far).length, 1);
    const inside = fn('function inside() {\n  // one function because of a reason', 81);
    assert.equal(longFunctions('a.ts', inside).length, 1);
  });

  it('names arrows, methods, accessors and constructors, and reads the comment of what holds them', () => {
    const source = [
      fn('export const arrow = async () => {', 81, '};'),
      '// one function because the steps share one lock',
      fn('const held = () => {', 81, '};'),
      'class Box {',
      fn('  constructor() {', 81),
      fn('  method() {', 81),
      fn('  get size() {', 81),
      '}',
      'const table = {',
      fn('  entry: function () {', 81, '},'),
      fn('  inner() { return () => {', 81, '}; },'),
      '};',
    ].join('\n');
    assert.deepEqual(
      longFunctions('a.ts', source).map((entry) => entry.name),
      ['arrow', 'Box.constructor', 'Box.method', 'Box.get size', 'entry', 'inner', '(anonymous)'],
    );
  });
});
