// Renders a module (see module.mjs) as terraform-docs' `markdown table` formatter does (version 0.22 and later, default
// settings, lock file off): the same section order, anchors, escaping, line breaks and code blocks, so that running
// terraform-docs over a README this wrote changes nothing. The rules mirror terraform-docs' template/sanitizer.go and
// format/templates/markdown_table*.tmpl, quirks included.

/** The text between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`, without the markers. */
export function renderMarkdownTable(module) {
  const sections = [
    table('Requirements', ['Name', 'Version'], module.requirements, (r) => [
      anchor('requirement', r.name),
      r.version || 'n/a',
    ]),
    table('Providers', ['Name', 'Version'], module.providers, (p) => [anchor('provider', p.name), p.version || 'n/a']),
    table('Modules', ['Name', 'Source', 'Version'], module.modules, (m) => [
      anchor('module', m.name),
      m.source,
      m.version || 'n/a',
    ]),
    table('Resources', ['Name', 'Type'], module.resources, (r) => [
      resourceLink(r),
      r.mode === 'managed' ? 'resource' : 'data source',
    ]),
    table('Inputs', ['Name', 'Description', 'Type', 'Default', 'Required'], module.inputs, (i) => [
      anchor('input', i.name),
      sanitizeMarkdownTable(i.description),
      sanitizeMarkdownTable(fenced(i.type)),
      i.required ? 'n/a' : sanitizeMarkdownTable(fenced(goJson(i.default))),
      i.required ? 'yes' : 'no',
    ]),
    table('Outputs', ['Name', 'Description'], module.outputs, (o) => [
      anchor('output', o.name),
      sanitizeMarkdownTable(o.description),
    ]),
  ];
  return sanitizeDocument(sections.join('\n\n')).replace(/\n$/, '');
}

function table(title, headers, rows, cells) {
  if (rows.length === 0) return `## ${title}\n\nNo ${title.toLowerCase()}.`;
  const separator = headers.map((h) => (h === 'Required' ? ':------:' : '-'.repeat(h.length)));
  const line = (values) => `| ${values.join(' | ')} |`;
  return [`## ${title}`, '', line(headers), line(separator), ...rows.map((row) => line(cells(row)))].join('\n');
}

const escapeName = (name) => name.replaceAll('_', '\\_');

/** The link target is escaped like the name: that is how terraform-docs writes it. */
function anchor(prefix, name) {
  return `<a name="${prefix}_${name}"></a> [${escapeName(name)}](#${escapeName(`${prefix}_${name}`)})`;
}

function resourceLink(r) {
  const spec = `${r.provider}_${r.type}.${r.name}`;
  if (r.source.split('/').length > 2) return spec;
  const kind = r.mode === 'managed' ? 'resources' : 'data-sources';
  return `[${spec}](https://registry.terraform.io/providers/${r.source}/${r.version}/docs/${kind}/${r.type})`;
}

/** A one-line value in backticks; anything longer as a fenced block, which the table turns into <pre>. */
const fenced = (code) => (code.includes('\n') ? `\n\n\`\`\`\n${code}\n\`\`\`\n` : `\`${code}\``);

/** JSON as Go's encoder writes a default: two-space indent, keys sorted, no HTML escaping. */
function goJson(value) {
  const sorted = (v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted(v[k])]),
        )
      : Array.isArray(v)
        ? v.map(sorted)
        : v;
  return JSON.stringify(sorted(value), null, 2) ?? 'null';
}

/** Splits on `prefix` and maps the pieces outside and inside it, skipping empty pieces as terraform-docs does. */
function processSegments(s, prefix, outside, inside) {
  const segments = s.split(prefix);
  let inCode = s.startsWith(prefix);
  let result = '';
  segments.forEach((segment) => {
    if (segment.length === 0) return;
    result += inCode ? inside(segment) : outside(segment);
    inCode = !inCode;
  });
  return result;
}

export function sanitizeMarkdownTable(s) {
  if (s === '') return 'n/a';
  return processSegments(
    s,
    '```',
    (segment) => normalizeUrls(convertMultiLineText(escapeCharacters(segment))),
    (segment) => `<pre>${segment.trim().replaceAll('\n', '<br/>').replaceAll('\r', '')}</pre>`,
  );
}

/** Pipes and underscores escaped outside inline code; underscores that look like emphasis are kept. */
function escapeCharacters(s) {
  const pipes = processSegments(
    s,
    '`',
    (segment) => segment.replaceAll('|', '\\|'),
    (segment) => `\`${segment}\``,
  );
  return processSegments(
    pipes,
    '`',
    (segment) => segment.split('\n').map(escapeUnderscores).join('\n'),
    (segment) => `\`${segment}\``,
  );
}

const SPACE = '[\\t\\n\\f\\r ]';
const EMPHASIS = [
  { pattern: new RegExp(`^(${SPACE}*)(_+)(${SPACE}+)([^\\n]*)`, 'gd'), groups: [2] },
  {
    pattern: new RegExp(`(${SPACE}+)(_+)([^\\t\\n\\f\\r _])([^\\n]*)([^\\t\\n\\f\\r _])(_+)(${SPACE}+)`, 'gd'),
    groups: [6, 2],
  },
];
const KEEP = Buffer.from('‡‡‡DONTESCAPE‡‡‡', 'utf8').toString('latin1');

/**
 * terraform-docs works on UTF-8 bytes and splices every match at the offsets found before the first splice, so the
 * line is handled as one latin1 character per byte to land on the same offsets.
 */
function escapeUnderscores(text) {
  let line = Buffer.from(text, 'utf8').toString('latin1');
  for (const { pattern, groups } of EMPHASIS) {
    for (const match of [...line.matchAll(pattern)]) {
      for (const group of groups) {
        const [start, end] = match.indices[group];
        line = line.slice(0, start) + match[group].replaceAll('_', KEEP) + line.slice(end);
      }
    }
  }
  line = line.replaceAll('_', '\\_').replaceAll(KEEP, '_');
  return Buffer.from(line, 'latin1').toString('utf8');
}

/** Line breaks become <br/>, after the Markdown convention of two spaces before a line break. */
function convertMultiLineText(s) {
  return s
    .trim()
    .replace(/([^\t\n\f\r ]*)(\r?\n)([\t\n\f\r ]*)([0-9A-Za-z_]+)/g, '$1  $2$3$4')
    .replaceAll('    \n', '  \n')
    .replaceAll('  \n\n', '\n\n')
    .replaceAll('\n  \n', '\n\n')
    .replaceAll('  \n', '<br/>')
    .replaceAll('\n', '<br/>');
}

/** URLs get back the backslashes escaping added. */
const normalizeUrls = (s) => s.replace(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s<>"'`]+/g, (url) => url.replaceAll('\\', ''));

/** terraform-docs' last pass over the whole text: trailing spaces and runs of blank lines. */
function sanitizeDocument(markdown) {
  const doubleSpace = '\u0000DOUBLESPACES\u0000';
  return markdown
    .replace(/ {2}(\r?\n)/g, `${doubleSpace}$1`)
    .replace(/ +(\r?\n)/g, '$1')
    .replace(/ +$/, '')
    .replace(new RegExp(`${doubleSpace}(\\r?\\n)`, 'g'), '  $1')
    .replace(/(\r?\n) {2}(\r?\n)/g, '$1')
    .replace(/(\r?\n){3,}/g, '$1$1')
    .replace(/(\r?\n){2,}$/, '');
}
