// Every section the repository's Markdown files point to exists. A pointer is a link to `FILE.md#anchor` or
// `#anchor`, or the quoted form the prose uses, `docs/OPERATIONS.md, "The database role"` or `README: "Layout"`.
// Anchors are computed as GitHub computes them for headings (github-slugger), plus the explicit `<a name="...">` of
// the generated tables.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import GithubSlugger, { slug } from 'github-slugger';

const root = join(import.meta.dirname, '..');

/** The documents whose pointers are checked: every tracked Markdown file but the built ones. */
const SOURCES = spawnSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' })
  .stdout.split('\n')
  .filter((file) => file && !file.startsWith('dist/') && existsSync(join(root, file)));

/** The text with every fenced code block blanked, line for line: a `#` in a shell block is no heading. */
function prose(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length))) {
        fence = fence ? undefined : marker;
        return '';
      }
      return fence ? '' : line;
    })
    .join('\n');
}

/** What GitHub renders of a heading's Markdown, which its anchor is made from. */
function renderedText(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*+/g, '');
}

/** The anchors of a Markdown document: one per heading, repeats numbered as GitHub numbers them, and `<a name>`s. */
export function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const line of prose(markdown).split('\n')) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)?.[1];
    if (heading !== undefined) anchors.add(slugger.slug(renderedText(heading)));
  }
  for (const match of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] as string);
  return anchors;
}

export interface Pointer {
  /** Where it is written: `file:line`. */
  readonly at: string;
  /** As written. */
  readonly text: string;
  /** The document it points into, relative to the repository root. */
  readonly target: string;
  /** The anchor it needs there, or undefined for a link to the document as a whole. */
  readonly anchor: string | undefined;
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Links to a Markdown document (optionally `#anchor`) or to an anchor of this one; links elsewhere are not ours. */
function links(file: string, text: string): Pointer[] {
  const pointers: Pointer[] = [];
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = match[1] as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
    const [path = '', fragment] = href.split('#');
    if (path && !path.endsWith('.md')) continue;
    pointers.push({
      at: `${file}:${lineOf(text, match.index)}`,
      text: href,
      target: path ? normalize(join(dirname(file), decodeURI(path))) : file,
      // A Markdown link destination may escape punctuation: the generated tables write `#input\_name`.
      anchor: fragment === undefined ? undefined : decodeURIComponent(fragment.replace(/\\(.)/g, '$1')),
    });
  }
  return pointers;
}

