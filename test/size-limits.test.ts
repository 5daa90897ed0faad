// Size limits of the shipped code and its tools (handlers/ and tools/), so each function stays readable:
// - no function over 80 lines from its first line to its last: Biome's complexity/noExcessiveLinesPerFunction (78
//   lines of body, biome.json), which `npm run lint` runs; a function that must stay longer carries
//   `// biome-ignore lint/complexity/noExcessiveLinesPerFunction: one function because <reason>`. This file only
//   checks that the rule stays configured;
// - no line over 120 characters but one that holds only a URL: Biome's formatter holds code to 120, but it never
//   breaks a string or a comment, so this file holds those to it too.
// Files have no cap: a file holds one concept, however long it needs to be, and a cap would split concepts by size.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../tools/local/bundle.js';

/** Lines of a function's body Biome allows: 80 lines from the function's first line to its last. */
const MAX_BODY_LINES = 78;
/** Biome formats code at this width; strings and comments are kept within it too. A line holding only a URL may not. */
const MAX_LINE_WIDTH = 120;
const URL_ONLY = /^\s*(?:\/\/|\*)?\s*['"`]?https?:\/\/\S+['"`]?[;,]?\s*$/;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(repoRoot, folder)).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(join(repoRoot, path)).isDirectory()) return sourceFiles(path);
    return /\.(?:ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') && !name.endsWith('.d.mts') ? [path] : [];
  });
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

interface BiomeOverride {
  readonly includes?: readonly string[];
  readonly linter?: { readonly rules?: Record<string, Record<string, unknown>> };
}

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

  it('Biome holds every function of handlers/ and tools/ to 80 lines', () => {
    const biome = JSON.parse(readFileSync(join(repoRoot, 'biome.json'), 'utf8')) as { overrides: BiomeOverride[] };
    const override = biome.overrides.find(
      (entry) => entry.includes?.includes('handlers/**') && entry.includes.includes('tools/**'),
    );
    assert.deepEqual(override?.linter?.rules?.complexity?.noExcessiveLinesPerFunction, {
      level: 'error',
      options: { maxLines: MAX_BODY_LINES },
    });
  });
});

describe('size limits: the check catches what it forbids', () => {
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
});
