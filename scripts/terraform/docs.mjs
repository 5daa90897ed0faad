#!/usr/bin/env node
// Generates the inputs/outputs tables of the Terraform module from variables.tf and outputs.tf and writes them
// between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS --> in README.md. No dependencies.
//
//   node scripts/terraform/docs.mjs           # rewrite README.md
//   node scripts/terraform/docs.mjs --check   # exit 1 when README.md is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BEGIN = '<!-- BEGIN_TF_DOCS -->';
const END = '<!-- END_TF_DOCS -->';

/** Index just past the block or expression closing the bracket at `open`, skipping strings, heredocs and comments. */
function skipBalanced(text, open) {
  const pairs = { '{': '}', '(': ')', '[': ']' };
  const stack = [];
  let i = open;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = skipString(text, i);
      continue;
    }
    if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      i = text.indexOf('\n', i);
      if (i === -1) return text.length;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i) + 2;
      continue;
    }
    if (c === '<' && text[i + 1] === '<') {
      i = skipHeredoc(text, i);
      continue;
    }
    if (pairs[c]) stack.push(pairs[c]);
    else if (c === stack.at(-1)) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
    i += 1;
  }
  throw new Error(`unbalanced bracket at offset ${open}`);
}

/** Index just past the string starting at `start`, including ${...} interpolations. */
function skipString(text, start) {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else if (c === '$' && text[i + 1] === '{') i = skipBalanced(text, i + 1);
    else i += 1;
  }
  throw new Error(`unterminated string at offset ${start}`);
}

function skipHeredoc(text, start) {
  const match = /^<<-?([A-Za-z_]+)\n/.exec(text.slice(start));
  if (!match) return start + 2;
  const end = new RegExp(`\\n[ \\t]*${match[1]}[ \\t]*(?=\\n|$)`).exec(text.slice(start + match[0].length - 1));
  return start + match[0].length - 1 + end.index + end[0].length;
}

/** Top-level `name = expression` attributes of a block body (nested blocks are skipped). */
function attributes(body) {
  const result = {};
  let i = 0;
  while (i < body.length) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(=|\{)/.exec(body.slice(i));
    if (!match) {
      const next = body.indexOf('\n', i);
      if (next === -1) break;
      i = next + 1;
      continue;
    }
    const valueStart = i + match[0].length;
    if (match[2] === '{') {
      i = skipBalanced(body, valueStart - 1);
      continue;
    }
    let j = valueStart;
    while (j < body.length && body[j] !== '\n') {
      const c = body[j];
      if (c === '"') j = skipString(body, j);
      else if (c === '{' || c === '(' || c === '[') j = skipBalanced(body, j);
      else if (c === '<' && body[j + 1] === '<') j = skipHeredoc(body, j);
      else if (c === '#') j = body.indexOf('\n', j) === -1 ? body.length : body.indexOf('\n', j);
      else j += 1;
    }
    result[match[1]] = body.slice(valueStart, j).trim();
    i = j;
  }
  return result;
}

function blocks(text, kind) {
  const found = [];
  const pattern = new RegExp(`^${kind}\\s+"([^"]+)"\\s*\\{`, 'gm');
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const open = match.index + match[0].length - 1;
    const close = skipBalanced(text, open);
    found.push({ name: match[1], ...attributes(text.slice(open + 1, close - 1)) });
    pattern.lastIndex = close;
  }
  return found;
}

function stringValue(expression) {
  if (!expression) return '';
  const heredoc = /^<<-?([A-Za-z_]+)\n([\s\S]*?)\n[ \t]*\1\s*$/.exec(expression);
  if (heredoc) return heredoc[2].split('\n').map((line) => line.trim()).join(' ').trim();
  if (expression.startsWith('"')) return JSON.parse(expression.replace(/\$\{/g, '$${'));
  return expression;
}

/** One line: object attributes on separate lines become comma-separated, whitespace collapses. */
function compact(expression) {
  const lines = expression
    .replace(/#[^\n]*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const joined = lines.reduce((text, line) => {
    if (!text) return line;
    const separator = /[{([,]$/.test(text) || /^[})\]]/.test(line) ? ' ' : ', ';
    return text + separator + line;
  }, '');
  return joined
    .replace(/\s+/g, ' ')
    .replace(/,\s*([}\])])/g, ' $1')
    .replace(/([{([])\s+/g, '$1 ')
    .replace(/\(\s/g, '(')
    .replace(/\s\)/g, ')')
    .trim();
}

const cell = (text) => text.replace(/\|/g, '\\|');
const code = (text) => (text.includes('`') ? `<code>${cell(text)}</code>` : `\`${cell(text)}\``);

export function render() {
  const variables = blocks(readFileSync(join(root, 'variables.tf'), 'utf8'), 'variable');
  const outputs = blocks(readFileSync(join(root, 'outputs.tf'), 'utf8'), 'output');
  const lines = [
    BEGIN,
    '<!-- Generated by `node scripts/terraform/docs.mjs` from variables.tf and outputs.tf: do not edit by hand. -->',
    '',
    '### Inputs',
    '',
    '| Name | Description | Type | Default | Required |',
    '|------|-------------|------|---------|:--------:|',
    ...variables.map((v) =>
      [
        '',
        code(v.name),
        cell(stringValue(v.description)),
        code(compact(v.type ?? 'any')),
        v.default === undefined ? 'n/a' : code(compact(v.default)),
        v.default === undefined ? 'yes' : 'no',
        '',
      ].join(' | ').trim(),
    ),
    '',
    '### Outputs',
    '',
    '| Name | Description |',
    '|------|-------------|',
    ...outputs.map((o) => `| ${code(o.name)} | ${cell(stringValue(o.description))} |`),
    END,
  ];
  return lines.join('\n');
}

const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const begin = readme.indexOf(BEGIN);
const end = readme.indexOf(END);
if (begin === -1 || end === -1 || end < begin) {
  console.error(`README.md needs the markers ${BEGIN} and ${END}`);
  process.exit(2);
}
const updated = readme.slice(0, begin) + render() + readme.slice(end + END.length);

if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error('README.md: the Terraform inputs/outputs tables are stale; run `node scripts/terraform/docs.mjs`.');
    process.exit(1);
  }
  console.log('README.md: Terraform inputs/outputs tables are up to date');
} else if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log('README.md: Terraform inputs/outputs tables updated');
} else {
  console.log('README.md: Terraform inputs/outputs tables already up to date');
}