/** The prose form, `docs/X.md, "Heading"` or `README: "Heading"`, possibly broken over two lines; paths from root. */
function quoted(file: string, text: string): Pointer[] {
  return [...text.matchAll(/(?<![\w/.-])(README|[\w./-]+\.md)[,:]\s+"([^"\n]+(?:\n[^"\n]+)?)"/g)].map((match) => {
    const heading = (match[2] as string).replace(/\s+/g, ' ');
    return {
      at: `${file}:${lineOf(text, match.index)}`,
      text: match[0].replace(/\s+/g, ' '),
      target: match[1] === 'README' ? 'README.md' : (match[1] as string),
      anchor: slug(renderedText(heading)),
    };
  });
}

/** Every pointer written in one document. */
export function pointersIn(file: string, markdown: string): Pointer[] {
  const text = prose(markdown);
  return [...links(file, text), ...quoted(file, text)];
}

/** The pointers that lead nowhere, each as one line naming where it is written and what is missing. */
export function brokenPointers(pointers: readonly Pointer[], read: (file: string) => string | undefined): string[] {
  const anchors = new Map<string, Set<string> | undefined>();
  const anchorsIn = (file: string) => {
    if (!anchors.has(file)) {
      const markdown = read(file);
      anchors.set(file, markdown === undefined ? undefined : anchorsOf(markdown));
    }
    return anchors.get(file);
  };
  return pointers.flatMap((pointer) => {
    const found = anchorsIn(pointer.target);
    if (!found) return [`${pointer.at}: ${pointer.text}: ${pointer.target} does not exist`];
    if (pointer.anchor === undefined || found.has(pointer.anchor)) return [];
    return [`${pointer.at}: ${pointer.text}: ${pointer.target} has no section with the anchor #${pointer.anchor}`];
  });
}

const readRepoFile = (file: string) => {
  const path = join(root, file);
  return relative(root, path).startsWith('..') || !existsSync(path) ? undefined : readFileSync(path, 'utf8');
};

describe('section anchors', () => {
  it('are the ones GitHub gives: punctuation dropped, code kept, repeats numbered, explicit anchors too', () => {
    const markdown = [
      '# terraform-aws-notifier',
      '### 1. Usage: the module block',
      '## `notifier start` on Node 22.13+',
      '```sh',
      '# a comment in a shell block, not a heading',
      '```',
      '## Inputs',
      '## Inputs',
      '## [Upgrading](docs/UPGRADING.md) from v23.0 to **v26.0**',
      '| <a name="input_runtime"></a> [runtime](#input\\_runtime) |',
    ].join('\n');
    assert.deepEqual(
      [...anchorsOf(markdown)],
      [
        'terraform-aws-notifier',
        '1-usage-the-module-block',
        'notifier-start-on-node-2213',
        'inputs',
        'inputs-1',
        'upgrading-from-v230-to-v260',
        'input_runtime',
      ],
    );
    assert.ok(anchorsOf('## After apply: config and secrets').has('after-apply-config-and-secrets'));
    assert.ok(anchorsOf('## Operating it: the `notifier` CLI').has('operating-it-the-notifier-cli'));
  });

  it('are pointed to by links, relative to the document, and by the quoted form, from the repository root', () => {
    const markdown = [
      'See [Inputs](#inputs), [the role](docs/OPERATIONS.md#the-database-role), [input](#input\\_runtime),',
      '[ADRs](docs/adr), [a page](https://example.com/x.md#y) and (docs/OPERATIONS.md, "The database',
      'role"); README: "Messenger policy".',
      '```',
      '[not](#a-link-in-code)',
      '```',
    ].join('\n');
    assert.deepEqual(
      pointersIn('docs/CONFIG.md', markdown).map((pointer) => [pointer.at, pointer.target, pointer.anchor]),
      [
        ['docs/CONFIG.md:1', 'docs/CONFIG.md', 'inputs'],
        ['docs/CONFIG.md:1', 'docs/docs/OPERATIONS.md', 'the-database-role'],
        ['docs/CONFIG.md:1', 'docs/CONFIG.md', 'input_runtime'],
        ['docs/CONFIG.md:2', 'docs/OPERATIONS.md', 'the-database-role'],
        ['docs/CONFIG.md:3', 'README.md', 'messenger-policy'],
      ],
    );
  });

  it('that are missing are named with the pointer, where it is written and the document it points into', () => {
    const files: Record<string, string> = { 'README.md': '# Title\n## Layout\n', 'CHANGELOG.md': '' };
    const pointers = pointersIn(
      'CHANGELOG.md',
      'README, "Layout"; README: "Messenger policy"; [x](docs/GONE.md#a); [y](#nothing)',
    );
    assert.deepEqual(
      brokenPointers(pointers, (file) => files[file]),
      [
        'CHANGELOG.md:1: docs/GONE.md#a: docs/GONE.md does not exist',
        'CHANGELOG.md:1: #nothing: CHANGELOG.md has no section with the anchor #nothing',
        'CHANGELOG.md:1: README: "Messenger policy": README.md has no section with the anchor #messenger-policy',
      ],
    );
  });

  it(`every one that the ${SOURCES.length} Markdown files (README, CHANGELOG, docs/, modules, examples) point to exists`, () => {
    assert.ok(['README.md', 'CHANGELOG.md', 'docs/OPERATIONS.md'].every((file) => SOURCES.includes(file)));
    const pointers = SOURCES.flatMap((file) => pointersIn(file, readFileSync(join(root, file), 'utf8')));
    assert.ok(pointers.length > 100, `found only ${pointers.length} pointers: is the scan broken?`);
    assert.deepEqual(brokenPointers(pointers, readRepoFile), []);
  });
});
