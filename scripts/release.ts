// npm run release -- X.Y.Z [--dry-run]
// Writes X.Y.Z wherever the version is written, moves the changelog's Unreleased section under "## [X.Y.Z] - date",
// rebuilds dist/ and the CLI package, runs every check (npm test), then commits and creates the annotated tag vX.Y.Z.
// --dry-run does all of that but the commit and the tag, shows the changes, and puts the files back.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const UNRELEASED = /^## \[Unreleased\][^\n]*\n/m;
const RELEASED = /^## \[(\d+\.\d+\.\d+)\]/m;
// A module block that uses this module from a registry, and a git source pinned to a tag, in any Markdown file.
const REGISTRY_CONSTRAINT = /(source\s*=\s*"[^"\n]*notifier[^"\n]*"[^\n]*\n\s*version\s*=\s*"~>\s*)([0-9.]+)(")/g;
const GIT_REF = /(terraform-aws-notifier\.git[^"\s]*\?ref=v)(\d+\.\d+\.\d+)/g;

export class ReleaseError extends Error {
  override readonly name = 'ReleaseError';
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((version) => version.split('.').map(Number));
  for (let index = 0; index < 3; index += 1) {
    const difference = (x?.[index] ?? 0) - (y?.[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/** The newest version the changelog records as released (its first "## [X.Y.Z]" heading), if any. */
export function newestReleased(changelog: string): string | undefined {
  return RELEASED.exec(changelog)?.[1];
}

/** The changelog with its Unreleased section moved under "## [version] - date" and a new, empty Unreleased above. */
export function releaseChangelog(changelog: string, version: string, date: string): string {
  const heading = UNRELEASED.exec(changelog);
  if (!heading) throw new ReleaseError('CHANGELOG.md has no "## [Unreleased]" section');
  const start = heading.index + heading[0].length;
  const next = /^## \[/m.exec(changelog.slice(start));
  const end = next ? start + next.index : changelog.length;
  const body = changelog.slice(start, end).trim();
  if (!body) throw new ReleaseError('the Unreleased section of CHANGELOG.md is empty: nothing to release');
  return `${changelog.slice(0, heading.index)}## [Unreleased]\n\n## [${version}] - ${date}\n\n${body}\n${next ? '\n' : ''}${changelog.slice(end)}`;
}

/** The Unreleased section's text: the annotated tag's message. */
export function unreleasedNotes(changelog: string): string {
  const heading = UNRELEASED.exec(changelog);
  if (!heading) return '';
  const rest = changelog.slice(heading.index + heading[0].length);
  return rest.slice(0, /^## \[/m.exec(rest)?.index ?? rest.length).trim();
}

/** The text under "## [version]" in the changelog: the release's notes. */
export function releasedNotes(changelog: string, version: string): string {
  const heading = new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\][^\\n]*\\n`, 'm').exec(changelog);
  if (!heading) throw new ReleaseError(`CHANGELOG.md has no "## [${version}]" section`);
  const rest = changelog.slice(heading.index + heading[0].length);
  return rest.slice(0, /^## \[/m.exec(rest)?.index ?? rest.length).trim();
}

/** A shell word: single-quoted, a quote inside written as '\''. */
const shellQuote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/** The command that creates the release's annotated tag, its message the changelog section, as a person would type it. */
export function tagCommand(version: string, notes: string): string {
  return `git tag -a v${version} --cleanup=verbatim -m ${shellQuote(`v${version}\n\n${notes}`)}`;
}

/** Versions the module's usage snippets pin: registry constraints ("~> X.Y.Z") and git refs ("?ref=vX.Y.Z"). */
export function pinnedVersions(markdown: string): { constraint: string[]; ref: string[] } {
  return {
    constraint: [...markdown.matchAll(REGISTRY_CONSTRAINT)].map((match) => match[2] ?? ''),
    ref: [...markdown.matchAll(GIT_REF)].map((match) => match[2] ?? ''),
  };
}

export function pinVersion(markdown: string, version: string): string {
  return markdown.replace(REGISTRY_CONSTRAINT, `$1${version}$3`).replace(GIT_REF, `$1${version}`);
}

/**
 * Sets the first `count` "version" fields of a JSON text (a package.json's own, a lockfile's two) without reformatting
 * it.
 */
function setJsonVersion(text: string, count: number, version: string): string {
  let left = count;
  return text.replace(/("version":\s*")[^"]*(")/g, (match, before: string, after: string) =>
    left-- > 0 ? `${before}${version}${after}` : match,
  );
}

interface VersionSite {
  readonly file: string;
  read(text: string): string[];
  write(text: string, version: string): string;
}

const JSON_SITES: VersionSite[] = [
  {
    file: 'package.json',
    read: (text) => [JSON.parse(text).version],
    write: (text, version) => setJsonVersion(text, 1, version),
  },
  {
    file: 'package-lock.json',
    read: (text) => [JSON.parse(text).version, JSON.parse(text).packages[''].version],
    write: (text, version) => setJsonVersion(text, 2, version),
  },
  {
    file: 'packages/cli/package.json',
    read: (text) => [JSON.parse(text).version],
    write: (text, version) => setJsonVersion(text, 1, version),
  },
];

/**
 * Every place the version is written: the manifests, and every tracked Markdown file but the changelog that pins it.
 */
export function versionSites(root: string): VersionSite[] {
  const markdown = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file && file !== 'CHANGELOG.md');
  const pinned = markdown.filter((file) => {
    const found = pinnedVersions(readFileSync(join(root, file), 'utf8'));
    return found.constraint.length + found.ref.length > 0;
  });
  return [
    ...JSON_SITES,
    ...pinned.map((file) => ({
      file,
      read: (text: string) => Object.values(pinnedVersions(text)).flat(),
      write: pinVersion,
    })),
  ];
}

/** Each place and the version it states; the changelog's newest release counts when there is one. */
export function readVersions(root: string): { where: string; version: string }[] {
  const found = versionSites(root).flatMap((site) =>
    site
      .read(readFileSync(join(root, site.file), 'utf8'))
      .map((version) => ({ where: site.file, version: String(version) })),
  );
  const released = newestReleased(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'));
  return released ? [...found, { where: 'CHANGELOG.md (newest release)', version: released }] : found;
}

function git(root: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
}

function run(root: string, command: string, args: string[]): void {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0)
    throw new ReleaseError(`"${command} ${args.join(' ')}" failed (exit ${result.status ?? result.signal})`);
}

/**
 * Refuses a release that would not be a clean step forward: returns the current version, and whether the files
 * already record this release and only its tag is missing.
 */
function preconditions(root: string, version: string): { current: string; tagOnly: boolean } {
  if (git(root, 'status', '--porcelain', '--untracked-files=no'))
    throw new ReleaseError('the working tree has uncommitted changes: commit or stash them first');
  if (git(root, 'tag', '--list', `v${version}`)) throw new ReleaseError(`the tag v${version} exists already`);
  const versions = readVersions(root);
  const current = versions[0]?.version ?? '';
  const disagreeing = versions.filter((entry) => entry.version !== current);
  if (disagreeing.length > 0)
    throw new ReleaseError(
      `the version is not the same everywhere: package.json says ${current}, ${disagreeing.map((entry) => `${entry.where} ${entry.version}`).join(', ')}`,
    );
  const released = newestReleased(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'));
  // Released in the files (the changelog has its section, every file its number) but never tagged: only the tag is due.
  if (released === version && current === version) return { current, tagOnly: true };
  // Before the first release the manifests already carry the version it will have; after that, each release steps up.
  const floor = released ?? current;
  if (released ? compareVersions(version, floor) <= 0 : compareVersions(version, floor) < 0) {
    throw new ReleaseError(
      `${version} does not follow ${floor}${released ? ', the newest release in CHANGELOG.md' : ', the version in package.json'}`,
    );
  }
  return { current, tagOnly: false };
}

/** Writes the version everywhere and releases the changelog; returns the files it changed and the tag's notes. */
function applyVersion(root: string, version: string, date: string): { files: string[]; notes: string } {
  const changes = versionSites(root).map((site) => ({
    file: site.file,
    text: site.write(readFileSync(join(root, site.file), 'utf8'), version),
  }));
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  const notes = unreleasedNotes(changelog);
  changes.push({ file: 'CHANGELOG.md', text: releaseChangelog(changelog, version, date) });
  for (const change of changes) writeFileSync(join(root, change.file), change.text);
  return { files: changes.map((change) => change.file), notes };
}

function assertVersion(root: string, version: string): void {
  const disagreeing = readVersions(root).filter((entry) => entry.version !== version);
  if (disagreeing.length > 0)
    throw new ReleaseError(
      `after the update, ${disagreeing.map((entry) => `${entry.where} still says ${entry.version}`).join(', ')}`,
    );
}

export const USAGE = `npm run release -- X.Y.Z [--dry-run]

Writes X.Y.Z into package.json, package-lock.json, packages/cli/package.json and the module's usage snippets in the
Markdown files ("~> X.Y.Z", "?ref=vX.Y.Z"), moves CHANGELOG.md's Unreleased section under "## [X.Y.Z] - <today>",
rebuilds dist/ and the CLI package, runs every check (npm test), commits "chore(release): vX.Y.Z" and creates the
annotated tag vX.Y.Z, printing the tag command and the changelog section. It pushes and publishes nothing. When the
files already record X.Y.Z (its CHANGELOG.md section, its number everywhere) and only the tag is missing, it prints
that section and the tag command, and creates the tag on HEAD.

  --dry-run       everything but the commit and the tag; shows the changes, then puts the files back
  --skip-checks   skip npm test: only for the release script's own test, which runs inside npm test`;

/**
 * The files already record the release (its changelog section, its number everywhere) and only the tag is missing:
 * prints the section and the tag command, and creates the tag on HEAD unless this is a dry run.
 */
function tagRelease(root: string, version: string, dryRun: boolean): number {
  const notes = releasedNotes(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version);
  const command = tagCommand(version, notes);
  console.log(`${version} is recorded in CHANGELOG.md and in every file, but v${version} is not tagged yet.\n`);
  console.log(`${command}\n`);
  if (dryRun) {
    console.log(`dry run: nothing tagged; run the command above, or this without --dry-run, to tag HEAD`);
    return 0;
  }
  execFileSync('git', ['tag', '--annotate', '--cleanup=verbatim', `v${version}`, '--file', '-'], {
    cwd: root,
    input: `v${version}\n\n${notes}\n`,
  });
  console.log(`tagged ${git(root, 'rev-parse', '--short', 'HEAD')} as v${version}. Next: git push --follow-tags`);
  return 0;
}

async function main(): Promise<number> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean' }, 'skip-checks': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const version = positionals[0] ?? '';
  if (positionals.length !== 1 || !SEMVER.test(version)) {
    console.error(`release: expected one version X.Y.Z, got ${JSON.stringify(positionals.join(' '))}\n\n${USAGE}`);
    return 2;
  }
  const { current, tagOnly } = preconditions(root, version);
  if (tagOnly) return tagRelease(root, version, values['dry-run'] ?? false);
  const { files, notes } = applyVersion(root, version, new Date().toISOString().slice(0, 10));
  const restore = () => execFileSync('git', ['checkout', '--', ...files, 'dist'], { cwd: root });
  try {
    assertVersion(root, version);
    run(root, process.execPath, ['scripts/build.mjs']);
    run(root, process.execPath, ['packages/cli/build.mjs']);
    if (!values['skip-checks']) run(root, 'npm', ['test']);
  } catch (error) {
    restore();
    throw error;
  }
  if (values['dry-run']) {
    console.log(`\n${git(root, 'diff', '--stat')}\n${git(root, 'diff', '--', 'CHANGELOG.md')}`);
    console.log(`\nthe tag it would create:\n${tagCommand(version, notes)}`);
    restore();
    console.log(`\ndry run: ${current} -> ${version} checked and built; nothing committed or tagged, files put back`);
    return 0;
  }
  execFileSync('git', ['add', '--', ...files, 'dist'], { cwd: root });
  execFileSync('git', ['commit', '--quiet', '-m', `chore(release): v${version}`], { cwd: root, stdio: 'inherit' });
  // Verbatim: the default cleanup would drop the notes' "### Added" headings as comment lines.
  execFileSync('git', ['tag', '--annotate', '--cleanup=verbatim', `v${version}`, '--file', '-'], {
    cwd: root,
    input: `v${version}\n\n${notes}\n`,
  });
  console.log(`\n${tagCommand(version, notes)}`);
  console.log(`\nreleased v${version}: commit ${git(root, 'rev-parse', '--short', 'HEAD')}, annotated tag v${version}.
Next: git push --follow-tags (the Terraform Registry picks up the tag), then (cd packages/cli && npm publish).`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main();
  } catch (error) {
    if (!(error instanceof ReleaseError)) throw error;
    console.error(`release: ${error.message}`);
    process.exitCode = 1;
  }
}
