// Just enough HCL to document a module: top-level blocks with their line, attribute source text, and the literal
// values variables may default to. Expressions are never evaluated beyond literals: a default that calls a function
// or references anything is an error naming it, because terraform-docs could not show it either.

/** Index just past the block or expression closing the bracket at `open`, skipping strings, heredocs and comments. */
export function skipBalanced(text, open) {
  const pairs = { '{': '}', '(': ')', '[': ']' };
  const stack = [];
  let i = open;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') i = skipString(text, i);
    else if (c === '#' || (c === '/' && text[i + 1] === '/')) i = lineEnd(text, i);
    else if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i) + 2;
    else if (c === '<' && text[i + 1] === '<') i = skipHeredoc(text, i);
    else {
      if (pairs[c]) stack.push(pairs[c]);
      else if (c === stack.at(-1)) {
        stack.pop();
        if (stack.length === 0) return i + 1;
      }
      i += 1;
    }
  }
  throw new Error(`unbalanced bracket at offset ${open}`);
}

const lineEnd = (text, i) => (text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i));

/** Index just past the quoted string starting at `start`, including ${...} interpolations. */
function skipString(text, start) {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else if ((c === '$' || c === '%') && text[i + 1] === '{') i = skipBalanced(text, i + 1);
    else i += 1;
  }
  throw new Error(`unterminated string at offset ${start}`);
}

/** Index just past the heredoc starting at `start` (its closing marker line), or past `<<` when it is not one. */
function skipHeredoc(text, start) {
  const match = /^<<-?([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(text.slice(start));
  if (!match) return start + 2;
  const bodyStart = start + match[0].length;
  const end = new RegExp(`^[ \\t]*${match[1]}[ \\t]*$`, 'm').exec(text.slice(bodyStart));
  if (!end) throw new Error(`unterminated heredoc ${match[1]} at offset ${start}`);
  return bodyStart + end.index + end[0].length;
}

/** Index where the expression starting at `start` ends: the end of its line, outside brackets, strings and heredocs. */
function expressionEnd(body, start) {
  let j = start;
  while (j < body.length && body[j] !== '\n') {
    const c = body[j];
    if (c === '"') j = skipString(body, j);
    else if (c === '{' || c === '(' || c === '[') j = skipBalanced(body, j);
    else if (c === '<' && body[j + 1] === '<') j = skipHeredoc(body, j);
    else if (c === '#' || (c === '/' && body[j + 1] === '/')) return j;
    else j += 1;
  }
  return j;
}

/**
 * Top-level attributes (`name = expression`, the expression's source text) and nested blocks (`name { ... }`, their
 * body text, repeated blocks in order) of a block body.
 */
export function parseBody(body) {
  const attributes = {};
  const blocks = [];
  let i = 0;
  while (i < body.length) {
    const match = /^[ \t\r\n]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*((?:"[^"\n]*"[ \t]*)*)(=|\{)/.exec(body.slice(i));
    if (!match || (match[3] === '=' && body[i + match[0].length] === '=')) {
      i = lineEnd(body, i) + 1;
      continue;
    }
    const valueStart = i + match[0].length;
    if (match[3] === '{') {
      const close = skipBalanced(body, valueStart - 1);
      blocks.push({ type: match[1], body: body.slice(valueStart, close - 1) });
      i = close;
      continue;
    }
    const end = expressionEnd(body, valueStart);
    attributes[match[1]] = body.slice(valueStart, end).trim();
    i = end;
  }
  return { attributes, blocks };
}

/** Top-level blocks of a file: type, labels, attributes, nested blocks and the 1-based line of the header. */
export function topLevelBlocks(text) {
  const found = [];
  const pattern = /^([A-Za-z_][A-Za-z0-9_-]*)((?:[ \t]+"[^"\n]*")*)[ \t]*\{/gm;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const open = match.index + match[0].length - 1;
    const close = skipBalanced(text, open);
    const labels = [...match[2].matchAll(/"([^"\n]*)"/g)].map((label) => label[1]);
    const line = text.slice(0, match.index).split('\n').length;
    found.push({ type: match[1], labels, line, ...parseBody(text.slice(open + 1, close - 1)) });
    pattern.lastIndex = close;
  }
  return found;
}

/** The value of a literal expression: strings, heredocs, numbers, bools, null, tuples and objects of those. */
export function literal(expression) {
  const parser = { text: expression, at: 0 };
  const value = parseValue(parser);
  skipSpace(parser);
  if (parser.at !== parser.text.length) fail(parser, 'expected the end of the expression');
  return value;
}

function fail(parser, message) {
  throw new Error(`${message} at offset ${parser.at} of \`${parser.text}\` (only literal values can be documented)`);
}

function skipSpace(parser, { newlines = true } = {}) {
  const space = newlines ? /^(?:[ \t\r\n,]|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)+/ : /^[ \t]+/;
  const match = space.exec(parser.text.slice(parser.at));
  if (match) parser.at += match[0].length;
}

function parseValue(parser) {
  skipSpace(parser);
  const rest = parser.text.slice(parser.at);
  if (rest.startsWith('"')) return parseQuoted(parser);
  if (rest.startsWith('<<')) return parseHeredoc(parser);
  if (rest.startsWith('[')) return parseSequence(parser, ']', () => parseValue(parser), []);
  if (rest.startsWith('{')) return parseObject(parser);
  const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_.])/.exec(rest);
  if (number) {
    parser.at += number[0].length;
    return Number(number[0]);
  }
  const keyword = /^(true|false|null)(?![A-Za-z0-9_-])/.exec(rest);
  if (keyword) {
    parser.at += keyword[0].length;
    return JSON.parse(keyword[1]);
  }
  return fail(parser, 'not a literal value');
}

function parseSequence(parser, close, item, into) {
  parser.at += 1;
  for (;;) {
    skipSpace(parser);
    if (parser.text[parser.at] === close) {
      parser.at += 1;
      return into;
    }
    if (parser.at >= parser.text.length) fail(parser, `missing ${close}`);
    into.push(item());
  }
}

function parseObject(parser) {
  const entries = parseSequence(
    parser,
    '}',
    () => {
      const key = parser.text[parser.at] === '"' ? parseQuoted(parser) : parseIdentifier(parser);
      skipSpace(parser, { newlines: false });
      if (!/^[=:]/.test(parser.text.slice(parser.at))) fail(parser, 'expected = or : after an object key');
      parser.at += 1;
      return [key, parseValue(parser)];
    },
    [],
  );
  return Object.fromEntries(entries);
}

function parseIdentifier(parser) {
  const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(parser.text.slice(parser.at));
  if (!match) return fail(parser, 'expected an object key');
  parser.at += match[0].length;
  return match[0];
}

const ESCAPES = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

function parseQuoted(parser) {
  let value = '';
  let i = parser.at + 1;
  const { text } = parser;
  while (i < text.length && text[i] !== '"') {
    if (text[i] === '\\') {
      const unicode = /^\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))/.exec(text.slice(i));
      if (unicode) {
        value += String.fromCodePoint(parseInt(unicode[1] ?? unicode[2], 16));
        i += unicode[0].length;
        continue;
      }
      if (!(text[i + 1] in ESCAPES)) fail({ ...parser, at: i }, 'unknown escape');
      value += ESCAPES[text[i + 1]];
      i += 2;
    } else {
      const chunk = templateChunk(parser, text, i);
      value += chunk.value;
      i = chunk.next;
    }
  }
  if (i >= text.length) fail(parser, 'unterminated string');
  parser.at = i + 1;
  return value;
}

/** One character of template text, `$${` and `%%{` unescaped; an interpolation or directive is not a literal. */
function templateChunk(parser, text, i) {
  if ((text[i] === '$' || text[i] === '%') && text[i + 1] === text[i] && text[i + 2] === '{') {
    return { value: `${text[i]}{`, next: i + 3 };
  }
  if ((text[i] === '$' || text[i] === '%') && text[i + 1] === '{')
    fail({ ...parser, at: i }, 'a template is not a literal');
  return { value: text[i], next: i + 1 };
}

function parseHeredoc(parser) {
  const match = /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(parser.text.slice(parser.at));
  if (!match) return fail(parser, 'not a heredoc');
  const bodyStart = parser.at + match[0].length;
  const end = new RegExp(`^[ \\t]*${match[2]}[ \\t]*$`, 'm').exec(parser.text.slice(bodyStart));
  if (!end) return fail(parser, 'unterminated heredoc');
  parser.at = bodyStart + end.index + end[0].length;
  const lines = parser.text
    .slice(bodyStart, bodyStart + end.index)
    .split('\n')
    .slice(0, -1);
  const strip = match[1]
    ? Math.min(...lines.filter((line) => line.trim()).map((line) => /^[ \t]*/.exec(line)[0].length))
    : 0;
  const body = lines.map((line) => line.slice(Math.min(strip, /^[ \t]*/.exec(line)[0].length))).join('\n');
  let value = '';
  for (let i = 0; i < body.length; ) {
    const chunk = templateChunk(parser, body, i);
    value += chunk.value;
    i = chunk.next;
  }
  return `${value}\n`;
}
